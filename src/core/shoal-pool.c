/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-accounting.h"
#include "shoal-api-feed.h"
#include "shoal-api-server.h"
#include "shoal-block-keeper.h"
#include "shoal-bookkeeper.h"
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
#include "shoal-stats-collector.h"

/* ShoalPool wires the parts of a running pool and owns their lifecycle,
 * on the thread that made it (the GTK main thread, or headless mode's
 * loop):
 *
 *   job manager --template--> template source --work--> stratum server --shares--> store
 *        ^                          |  ^                      | solution
 *        +------ submit_block <-----+  +----------------------+
 *                                   | block found (written first)
 *                                   +--> store
 *   block tracker --block-changed--> store --unlocked--> accounting
 *
 * Store writes and accounting run on one bookkeeper thread, in order,
 * so the main loop never waits on SQLite (ShoalBookkeeper); the block
 * keeper follows found blocks until they settle; the stats collector
 * makes the snapshot, the history and the round's running total (it is
 * the stratum server's share recorder, in front of the store). */

/* Owned by the thread that made it; the parts it holds keep their own
 * threads (stratum, validator, bookkeeper) behind their own APIs. */
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
  ShoalSourceChain   *chain;             /* upstream mode: upstreams, then source */
  GPtrArray          *upstreams;         /* upstream mode: ShoalUpstreamSource, in order */
  ShoalAccounting    *accounting;
  ShoalPayer         *payer;
  ShoalWalletClient  *wallet;
  ShoalApiServer     *api;
  ShoalApiFeed       *api_feed;          /* publishes to API, holds us weakly */
  ShoalBookkeeper    *books;
  ShoalBlockKeeper   *blocks;
  ShoalStatsCollector *stats;            /* made with the pool: it has a snapshot before start */
  gboolean            reconciling;

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

/* --- blocks ------------------------------------------------------ */

/* Emitted by the template source before it submits the block: a new
 * round starts, and the block is written down before anything else. */
static void
on_block_found (ShoalTemplateSource *source,
                GBytes              *blob,
                guint64              height,
                const char          *block_id,
                ShoalBlockTemplate  *tmpl,
                gpointer             share,
                ShoalPool           *self)
{
  ShoalBlockTerms terms = { 0 };
  gint64 found_us = g_get_real_time ();

  _shoal_pool_block_terms (self, share, &terms);
  shoal_stats_collector_new_round (self->stats, found_us);
  shoal_block_keeper_found (self->blocks, block_id, height,
                            shoal_block_template_get_reward (tmpl),
                            shoal_block_template_get_difficulty (tmpl)->lo, found_us, &terms);
}

static void
on_block_announced (ShoalBlockKeeper *blocks,
                    guint64           height,
                    const char       *id,
                    ShoalPool        *self)
{
  shoal_stats_collector_block_announced (self->stats, height);
  g_signal_emit (self, signals[BLOCK_FOUND], 0, height, id);
}

static void
on_block_orphaned (ShoalBlockKeeper *blocks,
                   guint64           height,
                   const char       *id,
                   ShoalPool        *self)
{
  g_signal_emit (self, signals[BLOCK_ORPHANED], 0, height, id);
}

static void
on_snapshot_changed (ShoalPool *self)
{
  g_signal_emit (self, signals[SNAPSHOT_CHANGED], 0);
}

static void
on_template_changed (ShoalJobManager    *jobs,
                     ShoalBlockTemplate *tmpl,
                     ShoalPool          *self)
{
  shoal_stats_collector_set_network_difficulty (self->stats,
                                                shoal_block_template_get_difficulty (tmpl)->lo);
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

static gboolean
open_store (ShoalPool  *self,
            GError    **error)
{
  g_autofree char *path = _shoal_pool_database_path (self);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0700);
  self->store = shoal_store_open (path, error);
  if (self->store == NULL)
    return FALSE;
  self->accounting = shoal_accounting_new (self->store, self->mode,
                                           shoal_config_get_uint64 (self->config, "pool-fee-bps"),
                                           shoal_config_get_uint64 (self->config, "pplns-window"));
  self->books = shoal_bookkeeper_new (self->store, self->accounting);
  self->blocks = shoal_block_keeper_new (self->books);
  g_signal_connect_object (self->blocks, "block-found", G_CALLBACK (on_block_announced), self, 0);
  g_signal_connect_object (self->blocks, "block-orphaned", G_CALLBACK (on_block_orphaned),
                           self, 0);
  /* The round's running total starts from the store, before any share
   * can reach it. */
  return shoal_stats_collector_load_round (self->stats, self->store, error);
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
  certificate = _shoal_pool_load_certificate (self, error);
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

/* The node's templates, or in upstream mode the chain that ends in them. */
static gboolean
set_job_source (ShoalPool  *self,
                GError    **error)
{
  if (self->mode != SHOAL_MODE_UPSTREAM)
    {
      shoal_stratum_server_set_job_source (self->stratum, SHOAL_JOB_SOURCE (self->source));
      return TRUE;
    }
  self->chain = _shoal_pool_upstream_chain (self->config, self->pool_address,
                                            SHOAL_JOB_SOURCE (self->source), self->stats,
                                            &self->upstreams, error);
  if (self->chain == NULL)
    return FALSE;
  _shoal_pool_watch_upstreams (self, self->config, self->chain, self->upstreams);
  shoal_stratum_server_set_job_source (self->stratum, SHOAL_JOB_SOURCE (self->chain));
  return TRUE;
}

static gboolean
start_stratum (ShoalPool  *self,
               GError    **error)
{
  ShoalConfig *c = self->config;

  self->validator = shoal_validator_new (_shoal_pool_validator_mode (c),
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
  shoal_stratum_server_set_share_recorder (self->stratum, SHOAL_SHARE_RECORDER (self->stats));
  /* One source for the pool's life, whichever node's job manager feeds
   * it: it keeps its epochs and filled height across a node switch.  It
   * makes blocks of the server's solutions and submits them once
   * "block-found" has them written down. */
  self->source = shoal_template_source_new (NULL);
  g_signal_connect_object (self->source, "block-found", G_CALLBACK (on_block_found), self, 0);
  if (!set_job_source (self, error) || !configure_tls (self, error)
      || !shoal_stratum_server_start (self->stratum, error))
    return FALSE;
  g_message ("stratum listening on %s port %u", shoal_config_get_string (c, "stratum-bind"),
             shoal_stratum_server_get_port (self->stratum));
  return TRUE;
}

static void
start_jobs (ShoalPool  *self,
            const char *node_uri)
{
  ShoalTipWatcher *watcher;
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  _shoal_pool_node_login (self, &user, &password);
  self->node = shoal_node_client_new (node_uri, user, password);
  self->jobs = shoal_job_manager_new (self->node, self->pool_address);
  g_object_set (self->jobs, "zmq-url", _shoal_pool_zmq_url (self), NULL);
  g_signal_connect_object (self->jobs, "template-changed", G_CALLBACK (on_template_changed),
                           self, 0);
  shoal_template_source_set_jobs (self->source, self->jobs);
  shoal_block_keeper_follow (self->blocks, shoal_job_manager_get_tracker (self->jobs));
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
  _shoal_split_login (shoal_config_get_string (self->config, "wallet-login"), &user, &password);
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
  start_payer (self);
  start_api (self);
  shoal_stats_collector_start (self->stats, self->books);
  return TRUE;
}

/* A pool that could not start says so in its status and snapshot too. */
static void
return_start_error (ShoalPool *self,
                    GTask     *task,
                    GError    *error)
{
  set_status (self, "not running");
  shoal_stats_collector_refresh (self->stats);
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
  if (self->stats != NULL)
    shoal_stats_collector_stop (self->stats);
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
  _shoal_pool_stop_upstreams (self->upstreams);
  if (self->validator != NULL)
    shoal_validator_shutdown (self->validator);
  if (self->books != NULL)
    shoal_bookkeeper_shutdown (self->books);
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
  g_clear_object (&self->blocks);
  g_clear_object (&self->books);
  g_clear_object (&self->stats);
  g_clear_object (&self->accounting);
  g_clear_object (&self->chain);
  g_clear_pointer (&self->upstreams, g_ptr_array_unref);
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

/* The collector comes first: a pool that never started still has a
 * snapshot to show. */
static void
shoal_pool_constructed (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  G_OBJECT_CLASS (shoal_pool_parent_class)->constructed (object);
  self->stats = shoal_stats_collector_new (self);
  g_signal_connect_object (self->stats, "snapshot-changed", G_CALLBACK (on_snapshot_changed),
                           self, G_CONNECT_SWAPPED);
}

static void
shoal_pool_class_init (ShoalPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = shoal_pool_constructed;
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

ShoalStratumServer *
_shoal_pool_get_stratum (ShoalPool *self)
{
  return self->stratum;
}

ShoalValidator *
_shoal_pool_get_validator (ShoalPool *self)
{
  return self->validator;
}

ShoalManagedNode *
_shoal_pool_get_managed (ShoalPool *self)
{
  return self->managed;
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
  return shoal_stats_collector_get_snapshot (self->stats);
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

GPtrArray *
_shoal_pool_get_upstreams (ShoalPool *self)
{
  return self->upstreams;
}

ShoalSourceChain *
_shoal_pool_get_chain (ShoalPool *self)
{
  return self->chain;
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
}
