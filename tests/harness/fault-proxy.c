/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fault-proxy.h"

/* Thread ownership: everything below lives on the proxy thread, except
 * uri (written once before fault_proxy_new returns) and counts (lock). */
struct _FaultProxy
{
  char              *target;
  FaultProxyRewrite  rewrite;
  gpointer           user_data;
  char              *uri;
  GThread           *thread;
  GMainContext      *context;
  GMainLoop         *loop;
  SoupSession       *session;
  GMutex             lock;
  GCond              ready;
  GHashTable        *counts;  /* key -> count, under lock */
};

typedef struct
{
  FaultProxy        *proxy;
  SoupServerMessage *msg;
  char              *key;
  GBytes            *request;
} Forward;

static char *
request_key (const char *path,
             GBytes     *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (g_strcmp0 (path, "/json_rpc") != 0 || !json_parser_load_from_data (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (path);
  return g_strdup (json_object_get_string_member_with_default (
    json_node_get_object (json_parser_get_root (parser)), "method", path));
}

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Forward *forward = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(GBytes) replaced = NULL;
  SoupMessage *upstream = g_object_get_data (G_OBJECT (forward->msg), "upstream");

  if (answer == NULL)
    soup_server_message_set_status (forward->msg, SOUP_STATUS_BAD_GATEWAY, NULL);
  else
    {
      if (forward->proxy->rewrite != NULL)
        replaced = forward->proxy->rewrite (forward->key, forward->request, answer,
                                            forward->proxy->user_data);
      soup_server_message_set_status (forward->msg, soup_message_get_status (upstream), NULL);
      soup_server_message_set_response (forward->msg, "application/json", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (replaced ? replaced : answer, NULL),
                                        g_bytes_get_size (replaced ? replaced : answer));
    }
  soup_server_message_unpause (forward->msg);
  g_object_unref (forward->msg);
  g_bytes_unref (forward->request);
  g_free (forward->key);
  g_free (forward);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  FaultProxy *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *target = g_strconcat (self->target, path,
                                         g_uri_get_query (uri) ? "?" : "",
                                         g_uri_get_query (uri) ? g_uri_get_query (uri) : "", NULL);
  SoupMessage *upstream = soup_message_new (soup_server_message_get_method (msg), target);
  Forward *forward = g_new0 (Forward, 1);
  guint count;

  forward->proxy = self;
  forward->msg = g_object_ref (msg);
  forward->key = request_key (path, bytes);
  forward->request = g_bytes_ref (bytes);
  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, forward->key));
  g_hash_table_insert (self->counts, g_strdup (forward->key), GUINT_TO_POINTER (count + 1));
  g_mutex_unlock (&self->lock);
  if (self->rewrite != NULL)
    {
      g_autoptr(GBytes) instead = self->rewrite (forward->key, bytes, NULL, self->user_data);

      if (instead != NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                            g_bytes_get_data (instead, NULL), g_bytes_get_size (instead));
          g_object_unref (upstream);
          g_object_unref (forward->msg);
          g_bytes_unref (forward->request);
          g_free (forward->key);
          g_free (forward);
          return;
        }
    }
  if (g_bytes_get_size (bytes) > 0)
    soup_message_set_request_body_from_bytes (upstream,
      soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL)
        ? soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL)
        : "application/octet-stream", bytes);
  g_object_set_data_full (G_OBJECT (msg), "upstream", upstream, g_object_unref);
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (self->session, upstream, G_PRIORITY_DEFAULT, NULL, on_answer, forward);
}

static gpointer
run (gpointer data)
{
  FaultProxy *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->session = soup_session_new_with_options ("timeout", 600, NULL);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handle, self, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&self->lock);
  self->uri = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (self->loop);
  soup_server_disconnect (server);
  g_clear_object (&self->session);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

FaultProxy *
fault_proxy_new (const char        *target,
                 FaultProxyRewrite  rewrite,
                 gpointer           user_data)
{
  FaultProxy *self = g_new0 (FaultProxy, 1);

  self->target = g_strdup (target);
  self->rewrite = rewrite;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  g_mutex_lock (&self->lock);
  self->thread = g_thread_new ("fault-proxy", run, self);
  while (self->uri == NULL)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

const char *
fault_proxy_get_uri (FaultProxy *self)
{
  return self->uri;
}

guint
fault_proxy_count (FaultProxy *self,
                   const char *key)
{
  guint count;

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));
  g_mutex_unlock (&self->lock);
  return count;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
fault_proxy_free (FaultProxy *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, quit, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->counts);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self->target);
  g_free (self->uri);
  g_free (self);
}

GBytes *
fault_proxy_rpc_error (int         code,
                       const char *message)
{
  g_autofree char *escaped = g_strescape (message, NULL);
  char *text = g_strdup_printf ("{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,"
                                "\"message\":\"%s\"}}", code, escaped);

  return g_bytes_new_take (text, strlen (text));
}
