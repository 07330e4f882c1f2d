/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-share.h"
#include "shoal-store-types.h"

G_BEGIN_DECLS

/* The pool's database: one SQLite file in WAL mode with synchronous=FULL.
 *
 * Writes go through one writer thread that owns the only writing
 * connection.  Shares are batched: a batch commits when it holds
 * max_batch shares or max_delay_ms after its first share, whichever
 * comes first, and a share's record_async completes only after the
 * COMMIT of its batch returned, i.e. after the WAL was fsync()ed.  Other
 * writes (blocks, credits, payout batches) each run in their own
 * transaction on the same thread, in queue order, after the shares that
 * were queued before them.  The *_sync writers block the calling thread
 * for one commit (a few milliseconds); never call them on the stratum
 * thread.
 *
 * Reads use their own connections (a small pool, one per concurrent
 * caller), so any thread may call the *_sync readers; the UI uses
 * shoal_store_query_async.  ShoalStore implements ShoalShareRecorder. */

#define SHOAL_TYPE_STORE (shoal_store_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStore, shoal_store, SHOAL, STORE, GObject)

/* How many confirmations unlock a coinbase. */
#define SHOAL_BLOCK_UNLOCK_CONFIRMATIONS 60

ShoalStore *shoal_store_open                (const char     *path,
                                             GError        **error);
const char *shoal_store_get_path            (ShoalStore     *self);
void        shoal_store_set_batching        (ShoalStore     *self,
                                             guint           max_batch,
                                             guint           max_delay_ms);
gboolean    shoal_store_flush_sync          (ShoalStore     *self,
                                             GError        **error);
void        shoal_store_close               (ShoalStore     *self);

/* Shares: the recorder interface, plus a blocking form (one commit each). */
gboolean    shoal_store_record_sync         (ShoalStore       *self,
                                             const ShoalShare *share,
                                             GError          **error);
guint64     shoal_store_count_shares_sync   (ShoalStore       *self,
                                             GError          **error);

/* What may go when old shares are folded into share_hours (see
 * shoal-store-prune.c for what always stays).  The caller's (in the pool,
 * the bookkeeper thread's), one for all the calls of a run. */
typedef struct
{
  gint64   before_us;       /* the statistics horizon: only shares older than this */
  guint64  next_window;     /* work the next block's window may reach back; 0: keep all */
  guint    default_factor;  /* PPLNS's N for blocks stored without their terms */
  guint    batch;           /* shares per transaction */
  guint    max_batches;     /* transactions per call */
  /* Upstream mode: the pool's shares make no round of its own (the
   * upstream pays for them), so the open round does not keep them. */
  gboolean no_round;
  /* Ids below it may go.  0: the call reads it (the windows' walk is the
   * costly part) and sets it, for later calls of the same run to reuse:
   * it only ever moves forward, so an old one is safe. */
  gint64   keep;
} ShoalSharePrune;

gboolean    shoal_store_prune_shares_sync   (ShoalStore             *self,
                                             ShoalSharePrune        *prune,
                                             guint64                *removed,
                                             GError                **error);

/* Blocks, as the block tracker sees them. */
gboolean    shoal_store_add_block_sync      (ShoalStore       *self,
                                             const char       *hash,
                                             guint64           height,
                                             guint64           reward,
                                             guint64           difficulty,
                                             gint64            found_us,
                                             GError          **error);
gboolean    shoal_store_add_found_block_sync (ShoalStore      *self,
                                             const char       *hash,
                                             guint64           height,
                                             guint64           reward,
                                             guint64           difficulty,
                                             gint64            found_us,
                                             const ShoalBlockTerms *terms,
                                             GError          **error);
gboolean    shoal_store_update_block_sync   (ShoalStore       *self,
                                             const char       *hash,
                                             guint64           confirmations,
                                             gboolean          orphaned,
                                             guint64           reward,
                                             GError          **error);
ShoalStoreBlock *shoal_store_get_block_sync  (ShoalStore       *self,
                                             const char       *hash,
                                             GError          **error);
GPtrArray  *shoal_store_list_blocks_sync    (ShoalStore       *self,
                                             guint             limit,
                                             GError          **error);
GPtrArray  *shoal_store_list_blocks_in_state_sync (ShoalStore       *self,
                                                   ShoalStoreBlockState   state,
                                                   GError          **error);
GPtrArray  *shoal_store_list_recent_orphans_sync (ShoalStore       *self,
                                                  guint             limit,
                                                  GError          **error);

/* Accounting. */
GPtrArray  *shoal_store_pplns_window_sync   (ShoalStore       *self,
                                             const char       *block_hash,
                                             guint64           window,
                                             GError          **error);
gboolean    shoal_store_credit_block_sync   (ShoalStore       *self,
                                             const char       *block_hash,
                                             GPtrArray        *credits,
                                             guint64           fee,
                                             GError          **error);
gboolean    shoal_store_unlock_block_sync   (ShoalStore       *self,
                                             const char       *block_hash,
                                             GError          **error);

/* Incomes: payouts an upstream pool made to the pool wallet. */
GPtrArray  *shoal_store_income_window_sync  (ShoalStore       *self,
                                             gint64            start_us,
                                             gint64            end_us,
                                             GError          **error);
gboolean    shoal_store_credit_income_sync  (ShoalStore       *self,
                                             const ShoalStoreIncome *income,
                                             GPtrArray        *credits,
                                             GError          **error);
gboolean    shoal_store_has_pool_block_at_sync (ShoalStore  *self,
                                             guint64           height,
                                             gboolean         *found,
                                             GError          **error);
ShoalStoreIncome *shoal_store_get_income_sync (ShoalStore     *self,
                                             const char       *txid,
                                             GError          **error);
GPtrArray  *shoal_store_list_incomes_sync   (ShoalStore       *self,
                                             guint             limit,
                                             GError          **error);
GPtrArray  *shoal_store_list_income_credits_sync (ShoalStore  *self,
                                             const char       *txid,
                                             GError          **error);
/* ADDRESS NULL: every member's credits; else the incomes that credited
 * ADDRESS, with its credit only.  Newest first (ShoalStoreIncomeReport). */
GPtrArray  *shoal_store_list_income_reports_sync (ShoalStore  *self,
                                             const char       *address,
                                             guint             limit,
                                             GError          **error);

/* Payouts on their way (shoal-store-arrivals.c): the pool wallet's
 * locked coinbases, listed in the reports before the credited incomes. */
gboolean    shoal_store_set_arrivals_sync   (ShoalStore       *self,
                                             GPtrArray        *arrivals,
                                             GError          **error);

/* Sidechain shares (shoal-store-sidechain.c): kept for the statistics
 * horizon; listed newest first, one member's (ADDRESS) or all (NULL). */
gboolean    shoal_store_add_sidechain_share_sync (ShoalStore  *self,
                                             const ShoalStoreSidechainShare *share,
                                             GError          **error);
GPtrArray  *shoal_store_list_sidechain_shares_sync (ShoalStore *self,
                                             const char       *address,
                                             guint             limit,
                                             GError          **error);
gboolean    shoal_store_prune_sidechain_shares_sync (ShoalStore *self,
                                             gint64            before_us,
                                             guint64          *removed,
                                             GError          **error);
GPtrArray  *shoal_store_list_balances_sync  (ShoalStore       *self,
                                             GError          **error);
ShoalStoreBalance *shoal_store_get_balance_sync (ShoalStore    *self,
                                             const char       *address,
                                             GError          **error);
gboolean    shoal_store_get_fee_account_sync (ShoalStore      *self,
                                             guint64          *amount,
                                             GError          **error);
gboolean    shoal_store_count_unfinished_sync (ShoalStore     *self,
                                             guint64          *open_batches,
                                             guint64          *pool_blocks,
                                             GError          **error);

/* Payout batches: the payer's state machine, one transaction per step. */
gint64      shoal_store_plan_batch_sync     (ShoalStore       *self,
                                             guint64           threshold,
                                             guint             max_payments,
                                             GError          **error);
gint64      shoal_store_plan_exact_batch_sync (ShoalStore     *self,
                                             guint64           threshold,
                                             guint             max_payments,
                                             GPtrArray        *expected,
                                             GError          **error);
GPtrArray  *shoal_store_list_due_sync       (ShoalStore       *self,
                                             guint64           threshold,
                                             guint             max_payments,
                                             GError          **error);
gboolean    shoal_store_batch_built_sync    (ShoalStore         *self,
                                             gint64              batch_id,
                                             const char * const *tx_hashes,
                                             const char * const *tx_metadata,
                                             const char * const *key_images,
                                             guint64             fee,
                                             GError            **error);
gboolean    shoal_store_batch_relayed_sync  (ShoalStore       *self,
                                             gint64            batch_id,
                                             GError          **error);
gboolean    shoal_store_batch_confirmed_sync (ShoalStore      *self,
                                             gint64            batch_id,
                                             GHashTable       *tx_by_address,
                                             GError          **error);
gboolean    shoal_store_batch_failed_sync   (ShoalStore       *self,
                                             gint64            batch_id,
                                             const char       *reason,
                                             GError          **error);
gboolean    shoal_store_batch_conflict_sync (ShoalStore       *self,
                                             gint64            batch_id,
                                             guint64           height,
                                             GError          **error);
gboolean    shoal_store_batch_note_sync     (ShoalStore       *self,
                                             gint64            batch_id,
                                             const char       *note,
                                             GError          **error);
ShoalStoreBatch *shoal_store_get_batch_sync  (ShoalStore       *self,
                                             gint64            batch_id,
                                             GError          **error);
GPtrArray  *shoal_store_list_batches_sync   (ShoalStore       *self,
                                             guint             limit,
                                             gboolean          unfinished_only,
                                             GError          **error);
GPtrArray  *shoal_store_list_payments_sync  (ShoalStore       *self,
                                             gint64            batch_id,
                                             guint             limit,
                                             GError          **error);

/* Stats history and per-worker figures. */
gboolean    shoal_store_add_stats_sync      (ShoalStore       *self,
                                             gint64            time_us,
                                             guint64           hashrate,
                                             guint             miners,
                                             guint             workers,
                                             GError          **error);
GPtrArray  *shoal_store_list_stats_sync     (ShoalStore       *self,
                                             gint64            since_us,
                                             GError          **error);
GPtrArray  *shoal_store_list_workers_sync   (ShoalStore       *self,
                                             gint64            since_us,
                                             GError          **error);

/* The same reads, off the caller's thread. */
typedef enum
{
  SHOAL_STORE_QUERY_BLOCKS,    /* arg: limit;    ShoalStoreBlock */
  SHOAL_STORE_QUERY_WORKERS,   /* arg: since_us; ShoalStoreWorker */
  SHOAL_STORE_QUERY_BALANCES,  /* arg: unused;   ShoalStoreBalance */
  SHOAL_STORE_QUERY_PAYMENTS,  /* arg: limit;    ShoalStorePayment */
  SHOAL_STORE_QUERY_BATCHES,   /* arg: limit;    ShoalStoreBatch */
  SHOAL_STORE_QUERY_STATS,     /* arg: since_us; ShoalStoreStats */
  SHOAL_STORE_QUERY_INCOME_REPORTS,   /* arg: limit; ShoalStoreIncomeReport */
  SHOAL_STORE_QUERY_SIDECHAIN_SHARES, /* arg: limit; ShoalStoreSidechainShare */
} ShoalStoreQuery;

void        shoal_store_query_async         (ShoalStore          *self,
                                             ShoalStoreQuery      query,
                                             gint64               arg,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray  *shoal_store_query_finish        (ShoalStore          *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
