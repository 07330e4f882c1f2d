/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-managed-node.h"
#include "shoal-stratum-server.h"
#include "shoal-validator.h"
#include "shoal-pool-private.h"
#include "shoal-share-pruning.h"
#include "shoal-stats-collector.h"

#define STATS_HISTORY_INTERVAL_S 60
/* Old shares are folded every this many history ticks: a pass that falls
 * behind queues its own next pass, so this only sets how soon it starts. */
#define PRUNE_EVERY_TICKS 10

/* A rig that is connected but sent no share for this many of its share
 * intervals has stopped mining (hung, or its hashing died). */
#define STALLED_SHARE_INTERVALS 6

/* Owned by the pool's thread, except the round: the stratum thread adds
 * to it as shares are committed, so it sits behind round_lock. */
struct _ShoalStatsCollector
{
  GObject            parent_instance;
  GWeakRef           pool;               /* the pool owns us */
  ShoalBookkeeper   *books;              /* NULL until started */
  ShoalStore        *store;              /* where shares go; NULL until loaded */
  ShoalPoolSnapshot *snapshot;
  guint              snapshot_id;
  guint              history_id;
  guint64            network_difficulty;
  gboolean           rounds;             /* FALSE in upstream mode: no round of ours */
  guint64            last_block_height;
  gint64             last_block_us;
  GHashTable        *upstream;           /* "address\nworker" -> UpstreamVerdicts */
  guint              history_ticks;
  gboolean           pruning;            /* a share-folding pass is queued */

  GMutex             round_lock;
  guint64            round_work;         /* share difficulty since round_start_us */
  gint64             round_start_us;     /* the last block's found_us */
};

/* What the upstream pools said of one rig's shares (upstream mode). */
typedef struct
{
  guint64 accepted;
  guint64 rejected;
} UpstreamVerdicts;

static void shoal_stats_collector_recorder_init (ShoalShareRecorderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalStatsCollector, shoal_stats_collector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_SHARE_RECORDER,
                                                      shoal_stats_collector_recorder_init))

enum {
  SNAPSHOT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- the round ---------------------------------------------------- */

guint64
shoal_stats_collector_sum_round_sync (ShoalStore  *store,
                                      gint64      *round_start_us,
                                      GError     **error)
{
  g_autoptr(GPtrArray) blocks = shoal_store_list_blocks_sync (store, 1, error);
  g_autoptr(GPtrArray) workers = NULL;
  guint64 sum = 0;

  *round_start_us = 0;
  if (blocks == NULL)
    return 0;
  if (blocks->len > 0)
    *round_start_us = ((ShoalStoreBlock *) g_ptr_array_index (blocks, 0))->found_us;
  workers = shoal_store_list_workers_sync (store, *round_start_us + 1, error);
  for (guint i = 0; workers != NULL && i < workers->len; i++)
    sum += ((ShoalStoreWorker *) g_ptr_array_index (workers, i))->difficulty;
  return sum;
}

/* Once, before the stratum server starts: no share can be counted twice. */
gboolean
shoal_stats_collector_load_round (ShoalStatsCollector  *self,
                                  ShoalStore           *store,
                                  GError              **error)
{
  GError *local = NULL;
  gint64 start_us = 0;
  guint64 sum;

  g_return_val_if_fail (SHOAL_IS_STATS_COLLECTOR (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_STORE (store), FALSE);

  sum = shoal_stats_collector_sum_round_sync (store, &start_us, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  g_set_object (&self->store, store);
  g_mutex_lock (&self->round_lock);
  self->round_work = sum;
  self->round_start_us = start_us;
  g_mutex_unlock (&self->round_lock);
  return TRUE;
}

/* A share that was validated before the block it follows belongs to the
 * round that block ended, as the store's count says. */
static void
add_to_round (ShoalStatsCollector *self,
              gint64               timestamp_us,
              guint64              difficulty)
{
  g_mutex_lock (&self->round_lock);
  if (timestamp_us > self->round_start_us)
    self->round_work += difficulty;
  g_mutex_unlock (&self->round_lock);
}

void
shoal_stats_collector_new_round (ShoalStatsCollector *self,
                                 gint64               found_us)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));

  g_mutex_lock (&self->round_lock);
  self->round_work = 0;
  self->round_start_us = MAX (found_us, self->round_start_us);
  g_mutex_unlock (&self->round_lock);
}

guint64
shoal_stats_collector_get_round_work (ShoalStatsCollector *self)
{
  guint64 work;

  g_return_val_if_fail (SHOAL_IS_STATS_COLLECTOR (self), 0);

  g_mutex_lock (&self->round_lock);
  work = self->round_work;
  g_mutex_unlock (&self->round_lock);
  return work;
}

/* --- the share recorder ------------------------------------------- */

/* What a share adds to the round once the store has it. */
typedef struct
{
  gint64  timestamp_us;
  guint64 difficulty;
} RoundShare;

static void
share_recorded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalStatsCollector *self = g_task_get_source_object (task);
  RoundShare *share = g_task_get_task_data (task);
  GError *error = NULL;

  /* The store's tasks have no source object (see its record_async). */
  if (!shoal_share_recorder_record_finish (SHOAL_SHARE_RECORDER (self->store), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  add_to_round (self, share->timestamp_us, share->difficulty);
  g_task_return_boolean (task, TRUE);
}

/* On the stratum thread, like the store's own record_async. */
static void
shoal_stats_collector_record_async (ShoalShareRecorder  *recorder,
                                    const ShoalShare    *share,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  ShoalStatsCollector *self = SHOAL_STATS_COLLECTOR (recorder);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  RoundShare *round = g_new0 (RoundShare, 1);

  g_task_set_source_tag (task, shoal_stats_collector_record_async);
  round->timestamp_us = share->timestamp_us;
  round->difficulty = share->difficulty;
  g_task_set_task_data (task, round, g_free);
  if (self->store == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "the pool has no store");
      return;
    }
  shoal_share_recorder_record_async (SHOAL_SHARE_RECORDER (self->store), share, cancellable,
                                     share_recorded, g_steal_pointer (&task));
}

static gboolean
shoal_stats_collector_record_finish (ShoalShareRecorder  *recorder,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, recorder), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
shoal_stats_collector_recorder_init (ShoalShareRecorderInterface *iface)
{
  iface->record_async = shoal_stats_collector_record_async;
  iface->record_finish = shoal_stats_collector_record_finish;
}

/* --- the snapshot ------------------------------------------------- */

static gboolean
worker_stalled (const ShoalStratumWorkerStats *w,
                gint64                         now_us,
                guint64                        share_interval_s)
{
  gint64 since = w->last_share_us != 0 ? w->last_share_us : w->connected_us;

  return since != 0 &&
         now_us - since > (gint64) (STALLED_SHARE_INTERVALS * share_interval_s * G_USEC_PER_SEC);
}

static void
fill_workers (ShoalPoolSnapshot *snapshot,
              ShoalStratumStats *stats,
              guint64            share_interval_s)
{
  for (guint i = 0; i < shoal_stratum_stats_get_n_workers (stats); i++)
    {
      const ShoalStratumWorkerStats *w = shoal_stratum_stats_get_worker (stats, i);
      ShoalWorkerInfo *info = g_new0 (ShoalWorkerInfo, 1);

      info->worker = g_strdup (w->worker);
      info->address = g_strdup (w->address);
      info->ip = g_strdup (w->ip);
      info->hashrate_1m = (guint64) w->hashrate_1m;
      info->hashrate_10m = (guint64) w->hashrate_10m;
      info->hashrate_1h = (guint64) w->hashrate_1h;
      info->difficulty = w->difficulty;
      info->accepted = w->accepted;
      info->rejected = w->rejected;
      info->stale = w->stale;
      info->invalid = w->invalid;
      info->last_share_us = w->last_share_us;
      info->connected_us = w->connected_us;
      info->online = w->connections > 0;
      info->stalled = info->online && worker_stalled (w, snapshot->time_us, share_interval_s);
      if (info->online)
        snapshot->miners_online++;
      g_ptr_array_add (snapshot->workers, info);
    }
}

static void
fill_managed_node (ShoalPoolSnapshot *snapshot,
                   ShoalManagedNode  *node)
{
  g_object_get (node,
                "state", &snapshot->managed_state,
                "height", &snapshot->managed_height,
                "target-height", &snapshot->managed_target_height,
                "progress", &snapshot->managed_progress,
                "peers", &snapshot->managed_peers,
                "disk-used", &snapshot->managed_disk_used,
                "blocks-per-minute", &snapshot->managed_blocks_per_minute,
                "seconds-left", &snapshot->managed_seconds_left,
                NULL);
}

static void
fill_node (ShoalPoolSnapshot *snapshot,
           ShoalPool         *pool)
{
  const ShoalNodeStatus *status = shoal_pool_get_node_status (pool);

  snapshot->node_reachable = shoal_pool_get_node_reachable (pool);
  snapshot->node_synced = snapshot->node_reachable && shoal_pool_get_node_synchronized (pool);
  snapshot->node_height = shoal_pool_get_node_height (pool);
  snapshot->node_sync_percent = status != NULL ? shoal_node_status_get_percent (status) : 0;
  snapshot->node_target_height = status != NULL ? MAX (status->target_height, status->height) : 0;
  if (_shoal_pool_get_managed (pool) != NULL)
    fill_managed_node (snapshot, _shoal_pool_get_managed (pool));
}

static void
fill_stratum (ShoalPoolSnapshot  *snapshot,
              ShoalStratumServer *stratum,
              guint64             share_interval_s)
{
  g_autoptr(ShoalStratumStats) stats = shoal_stratum_server_get_stats (stratum);
  const ShoalStratumTotals *totals = shoal_stratum_stats_get_totals (stats);

  snapshot->pool_hashrate_1m = (guint64) totals->hashrate_1m;
  snapshot->pool_hashrate_10m = (guint64) totals->hashrate_10m;
  snapshot->pool_hashrate_1h = (guint64) totals->hashrate_1h;
  fill_workers (snapshot, stats, share_interval_s);
}

static void
fill_validator (ShoalPoolSnapshot *snapshot,
                ShoalValidator    *validator)
{
  ShoalValidatorStats vstats;

  shoal_validator_get_stats (validator, &vstats);
  snapshot->validator_queue = vstats.queue_depth;
  snapshot->validator_hashes_per_second = vstats.hashes_per_second;
  g_object_get (validator, "seed-waits", &snapshot->validator_seed_waits, NULL);
}

static char *
upstream_key (const char *address,
              const char *worker)
{
  return g_strdup_printf ("%s\n%s", address != NULL ? address : "", worker != NULL ? worker : "");
}

static void
fill_upstream (ShoalStatsCollector *self,
               ShoalPoolSnapshot   *snapshot)
{
  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      ShoalWorkerInfo *info = g_ptr_array_index (snapshot->workers, i);
      g_autofree char *key = upstream_key (info->address, info->worker);
      UpstreamVerdicts *verdicts = g_hash_table_lookup (self->upstream, key);

      if (verdicts == NULL)
        continue;
      info->upstream_accepted = verdicts->accepted;
      info->upstream_rejected = verdicts->rejected;
    }
}

/* Kept for the pool's life, like the stratum server's records of rigs
 * that sent shares; only rigs whose shares met an upstream's target get
 * an entry. */
void
shoal_stats_collector_upstream_verdict (ShoalStatsCollector *self,
                                        const ShoalShare    *share,
                                        gboolean             accepted)
{
  g_autofree char *key = NULL;
  UpstreamVerdicts *verdicts;

  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));
  g_return_if_fail (share != NULL);

  key = upstream_key (share->address, share->worker);
  verdicts = g_hash_table_lookup (self->upstream, key);
  if (verdicts == NULL)
    {
      verdicts = g_new0 (UpstreamVerdicts, 1);
      g_hash_table_insert (self->upstream, g_steal_pointer (&key), verdicts);
    }
  if (accepted)
    verdicts->accepted++;
  else
    verdicts->rejected++;
}

void
shoal_stats_collector_refresh (ShoalStatsCollector *self)
{
  g_autoptr(ShoalPool) pool = g_weak_ref_get (&self->pool);
  ShoalPoolSnapshot *snapshot;

  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));
  if (pool == NULL)
    return;
  snapshot = shoal_pool_snapshot_new ();
  snapshot->time_us = g_get_real_time ();
  fill_node (snapshot, pool);
  snapshot->network_difficulty = self->network_difficulty;
  snapshot->network_hashrate = self->network_difficulty / 120;
  snapshot->round_shares = shoal_stats_collector_get_round_work (self);
  snapshot->last_block_height = self->last_block_height;
  snapshot->last_block_us = self->last_block_us;
  snapshot->status = g_strdup (shoal_pool_get_status_message (pool));
  if (_shoal_pool_get_stratum (pool) != NULL)
    fill_stratum (snapshot, _shoal_pool_get_stratum (pool),
                  shoal_config_get_uint64 (shoal_pool_get_config (pool), "share-interval"));
  if (_shoal_pool_get_validator (pool) != NULL)
    fill_validator (snapshot, _shoal_pool_get_validator (pool));
  fill_upstream (self, snapshot);

  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
  self->snapshot = snapshot;
  g_signal_emit (self, signals[SNAPSHOT_CHANGED], 0);
}

static gboolean
on_snapshot_tick (gpointer user_data)
{
  ShoalStatsCollector *self = user_data;
  g_autoptr(ShoalPool) pool = g_weak_ref_get (&self->pool);

  /* Conditions first: a node that never answered notifies nothing. */
  if (pool != NULL)
    _shoal_pool_check_node (pool);
  shoal_stats_collector_refresh (self);
  return G_SOURCE_CONTINUE;
}

/* --- history ------------------------------------------------------ */

typedef struct
{
  guint64 hashrate;
  guint   miners;
  guint   workers;
} HistoryPoint;

static void
write_history (ShoalStore      *store,
               ShoalAccounting *accounting,
               gpointer         data,
               GError         **error)
{
  HistoryPoint *point = data;

  shoal_store_add_stats_sync (store, g_get_real_time (), point->hashrate, point->miners,
                              point->workers, error);
}

static void
pruning_done (gpointer  owner,
              guint64   removed,
              GError   *error)
{
  ShoalStatsCollector *self = owner;

  self->pruning = FALSE;
  if (removed > 0)
    g_debug ("Folded %" G_GUINT64_FORMAT " old shares into hourly totals", removed);
}

/* Not before the network's difficulty is known: the next block's window
 * is counted in it. */
static void
maybe_prune (ShoalStatsCollector *self)
{
  if (self->pruning || self->network_difficulty == 0 ||
      ++self->history_ticks % PRUNE_EVERY_TICKS != 0)
    return;
  self->pruning = TRUE;
  shoal_share_pruning_queue (self->books, self, self->network_difficulty,
                             SHOAL_SHARES_HORIZON_US, self->rounds, pruning_done);
}

static gboolean
on_history_tick (gpointer user_data)
{
  ShoalStatsCollector *self = user_data;
  HistoryPoint *point = g_new0 (HistoryPoint, 1);

  point->hashrate = self->snapshot->pool_hashrate_1m;
  point->miners = self->snapshot->miners_online;
  point->workers = self->snapshot->workers->len;
  shoal_bookkeeper_queue (self->books, self, write_history, NULL, point, g_free);
  maybe_prune (self);
  return G_SOURCE_CONTINUE;
}

/* --- lifecycle ---------------------------------------------------- */

void
shoal_stats_collector_start (ShoalStatsCollector *self,
                             ShoalBookkeeper     *books)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));
  g_return_if_fail (SHOAL_IS_BOOKKEEPER (books));

  g_set_object (&self->books, books);
  shoal_stats_collector_refresh (self);
  self->snapshot_id = g_timeout_add_seconds (1, on_snapshot_tick, self);
  self->history_id = g_timeout_add_seconds (STATS_HISTORY_INTERVAL_S, on_history_tick, self);
}

/* Upstream mode: the pool's shares make no round of its own, and old ones
 * are folded whatever the open round would want. */
void
shoal_stats_collector_set_rounds (ShoalStatsCollector *self,
                                  gboolean             rounds)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));

  self->rounds = rounds;
}

void
shoal_stats_collector_stop (ShoalStatsCollector *self)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));

  g_clear_handle_id (&self->snapshot_id, g_source_remove);
  g_clear_handle_id (&self->history_id, g_source_remove);
}

ShoalPoolSnapshot *
shoal_stats_collector_get_snapshot (ShoalStatsCollector *self)
{
  g_return_val_if_fail (SHOAL_IS_STATS_COLLECTOR (self), NULL);
  return self->snapshot;
}

void
shoal_stats_collector_block_announced (ShoalStatsCollector *self,
                                       guint64              height)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));

  self->last_block_height = height;
  self->last_block_us = g_get_real_time ();
}

void
shoal_stats_collector_set_network_difficulty (ShoalStatsCollector *self,
                                              guint64              difficulty)
{
  g_return_if_fail (SHOAL_IS_STATS_COLLECTOR (self));
  self->network_difficulty = difficulty;
}

static void
shoal_stats_collector_dispose (GObject *object)
{
  ShoalStatsCollector *self = SHOAL_STATS_COLLECTOR (object);

  shoal_stats_collector_stop (self);
  g_clear_object (&self->books);
  G_OBJECT_CLASS (shoal_stats_collector_parent_class)->dispose (object);
}

/* The store stays to the end: the stratum server may still hold us as
 * its recorder with a share on its way. */
static void
shoal_stats_collector_finalize (GObject *object)
{
  ShoalStatsCollector *self = SHOAL_STATS_COLLECTOR (object);

  g_clear_object (&self->store);
  g_weak_ref_clear (&self->pool);
  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
  g_hash_table_unref (self->upstream);
  g_mutex_clear (&self->round_lock);
  G_OBJECT_CLASS (shoal_stats_collector_parent_class)->finalize (object);
}

static void
shoal_stats_collector_class_init (ShoalStatsCollectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_stats_collector_dispose;
  object_class->finalize = shoal_stats_collector_finalize;

  signals[SNAPSHOT_CHANGED] =
    g_signal_new ("snapshot-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_stats_collector_init (ShoalStatsCollector *self)
{
  g_mutex_init (&self->round_lock);
  self->snapshot = shoal_pool_snapshot_new ();
  self->upstream = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ShoalStatsCollector *
shoal_stats_collector_new (ShoalPool *pool)
{
  ShoalStatsCollector *self;

  g_return_val_if_fail (SHOAL_IS_POOL (pool), NULL);

  self = g_object_new (SHOAL_TYPE_STATS_COLLECTOR, NULL);
  self->rounds = TRUE;
  g_weak_ref_init (&self->pool, pool);
  return self;
}
