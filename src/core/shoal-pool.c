/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-client.h"
#include "shoal-pool.h"

#define NODE_POLL_MS 1000

struct _ShoalPool
{
  GObject          parent_instance;
  ShoalConfig     *config;
  ShoalPlayground *playground;
  ShoalRpcClient  *node;
  GCancellable    *cancellable;
  guint            poll_id;
  guint            snapshot_id;
  ShoalPoolSnapshot *snapshot;
  gboolean         polling;
  guint64          node_height;
  gboolean         node_reachable;
  char            *status_message;
};

G_DEFINE_FINAL_TYPE (ShoalPool, shoal_pool, G_TYPE_OBJECT)

enum {
  SNAPSHOT_CHANGED,
  BLOCK_FOUND,
  BLOCK_ORPHANED,
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
shoal_pool_dispose (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  shoal_pool_stop (self);
  g_clear_object (&self->node);
  g_clear_object (&self->playground);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (shoal_pool_parent_class)->dispose (object);
}

static void
shoal_pool_finalize (GObject *object)
{
  ShoalPool *self = SHOAL_POOL (object);

  g_free (self->status_message);
  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
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
}

static void
shoal_pool_init (ShoalPool *self)
{
  self->snapshot = shoal_pool_snapshot_new ();
}

static void
refresh_snapshot (ShoalPool *self)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_snapshot_new ();

  snapshot->time_us = g_get_real_time ();
  snapshot->node_reachable = self->node_reachable;
  snapshot->node_height = self->node_height;
  snapshot->status = g_strdup (self->status_message);
  g_clear_pointer (&self->snapshot, shoal_pool_snapshot_unref);
  self->snapshot = snapshot;
  g_signal_emit (self, signals[SNAPSHOT_CHANGED], 0);
}

static gboolean
on_snapshot_tick (gpointer user_data)
{
  refresh_snapshot (user_data);
  return G_SOURCE_CONTINUE;
}

ShoalPool *
shoal_pool_new (ShoalConfig *config)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (config), NULL);
  return g_object_new (SHOAL_TYPE_POOL, "config", config, NULL);
}

ShoalConfig *
shoal_pool_get_config (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), NULL);
  return self->config;
}

static void
set_status (ShoalPool  *self,
            const char *message)
{
  if (g_strcmp0 (self->status_message, message) == 0)
    return;
  g_free (self->status_message);
  self->status_message = g_strdup (message);
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

static void
on_get_info (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ShoalPool) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) info = NULL;
  guint64 height = 0;

  self->polling = FALSE;
  info = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (info == NULL ||
      !shoal_json_get_uint64 (json_node_get_object (info), "height", &height, &error))
    {
      if (self->node_reachable || self->status_message == NULL)
        g_warning ("node unreachable: %s", error->message);
      set_status (self, "node unreachable");
      set_node_state (self, FALSE, 0);
      return;
    }
  set_status (self, "running");
  set_node_state (self, TRUE, height);
}

static gboolean
poll_node (gpointer user_data)
{
  ShoalPool *self = user_data;

  /* One request in flight at a time: a slow node must not pile them up. */
  if (!self->polling)
    {
      self->polling = TRUE;
      shoal_rpc_client_call_async (self->node, "get_info", NULL, self->cancellable,
                                   on_get_info, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static void
begin_running (ShoalPool  *self,
               const char *node_uri)
{
  g_clear_object (&self->node);
  self->node = shoal_rpc_client_new (node_uri, NULL, NULL);
  shoal_rpc_client_set_timeout (self->node, 10);
  poll_node (self);
  self->poll_id = g_timeout_add (NODE_POLL_MS, poll_node, self);
  self->snapshot_id = g_timeout_add_seconds (1, on_snapshot_tick, self);
}

static void
on_playground_started (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalPool *self = g_task_get_source_object (task);
  ShoalPlayground *playground = SHOAL_PLAYGROUND (source);
  GError *error = NULL;

  if (!shoal_playground_start_finish (playground, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_message ("playground node at %s, wallet at %s, address %s",
             shoal_playground_get_node_uri (playground),
             shoal_playground_get_wallet (playground)->uri,
             shoal_playground_get_wallet (playground)->address);
  begin_running (self, shoal_playground_get_node_uri (playground));
  g_task_return_boolean (task, TRUE);
}

void
shoal_pool_start_async (ShoalPool           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_start_async);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_status (self, "starting");

  if (shoal_config_get_boolean (self->config, "playground"))
    {
      self->playground = shoal_playground_new (NULL, shoal_config_get_uint64 (self->config,
                                                                           "playground-difficulty"));
      shoal_playground_start_async (self->playground, self->cancellable,
                                    on_playground_started, g_steal_pointer (&task));
      return;
    }
  begin_running (self, shoal_config_get_string (self->config, "node-url"));
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
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->snapshot_id, g_source_remove);
  if (self->playground != NULL)
    shoal_playground_stop (self->playground);
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

/* Answers a list query.  Until the store is open the lists are empty:
 * nothing has been recorded yet. */
static void
return_list (ShoalPool           *self,
             gpointer             tag,
             GDestroyNotify       free_func,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_return_pointer (task, g_ptr_array_new_with_free_func (free_func),
                         (GDestroyNotify) g_ptr_array_unref);
}

void
shoal_pool_list_blocks_async (ShoalPool           *self,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  return_list (self, shoal_pool_list_blocks_async, (GDestroyNotify) shoal_block_info_free,
               cancellable, callback, user_data);
}

GPtrArray *
shoal_pool_list_blocks_finish (ShoalPool     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_list_balances_async (ShoalPool           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  return_list (self, shoal_pool_list_balances_async, (GDestroyNotify) shoal_balance_info_free,
               cancellable, callback, user_data);
}

GPtrArray *
shoal_pool_list_balances_finish (ShoalPool     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_list_payments_async (ShoalPool           *self,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  return_list (self, shoal_pool_list_payments_async, (GDestroyNotify) shoal_payment_info_free,
               cancellable, callback, user_data);
}

GPtrArray *
shoal_pool_list_payments_finish (ShoalPool     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_get_history_async (ShoalPool           *self,
                              const char          *worker,
                              gint64               since_us,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, shoal_pool_get_history_async);
  g_task_return_pointer (task, g_array_new (FALSE, FALSE, sizeof (ShoalHashratePoint)),
                         (GDestroyNotify) g_array_unref);
}

GArray *
shoal_pool_get_history_finish (ShoalPool     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_preview_payout_async (ShoalPool           *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  return_list (self, shoal_pool_preview_payout_async, (GDestroyNotify) shoal_payment_info_free,
               cancellable, callback, user_data);
}

GPtrArray *
shoal_pool_preview_payout_finish (ShoalPool     *self,
                                  GAsyncResult  *result,
                                  guint64       *fee_estimate,
                                  GError       **error)
{
  if (fee_estimate != NULL)
    *fee_estimate = 0;
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_pay_out_async (ShoalPool           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, shoal_pool_pay_out_async);
  g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                           "Payouts need small-pool mode and a wallet");
}

gint64
shoal_pool_pay_out_finish (ShoalPool     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  GError *local_error = NULL;
  gssize id = g_task_propagate_int (G_TASK (result), &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return -1;
    }
  return id;
}
