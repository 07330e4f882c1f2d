/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-block-template.h"
#include "shoal-block-tracker.h"
#include "shoal-node-client.h"
#include "shoal-tip-watcher.h"

G_BEGIN_DECLS

/* Turns monerod's tips into block templates and block candidates into
 * tracked blocks.  It knows nothing of stratum: whoever serves miners
 * listens to "template-changed" and hands found blocks to
 * shoal_job_manager_submit_block_async().  Lives on the main context that
 * was the thread default when it was made; call it and get its signals
 * there.
 *
 * Signals:
 *   "template-changed" (ShoalBlockTemplate *template): a fresh template,
 *       after every new tip (within one poll of it), when the node comes
 *       back, and every "refresh-interval" seconds (new transactions).
 *   "height-filled" (guint64 height): one of our block candidates for
 *       HEIGHT was accepted; shares for it are stale from now on, and
 *       further candidates for it are not sent to the node.
 * Properties:
 *   "wallet-address" (string): where the coinbase pays (a primary address).
 *   "reserve-size" (guint, default 8, at most 127): the extra-nonce bytes
 *       reserved in every template.  Changing either while running fetches
 *       a new template at once.
 *   "refresh-interval" (guint, seconds, default 30, 0 = only on new tips).
 *   "status" (string): "starting", "ok", "node unreachable", "node syncing",
 *       "no template: <why>" or "stopped".
 *   "reachable" (gboolean): the tip watcher's.
 *   "zmq-url" (string): monerod's --zmq-pub address, e.g.
 *       tcp://127.0.0.1:18083; empty for none.  With it, a new block is
 *       noticed when monerod publishes it; the get_info poll stays as the
 *       fallback.  Takes effect at the next start.
 * When the node goes away no template is made (miners keep their last
 * job) and it all resumes by itself when the node answers again. */
#define SHOAL_TYPE_JOB_MANAGER (shoal_job_manager_get_type ())
G_DECLARE_FINAL_TYPE (ShoalJobManager, shoal_job_manager, SHOAL, JOB_MANAGER, GObject)

ShoalJobManager    *shoal_job_manager_new              (ShoalNodeClient     *node,
                                                        const char          *wallet_address);
void                shoal_job_manager_start            (ShoalJobManager     *self);
void                shoal_job_manager_stop             (ShoalJobManager     *self);
/* The latest template, or NULL before the first one. */
ShoalBlockTemplate *shoal_job_manager_get_template     (ShoalJobManager     *self);
const char         *shoal_job_manager_get_status       (ShoalJobManager     *self);
gboolean            shoal_job_manager_get_reachable    (ShoalJobManager     *self);
guint               shoal_job_manager_get_reserve_size (ShoalJobManager     *self);
void                shoal_job_manager_set_reserve_size (ShoalJobManager     *self,
                                                        guint                reserve_size);
ShoalTipWatcher    *shoal_job_manager_get_watcher      (ShoalJobManager     *self);
ShoalBlockTracker  *shoal_job_manager_get_tracker      (ShoalJobManager     *self);

/* Submits a block candidate (the full block blob, its id in hex, its
 * height) and hands it to the tracker: SUBMITTED then PENDING/ORPHANED
 * on monerod's word, or REJECTED when monerod refuses it (the error says
 * why).  A block that could not be delivered (node unreachable after the
 * retries) is tracked all the same: if it never reached monerod the
 * tracker finds it unknown and records it orphaned.  Candidates go one at
 * a time, in order; one for a height that one of ours already filled is
 * not sent (SHOAL_ERROR_INVALID) and ends up orphaned the same way.  A
 * "Core is busy" answer is asked again while the block's parent is still
 * the tip. */
void                shoal_job_manager_submit_block_async  (ShoalJobManager     *self,
                                                           GBytes              *block_blob,
                                                           const char          *block_id_hex,
                                                           guint64              height,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean            shoal_job_manager_submit_block_finish (ShoalJobManager     *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Candidates sent to the node so far, and those not sent because one of
 * ours had already filled their height. */
void                shoal_job_manager_get_submit_counts   (ShoalJobManager     *self,
                                                           guint64             *submitted,
                                                           guint64             *dropped);

G_END_DECLS
