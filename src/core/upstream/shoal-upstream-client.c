/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "shoal-difficulty.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-stratum-protocol.h"
#include "shoal-upstream-client.h"

/* The client side of the stratum protocol, as P2Pool and the pools XMRig
 * mines on speak it (STRATUM.md, UPSTREAM.md).  Every table the upstream
 * can grow is bounded: a line (XMRig's 64 KiB), requests waiting for a
 * reply, bytes waiting to be written. */

#define MAX_LINE            (64 * 1024)
#define MAX_PENDING         256
#define MAX_OUTPUT          (1024 * 1024)
#define READ_CHUNK          4096
#define MAX_JOB_ID          64
#define MAX_BLOB            4096
#define MIN_BLOB            43      /* XMRig's own floor: header and nonce */
#define LOGIN_ID            1

G_DEFINE_QUARK (shoal-upstream-error-quark, shoal_upstream_error)

/* A request waiting for its reply.  TASK is NULL for the login, whose
 * reply finishes the connect task instead. */
typedef struct
{
  GTask  *task;
  gint64  deadline_us;
} Pending;

/* Every field is touched only on CONTEXT, the thread-default main
 * context of the connect call. */
struct _ShoalUpstreamClient
{
  GObject           parent_instance;
  ShoalUpstreamEndpoint *endpoint;
  char             *fingerprint;
  guint             keepalive_s;
  guint             reply_timeout_s;

  GMainContext     *context;
  GCancellable     *cancellable;   /* the connection's; cancelled on close */
  gulong            user_cancel_id;
  GCancellable     *user_cancellable;
  GTask            *connect_task;  /* until the login is answered */
  GIOStream        *stream;
  GByteArray       *input;
  guint8            chunk[READ_CHUNK];
  GString          *output;
  GBytes           *writing;       /* what is being written now, or NULL */
  GHashTable       *pending;       /* request id -> Pending */
  guint             next_id;
  GSource          *tick;
  gint64            last_sent_us;
  char             *session_id;
  ShoalUpstreamJob *job;
  gboolean          closed;
};

G_DEFINE_FINAL_TYPE (ShoalUpstreamClient, shoal_upstream_client, G_TYPE_OBJECT)

enum { SIGNAL_JOB, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void client_fail (ShoalUpstreamClient *self, GError *error);

/* Jobs */

static void
job_clear (ShoalUpstreamJob *job)
{
  g_free (job->job_id);
  g_bytes_unref (job->blob);
  g_free (job->algorithm);
}

ShoalUpstreamJob *
shoal_upstream_job_ref (ShoalUpstreamJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

void
shoal_upstream_job_unref (ShoalUpstreamJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

G_DEFINE_BOXED_TYPE (ShoalUpstreamJob, shoal_upstream_job, shoal_upstream_job_ref,
                     shoal_upstream_job_unref)

guint64
shoal_upstream_job_get_difficulty (const ShoalUpstreamJob *job)
{
  return shoal_difficulty_from_target64 (job->target64);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
parse_job_blob (ShoalUpstreamJob  *job,
                const char        *hex,
                GError           **error)
{
  if (hex == NULL || strlen (hex) > 2 * MAX_BLOB)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "the job's blob is missing or too long");
      return FALSE;
    }
  job->blob = shoal_hex_decode (hex, error);
  if (job->blob == NULL)
    return FALSE;
  if (g_bytes_get_size (job->blob) < MIN_BLOB)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "the job's blob has %zu bytes, fewer than a block header",
                   g_bytes_get_size (job->blob));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_job_fields (ShoalUpstreamJob  *job,
                  JsonObject        *params,
                  GError           **error)
{
  const char *job_id = member_string (params, "job_id");
  const char *algorithm = member_string (params, "algo");

  if (job_id == NULL || *job_id == '\0' || strlen (job_id) > MAX_JOB_ID)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "the job's id is missing or too long");
      return FALSE;
    }
  job->job_id = g_strdup (job_id);
  job->algorithm = g_strdup (algorithm != NULL ? algorithm : "rx/0");
  if (json_object_has_member (params, "height"))
    job->height = (guint64) MAX (json_object_get_int_member (params, "height"), 0);
  if (!parse_job_blob (job, member_string (params, "blob"), error))
    return FALSE;
  if (!shoal_target_hex_parse (member_string (params, "target"), &job->target64, error))
    return FALSE;
  return shoal_hex_decode_into (member_string (params, "seed_hash"), job->seed_hash,
                                sizeof job->seed_hash, error);
}

static ShoalUpstreamJob *
parse_job (JsonObject  *params,
           GError     **error)
{
  g_autoptr(ShoalUpstreamJob) job = g_atomic_rc_box_new0 (ShoalUpstreamJob);
  g_autoptr(GError) local_error = NULL;

  if (!parse_job_fields (job, params, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "the upstream sent a job Shoal cannot use: %s", local_error->message);
      return NULL;
    }
  return g_steal_pointer (&job);
}

/* Verdicts */

static ShoalUpstreamError
classify (const char *message)
{
  static const struct { const char *prefix; ShoalUpstreamError code; } known[] = {
    { "stale", SHOAL_UPSTREAM_ERROR_STALE },
    { "block expired", SHOAL_UPSTREAM_ERROR_STALE },
    { "invalid job id", SHOAL_UPSTREAM_ERROR_INVALID_JOB },
    { "low diff", SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY },
    { "invalid pow", SHOAL_UPSTREAM_ERROR_INVALID_POW },
    { "banned", SHOAL_UPSTREAM_ERROR_BANNED },
    { "your ip is banned", SHOAL_UPSTREAM_ERROR_BANNED },
    { "ip address currently banned", SHOAL_UPSTREAM_ERROR_BANNED },
    { "disconnected from p2pool network", SHOAL_UPSTREAM_ERROR_OFFLINE },
    { "unauthenticated", SHOAL_UPSTREAM_ERROR_UNAUTHENTICATED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_ascii_strncasecmp (message, known[i].prefix, strlen (known[i].prefix)) == 0)
      return known[i].code;
  return SHOAL_UPSTREAM_ERROR_REJECTED;
}

/* The message of a reply's "error": an object with "message" (XMRig's
 * form) or a bare string; NULL when the reply has no error. */
static char *
reply_error_message (JsonObject *reply)
{
  JsonNode *node = json_object_get_member (reply, "error");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      const char *message = member_string (json_node_get_object (node), "message");
      return g_strdup (message != NULL ? message : "an error without a message");
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return g_strdup ("an error of an unknown form");
}

/* Writing */

static void flush_output (ShoalUpstreamClient *self);

static void
on_written (GObject      *stream,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ShoalUpstreamClient) self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, &error))
    {
      client_fail (self, g_steal_pointer (&error));
      return;
    }
  flush_output (self);
}

static void
flush_output (ShoalUpstreamClient *self)
{
  GOutputStream *out;
  gsize len = self->output->len;

  if (self->closed || self->writing != NULL || len == 0)
    return;
  self->writing = g_bytes_new (self->output->str, len);
  g_string_truncate (self->output, 0);
  out = g_io_stream_get_output_stream (self->stream);
  g_output_stream_write_all_async (out, g_bytes_get_data (self->writing, NULL), len,
                                   G_PRIORITY_DEFAULT, self->cancellable, on_written,
                                   g_object_ref (self));
}

/* Queues a request line; PARAMS is a JSON object's text.  Returns its id. */
static guint
send_request (ShoalUpstreamClient *self,
              const char          *method,
              const char          *params)
{
  guint id = self->next_id++;

  g_string_append_printf (self->output,
                          "{\"id\":%u,\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":%s}\n",
                          id, method, params);
  self->last_sent_us = g_get_monotonic_time ();
  if (self->output->len > MAX_OUTPUT)
    client_fail (self, g_error_new (SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                                    "the upstream stopped reading what Shoal sends"));
  else
    flush_output (self);
  return id;
}

static void
add_pending (ShoalUpstreamClient *self,
             guint                id,
             GTask               *task)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->task = task;
  pending->deadline_us = g_get_monotonic_time () + (gint64) self->reply_timeout_s * G_USEC_PER_SEC;
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (id), pending);
}

static void
pending_free (Pending *pending)
{
  g_clear_object (&pending->task);
  g_free (pending);
}

/* Replies and notifications */

static void
set_job (ShoalUpstreamClient *self,
         ShoalUpstreamJob    *job)
{
  g_clear_pointer (&self->job, shoal_upstream_job_unref);
  self->job = shoal_upstream_job_ref (job);
  g_signal_emit (self, signals[SIGNAL_JOB], 0, job);
}

static void
on_job_notification (ShoalUpstreamClient *self,
                     JsonObject          *message)
{
  g_autoptr(ShoalUpstreamJob) job = NULL;
  GError *error = NULL;
  JsonNode *params = json_object_get_member (message, "params");

  if (params == NULL || !JSON_NODE_HOLDS_OBJECT (params))
    {
      client_fail (self, g_error_new (SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                                      "the upstream sent a job without parameters"));
      return;
    }
  job = parse_job (json_node_get_object (params), &error);
  if (job == NULL)
    client_fail (self, error);
  else
    set_job (self, job);
}

static GError *
login_result (ShoalUpstreamClient *self,
              JsonObject          *result)
{
  const char *session_id = member_string (result, "id");
  JsonNode *job_node = json_object_get_member (result, "job");
  g_autoptr(ShoalUpstreamJob) job = NULL;
  GError *error = NULL;

  if (session_id == NULL || job_node == NULL || !JSON_NODE_HOLDS_OBJECT (job_node))
    return g_error_new (SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                        "the upstream's login reply has no session id or no job");
  job = parse_job (json_node_get_object (job_node), &error);
  if (job == NULL)
    return error;
  self->session_id = g_strdup (session_id);
  set_job (self, job);
  return NULL;
}

static void
on_login_reply (ShoalUpstreamClient *self,
                JsonObject          *reply)
{
  g_autofree char *message = reply_error_message (reply);
  JsonNode *result = json_object_get_member (reply, "result");
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  if (message != NULL)
    error = g_error_new (SHOAL_UPSTREAM_ERROR, classify (message),
                         "the upstream refused the login: %s", message);
  else if (result == NULL || !JSON_NODE_HOLDS_OBJECT (result))
    error = g_error_new (SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                         "the upstream's login reply has no result");
  else
    error = login_result (self, json_node_get_object (result));

  if (error != NULL)
    {
      client_fail (self, error);
      return;
    }
  /* The first job's handler may have closed us: the connect has failed. */
  if (self->connect_task == NULL)
    return;
  task = g_steal_pointer (&self->connect_task);
  g_task_return_boolean (task, TRUE);
}

static void
on_submit_reply (GTask      *task,
                 JsonObject *reply)
{
  g_autofree char *message = reply_error_message (reply);

  if (message != NULL)
    g_task_return_new_error (task, SHOAL_UPSTREAM_ERROR, classify (message), "%s", message);
  else if (!json_object_has_member (reply, "result"))
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                             "the upstream answered a share with neither result nor error");
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_reply (ShoalUpstreamClient *self,
          JsonObject          *reply,
          gint64               id)
{
  Pending *pending;
  g_autoptr(GTask) task = NULL;

  /* Replies to keepalives (some pools send one, P2Pool does not) and to
   * requests already given up have no pending entry. */
  if (id <= 0 || id > G_MAXUINT)
    return;
  pending = g_hash_table_lookup (self->pending, GUINT_TO_POINTER ((guint) id));
  if (pending == NULL)
    return;
  task = g_steal_pointer (&pending->task);
  g_hash_table_remove (self->pending, GUINT_TO_POINTER ((guint) id));
  if (task == NULL)
    on_login_reply (self, reply);
  else
    on_submit_reply (task, reply);
}

static void
handle_message (ShoalUpstreamClient *self,
                JsonObject          *message)
{
  const char *method = member_string (message, "method");
  JsonNode *id = json_object_get_member (message, "id");

  if (method != NULL)
    {
      /* Other notifications (P2Pool sends none) are ignored. */
      if (g_str_equal (method, "job"))
        on_job_notification (self, message);
      return;
    }
  if (id != NULL && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
    on_reply (self, message, json_node_get_int (id));
}

static void
handle_line (ShoalUpstreamClient *self,
             const char          *line,
             gsize                len)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (len == 0)
    return;
  if (!json_parser_load_from_data (parser, line, (gssize) len, &error)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      client_fail (self, g_error_new (SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                                      "the upstream sent a line that is not a JSON object"));
      return;
    }
  handle_message (self, json_node_get_object (root));
}

/* Reading */

static void read_more (ShoalUpstreamClient *self);

static void
take_lines (ShoalUpstreamClient *self)
{
  gsize start = 0;

  for (gsize i = 0; i < self->input->len && !self->closed; i++)
    {
      gsize len;

      if (self->input->data[i] != '\n')
        continue;
      len = i - start;
      if (len > 0 && self->input->data[i - 1] == '\r')
        len--;
      handle_line (self, (const char *) self->input->data + start, len);
      start = i + 1;
    }
  if (!self->closed)
    g_byte_array_remove_range (self->input, 0, start);
}

static void
on_read (GObject      *stream,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ShoalUpstreamClient) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, &error);

  if (n < 0)
    {
      client_fail (self, g_steal_pointer (&error));
      return;
    }
  if (n == 0)
    {
      client_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                      "the upstream closed the connection"));
      return;
    }
  g_byte_array_append (self->input, self->chunk, (guint) n);
  take_lines (self);
  if (self->closed)
    return;
  if (self->input->len > MAX_LINE)
    client_fail (self, g_error_new (SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                                    "the upstream sent a line over %u KiB", MAX_LINE / 1024));
  else
    read_more (self);
}

static void
read_more (ShoalUpstreamClient *self)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->chunk,
                             sizeof self->chunk, G_PRIORITY_DEFAULT, self->cancellable, on_read,
                             g_object_ref (self));
}

/* Keepalives and deadlines: one timer, not one per request. */

static gboolean
is_overdue (gpointer key,
            gpointer value,
            gpointer user_data)
{
  const Pending *pending = value;
  const gint64 *now = user_data;

  return pending->deadline_us < *now;
}

static gboolean
on_tick (gpointer user_data)
{
  ShoalUpstreamClient *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (g_hash_table_find (self->pending, is_overdue, &now) != NULL)
    {
      client_fail (self, g_error_new (SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT,
                                      "the upstream did not answer within %u s",
                                      self->reply_timeout_s));
      return G_SOURCE_REMOVE;
    }
  /* P2Pool never answers keepalived, so none is waited for. */
  if (self->session_id != NULL
      && now - self->last_sent_us >= (gint64) self->keepalive_s * G_USEC_PER_SEC)
    {
      g_autoptr(GString) params = g_string_new ("{\"id\":");

      shoal_stratum_append_json_string (params, self->session_id);
      g_string_append_c (params, '}');
      send_request (self, "keepalived", params->str);
    }
  return G_SOURCE_CONTINUE;
}

/* Connecting */

static void
send_login (ShoalUpstreamClient *self)
{
  g_autoptr(GString) params = g_string_new ("{\"login\":");
  guint id;

  shoal_stratum_append_json_string (params, self->endpoint->login);
  g_string_append (params, ",\"pass\":");
  shoal_stratum_append_json_string (params, self->endpoint->pass);
  if (self->endpoint->rigid != NULL)
    {
      g_string_append (params, ",\"rigid\":");
      shoal_stratum_append_json_string (params, self->endpoint->rigid);
    }
  g_string_append (params, ",\"agent\":\"Shoal/" PACKAGE_VERSION "\",\"algo\":[\"rx/0\"]}");
  id = send_request (self, "login", params->str);
  if (!self->closed)
    add_pending (self, id, NULL);
}

static void
start_session (ShoalUpstreamClient *self,
               GIOStream           *stream)
{
  self->stream = g_object_ref (stream);
  self->tick = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->tick, on_tick, self, NULL);
  g_source_attach (self->tick, self->context);
  read_more (self);
  send_login (self);
}

static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  ShoalUpstreamClient *self = user_data;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *fingerprint = NULL;

  /* Pools on a LAN and P2Pool use self-signed certificates: as XMRig
   * does, any is taken unless the user pinned a fingerprint. */
  if (self->fingerprint == NULL)
    return TRUE;
  g_object_get (certificate, "certificate", &der, NULL);
  fingerprint = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_ascii_strcasecmp (fingerprint, self->fingerprint) == 0;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalUpstreamClient) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    client_fail (self, g_steal_pointer (&error));
  else if (!self->closed)
    start_session (self, G_IO_STREAM (source));
}

static void
start_tls (ShoalUpstreamClient *self,
           GSocketConnection   *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);

  if (tls == NULL)
    {
      client_fail (self, g_steal_pointer (&error));
      return;
    }
  g_signal_connect_object (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, self->cancellable,
                                    on_handshake, g_object_ref (self));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalUpstreamClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection == NULL)
    client_fail (self, g_steal_pointer (&error));
  else if (self->closed)
    return;
  else if (self->endpoint->use_tls)
    start_tls (self, connection);
  else
    start_session (self, G_IO_STREAM (connection));
}

static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  ShoalUpstreamClient *self = user_data;

  /* May run on any thread: cancelling is thread-safe, and the
   * operations it stops finish on our context. */
  g_cancellable_cancel (self->cancellable);
}

void
shoal_upstream_client_connect_async (ShoalUpstreamClient *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_return_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self));
  g_return_if_fail (self->context == NULL);

  self->context = g_main_context_ref_thread_default ();
  self->connect_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->connect_task, shoal_upstream_client_connect_async);
  if (cancellable != NULL)
    {
      self->user_cancellable = g_object_ref (cancellable);
      self->user_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled),
                                                    self, NULL);
    }
  g_socket_client_set_timeout (client, self->reply_timeout_s);
  g_socket_client_connect_to_host_async (client, self->endpoint->host, self->endpoint->port,
                                         self->cancellable,
                                         on_connected, g_object_ref (self));
}

gboolean
shoal_upstream_client_connect_finish (ShoalUpstreamClient  *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closing */

static void
fail_pending (ShoalUpstreamClient *self,
              const GError        *why)
{
  g_autoptr(GHashTable) pending = g_steal_pointer (&self->pending);
  GHashTableIter iter;
  Pending *entry;

  self->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_free);
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->task != NULL)
      g_task_return_error (entry->task, g_error_copy (why));
}

static void
disconnect_user_cancellable (ShoalUpstreamClient *self)
{
  if (self->user_cancellable == NULL)
    return;
  g_cancellable_disconnect (self->user_cancellable, self->user_cancel_id);
  self->user_cancel_id = 0;
  g_clear_object (&self->user_cancellable);
}

/* Takes ERROR.  Everything the connection had ends here, once. */
static void
client_fail (ShoalUpstreamClient *self,
             GError              *error)
{
  g_autoptr(GError) why = error;
  g_autoptr(ShoalUpstreamClient) hold = g_object_ref (self);
  g_autoptr(GTask) connect_task = NULL;

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  disconnect_user_cancellable (self);
  if (self->tick != NULL)
    g_source_destroy (self->tick);
  g_clear_pointer (&self->tick, g_source_unref);
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  fail_pending (self, why);
  connect_task = g_steal_pointer (&self->connect_task);
  if (connect_task != NULL)
    g_task_return_error (connect_task, g_error_copy (why));
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, why);
}

void
shoal_upstream_client_close (ShoalUpstreamClient *self)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self));
  client_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the connection was closed"));
}

/* Submitting */

void
shoal_upstream_client_submit_async (ShoalUpstreamClient *self,
                                    const char          *job_id,
                                    guint32              nonce,
                                    const guint8         hash[32],
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GString) params = g_string_new ("{\"id\":");
  guint8 nonce_bytes[4] = { nonce, nonce >> 8, nonce >> 16, nonce >> 24 };
  g_autofree char *nonce_hex = shoal_hex_encode (nonce_bytes, sizeof nonce_bytes);
  g_autofree char *hash_hex = shoal_hex_encode (hash, 32);

  g_return_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self));
  g_task_set_source_tag (task, shoal_upstream_client_submit_async);
  if (!shoal_upstream_client_is_connected (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "not connected to the upstream");
      return;
    }
  if (g_hash_table_size (self->pending) >= MAX_PENDING)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_BUSY,
                               "%u shares already wait for the upstream's answer", MAX_PENDING);
      return;
    }
  shoal_stratum_append_json_string (params, self->session_id);
  g_string_append (params, ",\"job_id\":");
  shoal_stratum_append_json_string (params, job_id);
  g_string_append_printf (params, ",\"nonce\":\"%s\",\"result\":\"%s\"}", nonce_hex, hash_hex);
  add_pending (self, send_request (self, "submit", params->str), g_steal_pointer (&task));
}

gboolean
shoal_upstream_client_submit_finish (ShoalUpstreamClient  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Object */

ShoalUpstreamJob *
shoal_upstream_client_dup_job (ShoalUpstreamClient *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self), NULL);
  return self->job != NULL ? shoal_upstream_job_ref (self->job) : NULL;
}

const char *
shoal_upstream_client_get_session_id (ShoalUpstreamClient *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self), NULL);
  return self->session_id;
}

gboolean
shoal_upstream_client_is_connected (ShoalUpstreamClient *self)
{
  g_return_val_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self), FALSE);
  return !self->closed && self->session_id != NULL;
}

void
shoal_upstream_client_set_timing (ShoalUpstreamClient *self,
                                  guint                keepalive_s,
                                  guint                reply_timeout_s)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self));
  g_return_if_fail (keepalive_s > 0 && reply_timeout_s > 0);
  self->keepalive_s = keepalive_s;
  self->reply_timeout_s = reply_timeout_s;
}

void
shoal_upstream_client_set_tls_fingerprint (ShoalUpstreamClient *self,
                                           const char          *fingerprint)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_CLIENT (self));
  g_free (self->fingerprint);
  self->fingerprint = g_strdup (fingerprint);
}

ShoalUpstreamEndpoint *
shoal_upstream_endpoint_new (const char *host,
                             guint16     port,
                             gboolean    use_tls,
                             const char *login,
                             const char *pass)
{
  ShoalUpstreamEndpoint *endpoint = g_new0 (ShoalUpstreamEndpoint, 1);

  endpoint->host = g_strdup (host);
  endpoint->port = port;
  endpoint->use_tls = use_tls;
  endpoint->login = g_strdup (login);
  endpoint->pass = g_strdup (pass != NULL ? pass : "x");
  endpoint->login_set = login != NULL && *login != '\0';
  return endpoint;
}

ShoalUpstreamEndpoint *
shoal_upstream_endpoint_copy (const ShoalUpstreamEndpoint *endpoint)
{
  ShoalUpstreamEndpoint *copy = shoal_upstream_endpoint_new (endpoint->host, endpoint->port,
                                                             endpoint->use_tls, endpoint->login,
                                                             endpoint->pass);

  copy->fingerprint = g_strdup (endpoint->fingerprint);
  copy->rigid = g_strdup (endpoint->rigid);
  copy->login_set = endpoint->login_set;
  return copy;
}

void
shoal_upstream_endpoint_free (ShoalUpstreamEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;
  g_free (endpoint->host);
  g_free (endpoint->login);
  g_free (endpoint->pass);
  g_free (endpoint->fingerprint);
  g_free (endpoint->rigid);
  g_free (endpoint);
}

ShoalUpstreamClient *
shoal_upstream_client_new (const ShoalUpstreamEndpoint *endpoint)
{
  ShoalUpstreamClient *self = g_object_new (SHOAL_TYPE_UPSTREAM_CLIENT, NULL);

  self->endpoint = shoal_upstream_endpoint_copy (endpoint);
  self->fingerprint = g_strdup (endpoint->fingerprint);
  return self;
}

static void
shoal_upstream_client_dispose (GObject *object)
{
  ShoalUpstreamClient *self = SHOAL_UPSTREAM_CLIENT (object);

  /* Every pending operation holds a reference, so nothing is in flight
   * here but the tick, whose callback holds none. */
  if (self->tick != NULL)
    g_source_destroy (self->tick);
  g_clear_pointer (&self->tick, g_source_unref);
  disconnect_user_cancellable (self);
  G_OBJECT_CLASS (shoal_upstream_client_parent_class)->dispose (object);
}

static void
shoal_upstream_client_finalize (GObject *object)
{
  ShoalUpstreamClient *self = SHOAL_UPSTREAM_CLIENT (object);

  shoal_upstream_endpoint_free (self->endpoint);
  g_free (self->fingerprint);
  g_free (self->session_id);
  g_clear_pointer (&self->job, shoal_upstream_job_unref);
  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connect_task);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_byte_array_unref (self->input);
  g_string_free (self->output, TRUE);
  g_clear_pointer (&self->writing, g_bytes_unref);
  G_OBJECT_CLASS (shoal_upstream_client_parent_class)->finalize (object);
}

static void
shoal_upstream_client_class_init (ShoalUpstreamClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_upstream_client_dispose;
  object_class->finalize = shoal_upstream_client_finalize;

  signals[SIGNAL_JOB] = g_signal_new ("job", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_UPSTREAM_JOB);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
shoal_upstream_client_init (ShoalUpstreamClient *self)
{
  self->keepalive_s = 60;
  self->reply_timeout_s = 30;
  self->next_id = LOGIN_ID;
  self->cancellable = g_cancellable_new ();
  self->input = g_byte_array_new ();
  self->output = g_string_new (NULL);
  self->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_free);
}
