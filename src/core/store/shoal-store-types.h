/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Plain rows that the store hands out: immutable snapshots, safe to pass
 * between threads.  Amounts are atomic units (1 XMR = 10^12). */

typedef enum
{
  SHOAL_STORE_BLOCK_PENDING,    /* found, waiting for confirmations */
  SHOAL_STORE_BLOCK_ORPHANED,   /* no longer on the main chain: credits nothing */
  SHOAL_STORE_BLOCK_UNLOCKED,   /* solo mode: unlocked, the reward is in the user's wallet */
  SHOAL_STORE_BLOCK_CREDITED,   /* small-pool mode: unlocked and split into balances (final) */
} ShoalStoreBlockState;

typedef enum
{
  SHOAL_BATCH_PLANNED,    /* balances reserved, nothing asked of the wallet yet */
  SHOAL_BATCH_BUILT,      /* transactions built (not relayed), hashes + metadata stored */
  SHOAL_BATCH_RELAYED,    /* relay_tx accepted; waiting to be mined */
  SHOAL_BATCH_CONFIRMED,  /* the wallet lists every transaction as "out" (final) */
  SHOAL_BATCH_FAILED,     /* provably never mined; reserved balances released (final) */
} ShoalBatchState;

const char *shoal_store_block_state_to_string (ShoalStoreBlockState  state);
gboolean    shoal_store_block_state_parse     (const char      *text,
                                         ShoalStoreBlockState *state);
const char *shoal_batch_state_to_string (ShoalBatchState  state);
gboolean    shoal_batch_state_parse     (const char      *text,
                                         ShoalBatchState *state);

/* What a block was found under: it is credited with these. */
typedef struct
{
  gboolean  pplns;          /* FALSE: solo, the coinbase paid the user */
  guint     fee_bps;
  guint     window_factor;  /* PPLNS's N */
  gboolean  has_share;
  guint8    share_hash[32]; /* the PoW hash of the share that found it */
} ShoalBlockTerms;

typedef struct
{
  char            *hash;           /* block id, 64 hex characters */
  guint64          height;
  guint64          reward;         /* coinbase reward in atomic units */
  ShoalStoreBlockState  state;
  guint64          confirmations;  /* blocks on top of it (monerod's "depth") */
  gint64           found_us;       /* wall clock, microseconds */
  guint64          difficulty;     /* network difficulty it was found at */
  guint64          work;           /* share difficulty summed since the previous block */
  gboolean         has_terms;      /* FALSE for blocks stored before terms were */
  ShoalBlockTerms  terms;
  gint64           share_id;       /* the share that found it; 0: not known (yet) */
} ShoalStoreBlock;

typedef struct
{
  char    *address;
  char    *worker;
  guint64  shares;
  guint64  difficulty;     /* share difficulty summed: work done */
  gint64   last_share_us;
} ShoalStoreWorker;

typedef struct
{
  char    *address;
  guint64  amount;    /* available: can be planned into a payout */
  guint64  reserved;  /* held by an unfinished payout batch */
  guint64  paid;      /* sent in confirmed batches */
  guint64  credited;  /* everything ever credited: amount + reserved + paid */
} ShoalStoreBalance;

typedef struct
{
  gint64           batch_id;
  char            *address;
  guint64          amount;
  char            *tx_hash;   /* NULL until the batch is confirmed */
  ShoalBatchState  state;     /* the batch's state */
  gint64           created_us;
} ShoalStorePayment;

typedef struct
{
  gint64           id;
  ShoalBatchState  state;
  gint64           created_us;
  gint64           updated_us;
  guint64          total;        /* sum of the payments */
  guint64          fee;          /* network fee, paid by the pool wallet */
  char           **tx_hashes;    /* NULL before built */
  char           **tx_metadata;  /* NULL before built */
  char            *note;         /* why it failed, or what needs attention */
  char           **key_images;   /* per transaction, its inputs' key images
                                  * (hex, space-separated); NULL for batches
                                  * built before they were recorded */
  guint64          conflict_height; /* node height when every transaction was
                                     * first seen double-spent; 0: not seen */
} ShoalStoreBatch;

typedef struct
{
  gint64   time_us;
  guint64  hashrate;   /* hashes per second */
  guint    miners;
  guint    workers;
} ShoalStoreStats;

/* One miner's share of a PPLNS window, and what a block credits it. */
typedef struct
{
  char    *address;
  guint64  weight;
  guint64  amount;
} ShoalCredit;

/* A payout an upstream pool (P2Pool) made to the pool wallet: a coinbase
 * the wallet received, credited once it unlocked over the members' work
 * from WINDOW_START_US up to WINDOW_END_US. */
typedef struct
{
  char    *txid;             /* the coinbase transaction: the income's key */
  guint64  height;           /* the Monero block that paid it */
  guint64  amount;           /* what the pool wallet received */
  char    *sidechain;        /* "main", "mini" or "nano" */
  gint64   window_start_us;
  gint64   window_end_us;
  guint    fee_bps;
  guint64  fee;              /* to the fee account; the credits get the rest */
  gint64   credited_us;      /* 0: a payout on its way, not credited yet */
  guint64  unlocks_in;       /* on its way: blocks until it unlocks and is credited */
} ShoalStoreIncome;

/* A payout from an upstream, and what it credited each member
 * (ShoalCredit by address; only the asked member's in a member's report). */
typedef struct
{
  ShoalStoreIncome *income;
  GPtrArray        *credits;
} ShoalStoreIncomeReport;

/* A rig's share that also reached the P2Pool sidechain's difficulty. */
typedef struct
{
  gint64   time_us;
  char    *address;              /* the member */
  char    *worker;               /* the rig */
  guint64  height;               /* of the Monero block its job built on */
  guint64  difficulty;           /* what its hash reached */
  guint64  sidechain_difficulty; /* the sidechain's when the upstream accepted it */
  char    *fed_txid;             /* the first income whose window holds it, or NULL */
} ShoalStoreSidechainShare;

void shoal_store_income_free  (ShoalStoreIncome  *income);
void shoal_store_income_report_free  (ShoalStoreIncomeReport   *report);
void shoal_store_sidechain_share_free (ShoalStoreSidechainShare *share);
void shoal_store_block_free   (ShoalStoreBlock   *info);
void shoal_store_worker_free  (ShoalStoreWorker  *info);
void shoal_store_balance_free (ShoalStoreBalance *info);
void shoal_store_payment_free (ShoalStorePayment *info);
void shoal_store_batch_free   (ShoalStoreBatch   *info);
void shoal_credit_free       (ShoalCredit      *credit);
ShoalCredit *shoal_credit_new (const char *address,
                               guint64     weight);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStoreBlock, shoal_store_block_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStoreBalance, shoal_store_balance_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStoreBatch, shoal_store_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalCredit, shoal_credit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStoreIncome, shoal_store_income_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStoreSidechainShare, shoal_store_sidechain_share_free)

G_END_DECLS
