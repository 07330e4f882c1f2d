/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-address.h"
#include "shoal-difficulty.h"
#include "shoal-error.h"
#include "shoal-sidechain-probe.h"
#include "shoal-upstream-source.h"

#define NONCE_OFFSET      39
#define NONCE_SIZE        4
#define SPLIT_BYTE        (NONCE_OFFSET + NONCE_SIZE - 1)   /* the top nonce byte */
#define FIRST_BACKOFF_S   1
#define MAX_BACKOFF_S     30
#define SENT_KEPT         1024    /* shares remembered against sending one twice */

#define NAME_MAX_LEN      31      /* P2Pool keeps at most this much of a worker name */

/* What a piece of work carries: the upstream's job, and which lane and
 * connection it came over.  Immutable. */
typedef struct
{
  ShoalUpstreamJob *job;
  guint             lane;
  guint64           connection;
} WorkData;

/* One connection upward: lane 0 is the source's own, the others the
 * stratum server asked for (see ShoalLanes).  Touched only on CONTEXT. */
typedef struct
{
  ShoalUpstreamSource   *self;        /* not a reference: the source owns the lane */
  guint                  id;
  ShoalUpstreamEndpoint *endpoint;
  ShoalUpstreamClient   *client;      /* the connection being made or in use */
  guint64                connection;  /* which of the source's connections */
  gboolean               connected;
  GSource               *retry;      /* the pending retry, attached to CONTEXT */
  guint                  backoff_s;
  guint64                epoch;
  ShoalWork             *work;
  guint                  in_flight;   /* shares sent up and not answered yet */
} Lane;

/* A connection being made: its lane may be closed before it is done. */
typedef struct
{
  ShoalUpstreamSource *self;
  guint                lane;
} Connecting;

/* A share on its way up. */
typedef struct
{
  ShoalUpstreamSource *self;
  guint                lane;
  ShoalShare          *share;
} Sending;

/* Every field is touched only on CONTEXT. */
struct _ShoalUpstreamSource
{
  GObject              parent_instance;
  ShoalUpstreamEndpoint *endpoint;
  ShoalUpstreamRelay   relay;

  GMainContext        *context;
  Lane                 main;          /* lane 0 */
  GHashTable          *lanes;         /* id -> Lane, past 0; bounded by the server's lanes */
  /* Lanes the server closed (its rig left) while shares of theirs were
   * still on their way up: kept until those are answered, which the
   * client's reply timeout bounds. */
  GHashTable          *draining;
  guint64              connections;   /* counts connections made, on every lane */
  guint64              epochs;        /* counts epochs, on every lane */
  GError              *last_error;
  GHashTable          *sent;          /* "connection:job_id:nonce" already forwarded */
  GQueue               sent_order;    /* the same keys, oldest first */
  guint64              accepted;
  guint64              rejected;
  ShoalSidechainProbe *probe;         /* NULL unless asked for */
};

static void shoal_upstream_source_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalUpstreamSource, shoal_upstream_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      shoal_upstream_source_iface_init))

enum { PROP_0, PROP_CONNECTED, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SHARE_VERDICT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void connect_now (Lane *lane);

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

/* A rig's own lane is its alone: the whole nonce is the rig's.  Lane 0
 * stays split in per-rig relay too, for rigs waiting for theirs. */
static ShoalWork *
work_new (Lane             *lane,
          ShoalUpstreamJob *job)
{
  ShoalUpstreamSource *self = lane->self;
  gboolean per_rig = self->relay == SHOAL_UPSTREAM_RELAY_PER_RIG;
  gboolean split = nonce_is_free (job) && !(per_rig && lane->id != 0);
  WorkData *data = g_new0 (WorkData, 1);
  ShoalWorkParams params = {
    .algorithm = job->algorithm,
    .height = job->height,
    .epoch = lane->epoch,
    .seed_hash = job->seed_hash,
    .ceiling = shoal_difficulty_from_uint64 (shoal_upstream_job_get_difficulty (job)),
    .ceiling_is_upstream = TRUE,
    .nonce_offset = NONCE_OFFSET,
    .unique_size = split ? 1 : 0,
    .make_blob = upstream_blob,
    .data = data,
    .data_free = (GDestroyNotify) work_data_free,
    .source_tag = shoal_upstream_source_new,
    .lane = lane->id,
    .lanes = per_rig ? SHOAL_LANES_PER_RIG : split ? SHOAL_LANES_SPLIT : SHOAL_LANES_ONE,
  };

  data->job = shoal_upstream_job_ref (job);
  data->lane = lane->id;
  data->connection = lane->connection;
  return shoal_work_new (&params);
}

/* A job for another height builds on another chain tip: older shares
 * are stale.  Jobs at the same height (P2Pool's sidechain moving on, new
 * transactions) keep the epoch: the upstream still takes its last few. */
static void
on_job (ShoalUpstreamClient *client,
        ShoalUpstreamJob    *job,
        Lane                *lane)
{
  if (lane->work != NULL && shoal_work_get_height (lane->work) != job->height)
    lane->epoch = ++lane->self->epochs;
  g_clear_pointer (&lane->work, shoal_work_unref);
  lane->work = work_new (lane, job);
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (lane->self), lane->work);
}

/* Connection */

static void
set_connected (Lane     *lane,
               gboolean  connected)
{
  if (lane->connected == connected)
    return;
  lane->connected = connected;
  if (lane->id == 0)
    g_object_notify_by_pspec (G_OBJECT (lane->self), properties[PROP_CONNECTED]);
}

static void
drop_client (Lane *lane)
{
  if (lane->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (lane->client, lane);
  shoal_upstream_client_close (lane->client);
  g_clear_object (&lane->client);
}

/* The retry is destroyed through its own pointer, not by id: an id is
 * looked up in the global default context, and the source may run on
 * another. */
static void
lane_cancel_retry (Lane *lane)
{
  if (lane->retry == NULL)
    return;
  g_source_destroy (lane->retry);
  g_clear_pointer (&lane->retry, g_source_unref);
}

static gboolean
on_retry_due (gpointer user_data)
{
  Lane *lane = user_data;

  g_clear_pointer (&lane->retry, g_source_unref);
  connect_now (lane);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (Lane         *lane,
                const GError *why)
{
  GSource *source = g_timeout_source_new_seconds (lane->backoff_s);

  g_message ("upstream %s:%u (lane %u): %s; trying again in %u s", lane->endpoint->host,
             lane->endpoint->port, lane->id, why->message, lane->backoff_s);
  lane->backoff_s = MIN (lane->backoff_s * 2, MAX_BACKOFF_S);
  g_source_set_callback (source, on_retry_due, lane, NULL);
  g_source_attach (source, lane->self->context);
  lane_cancel_retry (lane);
  lane->retry = source;
}

static void
on_closed (ShoalUpstreamClient *client,
           const GError        *why,
           Lane                *lane)
{
  if (g_hash_table_lookup (lane->self->draining, GUINT_TO_POINTER (lane->id)) == lane)
    {
      g_hash_table_remove (lane->self->draining, GUINT_TO_POINTER (lane->id));
      return;
    }
  if (lane->id == 0)
    {
      g_clear_error (&lane->self->last_error);
      lane->self->last_error = g_error_copy (why);
    }
  drop_client (lane);
  set_connected (lane, FALSE);
  schedule_retry (lane, why);
}

static Lane *
find_lane (ShoalUpstreamSource *self,
           guint                id)
{
  return id == 0 ? &self->main : g_hash_table_lookup (self->lanes, GUINT_TO_POINTER (id));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree Connecting *connecting = user_data;
  g_autoptr(ShoalUpstreamSource) self = connecting->self;
  ShoalUpstreamClient *client = SHOAL_UPSTREAM_CLIENT (source);
  Lane *lane = find_lane (self, connecting->lane);

  /* A failure was reported by "closed" already. */
  if (lane == NULL || client != lane->client
      || !shoal_upstream_client_connect_finish (client, result, NULL))
    return;
  lane->backoff_s = FIRST_BACKOFF_S;
  g_message ("upstream %s:%u (lane %u): connected", lane->endpoint->host, lane->endpoint->port,
             lane->id);
  set_connected (lane, TRUE);
}

static void
connect_now (Lane *lane)
{
  Connecting *connecting = g_new0 (Connecting, 1);

  /* A new connection's job ids are not the old one's: a new epoch, and
   * its first job ("job" comes before the login finishes) starts it. */
  lane->connection = ++lane->self->connections;
  lane->epoch = ++lane->self->epochs;
  g_clear_pointer (&lane->work, shoal_work_unref);
  lane->client = shoal_upstream_client_new (lane->endpoint);
  g_signal_connect (lane->client, "job", G_CALLBACK (on_job), lane);
  g_signal_connect (lane->client, "closed", G_CALLBACK (on_closed), lane);
  connecting->self = g_object_ref (lane->self);
  connecting->lane = lane->id;
  shoal_upstream_client_connect_async (lane->client, NULL, on_connected, connecting);
}

static void
lane_init (Lane                        *lane,
           ShoalUpstreamSource         *self,
           guint                        id,
           const ShoalUpstreamEndpoint *endpoint)
{
  lane->self = self;
  lane->id = id;
  lane->endpoint = shoal_upstream_endpoint_copy (endpoint);
  lane->backoff_s = FIRST_BACKOFF_S;
}

static void
lane_clear (Lane *lane)
{
  lane_cancel_retry (lane);
  drop_client (lane);
  g_clear_pointer (&lane->work, shoal_work_unref);
  g_clear_pointer (&lane->endpoint, shoal_upstream_endpoint_free);
}

static void
lane_free (gpointer data)
{
  lane_clear (data);
  g_free (data);
}

void
shoal_upstream_source_set_relay (ShoalUpstreamSource *self,
                                 ShoalUpstreamRelay   relay)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));
  g_return_if_fail (self->context == NULL);

  self->relay = relay;
}

void
shoal_upstream_source_start (ShoalUpstreamSource *self)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));
  g_return_if_fail (self->context == NULL);

  self->context = g_main_context_ref_thread_default ();
  connect_now (&self->main);
  if (self->probe != NULL)
    shoal_sidechain_probe_start (self->probe);
}

void
shoal_upstream_source_stop (ShoalUpstreamSource *self)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));

  lane_cancel_retry (&self->main);
  drop_client (&self->main);
  set_connected (&self->main, FALSE);
  if (self->probe != NULL)
    shoal_sidechain_probe_stop (self->probe);
  g_hash_table_remove_all (self->lanes);
  g_hash_table_remove_all (self->draining);
}

/* What the upstream shows for a rig: P2Pool reads what comes before a
 * '.' or '+' as the name and a number after it as a difficulty, and keeps
 * 31 characters. */
static char *
upstream_name (const char *worker)
{
  GString *name = g_string_new (NULL);

  for (const char *p = worker; *p != '\0' && name->len < NAME_MAX_LEN; p++)
    g_string_append_c (name, g_ascii_isgraph (*p) && *p != '.' && *p != '+' ? *p : '_');
  return g_string_free (name, name->len == 0);
}

/* A "+DIFF" at the end of LOGIN (a fixed difficulty), or "". */
static const char *
diff_suffix (const char *login)
{
  const char *plus = strrchr (login, '+');

  if (plus == NULL || plus[1] == '\0')
    return "";
  for (const char *p = plus + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return "";
  return plus;
}

static gboolean
login_is_address (const char *login)
{
  g_autofree char *base = g_strndup (login, strcspn (login, "+."));
  ShoalAddress address;

  return shoal_address_parse (base, &address, NULL);
}

/* How a rig's own connection logs in, in per-rig relay.  P2Pool pays the
 * wallet it was started with and reads only a name in the login (before
 * its first '+' or '.') and a "+DIFF" at its end; a pool that pays by
 * login needs the address there and takes a worker name as XMRig's
 * "rigid" or as the pass.  So:
 * - a Monero address configured as this upstream's login stays the login
 *   as configured ("+DIFF" and all), the rig's name going as "rigid", and
 *   as the pass unless one is configured ("x" or "" is none);
 * - otherwise (no login configured, Shoal's own connection then using the
 *   pool address; or a name) the rig's name is the login, with the
 *   configured login's "+DIFF" kept. */
static void
rig_login (ShoalUpstreamEndpoint *endpoint,
           const char            *worker)
{
  g_autofree char *name = upstream_name (worker);
  char *login;

  if (name == NULL)
    return;
  if (endpoint->login_set && login_is_address (endpoint->login))
    {
      endpoint->rigid = g_strdup (name);
      if (g_strcmp0 (endpoint->pass, "x") == 0 || g_strcmp0 (endpoint->pass, "") == 0)
        {
          g_free (endpoint->pass);
          endpoint->pass = g_steal_pointer (&name);
        }
      return;
    }
  login = g_strconcat (name, endpoint->login_set ? diff_suffix (endpoint->login) : "", NULL);
  g_free (endpoint->login);
  endpoint->login = login;
}

static void
upstream_open_lane (ShoalJobSource *source,
                    guint           id,
                    const char     *worker)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);
  Lane *lane;

  if (id == 0 || self->context == NULL
      || g_hash_table_contains (self->lanes, GUINT_TO_POINTER (id)))
    return;
  lane = g_new0 (Lane, 1);
  lane_init (lane, self, id, self->endpoint);
  if (worker != NULL && self->relay == SHOAL_UPSTREAM_RELAY_PER_RIG)
    rig_login (lane->endpoint, worker);
  g_hash_table_insert (self->lanes, GUINT_TO_POINTER (id), lane);
  connect_now (lane);
}

static void
upstream_close_lane (ShoalJobSource *source,
                     guint           id)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);
  Lane *lane = NULL;

  if (!g_hash_table_steal_extended (self->lanes, GUINT_TO_POINTER (id), NULL, (gpointer *) &lane))
    return;
  if (lane->in_flight == 0)
    {
      lane_free (lane);
      return;
    }
  lane_cancel_retry (lane);
  g_hash_table_replace (self->draining, GUINT_TO_POINTER (id), lane);
}

/* A lane closed while draining goes once its last share is answered. */
static void
lane_answered (ShoalUpstreamSource *self,
               guint                id)
{
  Lane *lane = find_lane (self, id);
  gboolean draining = FALSE;

  if (lane == NULL)
    {
      lane = g_hash_table_lookup (self->draining, GUINT_TO_POINTER (id));
      draining = lane != NULL;
    }
  if (lane == NULL || lane->in_flight == 0)
    return;
  lane->in_flight--;
  if (draining && lane->in_flight == 0)
    g_hash_table_remove (self->draining, GUINT_TO_POINTER (id));
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
  lane_answered (sending->self, sending->lane);
  g_object_unref (sending->self);
  shoal_share_free (sending->share);
  g_free (sending);
}

/* FALSE when this job and nonce went up already (two rigs that ignored
 * their nonce byte, or a rig sending one share twice).  Job ids count
 * per connection, hence the connection in the key. */
static gboolean
remember_sent (ShoalUpstreamSource *self,
               const WorkData      *data,
               guint32              nonce)
{
  char *key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%s:%08x", data->connection,
                               data->job->job_id, nonce);

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
                Lane                *lane,
                const WorkData      *data,
                const ShoalSolution *solution)
{
  if (lane == NULL || data->connection != lane->connection || !lane->connected)
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_STALE,
                        "the upstream connection its job came from is gone");
  if (!shoal_hash_meets_target (solution->hash, data->job->target64))
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY,
                        "below the upstream's target: not sent");
  if (!remember_sent (self, data, solution->nonce))
    return g_error_new (SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_REJECTED,
                        "sent to the upstream already");
  return NULL;
}

/* On the connection its job came over: a rig's own, in per-rig relay. */
static void
upstream_submit_solution (ShoalJobSource      *source,
                          const ShoalSolution *solution)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);
  const WorkData *data = shoal_work_get_data (solution->work);
  Lane *lane;
  g_autoptr(GError) refusal = NULL;
  Sending *sending;

  g_return_if_fail (shoal_work_get_source_tag (solution->work) == shoal_upstream_source_new);
  lane = find_lane (self, data->lane);
  refusal = check_solution (self, lane, data, solution);
  if (refusal != NULL)
    {
      emit_verdict (self, solution->share, refusal);
      return;
    }
  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->lane = lane->id;
  sending->share = shoal_share_copy (solution->share);
  lane->in_flight++;
  shoal_upstream_client_submit_async (lane->client, data->job->job_id, solution->nonce,
                                      solution->hash, NULL, on_submitted, sending);
}

static ShoalWork *
upstream_dup_work (ShoalJobSource *source)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (source);

  return self->main.work != NULL ? shoal_work_ref (self->main.work) : NULL;
}

static void
shoal_upstream_source_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = upstream_dup_work;
  iface->submit_solution = upstream_submit_solution;
  iface->open_lane = upstream_open_lane;
  iface->close_lane = upstream_close_lane;
}

/* Object */

gboolean
shoal_upstream_source_is_connected (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), FALSE);
  return self->main.connected;
}

guint
shoal_upstream_source_get_n_connected (ShoalUpstreamSource *self)
{
  GHashTableIter iter;
  Lane *lane;
  guint n;

  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), 0);
  n = self->main.connected ? 1 : 0;
  g_hash_table_iter_init (&iter, self->lanes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    n += lane->connected ? 1 : 0;
  return n;
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
  if (self->main.work == NULL)
    return 0;
  data = shoal_work_get_data (self->main.work);
  return shoal_upstream_job_get_difficulty (data->job);
}

/* One more connection, for the P2Pool sidechain's difficulty: see
 * ShoalSidechainProbe.  Off unless asked for, before start(). */
void
shoal_upstream_source_set_probe_sidechain (ShoalUpstreamSource *self,
                                           gboolean             probe)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self));
  g_return_if_fail (self->context == NULL);

  g_clear_object (&self->probe);
  if (probe)
    self->probe = shoal_sidechain_probe_new (self->endpoint);
}

guint64
shoal_upstream_source_get_sidechain_difficulty (ShoalUpstreamSource *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_SOURCE (self), 0);

  return self->probe != NULL ? shoal_sidechain_probe_get_difficulty (self->probe) : 0;
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
  lane_init (&self->main, self, 0, endpoint);
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
      g_value_set_boolean (value, self->main.connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_upstream_source_dispose (GObject *object)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (object);

  g_hash_table_remove_all (self->lanes);
  g_hash_table_remove_all (self->draining);
  lane_cancel_retry (&self->main);
  drop_client (&self->main);
  g_clear_object (&self->probe);
  G_OBJECT_CLASS (shoal_upstream_source_parent_class)->dispose (object);
}

static void
shoal_upstream_source_finalize (GObject *object)
{
  ShoalUpstreamSource *self = SHOAL_UPSTREAM_SOURCE (object);

  shoal_upstream_endpoint_free (self->endpoint);
  g_clear_error (&self->last_error);
  lane_clear (&self->main);
  g_hash_table_unref (self->lanes);
  g_hash_table_unref (self->draining);
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
  self->lanes = g_hash_table_new_full (NULL, NULL, NULL, lane_free);
  self->draining = g_hash_table_new_full (NULL, NULL, NULL, lane_free);
  /* Keys are owned by the table; the queue only points at them. */
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->sent_order);
}
