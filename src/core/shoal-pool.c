/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-accounting.h"
#include "shoal-api-feed.h"
#include "shoal-api-server.h"
#include "shoal-certificate.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-job-manager.h"
#include "shoal-managed-node.h"
#include "shoal-payer.h"
#include "shoal-store.h"
#include "shoal-stratum-server.h"
#include "shoal-template-source.h"
#include "shoal-validator.h"
#include "shoal-pool-private.h"

/* ShoalPool wires the parts of a running pool on the thread that made
 * it (the GTK main thread, or headless mode's loop):
 *
 *   job manager --template--> template source --work--> stratum server --shares--> store
 *        ^                          |  ^                      | solution
 *        +------ submit_block <-----+  +----------------------+
 *                                   | block found (written first)
 *                                   +--> store
 *   block tracker --block-changed--> store --unlocked--> accounting
 *
 * Store writes and accounting run on one "bookkeeper" thread, in order,
 * so the main loop never waits on SQLite. */

#define STATS_HISTORY_INTERVAL_S 60
#define ROUND_REFRESH_INTERVAL_S 5

struct _ShoalPool
{
  GObject             parent_instance;
  ShoalConfig        *config;
  ShoalPlayground    *playground;
  ShoalManagedNode   *managed;     /* the node Shoal runs, or NULL */
  char               *pool_address;
  ShoalMode           mode;              /* as started; "mode" applies on restart */
  char               *wallet_uri;
  GCancellable       *cancellable;

  ShoalStore         *store;
  ShoalValidator     *validator;
  ShoalStratumServer *stratum;
  ShoalNodeClient    *node;
  ShoalJobManager    *jobs;
  ShoalTemplateSource *source;
  ShoalAccounting    *accounting;
  ShoalPayer         *payer;
  ShoalWalletClient  *wallet;
  ShoalApiServer     *api;
  ShoalApiFeed       *api_feed;          /* publishes to API, holds us weakly */
  GThreadPool        *bookkeeper;
  GHashTable         *found_heights;     /* block id -> height, until announced */
  gboolean            reconciling;

  guint               snapshot_id;
  guint               history_id;
  guint               round_id;
  ShoalPoolSnapshot  *snapshot;
  guint64             network_difficulty;
  guint64             round_shares;      /* written by the bookkeeper, read on our thread */
  guint64             last_block_height;
  gint64              last_block_us;
  guint64             node_height;
  gboolean            node_reachable;
  char               *status_message;
  GPtrArray          *conditions;        /* ShoalCondition, most severe first */
  guint               wallet_probe_id;
  guint               failover_id;
  gulong              config_changed_id;
};

G_DEFINE_FINAL_TYPE (ShoalPool, shoal_pool, G_TYPE_OBJECT)

enum {
  SNAPSHOT_CHANGED,
  BLOCK_FOUND,
  BLOCK_ORPHANED,
  CONDITIONS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_NODE_HEIGHT,
  PROP_NODE_REACHABLE,
  PROP_STATUS_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A piece of store work for the bookkeeper thread; DONE (optional) runs
 * back on the pool's context with the pool still alive. */
typedef struct
{
  GWeakRef      pool;
  GMainContext *context;
  void        (*work) (ShoalStore *store, ShoalAccounting *accounting, gpointer data,
                       GError **error);
  void        (*done) (ShoalPool *pool, gpointer data, GError *error);
  gpointer      data;
  GDestroyNotify free_data;
  ShoalStore   *store;
  ShoalAccounting *accounting;
  GError       *error;
} Chore;

static void
chore_free (Chore *chore)
{
  g_weak_ref_clear (&chore->pool);
  g_main_context_unref (chore->context);
  g_clear_object (&chore->store);
  g_clear_object (&chore->accounting);
  g_clear_error (&chore->error);
  if (chore->free_data != NULL)
    chore->free_data (chore->data);
  g_free (chore);
}

static gboolean
chore_finish (gpointer user_data)
{
  Chore *chore = user_data;
  g_autoptr(ShoalPool) pool = g_weak_ref_get (&chore->pool);

  if (pool != NULL && chore->done != NULL)
    chore->done (pool, chore->data, chore->error);
  else if (chore->error != NULL)
    g_warning ("%s", chore->error->message);
  return G_SOURCE_REMOVE;
}

static void
run_chore (gpointer data,
           gpointer user_data)
{
  Chore *chore = data;

  chore->work (chore->store, chore->accounting, chore->data, &chore->error);
  g_main_context_invoke_full (chore->context, G_PRIORITY_DEFAULT, chore_finish, chore,
                              (GDestroyNotify) chore_free);
}

static void
queue_chore (ShoalPool      *self,
             void          (*work) (ShoalStore *, ShoalAccounting *, gpointer, GError **),
             void          (*done) (ShoalPool *, gpointer, GError *),
             gpointer        data,
             GDestroyNotify  free_data)
{
  Chore *chore;

  if (self->bookkeeper == NULL)
    {
      if (free_data != NULL)
        free_data (data);
      return;
    }
  chore = g_new0 (Chore, 1);
  g_weak_ref_init (&chore->pool, self);
  chore->context = g_main_context_ref_thread_default ();
  chore->work = work;
  chore->done = done;
  chore->data = data;
  chore->free_data = free_data;
  chore->store = g_object_ref (self->store);
  chore->accounting = g_object_ref (self->accounting);
  g_thread_pool_push (self->bookkeeper, chore, NULL);
}

static void
set_status (ShoalPool  *self,
            const char *message)
{
  if (g_strcmp0 (self->status_message, message) == 0)
    return;
  g_free (self->status_message);
  self->status_message = g_strdup (message);
  g_message ("status: %s", message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
}

static void
set_node_state (ShoalPool *self,
                gboolean   reachable,
                guint64    height)
{
  if (reachable != self->node_reachable)
    {
      self->node_reachable = reachable;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE_REACHABLE]);
    }
  if (reachable && height != self->node_height)
    {
      self->node_height = height;
      g_message ("node height %" G_GUINT64_FORMAT, height);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE_HEIGHT]);
    }
}

/* --- snapshots ---------------------------------------------------- */

/* A rig that is connected but sent no share for this many of its share
 * intervals has stopped mining (hung, or its hashing died). */
#define STALLED_SHARE_INTERVALS 6

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
fill_node_status (ShoalPool         *self,
                  ShoalPoolSnapshot *snapshot)
{
  const ShoalNodeStatus *status = shoal_pool_get_node_status (self);

  snapshot->node_sync_percent = status != NULL ? shoal_node_status_get_percent (status) : 0;
  snapshot->node_target_height = status != NULL ? MAX (status->target_height, status->height) : 0;
}

static void
refresh_snapshot (ShoalPool *self)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_snapshot_new ();

  snapshot->time_us = g_get_real_time ();
  snapshot->node_reachable = self->node_reachable;
  snapshot->node_synced = self->node_reachable && shoal_pool_get_node_synchronized (self);
  snapshot->node_height = self->node_height;
  fill_node_status (self, snapshot);
  snapshot->network_difficulty = self->network_difficulty;
  snapshot->network_hashrate = self->network_difficulty / 120;
  snapshot->round_shares = self->round_shares;
  snapshot->last_block_height = self->last_block_height;
  snapshot->last_block_us = self->last_block_us;
  snapshot->status = g_strdup (self->status_message);
  if (self->managed != NULL)
    fill_managed_node (snapshot, self->managed);

  if (self->stratum != NULL)
    {
      g_autoptr(ShoalStratumStats) stats = shoal_stratum_server_get_stats (self->stratum);
      const ShoalStratumTotals *totals = shoal_stratum_stats_get_totals (stats);

      snapshot->pool_hashrate_1m = (guint64) totals->hashrate_1m;
      snapshot->pool_hashrate_10m = (guint64) totals->hashrate_10m;
      snapshot->pool_hashrate_1h = (guint64) totals->hashrate_1h;
      fill_workers (snapshot, stats, shoal_config_get_uint64 (self->config, "share-interval"));
    }
  if (self->validator != NULL)
    {
      ShoalValidatorStats vstats;

      shoal_validator_get_stats (self->validator, &vstats);
      snapshot->validator_queue = vstats.queue_depth;
      snapshot->validator_hashes_per_second = vstats.hashes_per_second;
      g_object_get (self->validator, "seed-waits", &snapshot->validator_seed_waits, NULL);
    }

  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
  self->snapshot = snapshot;
  g_signal_emit (self, signals[SNAPSHOT_CHANGED], 0);
}

static gboolean
on_snapshot_tick (gpointer user_data)
{
  /* Conditions first: a node that never answered notifies nothing. */
  _shoal_pool_check_node (user_data);
  refresh_snapshot (user_data);
  return G_SOURCE_CONTINUE;
}

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

static gboolean
on_history_tick (gpointer user_data)
{
  ShoalPool *self = user_data;
  HistoryPoint *point = g_new0 (HistoryPoint, 1);

  point->hashrate = self->snapshot->pool_hashrate_1m;
  point->miners = self->snapshot->miners_online;
  point->workers = self->snapshot->workers->len;
  queue_chore (self, write_history, NULL, point, g_free);
  return G_SOURCE_CONTINUE;
}

/* The work of the current round: shares since the last block found. */
static void
sum_round (ShoalStore      *store,
           ShoalAccounting *accounting,
           gpointer         data,
           GError         **error)
{
  guint64 *sum = data;
  g_autoptr(GPtrArray) blocks = shoal_store_list_blocks_sync (store, 1, error);
  g_autoptr(GPtrArray) workers = NULL;
  gint64 since = 0;

  if (blocks == NULL)
    return;
  if (blocks->len > 0)
    since = ((ShoalStoreBlock *) g_ptr_array_index (blocks, 0))->found_us + 1;
  workers = shoal_store_list_workers_sync (store, since, error);
  for (guint i = 0; workers != NULL && i < workers->len; i++)
    *sum += ((ShoalStoreWorker *) g_ptr_array_index (workers, i))->difficulty;
}

static void
round_summed (ShoalPool *self,
              gpointer   data,
              GError    *error)
{
  if (error == NULL)
    self->round_shares = *(guint64 *) data;
}

static gboolean
on_round_tick (gpointer user_data)
{
  ShoalPool *self = user_data;

  queue_chore (self, sum_round, round_summed, g_new0 (guint64, 1), g_free);
  return G_SOURCE_CONTINUE;
}

/* --- blocks ------------------------------------------------------- */

typedef struct
{
  char    *id;
  guint64  height;
  guint64  reward;
  guint64  difficulty;
  guint64  confirmations;
  gint64   found_us;
  ShoalBlockState state;
  ShoalBlockTerms terms;
} BlockNote;

static void
block_note_free (BlockNote *note)
{
  g_free (note->id);
  g_free (note);
}

static void
write_block_found (ShoalStore      *store,
                   ShoalAccounting *accounting,
                   gpointer         data,
                   GError         **error)
{
  BlockNote *note = data;

  shoal_store_add_found_block_sync (store, note->id, note->height, note->reward, note->difficulty,
                                    note->found_us, &note->terms, error);
}

/* Emitted by the template source before it submits the block. */
static void
on_block_found (ShoalTemplateSource *source,
                GBytes              *blob,
                guint64              height,
                const char          *block_id,
                ShoalBlockTemplate  *tmpl,
                gpointer             share,
                ShoalPool           *self)
{
  BlockNote *note = g_new0 (BlockNote, 1);

  g_message ("block candidate at height %" G_GUINT64_FORMAT ": %s", height, block_id);
  g_hash_table_insert (self->found_heights, g_strdup (block_id), g_memdup2 (&height, sizeof height));
  note->id = g_strdup (block_id);
  note->height = height;
  note->reward = shoal_block_template_get_reward (tmpl);
  note->difficulty = shoal_block_template_get_difficulty (tmpl)->lo;
  note->found_us = g_get_real_time ();
  _shoal_pool_block_terms (self, share, &note->terms);

  /* Recorded first: a block the node takes is never missing from the
   * store, and one it refuses is marked orphaned by the tracker. */
  queue_chore (self, write_block_found, NULL, note, (GDestroyNotify) block_note_free);
}

static void
write_block_changed (ShoalStore      *store,
                     ShoalAccounting *accounting,
                     gpointer         data,
                     GError         **error)
{
  BlockNote *note = data;

  shoal_accounting_block_changed_sync (accounting, note->id, note->state, note->confirmations,
                                       error);
}

static void
block_changed_written (ShoalPool *self,
                       gpointer   data,
                       GError    *error)
{
  BlockNote *note = data;

  if (error != NULL)
    g_warning ("block %s: %s", note->id, error->message);
}

static void
on_block_changed (ShoalBlockTracker *tracker,
                  const char        *id,
                  ShoalBlockState    state,
                  guint64            confirmations,
                  ShoalPool         *self)
{
  BlockNote *note = g_new0 (BlockNote, 1);
  guint64 *found = g_hash_table_lookup (self->found_heights, id);
  guint64 height = found ? *found : 0;

  note->id = g_strdup (id);
  note->state = state;
  note->confirmations = confirmations;
  queue_chore (self, write_block_changed, block_changed_written, note,
               (GDestroyNotify) block_note_free);

  g_message ("block %s: %s, %" G_GUINT64_FORMAT " confirmations", id,
             shoal_block_state_to_string (state), confirmations);
  if (found == NULL)
    return;
  /* Announced once: found when the node shows it on the main chain,
   * orphaned when it never made it there. */
  if (state == SHOAL_BLOCK_STATE_PENDING || state == SHOAL_BLOCK_STATE_UNLOCKED)
    {
      self->last_block_height = height;
      self->last_block_us = g_get_real_time ();
      self->round_shares = 0;
      g_message ("block found at height %" G_GUINT64_FORMAT ": %s", height, id);
      g_signal_emit (self, signals[BLOCK_FOUND], 0, height, id);
      g_hash_table_remove (self->found_heights, id);
    }
  else if (state == SHOAL_BLOCK_STATE_ORPHANED || state == SHOAL_BLOCK_STATE_REJECTED)
    {
      g_message ("block orphaned at height %" G_GUINT64_FORMAT ": %s", height, id);
      g_signal_emit (self, signals[BLOCK_ORPHANED], 0, height, id);
      g_hash_table_remove (self->found_heights, id);
    }
}

static void
read_pending_blocks (ShoalStore      *store,
                     ShoalAccounting *accounting,
                     gpointer         data,
                     GError         **error)
{
  GPtrArray **blocks = data;

  g_autoptr(GPtrArray) orphans = NULL;

  *blocks = shoal_store_list_blocks_in_state_sync (store, SHOAL_STORE_BLOCK_PENDING, error);
  /* Recent orphans too: the verdict may have come from a node that was
   * wrong; the tracker lets go of those the chain is far past. */
  if (*blocks != NULL)
    orphans = shoal_store_list_recent_orphans_sync (store, 64, error);
  for (guint i = 0; orphans != NULL && i < orphans->len; i++)
    g_ptr_array_add (*blocks, g_steal_pointer (&g_ptr_array_index (orphans, i)));
}

static void
free_block_list (gpointer data)
{
  GPtrArray **blocks = data;

  g_clear_pointer (blocks, g_ptr_array_unref);
  g_free (blocks);
}

/* Blocks found before a restart are followed again until they unlock or
 * turn out orphaned: the store remembers them, the tracker does not. */
static void
track_pending_blocks (ShoalPool *self,
                      gpointer   data,
                      GError    *error)
{
  GPtrArray *blocks = *(GPtrArray **) data;
  ShoalBlockTracker *tracker = shoal_job_manager_get_tracker (self->jobs);

  if (error != NULL)
    {
      g_warning ("cannot read the pool's pending blocks: %s", error->message);
      return;
    }
  for (guint i = 0; blocks != NULL && i < blocks->len; i++)
    {
      const ShoalStoreBlock *block = g_ptr_array_index (blocks, i);

      if (block->state == SHOAL_STORE_BLOCK_ORPHANED)
        shoal_block_tracker_recheck (tracker, block->hash, block->height, block->reward);
      else
        shoal_block_tracker_track (tracker, block->hash, block->height, block->reward);
    }
}

static void
on_template_changed (ShoalJobManager    *jobs,
                     ShoalBlockTemplate *tmpl,
                     ShoalPool          *self)
{
  self->network_difficulty = shoal_block_template_get_difficulty (tmpl)->lo;
}

static void
on_reconciled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ShoalPool) self = user_data;
  g_autoptr(GError) error = NULL;

  self->reconciling = FALSE;
  if (!shoal_payer_reconcile_finish (SHOAL_PAYER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("payouts not reconciled with the wallet: %s", error->message);
}

static void
on_watcher_changed (ShoalPool *self)
{
  ShoalTipWatcher *watcher = shoal_job_manager_get_watcher (self->jobs);
  gboolean reachable = shoal_tip_watcher_get_reachable (watcher);

  /* The watcher counts the top block's height; users know the chain
   * height (blocks in the chain), as monerod's get_info says it. */
  guint64 height = shoal_tip_watcher_get_height (watcher) + 1;
  gboolean new_block = reachable && height != self->node_height;

  set_node_state (self, reachable, height);
  if (reachable && !shoal_tip_watcher_get_synchronized (watcher))
    set_status (self, "node syncing");
  else if (reachable)
    set_status (self, "running");
  else if (self->node_height > 0)
    set_status (self, "node unreachable");
  /* A relayed payout is confirmed once a block mines it. */
  if (new_block && self->payer != NULL && !self->reconciling)
    {
      self->reconciling = TRUE;
      shoal_payer_reconcile_async (self->payer, self->cancellable, on_reconciled,
                                   g_object_ref (self));
    }
}

/* --- start and stop ----------------------------------------------- */

static char *
database_path (ShoalPool *self)
{
  const char *configured = shoal_config_get_string (self->config, "database");

  if (configured != NULL && *configured != '\0')
    return g_strdup (configured);
  /* A playground chain is new every time, and so are its blocks. */
  if (self->playground != NULL)
    return g_build_filename (shoal_playground_get_data_dir (self->playground), "shoal.db", NULL);
  return g_build_filename (g_get_user_data_dir (), "shoal", "shoal.db", NULL);
}

static ShoalValidatorMode
validator_mode (ShoalConfig *config)
{
  const char *mode = shoal_config_get_string (config, "validator-mode");

  if (g_strcmp0 (mode, "light") == 0)
    return SHOAL_VALIDATOR_MODE_LIGHT;
  if (g_strcmp0 (mode, "full") == 0)
    return SHOAL_VALIDATOR_MODE_FULL;
  return SHOAL_VALIDATOR_MODE_AUTO;
}

static gboolean
open_store (ShoalPool  *self,
            GError    **error)
{
  g_autofree char *path = database_path (self);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0700);
  self->store = shoal_store_open (path, error);
  if (self->store == NULL)
    return FALSE;
  self->accounting = shoal_accounting_new (self->store, self->mode,
                                           shoal_config_get_uint64 (self->config, "pool-fee-bps"),
                                           shoal_config_get_uint64 (self->config, "pplns-window"));
  self->bookkeeper = g_thread_pool_new (run_chore, NULL, 1, FALSE, NULL);
  return TRUE;
}

/* The user's own certificate and key, or one Shoal makes on first start
 * and keeps (rigs pin its fingerprint, so it must not change). */
static GTlsCertificate *
load_certificate (ShoalPool  *self,
                  GError    **error)
{
  const char *cert = shoal_config_get_string (self->config, "tls-certificate");
  const char *key = shoal_config_get_string (self->config, "tls-key");
  g_autofree char *dir = NULL;

  if (cert != NULL && *cert != '\0')
    return g_tls_certificate_new_from_files (cert, (key && *key) ? key : cert, error);
  if (self->playground != NULL)
    dir = g_build_filename (shoal_playground_get_data_dir (self->playground), "tls", NULL);
  else
    dir = g_build_filename (g_get_user_data_dir (), "shoal", "tls", NULL);
  return shoal_certificate_load_or_create (dir, error);
}

static gboolean
configure_tls (ShoalPool  *self,
               GError    **error)
{
  guint port = shoal_config_get_uint64 (self->config, "stratum-tls-port");
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;

  if (port == 0)
    return TRUE;
  certificate = load_certificate (self, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "Stratum over TLS: ");
      return FALSE;
    }
  g_object_set (self->stratum, "tls-port", port, "tls-certificate", certificate, NULL);
  fingerprint = shoal_certificate_get_fingerprint (certificate);
  g_message ("stratum over TLS on port %u, certificate fingerprint %s", port, fingerprint);
  return TRUE;
}

static gboolean
start_stratum (ShoalPool  *self,
               GError    **error)
{
  ShoalConfig *c = self->config;

  self->validator = shoal_validator_new (validator_mode (c),
                                         shoal_config_get_uint64 (c, "validator-threads"), 0);
  self->stratum = shoal_stratum_server_new (self->validator);
  g_object_set (self->stratum,
                "bind-address", shoal_config_get_string (c, "stratum-bind"),
                "port", (guint) shoal_config_get_uint64 (c, "stratum-port"),
                "start-difficulty", shoal_config_get_uint64 (c, "start-difficulty"),
                "min-difficulty", shoal_config_get_uint64 (c, "min-difficulty"),
                "share-interval", (guint) shoal_config_get_uint64 (c, "share-interval"),
                "mode", self->mode == SHOAL_MODE_PPLNS ? "pplns" : "solo",
                "pool-address", self->pool_address,
                NULL);
  g_object_set (self->stratum, "max-connections-per-ip",
                (guint) shoal_config_get_uint64 (c, "stratum-max-per-ip"), NULL);
  shoal_stratum_server_set_share_recorder (self->stratum, SHOAL_SHARE_RECORDER (self->store));
  /* One source for the pool's life, whichever node's job manager feeds
   * it: it keeps its epochs and filled height across a node switch.  It
   * makes blocks of the server's solutions and submits them once
   * "block-found" has them written down. */
  self->source = shoal_template_source_new (NULL);
  g_signal_connect_object (self->source, "block-found", G_CALLBACK (on_block_found), self, 0);
  shoal_stratum_server_set_job_source (self->stratum, SHOAL_JOB_SOURCE (self->source));
  if (!configure_tls (self, error) || !shoal_stratum_server_start (self->stratum, error))
    return FALSE;
  g_message ("stratum listening on %s port %u", shoal_config_get_string (c, "stratum-bind"),
             shoal_stratum_server_get_port (self->stratum));
  return TRUE;
}

/* Settings a running pool takes at once: vardiff and the per-address cap
 * (the stratum server applies them to the next job and the next
 * connection), the payout threshold and schedule.  The fee and the PPLNS
 * window need nothing here: each block takes the ones of the moment it is
 * found; node-managed-keep-running is read when the pool stops. */
static const char * const stratum_live[][2] = {
  { "start-difficulty", "start-difficulty" },
  { "min-difficulty", "min-difficulty" },
  { "share-interval", "share-interval" },
  { "stratum-max-per-ip", "max-connections-per-ip" },
};

static const char * const read_when_used[] = {
  "pool-fee-bps", "pplns-window", "node-managed-keep-running",
};

static gboolean
apply_to_stratum (ShoalPool  *self,
                  const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (stratum_live); i++)
    if (g_str_equal (key, stratum_live[i][0]))
      {
        guint64 value = shoal_config_get_uint64 (self->config, key);
        GParamSpec *pspec = NULL;

        if (self->stratum == NULL)
          return TRUE;   /* read when it starts */
        pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->stratum),
                                              stratum_live[i][1]);
        if (pspec->value_type == G_TYPE_UINT64)
          g_object_set (self->stratum, stratum_live[i][1], value, NULL);
        else
          g_object_set (self->stratum, stratum_live[i][1], (guint) MIN (value, G_MAXUINT), NULL);
        return TRUE;
      }
  return FALSE;
}

gboolean
_shoal_pool_apply_setting (ShoalPool  *self,
                           const char *key)
{
  if (g_strv_contains (read_when_used, key) || apply_to_stratum (self, key))
    return TRUE;
  if (g_str_equal (key, "payout-threshold") || g_str_equal (key, "payout-interval"))
    {
      if (self->payer == NULL)
        return self->mode != SHOAL_MODE_PPLNS || self->stratum == NULL;
      /* Only the one that changed: a new interval starts its count again. */
      if (g_str_equal (key, "payout-threshold"))
        shoal_payer_set_threshold (self->payer,
                                   shoal_config_get_uint64 (self->config, "payout-threshold"));
      else
        shoal_payer_set_interval (self->payer,
                                  shoal_config_get_uint64 (self->config, "payout-interval"));
      return TRUE;
    }
  return FALSE;
}

static void split_login (const char *login, char **user, char **password);

static const char *
zmq_url (ShoalPool *self)
{
  if (self->managed != NULL)
    return shoal_managed_node_get_zmq_uri (self->managed);
  if (self->playground != NULL)
    return shoal_playground_get_zmq_uri (self->playground);
  return shoal_config_get_string (self->config, "node-zmq-url");
}

/* The node's RPC login: the managed node's generated one, the user's
 * node-login, or none for the playground's node. */
static void
node_login (ShoalPool  *self,
            char      **user,
            char      **password)
{
  *user = NULL;
  *password = NULL;
  if (self->managed != NULL)
    {
      *user = g_strdup (shoal_managed_node_get_rpc_username (self->managed));
      *password = g_strdup (shoal_managed_node_get_rpc_password (self->managed));
    }
  else if (self->playground == NULL)
    split_login (shoal_config_get_string (self->config, "node-login"), user, password);
}

static void
start_jobs (ShoalPool  *self,
            const char *node_uri)
{
  ShoalTipWatcher *watcher;
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  node_login (self, &user, &password);
  self->node = shoal_node_client_new (node_uri, user, password);
  self->jobs = shoal_job_manager_new (self->node, self->pool_address);
  g_object_set (self->jobs, "zmq-url", zmq_url (self), NULL);
  g_signal_connect_object (self->jobs, "template-changed", G_CALLBACK (on_template_changed),
                           self, 0);
  shoal_template_source_set_jobs (self->source, self->jobs);
  g_signal_connect_object (shoal_job_manager_get_tracker (self->jobs), "block-changed",
                           G_CALLBACK (on_block_changed), self, 0);
  watcher = shoal_job_manager_get_watcher (self->jobs);
  g_object_set (watcher, "interval",
                (guint) MAX (shoal_config_get_uint64 (self->config, "node-poll-interval"), 50),
                NULL);
  g_signal_connect_object (watcher, "notify::height", G_CALLBACK (on_watcher_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watcher, "notify::reachable", G_CALLBACK (on_watcher_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watcher, "notify::node-status", G_CALLBACK (on_watcher_changed),
                           self, G_CONNECT_SWAPPED);
  shoal_job_manager_start (self->jobs);
}

static void
split_login (const char  *login,
             char       **user,
             char       **password)
{
  const char *colon = login ? strchr (login, ':') : NULL;

  *user = NULL;
  *password = NULL;
  if (login == NULL || *login == '\0')
    return;
  *user = colon ? g_strndup (login, colon - login) : g_strdup (login);
  *password = g_strdup (colon ? colon + 1 : "");
}

/* The payer asks the node itself whether a batch's inputs are spent, on
 * connections of its own: its worker thread never queues behind the
 * tracker's or the job manager's calls. */
static void
start_payer_node (ShoalPool *self)
{
  g_autoptr(ShoalNodeClient) node = shoal_node_client_dup (self->node);

  shoal_payer_set_node (self->payer, node);
}

static void
start_payer (ShoalPool *self)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  if (self->mode != SHOAL_MODE_PPLNS)
    return;
  split_login (shoal_config_get_string (self->config, "wallet-login"), &user, &password);
  if (self->playground != NULL)
    g_clear_pointer (&user, g_free);
  self->wallet = shoal_wallet_client_new (self->wallet_uri, user, password);
  self->wallet_probe_id = _shoal_pool_start_wallet_probe (self);
  self->payer = shoal_payer_new (self->store, self->wallet,
                                 shoal_config_get_uint64 (self->config, "payout-threshold"));
  if (self->node != NULL)
    start_payer_node (self);
  shoal_payer_set_interval (self->payer, shoal_config_get_uint64 (self->config, "payout-interval"));
  /* Every unfinished batch is settled before anything new is paid. */
  self->reconciling = TRUE;
  shoal_payer_reconcile_async (self->payer, self->cancellable, on_reconciled, g_object_ref (self));
}

static void
start_api (ShoalPool *self)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_config_get_boolean (self->config, "api-enabled"))
    return;
  self->api = shoal_api_server_new ();
  g_object_set (self->api,
                "bind-address", shoal_config_get_string (self->config, "api-bind"),
                "port", (guint) shoal_config_get_uint64 (self->config, "api-port"),
                NULL);
  self->api_feed = shoal_api_feed_new (self, self->api);
  if (!shoal_api_server_start (self->api, &error))
    {
      g_warning ("member API not started: %s", error->message);
      g_clear_object (&self->api_feed);
      g_clear_object (&self->api);
      return;
    }
  g_message ("member API on %s port %u", shoal_config_get_string (self->config, "api-bind"),
             shoal_api_server_get_port (self->api));
}

static gboolean
begin_running (ShoalPool   *self,
               const char  *node_uri,
               GError     **error)
{
  if (!_shoal_pool_check_address (self, self->pool_address, error))
    return FALSE;
  if (!open_store (self, error))
    {
      _shoal_pool_start_failed (self, "database", *error);
      return FALSE;
    }
  if (!_shoal_pool_check_mode (self, error))
    {
      _shoal_pool_start_failed (self, "mode", *error);
      return FALSE;
    }
  if (!start_stratum (self, error))
    {
      _shoal_pool_start_failed (self, "stratum", *error);
      return FALSE;
    }
  start_jobs (self, node_uri);
  if (self->playground == NULL)
    self->failover_id = _shoal_pool_start_failover (self, node_uri);
  _shoal_pool_watch_config (self);
  queue_chore (self, read_pending_blocks, track_pending_blocks, g_new0 (GPtrArray *, 1),
               free_block_list);
  start_payer (self);
  start_api (self);

  refresh_snapshot (self);
  self->snapshot_id = g_timeout_add_seconds (1, on_snapshot_tick, self);
  self->history_id = g_timeout_add_seconds (STATS_HISTORY_INTERVAL_S, on_history_tick, self);
  self->round_id = g_timeout_add_seconds (ROUND_REFRESH_INTERVAL_S, on_round_tick, self);
  return TRUE;
}

/* A pool that could not start says so in its status and snapshot too. */
static void
return_start_error (ShoalPool *self,
                    GTask     *task,
                    GError    *error)
{
  set_status (self, "not running");
  refresh_snapshot (self);
  g_task_return_error (task, error);
}

static void
on_playground_started (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalPool *self = g_task_get_source_object (task);
  ShoalPlayground *playground = SHOAL_PLAYGROUND (source);
  ShoalPlaygroundWallet *wallet;
  GError *error = NULL;

  if (!shoal_playground_start_finish (playground, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _shoal_pool_start_failed (self, "playground", error);
      return_start_error (self, task, error);
      return;
    }
  wallet = shoal_playground_get_wallet (playground);
  g_message ("playground node at %s, wallet at %s, address %s",
             shoal_playground_get_node_uri (playground), wallet->uri, wallet->address);
  /* The playground's own wallet receives the rewards and pays members. */
  g_free (self->pool_address);
  self->pool_address = g_strdup (wallet->address);
  g_free (self->wallet_uri);
  self->wallet_uri = g_strdup (wallet->uri);

  if (!begin_running (self, shoal_playground_get_node_uri (playground), &error))
    return_start_error (self, task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The node Shoal runs for the user; mining waits for its sync, since
 * monerod answers "busy" for templates until then. */
static gboolean
start_managed_node (ShoalPool  *self,
                    GError    **error)
{
  ShoalConfig *c = self->config;
  const char *args = shoal_config_get_string (c, "node-managed-args");
  g_auto(GStrv) argv = NULL;

  if (args != NULL && *args != '\0' && !g_shell_parse_argv (args, NULL, &argv, error))
    return FALSE;
  self->managed = shoal_managed_node_new (shoal_config_get_string (c, "node-managed-binary"),
                                          shoal_config_get_string (c, "node-managed-data-dir"));
  g_object_set (self->managed, "extra-args", argv, "ignore-disk-space",
                shoal_config_get_boolean (c, "node-managed-ignore-disk-space"), "keep-running",
                shoal_config_get_boolean (c, "node-managed-keep-running"), NULL);
  return shoal_managed_node_start (self->managed, error);
}

void
shoal_pool_start_async (ShoalPool           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_start_async);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_status (self, "starting");
  g_ptr_array_set_size (self->conditions, 0);
  self->pool_address = g_strdup (shoal_config_get_string (self->config, "pool-address"));
  self->mode = shoal_config_get_mode (self->config);
  self->wallet_uri = g_strdup (shoal_config_get_string (self->config, "wallet-url"));

  if (shoal_config_get_boolean (self->config, "playground"))
    {
      self->playground = shoal_playground_new (NULL, shoal_config_get_uint64 (self->config,
                                                                           "playground-difficulty"));
      shoal_playground_start_async (self->playground, self->cancellable,
                                    on_playground_started, g_steal_pointer (&task));
      return;
    }
  if (shoal_config_get_boolean (self->config, "node-managed"))
    {
      if (!start_managed_node (self, &error))
        {
          _shoal_pool_start_failed (self, "node", error);
          return_start_error (self, task, error);
        }
      else if (!begin_running (self, shoal_managed_node_get_rpc_uri (self->managed), &error))
        return_start_error (self, task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  if (!begin_running (self, shoal_config_get_string (self->config, "node-url"), &error))
    return_start_error (self, task, error);
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
shoal_pool_start_finish (ShoalPool     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
shoal_pool_stop (ShoalPool *self)
{
  g_return_if_fail (SHOAL_IS_POOL (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->snapshot_id, g_source_remove);
  g_clear_handle_id (&self->history_id, g_source_remove);
  g_clear_handle_id (&self->round_id, g_source_remove);
  g_clear_handle_id (&self->wallet_probe_id, g_source_remove);
  g_clear_handle_id (&self->failover_id, g_source_remove);
  g_clear_signal_handler (&self->config_changed_id, self->config);
  g_clear_object (&self->api_feed);
  if (self->api != NULL)
    shoal_api_server_stop (self->api);
  if (self->jobs != NULL)
    shoal_job_manager_stop (self->jobs);
  /* Miners go first, then the work they were waiting on. */
  if (self->stratum != NULL)
    shoal_stratum_server_stop (self->stratum);
  if (self->validator != NULL)
    shoal_validator_shutdown (self->validator);
  if (self->bookkeeper != NULL)
    {
      g_thread_pool_free (self->bookkeeper, FALSE, TRUE);
      self->bookkeeper = NULL;
    }
  /* A payout run writes to the store: it ends before the store closes. */
  if (self->payer != NULL)
    shoal_payer_shutdown (self->payer);
  if (self->store != NULL)
    shoal_store_close (self->store);
  if (self->playground != NULL)
    shoal_playground_stop (self->playground);
  if (self->managed != NULL)
    {
      /* Read again here: the user may have turned it off since the start.
       * Turned on since, it cannot apply: the running node was started
       * to die with Shoal. */
      g_object_set (self->managed, "keep-running",
                    shoal_config_get_boolean (self->config, "node-managed-keep-running"), NULL);
      shoal_managed_node_stop (self->managed, 60);
    }
}

/* --- GObject ------------------------------------------------------ */

static void
shoal_pool_dispose (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  shoal_pool_stop (self);
  g_clear_object (&self->managed);
  g_clear_object (&self->api);
  g_clear_object (&self->payer);
  g_clear_object (&self->wallet);
  g_clear_object (&self->accounting);
  g_clear_object (&self->source);
  g_clear_object (&self->jobs);
  g_clear_object (&self->node);
  g_clear_object (&self->stratum);
  g_clear_object (&self->validator);
  g_clear_object (&self->store);
  g_clear_object (&self->playground);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (shoal_pool_parent_class)->dispose (object);
}

static void
shoal_pool_finalize (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  g_free (self->status_message);
  g_free (self->pool_address);
  g_free (self->wallet_uri);
  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
  g_clear_pointer (&self->found_heights, g_hash_table_unref);
  g_clear_pointer (&self->conditions, g_ptr_array_unref);
  G_OBJECT_CLASS (shoal_pool_parent_class)->finalize (object);
}

static void
shoal_pool_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalPool *self = SHOAL_POOL (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_NODE_HEIGHT:
      g_value_set_uint64 (value, self->node_height);
      break;
    case PROP_NODE_REACHABLE:
      g_value_set_boolean (value, self->node_reachable);
      break;
    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_pool_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ShoalPool *self = SHOAL_POOL (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_pool_class_init (ShoalPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_pool_dispose;
  object_class->finalize = shoal_pool_finalize;
  object_class->get_property = shoal_pool_get_property;
  object_class->set_property = shoal_pool_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, SHOAL_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NODE_HEIGHT] =
    g_param_spec_uint64 ("node-height", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NODE_REACHABLE] =
    g_param_spec_boolean ("node-reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SNAPSHOT_CHANGED] =
    g_signal_new ("snapshot-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[BLOCK_FOUND] =
    g_signal_new ("block-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
  signals[BLOCK_ORPHANED] =
    g_signal_new ("block-orphaned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
  signals[CONDITIONS_CHANGED] =
    g_signal_new ("conditions-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_pool_init (ShoalPool *self)
{
  self->snapshot = shoal_pool_snapshot_new ();
  self->found_heights = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->conditions = shoal_condition_list_new ();
}

ShoalPool *
shoal_pool_new (ShoalConfig *config)
{
  ShoalPool *self;

  g_return_val_if_fail (SHOAL_IS_CONFIG (config), NULL);
  self = g_object_new (SHOAL_TYPE_POOL, "config", config, NULL);
  self->mode = shoal_config_get_mode (config);
  return self;
}

ShoalMode
shoal_pool_get_mode (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), SHOAL_MODE_SOLO);
  return self->mode;
}

ShoalConfig *
shoal_pool_get_config (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->config;
}

ShoalStore *
_shoal_pool_get_store (ShoalPool *self)
{
  return self->store;
}

ShoalPayer *
_shoal_pool_get_payer (ShoalPool *self)
{
  return self->payer;
}

ShoalWalletClient *
_shoal_pool_get_wallet (ShoalPool *self)
{
  return self->wallet;
}

ShoalPlayground *
shoal_pool_get_playground (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->playground;
}

guint64
shoal_pool_get_node_height (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), 0);
  return self->node_height;
}

gboolean
shoal_pool_get_node_reachable (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), FALSE);
  return self->node_reachable;
}

const char *
shoal_pool_get_status_message (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->status_message;
}

ShoalPoolSnapshot *
shoal_pool_get_snapshot (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->snapshot;
}

guint16
shoal_pool_get_stratum_port (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), 0);
  return self->stratum ? shoal_stratum_server_get_port (self->stratum) : 0;
}

const char *
shoal_pool_get_pool_address (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->pool_address;
}

GPtrArray *
shoal_pool_get_conditions (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->conditions;
}

const ShoalNodeStatus *
shoal_pool_get_node_status (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  if (self->jobs == NULL)
    return NULL;
  return shoal_tip_watcher_get_node_status (shoal_job_manager_get_watcher (self->jobs));
}

gboolean
shoal_pool_get_node_synchronized (ShoalPool *self)
{
  const ShoalNodeStatus *status = shoal_pool_get_node_status (self);

  return status != NULL && status->synchronized;
}

void
_shoal_pool_set_condition (ShoalPool      *self,
                           ShoalCondition *condition)
{
  g_autofree char *line = g_strdup_printf ("%s%s%s", condition->sentence,
                                           condition->action ? " Fix: " : "",
                                           condition->action ? condition->action : "");

  gboolean is_new = shoal_condition_list_find (self->conditions, condition->id) == NULL;

  if (!shoal_condition_list_set (self->conditions, condition))
    return;
  /* The log says it once (sync progress changes it every second). */
  if (is_new)
    g_message ("condition: %s", line);
  g_signal_emit (self, signals[CONDITIONS_CHANGED], 0);
}

void
_shoal_pool_clear_condition (ShoalPool  *self,
                             const char *id)
{
  if (shoal_condition_list_clear (self->conditions, id))
    g_message ("condition cleared: %s", id);
  else
    return;
  g_signal_emit (self, signals[CONDITIONS_CHANGED], 0);
}

ShoalJobManager *
_shoal_pool_get_jobs (ShoalPool *self)
{
  return self->jobs;
}

void
_shoal_pool_set_config_handler (ShoalPool *self,
                                gulong     handler_id)
{
  self->config_changed_id = handler_id;
}

ShoalNodeClient *
_shoal_pool_get_node (ShoalPool *self)
{
  return self->node;
}

/* Moves the pool onto another node: a new job manager (and its watcher
 * and tracker) on URI; blocks waiting for confirmations are tracked again
 * from the store.  Rigs keep their connection and get the new node's work. */
void
_shoal_pool_use_node (ShoalPool  *self,
                      const char *uri)
{
  g_return_if_fail (self->jobs != NULL);

  g_message ("node: now using %s", uri);
  shoal_job_manager_stop (self->jobs);
  g_signal_handlers_disconnect_by_data (shoal_job_manager_get_watcher (self->jobs), self);
  g_clear_object (&self->jobs);
  g_clear_object (&self->node);
  self->node_height = 0;
  start_jobs (self, uri);
  queue_chore (self, read_pending_blocks, track_pending_blocks, g_new0 (GPtrArray *, 1),
               free_block_list);
}
