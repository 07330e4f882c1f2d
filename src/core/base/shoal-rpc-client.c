/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "shoal-error.h"
#include "shoal-rpc-client.h"

/* A JSON-RPC 2.0 client for monerod and monero-wallet-rpc.  One
 * SoupSession with keep-alive: digest nonces are bound to the TCP
 * connection, so a fresh connection per call would re-authenticate every
 * time. */

#define MAX_ANSWER_BYTES (64 * 1024 * 1024)   /* a big get_transfers answer is a few MB */
#define MAX_ANSWER_DEPTH 64                   /* monerod's and the wallet's answers nest < 10 deep */
#define READ_CHUNK       (64 * 1024)

struct _ShoalRpcClient
{
  GObject      parent_instance;
  SoupSession *session;
  char        *base_uri;
  char        *json_rpc_uri;
  char        *username;
  char        *password;
  guint        next_id;
};

G_DEFINE_FINAL_TYPE (ShoalRpcClient, shoal_rpc_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-rpc-error-quark, shoal_rpc_error)

static void
shoal_rpc_client_finalize (GObject *object)
{
  ShoalRpcClient *self = SHOAL_RPC_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_pointer (&self->json_rpc_uri, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->password, g_free);

  G_OBJECT_CLASS (shoal_rpc_client_parent_class)->finalize (object);
}

static void
shoal_rpc_client_class_init (ShoalRpcClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_rpc_client_finalize;
}

static void
shoal_rpc_client_init (ShoalRpcClient *self)
{
  self->session = soup_session_new_with_options ("timeout", 30,
                                                 "max-conns-per-host", 4,
                                                 "user-agent", "Shoal/" PACKAGE_VERSION,
                                                 NULL);
  self->next_id = 1;
}

ShoalRpcClient *
shoal_rpc_client_new (const char *base_uri,
                      const char *username,
                      const char *password)
{
  ShoalRpcClient *self;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (base_uri != NULL, NULL);

  trimmed = g_strdup (base_uri);
  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';

  self = g_object_new (SHOAL_TYPE_RPC_CLIENT, NULL);
  self->base_uri = g_steal_pointer (&trimmed);
  self->json_rpc_uri = g_strconcat (self->base_uri, "/json_rpc", NULL);
  self->username = (username && *username) ? g_strdup (username) : NULL;
  self->password = g_strdup (password ? password : "");
  return self;
}

const char *
shoal_rpc_client_get_base_uri (ShoalRpcClient *self)
{
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);
  return self->base_uri;
}

void
shoal_rpc_client_set_timeout (ShoalRpcClient *self,
                              guint           seconds)
{
  g_return_if_fail (SHOAL_IS_RPC_CLIENT (self));
  g_object_set (self->session, "timeout", seconds, NULL);
}

static gboolean
on_authenticate (SoupMessage *msg,
                 SoupAuth    *auth,
                 gboolean     retrying,
                 gpointer     user_data)
{
  ShoalRpcClient *self = user_data;

  if (retrying || self->username == NULL)
    return FALSE;
  soup_auth_authenticate (auth, self->username, self->password);
  return TRUE;
}

/* libsoup 3.2 re-sends a request after the 401 challenge with an empty
 * body, and the wallet then answers "Invalid Request".  Attach the body
 * again on every restart. */
static void
on_restarted (SoupMessage *msg,
              gpointer     user_data)
{
  GBytes *body = g_object_get_data (G_OBJECT (msg), "shoal-body");

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
}

static SoupMessage *
build_message (ShoalRpcClient *self,
               const char     *method,
               JsonNode       *params)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autofree char *id = g_strdup_printf ("%u", self->next_id++);
  SoupMessage *msg;
  GBytes *body;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "jsonrpc");
  json_builder_add_string_value (builder, "2.0");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  if (params != NULL)
    {
      json_builder_set_member_name (builder, "params");
      json_builder_add_value (builder, json_node_copy (params));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);

  msg = soup_message_new (SOUP_METHOD_POST, self->json_rpc_uri);
  body = g_bytes_new_take (g_steal_pointer (&text), len);
  g_object_set_data_full (G_OBJECT (msg), "shoal-body", body, (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (msg), "shoal-method", g_strdup (method), g_free);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  g_signal_connect_object (msg, "authenticate", G_CALLBACK (on_authenticate), self, 0);
  g_signal_connect (msg, "restarted", G_CALLBACK (on_restarted), NULL);
  return msg;
}

static JsonNode *
parse_answer (SoupMessage  *msg,
              GBytes       *bytes,
              GError      **error)
{
  const char *method = g_object_get_data (G_OBJECT (msg), "shoal-method");
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_AUTH,
                   "%s: the RPC server refused the login (HTTP 401)", method);
      return NULL;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_RPC,
                   "%s: HTTP %u %s", method, status,
                   soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "");
      return NULL;
    }
  if (!shoal_json_check_depth (data, len, MAX_ANSWER_DEPTH, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%s: the answer is not usable JSON: %s", method, local_error->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%s: the answer is not JSON: %s", method, local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%s: the answer is not a JSON object", method);
      return NULL;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (object, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "error")))
    {
      JsonObject *err = json_object_get_object_member (object, "error");
      gint64 code = json_object_get_int_member_with_default (err, "code", 0);
      const char *message = json_object_get_string_member_with_default (err, "message", "unknown error");

      g_set_error (error, SHOAL_RPC_ERROR, (int) code, "%s: %s (code %" G_GINT64_FORMAT ")",
                   method, message, code);
      return NULL;
    }
  if (!json_object_has_member (object, "result") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "result")))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%s: the answer has no result object", method);
      return NULL;
    }
  return json_node_copy (json_object_get_member (object, "result"));
}

static void
translate_transport_error (GError    **error,
                           GError     *transport,
                           const char *method,
                           const char *uri)
{
  if (g_error_matches (transport, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (transport));
  else if (g_error_matches (transport, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT,
                 "%s: %s did not answer in time", method, uri);
  else
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE,
                 "%s: cannot reach %s: %s", method, uri, transport->message);
}

static void
set_too_large (GError     **error,
               const char  *method)
{
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
               "%s: the answer is larger than %d MB; Shoal stopped reading it", method,
               MAX_ANSWER_BYTES / (1024 * 1024));
}

/* A declared length over the cap is refused before a byte is read. */
static gboolean
check_declared_length (SoupMessage  *msg,
                       GError      **error)
{
  goffset length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));

  if (length <= MAX_ANSWER_BYTES)
    return TRUE;
  set_too_large (error, g_object_get_data (G_OBJECT (msg), "shoal-method"));
  return FALSE;
}

/* The answer of an async call, read chunk by chunk so that reading stops
 * at the cap: a node (or anything in between) cannot make us buffer
 * without end. */
typedef struct
{
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *body;
} Answer;

static void
answer_free (Answer *answer)
{
  g_object_unref (answer->msg);
  /* Hang up on an answer we stopped reading, at once. */
  if (answer->stream != NULL)
    g_input_stream_close (answer->stream, NULL, NULL);
  g_clear_object (&answer->stream);
  g_byte_array_unref (answer->body);
  g_free (answer);
}

static void read_more (GTask *task);

static void
finish_answer (GTask *task)
{
  Answer *answer = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&answer->body));
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  answer->body = g_byte_array_new ();
  node = parse_answer (answer->msg, bytes, &error);
  if (node == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
return_transport_error (GTask  *task,
                        GError *transport)
{
  ShoalRpcClient *self = g_task_get_source_object (task);
  Answer *answer = g_task_get_task_data (task);
  GError *out = NULL;

  translate_transport_error (&out, transport,
                             g_object_get_data (G_OBJECT (answer->msg), "shoal-method"),
                             self->base_uri);
  g_task_return_error (task, out);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Answer *answer = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);

  if (chunk == NULL)
    {
      return_transport_error (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      finish_answer (task);
      return;
    }
  if (answer->body->len + g_bytes_get_size (chunk) > MAX_ANSWER_BYTES)
    {
      set_too_large (&error, g_object_get_data (G_OBJECT (answer->msg), "shoal-method"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_byte_array_append (answer->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  Answer *answer = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (answer->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Answer *answer = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  answer->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (answer->stream == NULL)
    {
      return_transport_error (task, error);
      return;
    }
  if (!check_declared_length (answer->msg, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  read_more (g_steal_pointer (&task));
}

void
shoal_rpc_client_call_async (ShoalRpcClient      *self,
                             const char          *method,
                             JsonNode            *params,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Answer *answer;

  g_return_if_fail (SHOAL_IS_RPC_CLIENT (self));
  g_return_if_fail (method != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_rpc_client_call_async);
  answer = g_new0 (Answer, 1);
  answer->msg = build_message (self, method, params);
  answer->body = g_byte_array_new ();
  g_task_set_task_data (task, answer, (GDestroyNotify) answer_free);
  soup_session_send_async (self->session, answer->msg, G_PRIORITY_DEFAULT, cancellable,
                           on_sent, g_steal_pointer (&task));
}

JsonNode *
shoal_rpc_client_call_finish (ShoalRpcClient  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Reads a whole answer on this thread, refusing it past MAX_ANSWER_BYTES
 * while it is read rather than after. */
static GBytes *
read_capped_sync (ShoalRpcClient  *self,
                  SoupMessage     *msg,
                  const char      *what,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GError) transport = NULL;
  guint8 chunk[16384];
  gssize n;

  stream = soup_session_send (self->session, msg, cancellable, &transport);
  if (stream == NULL)
    {
      translate_transport_error (error, transport, what, self->base_uri);
      return NULL;
    }
  if (!check_declared_length (msg, error))
    return NULL;
  while ((n = g_input_stream_read (stream, chunk, sizeof chunk, cancellable, &transport)) > 0)
    {
      if (body->len + n > MAX_ANSWER_BYTES)
        {
          set_too_large (error, what);
          return NULL;
        }
      g_byte_array_append (body, chunk, n);
    }
  if (n < 0)
    {
      translate_transport_error (error, transport, what, self->base_uri);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

JsonNode *
shoal_rpc_client_call_sync (ShoalRpcClient  *self,
                            const char      *method,
                            JsonNode        *params,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);

  msg = build_message (self, method, params);
  bytes = read_capped_sync (self, msg, method, cancellable, error);
  if (bytes == NULL)
    return NULL;
  return parse_answer (msg, bytes, error);
}

/* Counts brackets outside strings: no parse, no recursion. */
gboolean
shoal_json_check_depth (const char  *data,
                        gsize        len,
                        guint        max_depth,
                        GError     **error)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                           "JSON nested deeper than %u levels", max_depth);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* monerod's other endpoints (/get_transactions, /is_key_image_spent):
 * the parameters are the body, the answer is the result itself, and a
 * "status" other than "OK" is the node's refusal (SHOAL_RPC_ERROR, code
 * -1).  PATH starts with '/'. */
JsonNode *
shoal_rpc_client_post_sync (ShoalRpcClient  *self,
                            const char      *path,
                            JsonNode        *params,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *status;
  char *text;
  gsize len = 0;

  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/' && params != NULL, NULL);

  json_generator_set_root (gen, params);
  text = json_generator_to_data (gen, &len);
  uri = g_strconcat (self->base_uri, path, NULL);
  msg = soup_message_new (SOUP_METHOD_POST, uri);
  g_object_set_data_full (G_OBJECT (msg), "shoal-body", g_bytes_new_take (text, len),
                          (GDestroyNotify) g_bytes_unref);
  soup_message_set_request_body_from_bytes (msg, "application/json",
                                            g_object_get_data (G_OBJECT (msg), "shoal-body"));
  g_signal_connect_object (msg, "authenticate", G_CALLBACK (on_authenticate), self, 0);
  g_signal_connect (msg, "restarted", G_CALLBACK (on_restarted), NULL);
  bytes = read_capped_sync (self, msg, path, cancellable, error);
  if (bytes == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK ||
      !shoal_json_check_depth (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                               MAX_ANSWER_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%s: HTTP %u, or the answer is not a JSON object", path, soup_message_get_status (msg));
      return NULL;
    }
  status = json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                       "status", "");
  if (g_strcmp0 (status, "OK") != 0)
    {
      g_set_error (error, SHOAL_RPC_ERROR, -1, "%s: %s", path, *status ? status : "no status");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

gboolean
shoal_json_get_uint64 (JsonObject  *object,
                       const char  *member,
                       guint64     *out,
                       GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "field \"%s\" is missing or not a non-negative integer", member);
      return FALSE;
    }
  /* json-glib reads integers as gint64; amounts above 2^63 do not occur
   * in Monero (total supply is below 2^64 / 10). */
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

const char *
shoal_json_get_string (JsonObject  *object,
                       const char  *member,
                       GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "field \"%s\" is missing or not a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}
