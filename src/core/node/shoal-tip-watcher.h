/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-node-client.h"

G_BEGIN_DECLS

/* Watches monerod's tip by polling get_info (every "interval" ms, one
 * request in flight at a time) on the main context that was the thread
 * default when it was made; its signals are emitted there.
 *
 * Signals:
 *   "tip-changed" (guint64 height, const char *top_hash): HEIGHT is the
 *       height of the top block (get_info's height - 1), TOP_HASH its id.
 *       Also emitted on the first answer and when the node comes back.
 * Properties: "reachable" (gboolean), "height" (guint64, the top block's),
 *   "top-hash" (string), "interval" (guint, ms, default 1000).
 * Logs "node unreachable: ..." once per outage and "node back" when it
 * answers again.  Polls on its own connection with a 3 s timeout: a dead
 * node is noticed at the next poll, a hung one within about 4 s. */
#define SHOAL_TYPE_TIP_WATCHER (shoal_tip_watcher_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTipWatcher, shoal_tip_watcher, SHOAL, TIP_WATCHER, GObject)

ShoalTipWatcher *shoal_tip_watcher_new           (ShoalNodeClient *node);
void             shoal_tip_watcher_start         (ShoalTipWatcher *self);
void             shoal_tip_watcher_stop          (ShoalTipWatcher *self);
/* Polls now instead of at the next tick (e.g. right after a submit). */
void             shoal_tip_watcher_poll_now      (ShoalTipWatcher *self);
gboolean         shoal_tip_watcher_get_reachable (ShoalTipWatcher *self);
guint64          shoal_tip_watcher_get_height    (ShoalTipWatcher *self);
const char      *shoal_tip_watcher_get_top_hash  (ShoalTipWatcher *self);
/* What the last get_info said about the node (sync, network, version),
 * NULL before the first answer; kept through an outage.  "node-status"
 * is notified when any of it changes, and "tip-changed" is emitted when
 * the node becomes synchronised, so work resumes at once. */
const ShoalNodeStatus *shoal_tip_watcher_get_node_status (ShoalTipWatcher *self);
/* TRUE unless the last answer said the node is not synchronised. */
gboolean         shoal_tip_watcher_get_synchronized (ShoalTipWatcher *self);
/* The last transport or RPC error, NULL while reachable. */
const char      *shoal_tip_watcher_get_last_error (ShoalTipWatcher *self);
/* The same as a GError (its domain and code tell a refused login). */
const GError    *shoal_tip_watcher_get_error (ShoalTipWatcher *self);

G_END_DECLS
