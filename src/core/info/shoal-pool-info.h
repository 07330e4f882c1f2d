/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "shoal-block-tracker.h"

G_BEGIN_DECLS

/* What the window, the LAN API and headless logs read about a running
 * pool.  Plain immutable data, handed out as references: taking a
 * snapshot once a second is cheap and never waits on I/O. */


typedef struct
{
  char    *worker;
  char    *address;
  char    *ip;
  guint64  hashrate_1m;     /* hashes per second, from accepted share difficulty */
  guint64  hashrate_10m;
  guint64  hashrate_1h;
  guint64  difficulty;      /* current share difficulty */
  guint64  accepted;
  guint64  rejected;
  guint64  stale;
  guint64  invalid;
  gint64   last_share_us;   /* wall clock, 0 = none yet */
  gint64   connected_us;
  gboolean online;
  gboolean stalled;         /* connected, but no share for several share intervals */
  guint64  upstream_accepted; /* upstream mode: its shares the upstream pools took */
  guint64  upstream_rejected; /* ... and refused, or that never went up (connection gone) */
} ShoalWorkerInfo;

typedef struct
{
  guint64          height;
  char            *id;             /* block id, hex */
  gint64           found_us;
  guint64          reward;         /* atomic units */
  ShoalBlockState  state;
  guint64          confirmations;
  guint64          effort_percent; /* shares of the round / network difficulty, in percent */
} ShoalBlockInfo;

typedef struct
{
  char    *address;
  guint64  balance;    /* atomic units, credited and not yet paid */
  guint64  reserved;   /* part of balance inside an unfinished payout */
  guint64  paid;       /* paid in total */
} ShoalBalanceInfo;

typedef struct
{
  gint64   batch_id;
  char    *state;      /* planned, built, relayed, confirmed, failed */
  gint64   time_us;
  char    *address;
  guint64  amount;
  char    *tx_hash;    /* NULL until built */
} ShoalPaymentInfo;

typedef struct
{
  gint64  time_us;
  guint64 hashrate;
} ShoalHashratePoint;

/* One upstream pool of upstream mode, in the order rigs fall back through. */
typedef struct
{
  char     *name;        /* "stratum+tcp://HOST:PORT" */
  gboolean  in_use;      /* the rigs mine its work now */
  gboolean  connected;
  guint     connections; /* open now: the relay's own, and one per rig in the per-rig relay */
  char     *trouble;     /* why its last connection ended or failed; NULL if none has */
  guint64   difficulty;  /* what it asks of a share now; 0 before its first job */
  guint64   sidechain_difficulty;  /* P2Pool's sidechain's; 0: not known, or not P2Pool */
  guint64   accepted;    /* shares it took from this pool */
  guint64   rejected;
} ShoalUpstreamInfo;

/* What a payout from the upstream (P2Pool) credited one member. */
typedef struct
{
  char    *address;
  guint64  amount;
} ShoalIncomeCredit;

/* A payout P2Pool sent the pool wallet, and each member's credit from it
 * (ShoalIncomeCredit, by address); or one on its way, still locked in the
 * wallet (not credited, no credits, no time yet). */
typedef struct
{
  char      *txid;        /* the coinbase that paid it */
  guint64    height;      /* the Monero block */
  guint64    amount;      /* what the pool wallet received */
  guint64    fee;         /* to the pool's fee account */
  char      *sidechain;   /* "main", "mini" or "nano" */
  gint64     time_us;     /* when it was credited */
  gboolean   credited;
  guint64    unlocks_in;  /* on its way: blocks until it unlocks and is credited */
  GPtrArray *credits;
} ShoalIncomeInfo;

/* A rig's share that also reached the P2Pool sidechain's difficulty. */
typedef struct
{
  gint64   time_us;
  char    *address;
  char    *worker;
  guint64  height;
  guint64  difficulty;            /* what its hash reached */
  guint64  sidechain_difficulty;
  char    *fed_txid;              /* the first payout it fed; NULL: none yet */
} ShoalSidechainShareInfo;

#define SHOAL_TYPE_POOL_SNAPSHOT (shoal_pool_snapshot_get_type ())
typedef struct _ShoalPoolSnapshot ShoalPoolSnapshot;

struct _ShoalPoolSnapshot
{
  /*< private >*/
  gatomicrefcount   ref_count;
  /*< public >*/
  gint64            time_us;
  gboolean          node_reachable;
  gboolean          node_synced;
  guint64           node_height;
  guint64           network_difficulty;   /* low 64 bits: enough for display */
  guint64           network_hashrate;     /* difficulty / 120 s */
  guint64           pool_hashrate_1m;
  guint64           pool_hashrate_10m;
  guint64           pool_hashrate_1h;
  guint64           round_shares;         /* sum of share difficulty since the last block */
  guint             miners_online;
  GPtrArray        *workers;              /* ShoalWorkerInfo, sorted by worker name */
  guint64           last_block_height;    /* 0 = none yet */
  gint64            last_block_us;
  guint             validator_queue;
  double            validator_hashes_per_second;
  guint64           validator_seed_waits;  /* hashes that waited for a RandomX cache */
  char             *status;               /* "running", "node unreachable", ... */
  /* The node Shoal runs itself (node-managed); managed_state is NULL
   * when it runs none.  Progress is 0 to 1, seconds_left -1 if unknown. */
  char             *managed_state;
  guint64           managed_height;
  guint64           managed_target_height;
  double            managed_progress;
  guint             managed_peers;
  guint64           managed_disk_used;
  double            managed_blocks_per_minute;
  gint64            managed_seconds_left;
  guint             node_sync_percent;    /* 100 once synchronised */
  guint64           node_target_height;   /* the network's height as the node knows it */
};

GType              shoal_pool_snapshot_get_type (void) G_GNUC_CONST;
ShoalPoolSnapshot *shoal_pool_snapshot_new      (void);
ShoalPoolSnapshot *shoal_pool_snapshot_ref      (ShoalPoolSnapshot *self);
void               shoal_pool_snapshot_unref    (ShoalPoolSnapshot *self);

ShoalWorkerInfo   *shoal_worker_info_copy       (const ShoalWorkerInfo *info);
void               shoal_worker_info_free       (ShoalWorkerInfo       *info);
void               shoal_block_info_free        (ShoalBlockInfo        *info);
void               shoal_balance_info_free      (ShoalBalanceInfo      *info);
void               shoal_payment_info_free      (ShoalPaymentInfo      *info);
void               shoal_upstream_info_free     (ShoalUpstreamInfo     *info);
void               shoal_income_credit_free     (ShoalIncomeCredit     *credit);
void               shoal_income_info_free       (ShoalIncomeInfo       *info);
void               shoal_sidechain_share_info_free (ShoalSidechainShareInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPoolSnapshot, shoal_pool_snapshot_unref)

G_END_DECLS
