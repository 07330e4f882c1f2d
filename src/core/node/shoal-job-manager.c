/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-rpc-client.h"
#include "shoal-varint.h"
#include "shoal-zmq-feed.h"
#include "shoal-job-manager.h"

#define DEFAULT_RESERVE_SIZE     8
#define MAX_RESERVE_SIZE         127   /* monerod: 128 and up is an internal error */
#define DEFAULT_REFRESH_INTERVAL 30
/* A template request unanswered this long is abandoned and asked again:
 * monerod answers one in milliseconds unless something is wrong. */
#define TEMPLATE_TIMEOUT_S       5
#define TEMPLATE_RETRY_MS        1000
/* "Core is busy" (syncing, or swamped): asked again while it matters. */
#define BUSY_RETRY_MS            500
#define RPC_ERROR_CORE_BUSY      (-9)
/* Candidates waiting for the node; more would only be for filled heights. */
#define MAX_QUEUED_CANDIDATES    64
/* A node busy this long with the parent still the tip is not coming back. */
#define BUSY_GIVE_UP_S           600

/* Everything here lives on CONTEXT, the thread default when it was made.
 * Templates, block submissions and the tracker's checks each have their
 * own connections to the node, so that a template request never queues
 * behind a pile of submissions (and the tip watcher has its own too). */
struct _ShoalJobManager
{
  GObject             parent_instance;
  ShoalNodeClient    *node;            /* the tracker's */
  ShoalNodeClient    *template_node;
  ShoalNodeClient    *submit_node;
  ShoalTipWatcher    *watcher;
  ShoalBlockTracker  *tracker;
  ShoalZmqFeed       *feed;
  GMainContext       *context;
  GCancellable       *cancellable;
  GSource            *refresh_timer;
  GSource            *retry_timer;
  ShoalBlockTemplate *template;
  char               *wallet_address;
  char               *zmq_url;
  char               *status;
  guint               reserve_size;
  guint               refresh_interval;
  gboolean            fetching;
  gboolean            fetch_again;
  char               *newest_tip;      /* hex; the latest tip ZMQ or the watcher told of */
  gboolean            was_away;        /* the node went away since the last tip */
  /* Block candidates, one at a time to the node, oldest first. */
  GQueue              candidates;
  gboolean            submitting;
  /* The last height one of our own blocks filled: later candidates for it
   * are not sent at all. */
  guint64             filled_height;
  guint64             submitted;
  guint64             dropped;
};

G_DEFINE_FINAL_TYPE (ShoalJobManager, shoal_job_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WALLET_ADDRESS,
  PROP_RESERVE_SIZE,
  PROP_REFRESH_INTERVAL,
  PROP_STATUS,
  PROP_REACHABLE,
  PROP_ZMQ_URL,
  N_PROPS
};

enum {
  TEMPLATE_CHANGED,
  HEIGHT_FILLED,
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
  g_clear_object (&self->feed);
  g_clear_object (&self->watcher);
  g_clear_object (&self->tracker);
  g_clear_object (&self->node);
  g_clear_object (&self->template_node);
  g_clear_object (&self->submit_node);
  g_clear_pointer (&self->template, shoal_block_template_unref);
  G_OBJECT_CLASS (shoal_job_manager_parent_class)->dispose (object);
}

static void
shoal_job_manager_finalize (GObject *object)
{
  ShoalJobManager *self = SHOAL_JOB_MANAGER (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->wallet_address);
  g_free (self->zmq_url);
  g_free (self->status);
  g_free (self->newest_tip);
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
    case PROP_ZMQ_URL:
      g_value_set_string (value, self->zmq_url);
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
    case PROP_ZMQ_URL:
      if (g_strcmp0 (self->zmq_url, g_value_get_string (value)) != 0)
        {
          g_free (self->zmq_url);
          self->zmq_url = g_value_dup_string (value);
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
  /* monerod's --zmq-pub address; empty for none.  Takes effect at the
   * next start. */
  properties[PROP_ZMQ_URL] =
    g_param_spec_string ("zmq-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TEMPLATE_CHANGED] =
    g_signal_new ("template-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SHOAL_TYPE_BLOCK_TEMPLATE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[HEIGHT_FILLED] =
    g_signal_new ("height-filled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
shoal_job_manager_init (ShoalJobManager *self)
{
  self->reserve_size = DEFAULT_RESERVE_SIZE;
  self->refresh_interval = DEFAULT_REFRESH_INTERVAL;
  self->context = g_main_context_ref_thread_default ();
  self->status = g_strdup ("stopped");
  g_queue_init (&self->candidates);
}

/* Templates */

static gboolean
is_busy (const GError *error)
{
  /* monerod answers "Core is busy" as an error object (-9), and some
   * calls as a result whose status is BUSY. */
  return g_error_matches (error, SHOAL_RPC_ERROR, RPC_ERROR_CORE_BUSY) ||
         (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_RPC) &&
          strstr (error->message, "\"BUSY\"") != NULL);
}

static void
publish_template (ShoalJobManager    *self,
                  ShoalBlockTemplate *template)
{
  g_clear_pointer (&self->template, shoal_block_template_unref);
  self->template = shoal_block_template_ref (template);
  /* Work at or below a height we filled: the chain is not the one we
   * knew (another node, a reorg), and nothing here is filled any more. */
  if (shoal_block_template_get_height (template) <= self->filled_height)
    self->filled_height = 0;
  set_status (self, "ok");
  g_signal_emit (self, signals[TEMPLATE_CHANGED], 0, template);
}

static gboolean
on_retry_timer (gpointer user_data)
{
  ShoalJobManager *self = user_data;

  g_clear_pointer (&self->retry_timer, g_source_unref);
  fetch_template (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (ShoalJobManager *self,
                guint            delay_ms)
{
  if (self->retry_timer != NULL || self->cancellable == NULL)
    return;
  self->retry_timer = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->retry_timer, on_retry_timer, self, NULL);
  g_source_set_static_name (self->retry_timer, "[shoal] template retry");
  g_source_attach (self->retry_timer, self->context);
}

static void
cancel_retry (ShoalJobManager *self)
{
  if (self->retry_timer == NULL)
    return;
  g_source_destroy (self->retry_timer);
  g_clear_pointer (&self->retry_timer, g_source_unref);
}

static void
template_failed (ShoalJobManager *self,
                 const GError    *error)
{
  g_autofree char *status = NULL;

  /* A hung or unreachable node, or one too busy: asked again shortly.
   * The watcher reports an unreachable node; a busy one is ours to say. */
  if (shoal_node_error_is_transport (error) || is_busy (error))
    {
      g_debug ("template request failed, asking again: %s", error->message);
      schedule_retry (self, is_busy (error) ? BUSY_RETRY_MS : TEMPLATE_RETRY_MS);
      if (!is_busy (error))
        return;
    }
  if (is_busy (error))
    status = g_strdup ("no template: the node is busy or still syncing; mining starts once "
                       "it has caught up");
  else
    status = g_strdup_printf ("no template: %s", error->message);
  if (g_strcmp0 (status, self->status) != 0)
    g_message ("%s", status);
  set_status (self, status);
}

static void
learn_tip (ShoalJobManager *self,
           const char      *top_hash)
{
  if (top_hash != NULL && g_strcmp0 (self->newest_tip, top_hash) != 0)
    {
      g_free (self->newest_tip);
      self->newest_tip = g_strdup (top_hash);
    }
}

/* TRUE when TEMPLATE is for the block after TOP_HASH (hex). */
static gboolean
builds_on (ShoalBlockTemplate *template,
           const char         *top_hash)
{
  g_autofree char *prev = NULL;

  if (top_hash == NULL)
    return FALSE;
  prev = shoal_hex_encode (shoal_block_template_get_prev_hash (template), 32);
  return g_ascii_strcasecmp (prev, top_hash) == 0;
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
  if (answer != NULL)
    template = shoal_block_template_new_from_rpc (answer, self->reserve_size, &error);
  /* The tip moved while we were asking: this one is stale, unless it
   * already builds on the new tip.  It mostly does: ZMQ announces a block
   * and we ask at once; the watcher's get_info, asked at the same moment,
   * says tip-changed while the template is on its way. */
  if (self->fetch_again)
    {
      self->fetch_again = FALSE;
      if (template == NULL
          || !builds_on (template, self->newest_tip))
        {
          fetch_template (self);
          return;
        }
    }
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
  cancel_retry (self);
  self->fetching = TRUE;
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_block_template_async (self->template_node, self->wallet_address,
                                              self->reserve_size, NULL, self->cancellable,
                                              on_template, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

/* TRUE when the current template already builds on TOP_HASH. */
static gboolean
template_is_on (ShoalJobManager *self,
                const char      *top_hash)
{
  return self->template != NULL && builds_on (self->template, top_hash);
}

static void
on_tip_changed (ShoalTipWatcher *watcher,
                guint64          height,
                const char      *top_hash,
                ShoalJobManager *self)
{
  /* ZMQ or our own accepted block may have brought this tip's work; a
   * node that comes back gets asked anyway (its pool may differ). */
  learn_tip (self, top_hash);
  if (self->was_away || !template_is_on (self, top_hash))
    fetch_template (self);
  self->was_away = FALSE;
  shoal_block_tracker_refresh (self->tracker);
}

static void
on_reachable_changed (ShoalTipWatcher *watcher,
                      GParamSpec      *pspec,
                      ShoalJobManager *self)
{
  /* Coming back is followed by tip-changed, then a template ("ok"). */
  if (!shoal_tip_watcher_get_reachable (watcher))
    {
      self->was_away = TRUE;
      set_status (self, "node unreachable");
    }
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

/* ZMQ: miner_data comes first for a new block; chain_main follows.  The
 * watcher is asked at once so that the tip, the tracker and the status
 * follow too, and the poll stays the fallback for whatever ZMQ drops. */

static void
on_feed_miner_data (ShoalZmqFeed    *feed,
                    guint64          height,
                    const char      *prev_id,
                    ShoalJobManager *self)
{
  learn_tip (self, prev_id);
  if (!template_is_on (self, prev_id))
    fetch_template (self);
  shoal_tip_watcher_poll_now (self->watcher);
}

static void
on_feed_chain_main (ShoalZmqFeed    *feed,
                    guint64          top_height,
                    const char      *top_id,
                    ShoalJobManager *self)
{
  learn_tip (self, top_id);
  if (!template_is_on (self, top_id))
    shoal_tip_watcher_poll_now (self->watcher);
}

static void
on_feed_gap (ShoalZmqFeed    *feed,
             guint64          expected,
             guint64          seen,
             ShoalJobManager *self)
{
  shoal_tip_watcher_poll_now (self->watcher);
}

static void
start_feed (ShoalJobManager *self)
{
  g_autoptr(GError) error = NULL;

  if (self->zmq_url == NULL || *self->zmq_url == '\0')
    return;
  if (self->feed == NULL || g_strcmp0 (shoal_zmq_feed_get_url (self->feed), self->zmq_url) != 0)
    {
      g_clear_object (&self->feed);
      g_main_context_push_thread_default (self->context);
      self->feed = shoal_zmq_feed_new (self->zmq_url);
      g_main_context_pop_thread_default (self->context);
      g_signal_connect_object (self->feed, "miner-data", G_CALLBACK (on_feed_miner_data), self, 0);
      g_signal_connect_object (self->feed, "chain-main", G_CALLBACK (on_feed_chain_main), self, 0);
      g_signal_connect_object (self->feed, "gap", G_CALLBACK (on_feed_gap), self, 0);
    }
  if (!shoal_zmq_feed_start (self->feed, &error))
    g_warning ("%s; new blocks are noticed by polling the node instead", error->message);
}

ShoalJobManager *
shoal_job_manager_new (ShoalNodeClient *node,
                       const char      *wallet_address)
{
  ShoalJobManager *self;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (node), NULL);

  self = g_object_new (SHOAL_TYPE_JOB_MANAGER, "wallet-address", wallet_address, NULL);
  self->node = g_object_ref (node);
  self->template_node = shoal_node_client_dup (node);
  /* A hung request is given up here and asked again by us, not retried
   * behind the same hung connection. */
  shoal_node_client_set_timeout (self->template_node, TEMPLATE_TIMEOUT_S);
  shoal_node_client_set_retries (self->template_node, 0);
  self->submit_node = shoal_node_client_dup (node);
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
  start_feed (self);
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
  cancel_retry (self);
  if (self->feed != NULL)
    shoal_zmq_feed_stop (self->feed);
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

/* Block candidates
 *
 * They go to the node one at a time, in the order found, on their own
 * connection.  Once one of ours is accepted, its height is filled: any
 * other candidate for it (or below) would only be an alternative block
 * that can never win, and is not sent.  "Core is busy" is asked again
 * while the candidate's parent is still the tip: a found block is never
 * lost, nor recorded as refused, because the node was busy. */

typedef struct
{
  GBytes  *blob;
  char    *block_id;
  char    *parent;    /* hex, NULL when the blob does not say */
  guint64  height;
  gint64   busy_until;
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_bytes_unref (candidate->blob);
  g_free (candidate->block_id);
  g_free (candidate->parent);
  g_free (candidate);
}

/* The header starts with three varints (major and minor version,
 * timestamp) and the parent's id. */
static char *
parent_of (GBytes *blob)
{
  gsize len = 0, pos = 0;
  const guint8 *data = g_bytes_get_data (blob, &len);
  guint64 value;

  for (guint i = 0; i < 3; i++)
    if (!shoal_varint_read (data, len, &pos, &value, NULL))
      return NULL;
  if (len - pos < 32)
    return NULL;
  return shoal_hex_encode (data + pos, 32);
}

static guint64
expected_reward (ShoalJobManager *self,
                 guint64          height)
{
  if (self->template == NULL || shoal_block_template_get_height (self->template) != height)
    return 0;
  return shoal_block_template_get_expected_reward (self->template);
}

static gboolean
parent_is_tip (ShoalJobManager *self,
               Candidate       *candidate)
{
  const char *top = shoal_tip_watcher_get_top_hash (self->watcher);

  if (candidate->parent == NULL || g_get_monotonic_time () > candidate->busy_until)
    return FALSE;
  return top == NULL || g_ascii_strcasecmp (top, candidate->parent) == 0;
}

static void
mark_filled (ShoalJobManager *self,
             guint64          height)
{
  if (height <= self->filled_height)
    return;
  self->filled_height = height;
  g_signal_emit (self, signals[HEIGHT_FILLED], 0, height);
}

static void submit_next (ShoalJobManager *self);

static void
drop_candidate (ShoalJobManager *self,
                GTask           *task)
{
  Candidate *candidate = g_task_get_task_data (task);

  self->dropped++;
  g_debug ("block %s at height %" G_GUINT64_FORMAT " not submitted: that height is filled",
           candidate->block_id, candidate->height);
  /* Never sent: the tracker finds it unknown to the node, so orphaned. */
  shoal_block_tracker_track (self->tracker, candidate->block_id, candidate->height, 0);
  g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                           "not submitted: height %" G_GUINT64_FORMAT " already has our block",
                           candidate->height);
  g_object_unref (task);
}

static void
candidate_accepted (ShoalJobManager *self,
                    Candidate       *candidate)
{
  g_message ("block %s at height %" G_GUINT64_FORMAT " submitted", candidate->block_id,
             candidate->height);
  shoal_block_tracker_track (self->tracker, candidate->block_id, candidate->height,
                             expected_reward (self, candidate->height));
  /* The height is filled: rigs are moved on now, not at the next poll. */
  mark_filled (self, candidate->height);
  fetch_template (self);
  shoal_tip_watcher_poll_now (self->watcher);
}

static void send_candidate (ShoalJobManager *self,
                            GTask           *task);

static gboolean
on_busy_retry (gpointer user_data)
{
  GTask *task = user_data;

  send_candidate (g_task_get_source_object (task), task);
  return G_SOURCE_REMOVE;
}

static void
retry_when_less_busy (ShoalJobManager *self,
                      GTask           *task)
{
  g_autoptr(GSource) source = g_timeout_source_new (BUSY_RETRY_MS);

  g_source_set_callback (source, on_busy_retry, task, NULL);
  g_source_set_static_name (source, "[shoal] block retry");
  g_source_attach (source, self->context);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  ShoalJobManager *self = g_task_get_source_object (task);
  Candidate *candidate = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (shoal_node_client_submit_block_finish (SHOAL_NODE_CLIENT (source), result, &error))
    {
      self->submitting = FALSE;
      self->submitted++;
      candidate_accepted (self, candidate);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      submit_next (self);
      return;
    }
  /* Still our turn: the candidates behind it would be just as unwelcome. */
  if (is_busy (error) && parent_is_tip (self, candidate))
    {
      g_debug ("block %s: the node is busy, asking again", candidate->block_id);
      retry_when_less_busy (self, task);
      return;
    }
  self->submitting = FALSE;
  self->submitted++;
  if (shoal_node_error_is_transport (error) || is_busy (error))
    shoal_block_tracker_track (self->tracker, candidate->block_id, candidate->height,
                               expected_reward (self, candidate->height));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    shoal_block_tracker_reject (self->tracker, candidate->block_id, candidate->height,
                                error->message);
  g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
  submit_next (self);
}

static void
send_candidate (ShoalJobManager *self,
                GTask           *task)
{
  Candidate *candidate = g_task_get_task_data (task);

  self->submitting = TRUE;
  g_main_context_push_thread_default (self->context);
  shoal_node_client_submit_block_async (self->submit_node, candidate->blob,
                                        g_task_get_cancellable (task), on_submitted, task);
  g_main_context_pop_thread_default (self->context);
}

static gboolean
is_filled (ShoalJobManager *self,
           Candidate       *candidate)
{
  return self->filled_height != 0 && candidate->height <= self->filled_height;
}

static void
submit_next (ShoalJobManager *self)
{
  GTask *task;

  while (!self->submitting && (task = g_queue_pop_head (&self->candidates)) != NULL)
    {
      if (is_filled (self, g_task_get_task_data (task)))
        drop_candidate (self, task);
      else
        send_candidate (self, task);
    }
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
  GTask *task;
  Candidate *candidate;

  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));
  g_return_if_fail (block_blob != NULL);
  g_return_if_fail (block_id_hex != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_job_manager_submit_block_async);
  candidate = g_new0 (Candidate, 1);
  candidate->blob = g_bytes_ref (block_blob);
  candidate->block_id = g_ascii_strdown (block_id_hex, -1);
  candidate->parent = parent_of (block_blob);
  candidate->height = height;
  candidate->busy_until = g_get_monotonic_time () + BUSY_GIVE_UP_S * G_USEC_PER_SEC;
  g_task_set_task_data (task, candidate, (GDestroyNotify) candidate_free);
  /* Bounded: the oldest waiting is for the oldest height. */
  if (g_queue_get_length (&self->candidates) >= MAX_QUEUED_CANDIDATES)
    drop_candidate (self, g_queue_pop_head (&self->candidates));
  g_queue_push_tail (&self->candidates, task);
  submit_next (self);
}

gboolean
shoal_job_manager_submit_block_finish (ShoalJobManager  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Candidates sent to the node, and those not sent because their height
 * was already filled (for tests and the log). */
void
shoal_job_manager_get_submit_counts (ShoalJobManager *self,
                                     guint64         *submitted,
                                     guint64         *dropped)
{
  g_return_if_fail (SHOAL_IS_JOB_MANAGER (self));

  if (submitted != NULL)
    *submitted = self->submitted;
  if (dropped != NULL)
    *dropped = self->dropped;
}
