/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "shoal-api-cache.h"
#include "shoal-api-routes.h"
#include "shoal-api-server.h"
#include "shoal-thread.h"

#define DEFAULT_BIND "0.0.0.0"
#define DEFAULT_PORT 8080
#define API_THREAD_NICENESS 10
/* Over this many open connections, new ones get 503 and are closed at
 * once: the API shares the process's file descriptors with the stratum
 * server. */
#define DEFAULT_MAX_CONNECTIONS 256
/* A connection that sends nothing for this long is closed, counted from
 * accept: one that never sends a byte goes too. */
#define IDLE_TIMEOUT_S 30
#define DRAIN_BYTES (16 * 1024)
#define PRUNE_EVERY 64

struct _ShoalApiServer
{
  GObject        parent_instance;
  char          *bind_address;
  guint          port;
  guint          bound_port;
  guint          max_connections;

  /* The API thread. */
  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;
  guint64        requests;
  GHashTable    *sockets;       /* connections accepted, until seen closed */
  GSocketService *service;      /* accepts; libsoup serves what it is handed */
  SoupServer    *soup;

  /* Shared, under lock: CACHE is replaced by publish() from any thread. */
  GMutex         lock;
  GCond          cond;
  gboolean       ready;
  GError        *start_error;
  ShoalApiCache *cache;
};

G_DEFINE_FINAL_TYPE (ShoalApiServer, shoal_api_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BIND_ADDRESS,
  PROP_PORT,
  PROP_MAX_CONNECTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_api_server_dispose (GObject *object)
{
  ShoalApiServer *self = SHOAL_API_SERVER (object);

  shoal_api_server_stop (self);
  G_OBJECT_CLASS (shoal_api_server_parent_class)->dispose (object);
}

static void
shoal_api_server_finalize (GObject *object)
{
  ShoalApiServer *self = SHOAL_API_SERVER (object);

  g_free (self->bind_address);
  g_clear_pointer (&self->cache, shoal_api_cache_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (shoal_api_server_parent_class)->finalize (object);
}

static void
shoal_api_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ShoalApiServer *self = SHOAL_API_SERVER (object);

  switch (prop_id)
    {
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->bind_address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, shoal_api_server_get_port (self));
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_api_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ShoalApiServer *self = SHOAL_API_SERVER (object);

  switch (prop_id)
    {
    case PROP_BIND_ADDRESS:
      shoal_api_server_set_bind_address (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      shoal_api_server_set_port (self, g_value_get_uint (value));
      break;
    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);  /* set before start() */
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_api_server_class_init (ShoalApiServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_api_server_dispose;
  object_class->finalize = shoal_api_server_finalize;
  object_class->get_property = shoal_api_server_get_property;
  object_class->set_property = shoal_api_server_set_property;

  properties[PROP_BIND_ADDRESS] =
    g_param_spec_string ("bind-address", NULL, NULL, DEFAULT_BIND,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, DEFAULT_PORT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, 65535, DEFAULT_MAX_CONNECTIONS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_api_server_init (ShoalApiServer *self)
{
  self->bind_address = g_strdup (DEFAULT_BIND);
  self->port = DEFAULT_PORT;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

ShoalApiServer *
shoal_api_server_new (void)
{
  return g_object_new (SHOAL_TYPE_API_SERVER, NULL);
}

/* Any thread: requests from now on are answered from CACHE. */
void
shoal_api_server_publish (ShoalApiServer *self,
                          ShoalApiCache  *cache)
{
  g_return_if_fail (SHOAL_IS_API_SERVER (self));
  g_return_if_fail (cache != NULL);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->cache, shoal_api_cache_unref);
  self->cache = shoal_api_cache_ref (cache);
  g_mutex_unlock (&self->lock);
}

const char *
shoal_api_server_get_bind_address (ShoalApiServer *self)
{
  g_return_val_if_fail (SHOAL_IS_API_SERVER (self), NULL);
  return self->bind_address;
}

/* Takes effect at the next start(). */
void
shoal_api_server_set_bind_address (ShoalApiServer *self,
                                   const char     *address)
{
  g_return_if_fail (SHOAL_IS_API_SERVER (self));

  if (address == NULL)
    address = DEFAULT_BIND;
  if (g_strcmp0 (self->bind_address, address) == 0)
    return;
  g_free (self->bind_address);
  self->bind_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIND_ADDRESS]);
}

guint
shoal_api_server_get_port (ShoalApiServer *self)
{
  g_return_val_if_fail (SHOAL_IS_API_SERVER (self), 0);
  return self->thread != NULL ? self->bound_port : self->port;
}

void
shoal_api_server_set_port (ShoalApiServer *self,
                           guint           port)
{
  g_return_if_fail (SHOAL_IS_API_SERVER (self));
  g_return_if_fail (port <= 65535);

  if (self->port == port)
    return;
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

gboolean
shoal_api_server_get_running (ShoalApiServer *self)
{
  g_return_val_if_fail (SHOAL_IS_API_SERVER (self), FALSE);
  return self->thread != NULL;
}

/* --- the API thread -------------------------------------------------- */

static ShoalApiCache *
current_cache (ShoalApiServer *self)
{
  ShoalApiCache *cache;

  g_mutex_lock (&self->lock);
  cache = shoal_api_cache_ref (self->cache);
  g_mutex_unlock (&self->lock);
  return cache;
}

/* Sockets of connections accepted, closed ones dropped now and then.
 * (libsoup 3.2 keeps its connection objects after they close, so we
 * cannot wait for them to go away.) */
static guint
count_connections (ShoalApiServer *self)
{
  GHashTableIter iter;
  gpointer socket;

  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, &socket, NULL))
    if (g_socket_is_closed (socket))
      g_hash_table_iter_remove (&iter);
  return g_hash_table_size (self->sockets);
}

/* Every answer closes its connection.  libsoup before 3.3 leaks a file
 * descriptor for every kept-alive connection the client closes (fixed
 * upstream in 3.3.0, commit d20c6601); a LAN page polling every few
 * seconds would run the process out of descriptors that stratum needs. */
static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

/* Over the cap: the 503 the routes would give, written here, and the
 * connection closed at once so that it holds no descriptor.  What the
 * client sent already is read first: closing with it unread would reset
 * the connection and could lose the answer. */
static void
refuse_connection (GSocketConnection *connection,
                   guint              max_connections)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autofree char *body = g_strdup_printf ("{\"error\":{\"code\":503,\"message\":\"Too many open "
                                           "connections (over %u): try again in a few seconds\"}}",
                                           max_connections);
  g_autofree char *reply = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Retry-After: 5\r\nConnection: close\r\n"
                                            "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  char drain[4096];

  g_socket_set_blocking (socket, FALSE);
  for (guint i = 0; i < DRAIN_BYTES / sizeof drain; i++)
    if (g_socket_receive (socket, drain, sizeof drain, NULL, NULL) <= 0)
      break;
  g_socket_send (socket, reply, strlen (reply), NULL, NULL);
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* libsoup 3.2's own listener counts nothing and has no idle timeout: the
 * API accepts its sockets itself, counts them, gives each its timeout from
 * the start and hands it to libsoup. */
static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ShoalApiServer *self = user_data;
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  if (g_hash_table_size (self->sockets) >= MIN (self->max_connections, PRUNE_EVERY)
      && count_connections (self) >= self->max_connections)
    {
      refuse_connection (connection, self->max_connections);
      return TRUE;
    }
  g_socket_set_timeout (socket, IDLE_TIMEOUT_S);
  g_hash_table_add (self->sockets, g_object_ref (socket));
  if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (connection), local, remote, &error))
    {
      g_debug ("API: cannot take a connection: %s", error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  return TRUE;
}

static void
on_headers (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  ShoalApiServer *self = user_data;

  /* Counted at accept (over the cap it never got here); the cap may have
   * been lowered since. */
  if (g_hash_table_size (self->sockets) > self->max_connections &&
      count_connections (self) > self->max_connections)
    shoal_api_routes_refuse_busy (msg, self->max_connections);
  else
    shoal_api_routes_check_headers (msg);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  ShoalApiServer *self = user_data;
  g_autoptr(ShoalApiCache) cache = current_cache (self);
  ShoalApiRequestContext context = {
    .cache = cache,
    .requests = ++self->requests,
  };

  shoal_api_routes_handle (msg, path, query, &context);
}

static SoupServer *
listen_here (ShoalApiServer  *self,
             GError         **error)
{
  g_autoptr(SoupServer) server = soup_server_new ("server-header", "Shoal/" PACKAGE_VERSION " ",
                                                  NULL);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->bind_address);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "API bind address \"%s\" is not an IP address", self->bind_address);
      return NULL;
    }
  address = g_inet_socket_address_new (inet, self->port);
  self->bound_port = 0;
  g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), self);
  soup_server_add_early_handler (server, NULL, on_headers, self, NULL);
  soup_server_add_handler (server, NULL, on_request, self, NULL);
  self->service = g_socket_service_new ();
  /* A burst of page loads (or of silent sockets) must not overflow the
   * kernel queue before they are counted. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), 256);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &local,
                                      error))
    {
      g_prefix_error (error, "Cannot serve the API on %s port %u: ",
                      self->bind_address, self->port);
      g_clear_object (&self->service);
      return NULL;
    }
  self->bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->soup = server;
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return g_steal_pointer (&server);
}

static void
report_started (ShoalApiServer *self,
                GError         *error)
{
  g_mutex_lock (&self->lock);
  self->start_error = error;
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
api_thread (gpointer user_data)
{
  ShoalApiServer *self = user_data;
  g_autoptr(SoupServer) server = NULL;
  GError *error = NULL;

  shoal_thread_lower_priority (API_THREAD_NICENESS, "API");
  g_main_context_push_thread_default (self->context);
  self->sockets = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  server = listen_here (self, &error);
  report_started (self, error);
  if (server != NULL)
    {
      g_main_loop_run (self->loop);
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
      soup_server_disconnect (server);
      self->soup = NULL;
      g_clear_object (&server);
    }
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
join_thread (ShoalApiServer *self)
{
  /* Quit from inside the loop: a g_main_loop_quit() from here could land
   * before the thread reaches g_main_loop_run() and be lost. */
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

gboolean
shoal_api_server_start (ShoalApiServer  *self,
                        GError         **error)
{
  GError *start_error;

  g_return_val_if_fail (SHOAL_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  /* Something to serve at once, should nothing have been published yet. */
  g_mutex_lock (&self->lock);
  if (self->cache == NULL)
    {
      g_autoptr(ShoalPoolSnapshot) blank = shoal_pool_snapshot_new ();

      self->cache = shoal_api_cache_new (blank, NULL);
    }
  g_mutex_unlock (&self->lock);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = FALSE;
  self->thread = g_thread_new ("shoal-api", api_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  start_error = g_steal_pointer (&self->start_error);
  g_mutex_unlock (&self->lock);
  if (start_error == NULL)
    return TRUE;
  shoal_api_server_stop (self);
  g_propagate_error (error, start_error);
  return FALSE;
}

void
shoal_api_server_stop (ShoalApiServer *self)
{
  g_return_if_fail (SHOAL_IS_API_SERVER (self));

  if (self->thread != NULL)
    join_thread (self);
}
