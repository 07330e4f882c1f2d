/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-bookkeeper.h"

G_BEGIN_DECLS

/* How long shares stay one by one for the statistics, whatever the PPLNS
 * windows need: a week. */
#define SHOAL_SHARES_HORIZON_US (G_GINT64_CONSTANT (7) * 24 * 3600 * G_USEC_PER_SEC)

/* Queues a pass of folding old shares (shoal_store_prune_shares_sync, on
 * the terms of shoal_accounting_prune_terms) on BOOKS' thread.  A pass is
 * bounded; one that stopped at its bound queues the next behind whatever
 * was queued meanwhile (a found block first), while OWNER lives.  ROUNDS: FALSE in upstream mode, where the
 * shares make no round that the open round's shares must stay for.
 * DONE (may be NULL) runs on the caller's context after the last pass,
 * with the shares folded in all. */
typedef void (*ShoalSharePruningDone) (gpointer  owner,
                                       guint64   removed,
                                       GError   *error);

void shoal_share_pruning_queue (ShoalBookkeeper       *books,
                                gpointer               owner,
                                guint64                network_difficulty,
                                gint64                 horizon_us,
                                gboolean               rounds,
                                ShoalSharePruningDone  done);

G_END_DECLS
