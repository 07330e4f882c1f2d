/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-client.h"
#include "shoal-job-manager.h"

#define DEFAULT_RESERVE_SIZE     8
#define MAX_RESERVE_SIZE         127   /* monerod: 128 and up is an internal error */
#define DEFAULT_REFRESH_INTERVAL 30

struct _ShoalJobManager
{
  GObject             parent_instance;
  ShoalNodeClient    *node;
  ShoalTipWatcher    *watcher;
  ShoalBlockTracker  *tracker;
  GMainContext       *context;
  GCancellable       *cancellable;
  GSource            *refresh_timer;
  ShoalBlockTemplate *template;
  char               *wallet_address;
  char               *status;
  guint               reserve_size;
  guint               refresh_interval;
  gboolean            fetching;
  gboolean            fetch_again;
};

G_DEFINE_FINAL_TYPE (ShoalJobManager, shoal_job_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WALLET_ADDRESS,
  PROP_RESERVE_SIZE,
  PROP_REFRESH_INTERVAL,
  PROP_STATUS,
  PROP_REACHABLE,
  N_PROPS
};

enum {
  TEMPLATE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_status (ShoalJobManager *self,
            const char      *status)
{
  if (g_strcmp0 (self->status, status) == 0)
    return;
  g_free (self->status);
  self->status = g_strdup (status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void fetch_template (ShoalJobManager *self);

static void
shoal_job_manager_dispose (GObject *object)
{
  ShoalJobManager *self = SHOAL_JOB_MANAGER (object);

  shoal_job_manager_stop (self);
  g_clear_object (&self->watcher);
  g_clear_object (&self->tracker);
  g_clear_object (&self->node);
  g_clear_pointer (&self->template, shoal_block_template_unref);
  G_OBJECT_CLASS (shoal_job_manager_parent_class)->dispose (object);
}

static void
shoal_job_manager_finalize (GObject *object)
{
  ShoalJobManager *self = SHOAL_JOB_MANAGER (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->wallet_address);
  g_free (self->status);
  G_OBJECT_CLASS (shoal_job_manager_parent_class)->finalize (object);
}

static void
shoal_job_manager_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ShoalJobManager *self = SHOAL_JOB_MANAGER (object);

  switch (prop_id)
    {
    case PROP_WALLET_ADDRESS:
      g_value_set_string (value, self->wallet_address);
      break;
    case PROP_RESERVE_SIZE:
      g_value_set_uint (value, self->reserve_size);
      break;
    case PROP_REFRESH_INTERVAL:
      g_value_set_uint (value, self->refresh_interval);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_REACHABLE:
      g_value_set_boolean (value, shoal_job_manager_get_reachable (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_job_manager_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ShoalJobManager *self = SHOAL_JOB_MANAGER (object);

  switch (prop_id)
    {
    case PROP_WALLET_ADDRESS:
      if (g_strcmp0 (self->wallet_address, g_value_get_string (value)) != 0)
        {
          g_free (self->wallet_address);
          self->wallet_address = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
          fetch_template (self);
        }
      break;
    case PROP_RESERVE_SIZE:
      shoal_job_manager_set_reserve_size (self, g_value_get_uint (value));
      break;
    case PROP_REFRESH_INTERVAL:
      if (self->refresh_interval != g_value_get_uint (value))
        {
          self->refresh_interval = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_job_manager_class_init (ShoalJobManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_job_manager_dispose;
  object_class->finalize = shoal_job_manager_finalize;
  object_class->get_property = shoal_job_manager_get_property;
  object_class->set_property = shoal_job_manager_set_property;

  properties[PROP_WALLET_ADDRESS] =
    g_param_spec_string ("wallet-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RESERVE_SIZE] =
    g_param_spec_uint ("reserve-size", NULL, NULL, 0, MAX_RESERVE_SIZE, DEFAULT_RESERVE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Takes effect at the next start. */
  properties[PROP_REFRESH_INTERVAL] =
    g_param_spec_uint ("refresh-interval", NULL, NULL, 0, 3600, DEFAULT_REFRESH_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REACHABLE] =
    g_param_spec_boolean ("reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TEMPLATE_CHANGED] =
    g_signal_new ("template-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SHOAL_TYPE_BLOCK_TEMPLATE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
shoal_job_manager_init (ShoalJobManager *self)
{
  self->reserve_size = DEFAULT_RESERVE_SIZE;
  self->refresh_interval = DEFAULT_REFRESH_INTERVAL;
  self->context = g_main_context_ref_thread_default ();
  self->status = g_strdup ("stopped");
}

/* Templates */

static void
publish_template (ShoalJobManager    *self,
                  ShoalBlockTemplate *template)
{
  g_clear_pointer (&self->template, shoal_block_template_unref);
  self->template = shoal_block_template_ref (template);
  set_status (self, "ok");
  g_signal_emit (self, signals[TEMPLATE_CHANGED], 0, template);
}

static void
template_failed (ShoalJobManager *self,
                 const GError    *error)
{
  g_autofree char *status = NULL;

  /* The watcher reports an unreachable node; anything else is ours. */
  if (shoal_node_error_is_transport (error))
    return;
  status = g_strdup_printf ("no template: %s", error->message);
  if (g_strcmp0 (status, self->status) != 0)
    g_message ("%s", status);
  set_status (self, status);
}

static void
on_template (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ShoalJobManager) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(ShoalBlockTemplate) template = NULL;

  answer = shoal_node_client_get_block_template_finish (SHOAL_NODE_CLIENT (source), result,
                                                        &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->fetching = FALSE;
  /* The tip moved while we were asking: this one is already stale. */
  if (self->fetch_again)
    {
      self->fetch_again = FALSE;
      fetch_template (self);
      return;
    }
  if (answer != NULL)
    template = shoal_block_template_new_from_rpc (answer, self->reserve_size, &error);
  if (template == NULL)
    template_failed (self, error);
  else
    publish_template (self, template);
}

static void
fetch_template (ShoalJobManager *self)
{
  if (self->cancellable == NULL)
    return;
  if (self->fetching)
    {
      self->fetch_again = TRUE;
      return;
    }
  if (self->wallet_address == NULL || *self->wallet_address == '\0')
    {
      set_status (self, "no template: no wallet address set");
      return;
    }
  /* A node still syncing would answer BUSY, and work on an old tip would
   * be wasted: miners keep their last job until it has caught up (the
   * watcher says tip-changed then). */
  if (!shoal_tip_watcher_get_synchronized (self->watcher))
    {
      set_status (self, "node syncing");
      return;
    }
  self->fetching = TRUE;
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_block_template_async (self->node, self->wallet_address,
                                              self->reserve_size, NULL, self->cancellable,
                                              on_template, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

static void
on_tip_changed (ShoalTipWatcher *watcher,
                guint64          height,
                const char      *top_hash,
                ShoalJobManager *self)
{
  fetch_template (self);
  shoal_block_tracker_refresh (self->tracker);
}

static void
on_reachable_changed (ShoalTipWatcher *watcher,
                      GParamSpec      *pspec,
                      ShoalJobManager *self)
{
  /* Coming back is followed by tip-changed, then a template ("ok"). */
  if (!shoal_tip_watcher_get_reachable (watcher))
    set_status (self, "node unreachable");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REACHABLE]);
}

static gboolean
on_refresh_timer (gpointer user_data)
{
  ShoalJobManager *self = user_data;

  if (shoal_tip_watcher_get_reachable (self->watcher))
    fetch_template (self);
  return G_SOURCE_CONTINUE;
}

ShoalJobManager *
shoal_job_manager_new (ShoalNodeClient *node,
                       const char      *wallet_address)
{
  ShoalJobManager *self;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (node), NULL);

  self = g_object_new (SHOAL_TYPE_JOB_MANAGER, "wallet-address", wallet_address, NULL);
  self->node = g_object_ref (node);
  self->watcher = shoal_tip_watcher_new (node);
  self->tracker = shoal_block_tracker_new (node);
  g_signal_connect_object (self->watcher, "tip-changed", G_CALLBACK (on_tip_changed), self, 0);
  g_signal_connect_object (self->watcher, "notify::reachable",
                           G_CALLBACK (on_reachable_changed), self, 0);
  return self;
}

void
shoal_job_manager_start (ShoalJobManager *self)
{
  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));

  if (self->cancellable != NULL)
    return;
  self->cancellable = g_cancellable_new ();
  set_status (self, "starting");
  if (self->refresh_interval > 0)
    {
      self->refresh_timer = g_timeout_source_new_seconds (self->refresh_interval);
      g_source_set_callback (self->refresh_timer, on_refresh_timer, self, NULL);
      g_source_set_static_name (self->refresh_timer, "[shoal] template refresh");
      g_source_attach (self->refresh_timer, self->context);
    }
  shoal_tip_watcher_start (self->watcher);
}

void
shoal_job_manager_stop (ShoalJobManager *self)
{
  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->refresh_timer != NULL)
    {
      g_source_destroy (self->refresh_timer);
      g_clear_pointer (&self->refresh_timer, g_source_unref);
    }
  if (self->watcher != NULL)
    shoal_tip_watcher_stop (self->watcher);
  self->fetching = FALSE;
  self->fetch_again = FALSE;
  set_status (self, "stopped");
}

ShoalBlockTemplate *
shoal_job_manager_get_template (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), NULL);
  return self->template;
}

const char *
shoal_job_manager_get_status (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), NULL);
  return self->status;
}

gboolean
shoal_job_manager_get_reachable (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), FALSE);
  return self->watcher != NULL && shoal_tip_watcher_get_reachable (self->watcher);
}

guint
shoal_job_manager_get_reserve_size (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), 0);
  return self->reserve_size;
}

void
shoal_job_manager_set_reserve_size (ShoalJobManager *self,
                                    guint            reserve_size)
{
  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));
  g_return_if_fail (reserve_size <= MAX_RESERVE_SIZE);

  if (self->reserve_size == reserve_size)
    return;
  self->reserve_size = reserve_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESERVE_SIZE]);
  fetch_template (self);
}

ShoalTipWatcher *
shoal_job_manager_get_watcher (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), NULL);
  return self->watcher;
}

ShoalBlockTracker *
shoal_job_manager_get_tracker (ShoalJobManager *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_MANAGER (self), NULL);
  return self->tracker;
}

/* Block candidates */

typedef struct
{
  char    *block_id;
  guint64  height;
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->block_id);
  g_free (candidate);
}

static guint64
expected_reward (ShoalJobManager *self,
                 guint64          height)
{
  if (self->template == NULL || shoal_block_template_get_height (self->template) != height)
    return 0;
  return shoal_block_template_get_expected_reward (self->template);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalJobManager *self = g_task_get_source_object (task);
  Candidate *candidate = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (shoal_node_client_submit_block_finish (SHOAL_NODE_CLIENT (source), result, &error))
    {
      g_message ("block %s at height %" G_GUINT64_FORMAT " submitted", candidate->block_id,
                 candidate->height);
      shoal_block_tracker_track (self->tracker, candidate->block_id, candidate->height,
                                 expected_reward (self, candidate->height));
      /* Our own block is the new tip: fresh work now, not at the next poll. */
      shoal_tip_watcher_poll_now (self->watcher);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (shoal_node_error_is_transport (error))
    shoal_block_tracker_track (self->tracker, candidate->block_id, candidate->height,
                               expected_reward (self, candidate->height));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    shoal_block_tracker_reject (self->tracker, candidate->block_id, candidate->height,
                                error->message);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
shoal_job_manager_submit_block_async (ShoalJobManager     *self,
                                      GBytes              *block_blob,
                                      const char          *block_id_hex,
                                      guint64              height,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Candidate *candidate;

  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));
  g_return_if_fail (block_blob != NULL);
  g_return_if_fail (block_id_hex != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_job_manager_submit_block_async);
  candidate = g_new0 (Candidate, 1);
  candidate->block_id = g_ascii_strdown (block_id_hex, -1);
  candidate->height = height;
  g_task_set_task_data (task, candidate, (GDestroyNotify) candidate_free);
  shoal_node_client_submit_block_async (self->node, block_blob, cancellable, on_submitted,
                                        g_steal_pointer (&task));
}

gboolean
shoal_job_manager_submit_block_finish (ShoalJobManager  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
