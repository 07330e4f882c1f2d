/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

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
 * the stratum server's share recorder, in front of the store).
 *
 * The parts' own lifecycle (made from the configuration, stopped,
 * dropped) is in shoal-pool-parts.c; this file wires each part as it
 * comes and keeps the state the window reads. */

/* Owned by the thread that made it; the parts it holds keep their own
 * threads (stratum, validator, bookkeeper) behind their own APIs. */
struct _ShoalPool
{
  GObject             parent_instance;
  ShoalConfig        *config;
  GCancellable       *cancellable;
  ShoalPoolParts      parts;             /* what the start made (shoal-pool-parts.c) */
  ShoalJobSource     *job_source;        /* injected in place of the node's templates, or NULL */
  ShoalStatsCollector *stats;            /* made with the pool: it has a snapshot before start */
  gboolean            reconciling;

  guint64             node_height;
  gboolean            node_reachable;
  char               *status_message;
  GPtrArray          *conditions;        /* ShoalCondition, most severe first */
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

void
_shoal_pool_set_status (ShoalPool  *self,
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
  shoal_block_keeper_found (self->parts.blocks, block_id, height,
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

void
_shoal_pool_reconcile (ShoalPool *self)
{
  self->reconciling = TRUE;
  shoal_payer_reconcile_async (self->parts.payer, self->cancellable, on_reconciled,
                               g_object_ref (self));
}

static void
on_watcher_changed (ShoalPool *self)
{
  ShoalTipWatcher *watcher = shoal_job_manager_get_watcher (self->parts.jobs);
  gboolean reachable = shoal_tip_watcher_get_reachable (watcher);

  /* The watcher counts the top block's height; users know the chain
   * height (blocks in the chain), as monerod's get_info says it. */
  guint64 height = shoal_tip_watcher_get_height (watcher) + 1;
  gboolean new_block = reachable && height != self->node_height;

  set_node_state (self, reachable, height);
  if (reachable && !shoal_tip_watcher_get_synchronized (watcher))
    _shoal_pool_set_status (self, "node syncing");
  else if (reachable)
    _shoal_pool_set_status (self, "running");
  else if (self->node_height > 0)
    _shoal_pool_set_status (self, "node unreachable");
  /* A relayed payout is confirmed once a block mines it. */
  if (new_block && self->parts.payer != NULL && !self->reconciling)
    _shoal_pool_reconcile (self);
}

/* --- wiring, for shoal-pool-parts.c as it makes each part --------- */

void
_shoal_pool_wire_block_keeper (ShoalPool *self)
{
  g_signal_connect_object (self->parts.blocks, "block-found", G_CALLBACK (on_block_announced),
                           self, 0);
  g_signal_connect_object (self->parts.blocks, "block-orphaned", G_CALLBACK (on_block_orphaned),
                           self, 0);
}

void
_shoal_pool_wire_template_source (ShoalPool *self)
{
  g_signal_connect_object (self->parts.source, "block-found", G_CALLBACK (on_block_found),
                           self, 0);
}

void
_shoal_pool_wire_jobs (ShoalPool *self)
{
  ShoalTipWatcher *watcher = shoal_job_manager_get_watcher (self->parts.jobs);

  g_signal_connect_object (self->parts.jobs, "template-changed",
                           G_CALLBACK (on_template_changed), self, 0);
  g_signal_connect_object (watcher, "notify::height", G_CALLBACK (on_watcher_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watcher, "notify::reachable", G_CALLBACK (on_watcher_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watcher, "notify::node-status", G_CALLBACK (on_watcher_changed),
                           self, G_CONNECT_SWAPPED);
}

/* --- start and stop ----------------------------------------------- */

void
shoal_pool_start_async (ShoalPool           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_start_async);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  _shoal_pool_set_status (self, "starting");
  g_ptr_array_set_size (self->conditions, 0);
  _shoal_pool_start_parts (self, task);
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
  g_clear_signal_handler (&self->config_changed_id, self->config);
  _shoal_pool_parts_stop (&self->parts, self->config);
}

/* --- GObject ------------------------------------------------------ */

static void
shoal_pool_dispose (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  shoal_pool_stop (self);
  _shoal_pool_parts_dispose (&self->parts);
  g_clear_object (&self->job_source);
  g_clear_object (&self->stats);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (shoal_pool_parent_class)->dispose (object);
}

static void
shoal_pool_finalize (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  g_free (self->status_message);
  g_free (self->parts.pool_address);
  g_free (self->parts.wallet_uri);
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
  self->parts.mode = shoal_config_get_mode (config);
  return self;
}

ShoalMode
shoal_pool_get_mode (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), SHOAL_MODE_SOLO);
  return self->parts.mode;
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
  return self->parts.store;
}

ShoalPayer *
_shoal_pool_get_payer (ShoalPool *self)
{
  return self->parts.payer;
}

ShoalWalletClient *
_shoal_pool_get_wallet (ShoalPool *self)
{
  return self->parts.wallet;
}

ShoalStratumServer *
_shoal_pool_get_stratum (ShoalPool *self)
{
  return self->parts.stratum;
}

ShoalValidator *
_shoal_pool_get_validator (ShoalPool *self)
{
  return self->parts.validator;
}

ShoalManagedNode *
_shoal_pool_get_managed (ShoalPool *self)
{
  return self->parts.managed;
}

ShoalPlayground *
shoal_pool_get_playground (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->parts.playground;
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
  return self->parts.stratum ? shoal_stratum_server_get_port (self->parts.stratum) : 0;
}

const char *
shoal_pool_get_pool_address (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->parts.pool_address;
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
  if (self->parts.jobs == NULL)
    return NULL;
  return shoal_tip_watcher_get_node_status (shoal_job_manager_get_watcher (self->parts.jobs));
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
  return self->parts.jobs;
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
  return self->parts.node;
}

/* Moves the pool onto another node: a new job manager (and its watcher
 * and tracker) on URI; blocks waiting for confirmations are tracked again
 * from the store.  Rigs keep their connection and get the new node's work. */
void
_shoal_pool_use_node (ShoalPool  *self,
                      const char *uri)
{
  g_return_if_fail (self->parts.jobs != NULL);

  g_message ("node: now using %s", uri);
  shoal_job_manager_stop (self->parts.jobs);
  g_signal_handlers_disconnect_by_data (shoal_job_manager_get_watcher (self->parts.jobs), self);
  g_clear_object (&self->parts.jobs);
  g_clear_object (&self->parts.node);
  self->node_height = 0;
  _shoal_pool_start_jobs (self, uri);
}

ShoalPoolParts *
_shoal_pool_get_parts (ShoalPool *self)
{
  return &self->parts;
}

ShoalStatsCollector *
_shoal_pool_get_stats (ShoalPool *self)
{
  return self->stats;
}

GCancellable *
_shoal_pool_get_cancellable (ShoalPool *self)
{
  return self->cancellable;
}

ShoalJobSource *
_shoal_pool_get_job_source (ShoalPool *self)
{
  return self->job_source;
}

void
shoal_pool_set_job_source (ShoalPool      *self,
                           ShoalJobSource *source)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  g_return_if_fail (source == NULL || SHOAL_IS_JOB_SOURCE (source));
  g_return_if_fail (self->parts.stratum == NULL);

  g_set_object (&self->job_source, source);
}
