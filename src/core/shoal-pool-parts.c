/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-accounting.h"
#include "shoal-api-feed.h"
#include "shoal-api-server.h"
#include "shoal-block-keeper.h"
#include "shoal-bookkeeper.h"
#include "shoal-certificate.h"
#include "shoal-job-manager.h"
#include "shoal-managed-node.h"
#include "shoal-payer.h"
#include "shoal-store.h"
#include "shoal-stratum-server.h"
#include "shoal-template-source.h"
#include "shoal-validator.h"
#include "shoal-pool-private.h"

/* The parts of a running pool, ShoalPoolParts: made from the
 * configuration at the start, in order (store, stratum and its job
 * source, the node's job manager, payer, API), stopped in the order that
 * loses nothing, dropped in the pool's dispose.  All on the pool's
 * thread.  Each part is handed to shoal-pool.c to wire as it comes
 * (_shoal_pool_wire_*), so the pool itself keeps only the wiring, the
 * state the window reads and its public face.
 *
 * Why functions over a plain struct and not an object of its own: the
 * parts live exactly as long as the start that made them (a restart
 * makes a new pool), and the pool's split files (failover, settings,
 * conditions) reach the same parts.  A ShoalPoolAssembly GObject would
 * add a second owner and lifecycle for the same pointers and a getter
 * per part, and hold no state of its own: what would be its state, the
 * start in progress, is the GTask, which already carries the pool. */

static gboolean
open_store (ShoalPool  *self,
            GError    **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *config = shoal_pool_get_config (self);
  g_autofree char *path = _shoal_pool_database_path (self);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  g_mkdir_with_parents (dir, 0700);
  p->store = shoal_store_open (path, error);
  /* The income watcher lists the payouts on their way afresh at its first
   * look; a run without one (another mode) must not show an older list. */
  if (p->store == NULL || !shoal_store_set_arrivals_sync (p->store, none, error))
    return FALSE;
  p->accounting = shoal_accounting_new (p->store, p->mode,
                                        shoal_config_get_uint64 (config, "pool-fee-bps"),
                                        shoal_config_get_uint64 (config, "pplns-window"));
  p->books = shoal_bookkeeper_new (p->store, p->accounting);
  p->blocks = shoal_block_keeper_new (p->books);
  _shoal_pool_wire_block_keeper (self);
  /* The round's running total starts from the store, before any share
   * can reach it. */
  return shoal_stats_collector_load_round (_shoal_pool_get_stats (self), p->store, error);
}

static gboolean
configure_tls (ShoalPool  *self,
               GError    **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  guint port = shoal_config_get_uint64 (shoal_pool_get_config (self), "stratum-tls-port");
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
  g_object_set (p->stratum, "tls-port", port, "tls-certificate", certificate, NULL);
  fingerprint = shoal_certificate_get_fingerprint (certificate);
  g_message ("stratum over TLS on port %u, certificate fingerprint %s", port, fingerprint);
  return TRUE;
}

/* The node's templates (or the source injected in their place), or in
 * upstream mode the chain that ends in them. */
static gboolean
set_job_source (ShoalPool  *self,
                GError    **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalJobSource *templates = _shoal_pool_get_job_source (self);

  if (templates == NULL)
    templates = SHOAL_JOB_SOURCE (p->source);
  if (p->mode != SHOAL_MODE_UPSTREAM)
    {
      shoal_stratum_server_set_job_source (p->stratum, templates);
      return TRUE;
    }
  p->chain = _shoal_pool_upstream_chain (shoal_pool_get_config (self), p->pool_address,
                                         templates, _shoal_pool_get_stats (self), p->books,
                                         &p->upstreams, error);
  if (p->chain == NULL)
    return FALSE;
  _shoal_pool_watch_upstreams (self, p->chain, p->upstreams);
  shoal_stratum_server_set_job_source (p->stratum, SHOAL_JOB_SOURCE (p->chain));
  return TRUE;
}

static void
configure_stratum (ShoalPool *self)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *c = shoal_pool_get_config (self);

  g_object_set (p->stratum,
                "bind-address", shoal_config_get_string (c, "stratum-bind"),
                "port", (guint) shoal_config_get_uint64 (c, "stratum-port"),
                "start-difficulty", shoal_config_get_uint64 (c, "start-difficulty"),
                "min-difficulty", shoal_config_get_uint64 (c, "min-difficulty"),
                "share-interval", (guint) shoal_config_get_uint64 (c, "share-interval"),
                /* Members log in with their own addresses wherever they are
                 * credited: pool mode, and a household split over P2Pool. */
                "mode", shoal_pool_pays_members (self) ? "pplns" : "solo",
                "pool-address", p->pool_address,
                NULL);
  g_object_set (p->stratum, "max-connections-per-ip",
                (guint) shoal_config_get_uint64 (c, "stratum-max-per-ip"), NULL);
  shoal_stratum_server_set_share_recorder (p->stratum,
                                           SHOAL_SHARE_RECORDER (_shoal_pool_get_stats (self)));
}

static gboolean
start_stratum (ShoalPool  *self,
               GError    **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *c = shoal_pool_get_config (self);

  p->validator = shoal_validator_new (_shoal_pool_validator_mode (c),
                                      shoal_config_get_uint64 (c, "validator-threads"), 0);
  p->stratum = shoal_stratum_server_new (p->validator);
  configure_stratum (self);
  /* One source for the pool's life, whichever node's job manager feeds
   * it: it keeps its epochs and filled height across a node switch.  It
   * makes blocks of the server's solutions and submits them once
   * "block-found" has them written down. */
  p->source = shoal_template_source_new (NULL);
  _shoal_pool_wire_template_source (self);
  if (!set_job_source (self, error) || !configure_tls (self, error)
      || !shoal_stratum_server_start (p->stratum, error))
    return FALSE;
  g_message ("stratum listening on %s port %u", shoal_config_get_string (c, "stratum-bind"),
             shoal_stratum_server_get_port (p->stratum));
  return TRUE;
}

void
_shoal_pool_start_jobs (ShoalPool  *self,
                        const char *node_uri)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  _shoal_pool_node_login (self, &user, &password);
  p->node = shoal_node_client_new (node_uri, user, password);
  p->jobs = shoal_job_manager_new (p->node, p->pool_address);
  g_object_set (p->jobs, "zmq-url", _shoal_pool_zmq_url (self), NULL);
  shoal_template_source_set_jobs (p->source, p->jobs);
  shoal_block_keeper_follow (p->blocks, shoal_job_manager_get_tracker (p->jobs));
  g_object_set (shoal_job_manager_get_watcher (p->jobs), "interval",
                (guint) MAX (shoal_config_get_uint64 (shoal_pool_get_config (self),
                                                      "node-poll-interval"), 50),
                NULL);
  _shoal_pool_wire_jobs (self);
  shoal_job_manager_start (p->jobs);
}

/* The payer asks the node itself whether a batch's inputs are spent, on
 * connections of its own: its worker thread never queues behind the
 * tracker's or the job manager's calls. */
static void
start_payer_node (ShoalPool *self)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  g_autoptr(ShoalNodeClient) node = shoal_node_client_dup (p->node);

  shoal_payer_set_node (p->payer, node);
}

/* How often the pool wallet is asked for P2Pool's payouts: one every
 * few Monero blocks at most, credited an hour and more later anyway. */
#define INCOME_POLL_MS (60 * 1000)

/* The household split over P2Pool: the payouts P2Pool makes to the pool
 * wallet are credited to the members, who are paid as in pool mode. */
static void
start_incomes (ShoalPool *self)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalSidechain sidechain = SHOAL_SIDECHAIN_MINI;
  const char *name = shoal_config_get_string (shoal_pool_get_config (self), "upstream-sidechain");

  if (!shoal_sidechain_parse (name, &sidechain))
    g_warning ("unknown P2Pool sidechain “%s”: splitting over mini's window", name);
  p->incomes = shoal_income_watcher_new (p->books, p->wallet, sidechain);
  shoal_income_watcher_start (p->incomes, INCOME_POLL_MS);
  g_message ("splitting P2Pool's payouts to %s over the %s sidechain's window", p->pool_address,
             shoal_sidechain_to_string (sidechain));
}

static void
start_payer (ShoalPool *self)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *config = shoal_pool_get_config (self);
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  if (!shoal_pool_pays_members (self))
    return;
  _shoal_split_login (shoal_config_get_string (config, "wallet-login"), &user, &password);
  if (p->playground != NULL)
    g_clear_pointer (&user, g_free);
  p->wallet = shoal_wallet_client_new (p->wallet_uri, user, password);
  p->wallet_probe_id = _shoal_pool_start_wallet_probe (self);
  p->payer = shoal_payer_new (p->store, p->wallet,
                              shoal_config_get_uint64 (config, "payout-threshold"));
  if (p->node != NULL)
    start_payer_node (self);
  shoal_payer_set_interval (p->payer, shoal_config_get_uint64 (config, "payout-interval"));
  /* Every unfinished batch is settled before anything new is paid. */
  _shoal_pool_reconcile (self);
  if (p->mode == SHOAL_MODE_UPSTREAM)
    start_incomes (self);
}

static void
start_api (ShoalPool *self)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *config = shoal_pool_get_config (self);
  g_autoptr(GError) error = NULL;

  if (!shoal_config_get_boolean (config, "api-enabled"))
    return;
  p->api = shoal_api_server_new ();
  g_object_set (p->api,
                "bind-address", shoal_config_get_string (config, "api-bind"),
                "port", (guint) shoal_config_get_uint64 (config, "api-port"),
                NULL);
  p->api_feed = shoal_api_feed_new (self, p->api);
  if (!shoal_api_server_start (p->api, &error))
    {
      g_warning ("member API not started: %s", error->message);
      g_clear_object (&p->api_feed);
      g_clear_object (&p->api);
      return;
    }
  g_message ("member API on %s port %u", shoal_config_get_string (config, "api-bind"),
             shoal_api_server_get_port (p->api));
}

/* A failed stage says so as a condition too. */
static gboolean
stage_done (ShoalPool  *self,
            const char *stage,
            gboolean    done,
            GError    **error)
{
  if (!done)
    _shoal_pool_start_failed (self, stage, *error);
  return done;
}

static gboolean
begin_running (ShoalPool   *self,
               const char  *node_uri,
               GError     **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);

  if (!_shoal_pool_check_address (self, p->pool_address, error))
    return FALSE;
  if (!stage_done (self, "database", open_store (self, error), error)
      || !stage_done (self, "mode", _shoal_pool_check_mode (self, error), error)
      || !stage_done (self, "stratum", start_stratum (self, error), error))
    return FALSE;
  /* A source injected in place of the node's templates needs no node:
   * no job manager, tip watcher or failover then. */
  if (_shoal_pool_get_job_source (self) == NULL)
    {
      _shoal_pool_start_jobs (self, node_uri);
      if (p->playground == NULL)
        p->failover_id = _shoal_pool_start_failover (self, node_uri);
    }
  else
    _shoal_pool_set_status (self, "running");   /* no tip watcher will say it */
  _shoal_pool_watch_config (self);
  start_payer (self);
  start_api (self);
  shoal_stats_collector_set_rounds (_shoal_pool_get_stats (self), p->mode != SHOAL_MODE_UPSTREAM);
  shoal_stats_collector_start (_shoal_pool_get_stats (self), p->books);
  return TRUE;
}

/* Takes ERROR.  A pool that could not start says so in its status and
 * snapshot too. */
static void
return_start (ShoalPool *self,
              GTask     *task,
              GError    *error)
{
  if (error == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  _shoal_pool_set_status (self, "not running");
  shoal_stats_collector_refresh (_shoal_pool_get_stats (self));
  g_task_return_error (task, error);
}

static void
on_playground_started (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalPool *self = g_task_get_source_object (task);
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalPlayground *playground = SHOAL_PLAYGROUND (source);
  ShoalPlaygroundWallet *wallet;
  GError *error = NULL;

  if (!shoal_playground_start_finish (playground, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _shoal_pool_start_failed (self, "playground", error);
      return_start (self, task, error);
      return;
    }
  wallet = shoal_playground_get_wallet (playground);
  g_message ("playground node at %s, wallet at %s, address %s",
             shoal_playground_get_node_uri (playground), wallet->uri, wallet->address);
  /* The playground's own wallet receives the rewards and pays members. */
  g_free (p->pool_address);
  p->pool_address = g_strdup (wallet->address);
  g_free (p->wallet_uri);
  p->wallet_uri = g_strdup (wallet->uri);

  begin_running (self, shoal_playground_get_node_uri (playground), &error);
  return_start (self, task, error);
}

/* The node Shoal runs for the user; mining waits for its sync, since
 * monerod answers "busy" for templates until then. */
static gboolean
start_managed_node (ShoalPool  *self,
                    GError    **error)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *c = shoal_pool_get_config (self);
  const char *args = shoal_config_get_string (c, "node-managed-args");
  g_auto(GStrv) argv = NULL;

  if (args != NULL && *args != '\0' && !g_shell_parse_argv (args, NULL, &argv, error))
    return FALSE;
  p->managed = shoal_managed_node_new (shoal_config_get_string (c, "node-managed-binary"),
                                       shoal_config_get_string (c, "node-managed-data-dir"));
  g_object_set (p->managed, "extra-args", argv, "ignore-disk-space",
                shoal_config_get_boolean (c, "node-managed-ignore-disk-space"), "keep-running",
                shoal_config_get_boolean (c, "node-managed-keep-running"), NULL);
  return shoal_managed_node_start (p->managed, error);
}

static void
start_playground (ShoalPool *self,
                  GTask     *task)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  guint64 difficulty = shoal_config_get_uint64 (shoal_pool_get_config (self),
                                                "playground-difficulty");

  p->playground = shoal_playground_new (NULL, difficulty);
  shoal_playground_start_async (p->playground, _shoal_pool_get_cancellable (self),
                                on_playground_started, task);
}

void
_shoal_pool_start_parts (ShoalPool *self,
                         GTask     *task)
{
  ShoalPoolParts *p = _shoal_pool_get_parts (self);
  ShoalConfig *config = shoal_pool_get_config (self);
  g_autoptr(GTask) owned = task;   /* the playground's start takes it on; the rest answer now */
  GError *error = NULL;

  p->pool_address = g_strdup (shoal_config_get_string (config, "pool-address"));
  p->mode = shoal_config_get_mode (config);
  p->wallet_uri = g_strdup (shoal_config_get_string (config, "wallet-url"));

  if (shoal_config_get_boolean (config, "playground"))
    start_playground (self, g_steal_pointer (&owned));
  else if (shoal_config_get_boolean (config, "node-managed"))
    {
      if (!start_managed_node (self, &error))
        _shoal_pool_start_failed (self, "node", error);
      else
        begin_running (self, shoal_managed_node_get_rpc_uri (p->managed), &error);
      return_start (self, task, error);
    }
  else
    {
      begin_running (self, shoal_config_get_string (config, "node-url"), &error);
      return_start (self, task, error);
    }
}

/* Ends what the start began, in the order that loses nothing: the API
 * and the node's work, then the rigs, then what they were waiting on,
 * the books and payouts, then the store and the nodes Shoal runs. */
void
_shoal_pool_parts_stop (ShoalPoolParts *p,
                        ShoalConfig    *config)
{
  g_clear_handle_id (&p->wallet_probe_id, g_source_remove);
  g_clear_handle_id (&p->failover_id, g_source_remove);
  if (p->incomes != NULL)
    shoal_income_watcher_stop (p->incomes);
  g_clear_object (&p->api_feed);
  if (p->api != NULL)
    shoal_api_server_stop (p->api);
  if (p->jobs != NULL)
    shoal_job_manager_stop (p->jobs);
  /* Miners go first, then the work they were waiting on. */
  if (p->stratum != NULL)
    shoal_stratum_server_stop (p->stratum);
  _shoal_pool_stop_upstreams (p->upstreams);
  if (p->validator != NULL)
    shoal_validator_shutdown (p->validator);
  if (p->books != NULL)
    shoal_bookkeeper_shutdown (p->books);
  /* A payout run writes to the store: it ends before the store closes. */
  if (p->payer != NULL)
    shoal_payer_shutdown (p->payer);
  if (p->store != NULL)
    shoal_store_close (p->store);
  if (p->playground != NULL)
    shoal_playground_stop (p->playground);
  if (p->managed != NULL)
    {
      /* Read again here: the user may have turned it off since the start.
       * Turned on since, it cannot apply: the running node was started
       * to die with Shoal. */
      g_object_set (p->managed, "keep-running",
                    shoal_config_get_boolean (config, "node-managed-keep-running"), NULL);
      shoal_managed_node_stop (p->managed, 60);
    }
}

/* The strings stay until the pool's finalize: the window may still ask
 * for the address of a pool that is going away. */
void
_shoal_pool_parts_dispose (ShoalPoolParts *p)
{
  g_clear_object (&p->managed);
  g_clear_object (&p->api);
  g_clear_object (&p->api_feed);
  g_clear_object (&p->incomes);
  g_clear_object (&p->payer);
  g_clear_object (&p->wallet);
  g_clear_object (&p->blocks);
  g_clear_object (&p->books);
  g_clear_object (&p->accounting);
  g_clear_object (&p->chain);
  g_clear_pointer (&p->upstreams, g_ptr_array_unref);
  g_clear_object (&p->source);
  g_clear_object (&p->jobs);
  g_clear_object (&p->node);
  g_clear_object (&p->stratum);
  g_clear_object (&p->validator);
  g_clear_object (&p->store);
  g_clear_object (&p->playground);
}
