/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-client.h"
#include "shoal-tip-watcher.h"

#define DEFAULT_INTERVAL_MS 1000
/* A node that accepts connections but does not answer (hung, or busy
 * for that long) counts as unreachable after this. */
#define POLL_TIMEOUT_S      3

struct _ShoalTipWatcher
{
  GObject          parent_instance;
  ShoalNodeClient *node;
  GMainContext    *context;
  GSource         *timer;
  GCancellable    *cancellable;
  guint            interval;
  gboolean         in_flight;
  gboolean         poll_again;
  gboolean         reachable;
  gboolean         outage_logged;
  gboolean         seen_tip;
  guint64          height;
  char            *top_hash;
  char            *last_error;
  ShoalNodeStatus *node_status;
  GError          *error;
};

G_DEFINE_FINAL_TYPE (ShoalTipWatcher, shoal_tip_watcher, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REACHABLE,
  PROP_HEIGHT,
  PROP_TOP_HASH,
  PROP_INTERVAL,
  PROP_NODE_STATUS,
  N_PROPS
};

enum {
  TIP_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void poll_node (ShoalTipWatcher *self);

static void
shoal_tip_watcher_dispose (GObject *object)
{
  ShoalTipWatcher *self = SHOAL_TIP_WATCHER (object);

  shoal_tip_watcher_stop (self);
  g_clear_object (&self->node);
  G_OBJECT_CLASS (shoal_tip_watcher_parent_class)->dispose (object);
}

static void
shoal_tip_watcher_finalize (GObject *object)
{
  ShoalTipWatcher *self = SHOAL_TIP_WATCHER (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->top_hash);
  g_free (self->last_error);
  g_clear_pointer (&self->node_status, shoal_node_status_free);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (shoal_tip_watcher_parent_class)->finalize (object);
}

static void
shoal_tip_watcher_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ShoalTipWatcher *self = SHOAL_TIP_WATCHER (object);

  switch (prop_id)
    {
    case PROP_REACHABLE:
      g_value_set_boolean (value, self->reachable);
      break;
    case PROP_HEIGHT:
      g_value_set_uint64 (value, self->height);
      break;
    case PROP_TOP_HASH:
      g_value_set_string (value, self->top_hash);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_NODE_STATUS:
      g_value_set_boxed (value, self->node_status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_tip_watcher_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ShoalTipWatcher *self = SHOAL_TIP_WATCHER (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      if (self->interval != g_value_get_uint (value))
        {
          self->interval = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_tip_watcher_class_init (ShoalTipWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_tip_watcher_dispose;
  object_class->finalize = shoal_tip_watcher_finalize;
  object_class->get_property = shoal_tip_watcher_get_property;
  object_class->set_property = shoal_tip_watcher_set_property;

  properties[PROP_REACHABLE] =
    g_param_spec_boolean ("reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEIGHT] =
    g_param_spec_uint64 ("height", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOP_HASH] =
    g_param_spec_string ("top-hash", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Takes effect at the next start. */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 50, 60000, DEFAULT_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NODE_STATUS] =
    g_param_spec_boxed ("node-status", NULL, NULL, SHOAL_TYPE_NODE_STATUS,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TIP_CHANGED] =
    g_signal_new ("tip-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
shoal_tip_watcher_init (ShoalTipWatcher *self)
{
  self->interval = DEFAULT_INTERVAL_MS;
  self->context = g_main_context_ref_thread_default ();
}

ShoalTipWatcher *
shoal_tip_watcher_new (ShoalNodeClient *node)
{
  ShoalTipWatcher *self;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (node), NULL);

  self = g_object_new (SHOAL_TYPE_TIP_WATCHER, NULL);
  /* Its own connections and a short timeout: a poll neither waits behind
   * a slow get_block_template nor takes long to notice a hung node. */
  self->node = shoal_node_client_dup (node);
  shoal_node_client_set_timeout (self->node, POLL_TIMEOUT_S);
  return self;
}

static void
set_reachable (ShoalTipWatcher *self,
               gboolean         reachable)
{
  if (self->reachable == reachable)
    return;
  self->reachable = reachable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REACHABLE]);
}

static void
handle_failure (ShoalTipWatcher *self,
                const GError    *error)
{
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  if (!self->outage_logged)
    {
      g_message ("node unreachable: %s", error->message);
      self->outage_logged = TRUE;
    }
  set_reachable (self, FALSE);
}

static void
handle_tip (ShoalTipWatcher *self,
            guint64          height,
            const char      *top_hash)
{
  gboolean was_reachable = self->reachable;
  gboolean changed = !self->seen_tip || height != self->height ||
                     g_strcmp0 (top_hash, self->top_hash) != 0;

  g_clear_pointer (&self->last_error, g_free);
  g_clear_error (&self->error);
  if (self->outage_logged)
    {
      g_message ("node back: %s at height %" G_GUINT64_FORMAT,
                 shoal_node_client_get_uri (self->node), height);
      self->outage_logged = FALSE;
    }
  self->seen_tip = TRUE;
  if (height != self->height)
    {
      self->height = height;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);
    }
  if (g_strcmp0 (top_hash, self->top_hash) != 0)
    {
      g_free (self->top_hash);
      self->top_hash = g_strdup (top_hash);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOP_HASH]);
    }
  set_reachable (self, TRUE);
  /* A node that comes back may have moved on, or not: say so either way,
   * so that listeners fetch fresh work. */
  if (changed || !was_reachable)
    g_signal_emit (self, signals[TIP_CHANGED], 0, height, top_hash);
}

/* Returns TRUE when the node has just become synchronised. */
static gboolean
update_node_status (ShoalTipWatcher *self,
                    JsonObject      *info)
{
  g_autoptr(ShoalNodeStatus) status = shoal_node_status_new_from_info (info);
  gboolean was_synced = shoal_tip_watcher_get_synchronized (self);

  if (shoal_node_status_equal (status, self->node_status))
    return FALSE;
  if (self->node_status == NULL || status->synchronized != self->node_status->synchronized)
    g_message ("node %s: height %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
               status->synchronized ? "synchronised" : "syncing", status->height,
               MAX (status->height, status->target_height));
  g_clear_pointer (&self->node_status, shoal_node_status_free);
  self->node_status = g_steal_pointer (&status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE_STATUS]);
  return !was_synced && self->node_status->synchronized;
}

static void
on_info (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ShoalTipWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  guint64 chain_height = 0;
  const char *top_hash = NULL;

  info = shoal_node_client_get_info_finish (SHOAL_NODE_CLIENT (source), result, &error);
  self->in_flight = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (info != NULL &&
      shoal_json_get_uint64 (info, "height", &chain_height, &error) &&
      (top_hash = shoal_json_get_string (info, "top_block_hash", &error)) != NULL &&
      chain_height == 0)
    g_set_error (&error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "get_info: height is 0");

  if (error != NULL)
    handle_failure (self, error);
  else if (update_node_status (self, info) && self->seen_tip &&
           chain_height - 1 == self->height && g_strcmp0 (top_hash, self->top_hash) == 0)
    /* Caught up on a tip we had already seen: still time for new work. */
    g_signal_emit (self, signals[TIP_CHANGED], 0, self->height, self->top_hash);
  if (error == NULL)
    handle_tip (self, chain_height - 1, top_hash);

  if (self->poll_again && self->cancellable != NULL)
    {
      self->poll_again = FALSE;
      poll_node (self);
    }
}

static void
poll_node (ShoalTipWatcher *self)
{
  if (self->in_flight)
    {
      self->poll_again = TRUE;
      return;
    }
  self->in_flight = TRUE;
  /* The answer must come back on the owner's context, whoever calls. */
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_info_async (self->node, self->cancellable, on_info, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

static gboolean
on_tick (gpointer user_data)
{
  ShoalTipWatcher *self = user_data;

  /* One request in flight: a slow node is not piled up on. */
  if (!self->in_flight)
    poll_node (self);
  return G_SOURCE_CONTINUE;
}

void
shoal_tip_watcher_start (ShoalTipWatcher *self)
{
  g_return_if_fail (SHOAL_IS_TIP_WATCHER (self));

  if (self->timer != NULL)
    return;
  self->cancellable = g_cancellable_new ();
  self->timer = g_timeout_source_new (self->interval);
  g_source_set_callback (self->timer, on_tick, self, NULL);
  g_source_set_static_name (self->timer, "[shoal] tip watcher");
  g_source_attach (self->timer, self->context);
  poll_node (self);
}

void
shoal_tip_watcher_stop (ShoalTipWatcher *self)
{
  g_return_if_fail (SHOAL_IS_TIP_WATCHER (self));

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  self->poll_again = FALSE;
}

void
shoal_tip_watcher_poll_now (ShoalTipWatcher *self)
{
  g_return_if_fail (SHOAL_IS_TIP_WATCHER (self));

  if (self->timer != NULL)
    poll_node (self);
}

gboolean
shoal_tip_watcher_get_reachable (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), FALSE);
  return self->reachable;
}

guint64
shoal_tip_watcher_get_height (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), 0);
  return self->height;
}

const char *
shoal_tip_watcher_get_top_hash (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), NULL);
  return self->top_hash;
}

const char *
shoal_tip_watcher_get_last_error (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), NULL);
  return self->last_error;
}

const ShoalNodeStatus *
shoal_tip_watcher_get_node_status (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), NULL);
  return self->node_status;
}

gboolean
shoal_tip_watcher_get_synchronized (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), FALSE);
  return self->node_status == NULL || self->node_status->synchronized;
}

const GError *
shoal_tip_watcher_get_error (ShoalTipWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_TIP_WATCHER (self), NULL);
  return self->error;
}
