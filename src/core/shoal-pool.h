/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-condition.h"
#include "shoal-config.h"
#include "shoal-job-source.h"
#include "shoal-node-client.h"
#include "shoal-playground.h"
#include "shoal-pool-info.h"

G_BEGIN_DECLS

/* The orchestrator: owns the parts of a running pool (node watcher,
 * stratum server, validator, store, payer) and wires them together on
 * the thread that created it.  The GUI and headless mode both drive it. */

#define SHOAL_TYPE_POOL (shoal_pool_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPool, shoal_pool, SHOAL, POOL, GObject)

ShoalPool   *shoal_pool_new                (ShoalConfig      *config);
ShoalConfig *shoal_pool_get_config         (ShoalPool        *self);
void         shoal_pool_start_async        (ShoalPool        *self,
                                            GCancellable     *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer          user_data);
gboolean     shoal_pool_start_finish       (ShoalPool        *self,
                                            GAsyncResult     *result,
                                            GError          **error);
void         shoal_pool_stop               (ShoalPool        *self);
/* Before the start: rigs get their work from SOURCE in place of the
 * node's templates (SOURCE gets their block candidates), and the pool
 * runs no job manager, tip watcher or node failover.  For a pool on
 * another origin of work, and for tests without monerod. */
void         shoal_pool_set_job_source     (ShoalPool        *self,
                                            ShoalJobSource   *source);
ShoalPlayground *shoal_pool_get_playground (ShoalPool        *self);
guint64      shoal_pool_get_node_height    (ShoalPool        *self);
gboolean     shoal_pool_get_node_reachable (ShoalPool        *self);
const char  *shoal_pool_get_status_message (ShoalPool        *self);

/* What stops or degrades the pool now, most severe first: a GPtrArray of
 * ShoalCondition owned by the pool, valid until the next main-loop turn.
 * "conditions-changed" tells when it changes.  A start that fails leaves
 * the reason here too (no address, port in use, database in use...). */
GPtrArray   *shoal_pool_get_conditions     (ShoalPool        *self);
/* What the node's last get_info said (sync, network), or NULL. */
const ShoalNodeStatus *shoal_pool_get_node_status (ShoalPool *self);
gboolean     shoal_pool_get_node_synchronized (ShoalPool     *self);

/* The latest snapshot, refreshed about once a second on the thread that
 * created the pool ("snapshot-changed" tells when).  Never NULL. */
ShoalPoolSnapshot *shoal_pool_get_snapshot (ShoalPool        *self);
/* The stratum port really bound (0 before start), and the address block
 * rewards go to (the playground's wallet when on the playground). */
guint16      shoal_pool_get_stratum_port   (ShoalPool        *self);
const char  *shoal_pool_get_pool_address   (ShoalPool        *self);
/* The mode the pool runs in, read from the settings when it started: a
 * change to "mode" takes effect on a restart, so the window follows this
 * and not the setting. */
ShoalMode     shoal_pool_get_mode           (ShoalPool        *self);
gboolean      shoal_pool_pays_members       (ShoalPool        *self);
/* Upstream mode: each upstream pool (ShoalUpstreamInfo), in order, as
 * it is now; empty in the other modes.  On the pool's thread. */
GPtrArray    *shoal_pool_list_upstreams     (ShoalPool        *self);

/* Reads from the store, off the calling thread.  Each finish returns a
 * GPtrArray that owns its elements (ShoalBlockInfo, newest first;
 * ShoalBalanceInfo by address; ShoalPaymentInfo newest first). */
void       shoal_pool_list_blocks_async     (ShoalPool          *self,
                                             guint               limit,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *shoal_pool_list_blocks_finish    (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
void       shoal_pool_list_balances_async   (ShoalPool          *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *shoal_pool_list_balances_finish  (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
void       shoal_pool_list_payments_async   (ShoalPool          *self,
                                             guint               limit,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *shoal_pool_list_payments_finish  (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
/* Upstream mode: the payouts P2Pool sent the pool wallet (ShoalIncomeInfo,
 * newest first, each with its credits) and the rigs' sidechain shares
 * (ShoalSidechainShareInfo, newest first), at most LIMIT each (0: 100);
 * finish either with shoal_pool_list_finish. */
void       shoal_pool_list_incomes_async    (ShoalPool          *self,
                                             guint               limit,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
void       shoal_pool_list_sidechain_shares_async (ShoalPool    *self,
                                             guint               limit,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *shoal_pool_list_finish           (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
/* Pool hashrate (WORKER NULL) or one worker's, since SINCE_US: a GArray
 * of ShoalHashratePoint, oldest first. */
void       shoal_pool_get_history_async     (ShoalPool          *self,
                                             const char         *worker,
                                             gint64              since_us,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GArray    *shoal_pool_get_history_finish    (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
/* What "Pay out" would send now: ShoalPaymentInfo per recipient (state
 * "preview"), and the wallet's fee estimate in atomic units. */
void       shoal_pool_preview_payout_async  (ShoalPool          *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *shoal_pool_preview_payout_finish (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             guint64            *fee_estimate,
                                             GError            **error);
/* Upstream mode splitting P2Pool's payouts: look at the wallet now. */
void       shoal_pool_check_incomes         (ShoalPool          *self);
/* Runs one payout batch to its end (confirmed or failed); returns its id. */
void       shoal_pool_pay_out_async         (ShoalPool          *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
/* Pays exactly the list a preview gave (and a person confirmed), or
 * refuses if the balances changed since; finish with
 * shoal_pool_pay_out_finish. */
void       shoal_pool_pay_out_confirmed_async (ShoalPool        *self,
                                             GPtrArray          *preview,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
/* shoal --check on the running pool: a report, or the first discrepancy. */
void       shoal_pool_check_books_async     (ShoalPool          *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
char      *shoal_pool_check_books_finish    (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);
gint64     shoal_pool_pay_out_finish        (ShoalPool          *self,
                                             GAsyncResult       *result,
                                             GError            **error);

G_END_DECLS
