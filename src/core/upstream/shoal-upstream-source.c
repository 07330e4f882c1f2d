/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-difficulty.h"
#include "shoal-error.h"
#include "shoal-upstream-source.h"

#define NONCE_OFFSET      39
#define NONCE_SIZE        4
#define SPLIT_BYTE        (NONCE_OFFSET + NONCE_SIZE - 1)   /* the top nonce byte */
#define FIRST_BACKOFF_S   1
#define MAX_BACKOFF_S     30
#define SENT_KEPT         1024    /* shares remembered against sending one twice */

/* What a piece of work carries: the upstream's job, and which connection
 * it came over.  Immutable. */
typedef struct
{
  ShoalUpstreamJob *job;
  guint64           connection;
} WorkData;

/* A share on its way up. */
typedef struct
{
  ShoalUpstreamSource *self;
  ShoalShare          *share;
} Sending;

/* Every field is touched only on CONTEXT. */
struct _ShoalUpstreamSource
{
  GObject              parent_instance;
  ShoalUpstreamEndpoint *endpoint;

  GMainContext        *context;
  ShoalUpstreamClient *client;        /* the connection being made or in use */
  guint64              connection;    /* counts connections made */
  gboolean             connected;
  GError              *last_error;
  guint                retry_id;
  guint                backoff_s;
  ShoalWork           *work;
  guint64              epoch;
  GHashTable          *sent;          /* "job_id:nonce" already forwarded */
  GQueue               sent_order;    /* the same keys, oldest first */
  guint64              accepted;
  guint64              rejected;
};

static void shoal_upstream_source_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalUpstreamSource, shoal_upstream_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      shoal_upstream_source_iface_init))

enum { PROP_0, PROP_CONNECTED, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SHARE_VERDICT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void connect_now (ShoalUpstreamSource *self);

/* Work */

static void
work_data_free (WorkData *data)
{
  shoal_upstream_job_unref (data->job);
  g_free (data);
}

/* The upstream left all 4 nonce bytes to the miner: we may split them. */
static gboolean
nonce_is_free (ShoalUpstreamJob *job)
{
  const guint8 *blob = g_bytes_get_data (job->blob, NULL);

  for (gsize i = NONCE_OFFSET; i < NONCE_OFFSET + NONCE_SIZE; i++)
    if (blob[i] != 0)
      return FALSE;
  return TRUE;
}

/* Runs on the stratum thread: reads only the immutable job. */
static GBytes *
upstream_blob (gconstpointer  data,
               const guint8  *unique,
               gsize          unique_len,
               GError       **error)
{
  const WorkData *work_data = data;
  gsize len = 0;
  guint8 *blob = g_bytes_unref_to_data (g_bytes_ref (work_data->job->blob), &len);

  if (unique_len > 0)
    blob[SPLIT_BYTE] = unique[0];
  return g_bytes_new_take (blob, len);
}

static ShoalWork *
work_new (ShoalUpstreamSource *self,
          ShoalUpstreamJob    *job)
{
  WorkData *data = g_new0 (WorkData, 1);
  ShoalWorkParams params = {
    .algorithm = job->algorithm,
    .height = job->height,
    .epoch = self->epoch,
    .seed_hash = job->seed_hash,
    .ceiling = shoal_difficulty_from_uint64 (shoal_upstream_job_get_difficulty (job)),
    .ceiling_is_upstream = TRUE,
    .nonce_offset = NONCE_OFFSET,
    .unique_size = nonce_is_free (job) ? 1 : 0,
    .make_blob = upstream_blob,
    .data = data,
    .data_free = (GDestroyNotify) work_data_free,
    .source_tag = shoal_upstream_source_new,
  };

  data->job = shoal_upstream_job_ref (job);
  data->connection = self->connection;
  return shoal_work_new (&params);
}

/* A job for another height builds on another chain tip: older shares
 * are stale.  Jobs at the same height (P2Pool's sidechain moving on, new
 * transactions) keep the epoch: the upstream still takes its last few. */
static void
on_job (ShoalUpstreamClient *client,
        ShoalUpstreamJob    *job,
        ShoalUpstreamSource *self)
{
  if (self->work != NULL && shoal_work_get_height (self->work) != job->height)
    self->epoch++;
  g_clear_pointer (&self->work, shoal_work_unref);
  self->work = work_new (self, job);
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (self), self->work);
}

/* Connection */

static void
set_connected (ShoalUpstreamSource *self,
               gboolean             connected)
{
  if (self->connected == connected)
    return;
  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
drop_client (ShoalUpstreamSource *self)
{
  if (self->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->client, self);
  shoal_upstream_client_close (self->client);
  g_clear_object (&self->client);
}

static gboolean
on_retry_due (gpointer user_data)
{
  ShoalUpstreamSource *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (ShoalUpstreamSource *self)
{
  GSource *source = g_timeout_source_new_seconds (self->backoff_s);

  g_message ("upstream %s:%u: %s; trying again in %u s", self->endpoint->host,
             self->endpoint->port, self->last_error->message, self->backoff_s);
  self->backoff_s = MIN (self->backoff_s * 2, MAX_BACKOFF_S);
  g_source_set_callback (source, on_retry_due, self, NULL);
  self->retry_id = g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
on_closed (ShoalUpstreamClient *client,
           const GError        *why,
           ShoalUpstreamSource *self)
{
  g_clear_error (&self->last_error);
  self->last_error = g_error_copy (why);
  drop_client (self);
  set_connected (self, FALSE);
  schedule_retry (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalUpstreamSource) self = user_data;
  ShoalUpstreamClient *client = SHOAL_UPSTREAM_CLIENT (source);

  /* A failure was reported by "closed" already. */
  if (client != self->client || !shoal_upstream_client_connect_finish (client, result, NULL))
    return;
  self->backoff_s = FIRST_BACKOFF_S;
  g_message ("upstream %s:%u: connected", self->endpoint->host, self->endpoint->port);
  set_connected (self, TRUE);
}

static void
connect_now (ShoalUpstreamSource *self)
{
  /* A new connection's job ids are not the old one's: a new epoch, and
   * its first job ("job" comes before the login finishes) starts it. */
  self->connection++;
  self->epoch++;
  g_clear_pointer (&self->work, shoal_work_unref);
  self->client = shoal_upstream_client_new (self->endpoint);
  g_signal_connect (self->client, "job", G_CALLBACK (on_job), self);
  g_signal_connect (self->client, "closed", G_CALLBACK (on_closed), self);
  shoal_upstream_client_connect_async (self->client, NULL, on_connected, g_object_ref (self));
}

void
shoal_upstream_source_start (ShoalUpstreamSource *self)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));
  g_return_if_fail (self->context == NULL);

  self->context = g_main_context_ref_thread_default ();
  connect_now (self);
}

void
shoal_upstream_source_stop (ShoalUpstreamSource *self)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  set_connected (self, FALSE);
}

/* Solutions */

static void
emit_verdict (ShoalUpstreamSource *self,
              const ShoalShare    *share,
              const GError        *error)
{
  if (error == NULL)
    self->accepted++;
  else
    self->rejected++;
  g_signal_emit (self, signals[SIGNAL_SHARE_VERDICT], 0, share, error == NULL, error);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Sending *sending = user_data;
  g_autoptr(GError) error = NULL;

  shoal_upstream_client_submit_finish (SHOAL_UPSTREAM_CLIENT (source), result, &error);
  if (error != NULL)
    g_message ("upstream %s:%u refused a share of %s: %s", sending->self->endpoint->host,
               sending->self->endpoint->port, sending->share->worker, error->message);
  emit_verdict (sending->self, sending->share, error);
  g_object_unref (sending->self);
  shoal_share_free (sending->share);
  g_free (sending);
}

/* FALSE when this job and nonce went up already (two rigs that ignored
 * their nonce byte, or a rig sending one share twice). */
static gboolean
remember_sent (ShoalUpstreamSource *self,
               const char          *job_id,
               guint32              nonce)
{
  char *key = g_strdup_printf ("%s:%08x", job_id, nonce);

  if (g_hash_table_contains (self->sent, key))
    {
      g_free (key);
      return FALSE;
    }
  g_hash_table_add (self->sent, key);
  g_queue_push_tail (&self->sent_order, key);
  if (self->sent_order.length > SENT_KEPT)
    g_hash_table_remove (self->sent, g_queue_pop_head (&self->sent_order));
  return TRUE;
}

/* Why SOLUTION must not go up, or NULL when it may. */
static GError *
check_solution (ShoalUpstreamSource *self,
                const WorkData      *data,
                const ShoalSolution *solution)
{
  if (data->connection != self->connection || !self->connected)
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_STALE,
                        "the upstream connection its job came from is gone");
  if (!shoal_hash_meets_target (solution->hash, data->job->target64))
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY,
                        "below the upstream's target: not sent");
  if (!remember_sent (self, data->job->job_id, solution->nonce))
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_REJECTED,
                        "sent to the upstream already");
  return NULL;
}

static void
upstream_submit_solution (ShoalJobSource      *source,
                          const ShoalSolution *solution)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);
  const WorkData *data = shoal_work_get_data (solution->work);
  g_autoptr(GError) refusal = NULL;
  Sending *sending;

  g_return_if_fail (shoal_work_get_source_tag (solution->work) == shoal_upstream_source_new);
  refusal = check_solution (self, data, solution);
  if (refusal != NULL)
    {
      emit_verdict (self, solution->share, refusal);
      return;
    }
  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->share = shoal_share_copy (solution->share);
  shoal_upstream_client_submit_async (self->client, data->job->job_id, solution->nonce,
                                      solution->hash, NULL, on_submitted, sending);
}

static ShoalWork *
upstream_dup_work (ShoalJobSource *source)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);

  return self->work != NULL ? shoal_work_ref (self->work) : NULL;
}

static void
shoal_upstream_source_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = upstream_dup_work;
  iface->submit_solution = upstream_submit_solution;
}

/* Object */

gboolean
shoal_upstream_source_is_connected (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), FALSE);
  return self->connected;
}

const GError *
shoal_upstream_source_get_last_error (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), NULL);
  return self->last_error;
}

guint64
shoal_upstream_source_get_accepted (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), 0);
  return self->accepted;
}

guint64
shoal_upstream_source_get_rejected (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), 0);
  return self->rejected;
}

/* The difficulty the upstream asks of a share of its current job. */
guint64
shoal_upstream_source_get_difficulty (ShoalUpstreamSource *self)
{
  const WorkData *data;

  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), 0);
  if (self->work == NULL)
    return 0;
  data = shoal_work_get_data (self->work);
  return shoal_upstream_job_get_difficulty (data->job);
}

char *
shoal_upstream_source_dup_name (ShoalUpstreamSource *self)
{
  const ShoalUpstreamEndpoint *endpoint;

  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), NULL);
  endpoint = self->endpoint;
  return g_strdup_printf (strchr (endpoint->host, ':') != NULL ? "%s://[%s]:%u" : "%s://%s:%u",
                          endpoint->use_tls ? "stratum+ssl" : "stratum+tcp",
                          endpoint->host, endpoint->port);
}

ShoalUpstreamSource *
shoal_upstream_source_new (const ShoalUpstreamEndpoint *endpoint)
{
  ShoalUpstreamSource *self = g_object_new (SHOAL_TYPE_UPSTREAM_SOURCE, NULL);

  self->endpoint = shoal_upstream_endpoint_copy (endpoint);
  return self;
}

static void
shoal_upstream_source_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_upstream_source_dispose (GObject *object)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  G_OBJECT_CLASS (shoal_upstream_source_parent_class)->dispose (object);
}

static void
shoal_upstream_source_finalize (GObject *object)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (object);

  shoal_upstream_endpoint_free (self->endpoint);
  g_clear_error (&self->last_error);
  g_clear_pointer (&self->work, shoal_work_unref);
  g_queue_clear (&self->sent_order);
  g_hash_table_unref (self->sent);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_upstream_source_parent_class)->finalize (object);
}

static void
shoal_upstream_source_class_init (ShoalUpstreamSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shoal_upstream_source_get_property;
  object_class->dispose = shoal_upstream_source_dispose;
  object_class->finalize = shoal_upstream_source_finalize;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SHARE_VERDICT] =
    g_signal_new ("share-verdict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_BOOLEAN, G_TYPE_ERROR);
}

static void
shoal_upstream_source_init (ShoalUpstreamSource *self)
{
  self->backoff_s = FIRST_BACKOFF_S;
  /* Keys are owned by the table; the queue only points at them. */
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->sent_order);
}
