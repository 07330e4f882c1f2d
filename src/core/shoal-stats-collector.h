/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-bookkeeper.h"
#include "shoal-pool-info.h"
#include "shoal-pool.h"
#include "shoal-share.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* What the pool shows of itself: a snapshot made every second from the
 * running parts ("snapshot-changed"), a history point written every
 * minute, and the current round's work.  The round is a running total:
 * the collector is the stratum server's share recorder, passing each
 * share on to the store and adding its difficulty once it is committed;
 * a block found starts a new round.  Loaded once from the store at
 * start, it equals a count of every share since the last block. */

#define SHOAL_TYPE_STATS_COLLECTOR (shoal_stats_collector_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStatsCollector, shoal_stats_collector, SHOAL, STATS_COLLECTOR, GObject)

ShoalStatsCollector *shoal_stats_collector_new           (ShoalPool           *pool);
gboolean             shoal_stats_collector_load_round    (ShoalStatsCollector *self,
                                                          ShoalStore          *store,
                                                          GError             **error);
void                 shoal_stats_collector_start         (ShoalStatsCollector *self,
                                                          ShoalBookkeeper     *books);
void                 shoal_stats_collector_set_rounds    (ShoalStatsCollector *self,
                                                          gboolean             rounds);
void                 shoal_stats_collector_stop          (ShoalStatsCollector *self);
void                 shoal_stats_collector_refresh       (ShoalStatsCollector *self);
ShoalPoolSnapshot   *shoal_stats_collector_get_snapshot  (ShoalStatsCollector *self);
guint64              shoal_stats_collector_get_round_work (ShoalStatsCollector *self);
void                 shoal_stats_collector_new_round     (ShoalStatsCollector *self,
                                                          gint64               found_us);
void                 shoal_stats_collector_block_announced (ShoalStatsCollector *self,
                                                            guint64              height);
void                 shoal_stats_collector_set_network_difficulty (ShoalStatsCollector *self,
                                                                   guint64 difficulty);
/* Upstream mode: what an upstream said of a share of SHARE's rig. */
void                 shoal_stats_collector_upstream_verdict (ShoalStatsCollector *self,
                                                             const ShoalShare    *share,
                                                             gboolean             accepted);
/* The rescan the running total stands for: every share's difficulty
 * since the newest block in STORE (the start of the round, stored in
 * ROUND_START_US). */
guint64              shoal_stats_collector_sum_round_sync (ShoalStore         *store,
                                                           gint64             *round_start_us,
                                                           GError            **error);

G_END_DECLS
