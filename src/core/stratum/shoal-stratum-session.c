/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "shoal-stratum-server-private.h"

/* One connection: its socket, the bytes of a line still in flight, and
 * the miner's jobs.  Plain data on the stratum thread, kept small: an idle
 * miner holds no buffer, only its socket, its place on the server's poller
 * and this struct.
 *
 * Plain TCP sessions are watched by the server's poller (one epoll fd for
 * all of them).  TLS sessions keep GSources of their own: GnuTLS may hold
 * decrypted bytes that no socket readiness announces, and GIO's pollable
 * TLS streams already know when that is so.  Rigs on the TLS port are
 * few next to a LAN's plain ones. */

#define SCRATCH_SIZE       65536
#define MAX_OUTBUF         (256 * 1024)
#define CLOSE_GRACE_US     (2 * G_USEC_PER_SEC)
#define IDLE_TIMEOUT_US    ((gint64) 15 * 60 * G_USEC_PER_SEC)   /* XMRig sends keepalived every minute */
#define TLS_HANDSHAKE      0x16   /* the content type of a TLS record that opens a handshake */
#define TLS_STALL_MAX_S    3      /* a handshake step may wait this long for the peer */
#define TLS_RECORD_MAX     (5 + 16384 + 2048)   /* header, plaintext, allowance */
#define TLS_HANDSHAKES_PER_IP 2   /* of SHOAL_STRATUM_TLS_THREADS: one peer cannot take them all */

static gboolean on_readable (ShoalStratumSession *session);
static gboolean on_writable (ShoalStratumSession *session);

/* ---- Transport ------------------------------------------------------------
 * Plain TCP uses the raw non-blocking fd (the fast path, and no GSocket
 * or GSocketConnection kept: together some 480 bytes a rig); a session
 * on the TLS port uses its GTlsServerConnection's pollable streams. */

/* What g_socket_receive() and g_socket_send() make of a failed call. */
static gssize
raw_result (gssize   n,
            GError **error)
{
  int saved = errno;

  if (n < 0)
    g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
  return n;
}

static gssize
transport_receive (ShoalStratumSession  *session,
                   guint8               *buffer,
                   gsize                 size,
                   GError              **error)
{
  GInputStream *input;

  if (session->tls == NULL)
    return raw_result (recv (session->fd, buffer, size, 0), error);
  input = g_io_stream_get_input_stream (session->tls);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, size,
                                                   NULL, error);
}

static gssize
transport_send (ShoalStratumSession  *session,
                const char           *data,
                gsize                 len,
                GError              **error)
{
  GOutputStream *output;

  if (session->tls == NULL)
    return raw_result (send (session->fd, data, len, MSG_NOSIGNAL), error);
  output = g_io_stream_get_output_stream (session->tls);
  return g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), data, len,
                                                     NULL, error);
}

static gboolean
on_fd_readable (int fd, GIOCondition condition, gpointer user_data)
{
  return on_readable (user_data);
}

static gboolean
on_fd_writable (int fd, GIOCondition condition, gpointer user_data)
{
  return on_writable (user_data);
}

static gboolean
on_stream_readable (GObject *stream, gpointer user_data)
{
  return on_readable (user_data);
}

static gboolean
on_stream_writable (GObject *stream, gpointer user_data)
{
  return on_writable (user_data);
}

/* CONDITION is G_IO_IN or G_IO_OUT. */
static GSource *
transport_source (ShoalStratumSession *session,
                  GIOCondition         condition)
{
  gboolean in = condition == G_IO_IN;
  GSource *source;

  if (session->tls == NULL)
    {
      source = g_unix_fd_source_new (session->fd, condition);
      g_source_set_callback (source, in ? G_SOURCE_FUNC (on_fd_readable)
                                        : G_SOURCE_FUNC (on_fd_writable), session, NULL);
    }
  else if (in)
    {
      source = g_pollable_input_stream_create_source (
        G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (session->tls)), NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (on_stream_readable), session, NULL);
    }
  else
    {
      source = g_pollable_output_stream_create_source (
        G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (session->tls)), NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (on_stream_writable), session, NULL);
    }
  g_source_attach (source, session->server->context);
  return source;
}

/* Puts a plain TCP session on the poller; FALSE: it keeps GSources. */
static gboolean
poll_session (ShoalStratumSession *session,
              gboolean             write)
{
  ShoalStratumPoller *poller = session->server->poller;

  if (session->tls != NULL || poller == NULL)
    return FALSE;
  if (session->polled && session->poll_write == write)
    return TRUE;
  if (!shoal_stratum_poller_watch (poller, session->fd, session, write,
                                   session->polled))
    return FALSE;
  session->polled = TRUE;
  session->poll_write = write;
  return TRUE;
}

static void
unpoll_session (ShoalStratumSession *session)
{
  if (!session->polled)
    return;
  shoal_stratum_poller_forget (session->server->poller, session->fd);
  session->polled = FALSE;
}

/* close_notify is written blocking: only send it when the kernel has
 * room, so a peer that stopped reading cannot stall the stratum thread. */
static gboolean
tls_can_write (ShoalStratumSession *session)
{
  return (g_socket_condition_check (session->socket, G_IO_OUT) & G_IO_OUT) != 0;
}

/* Our side only, as for plain TCP: close_notify, then FIN. */
static gboolean
transport_shutdown_write (ShoalStratumSession *session)
{
  if (session->tls == NULL)
    return shutdown (session->fd, SHUT_WR) == 0;
  if (tls_can_write (session))
    g_output_stream_close (g_io_stream_get_output_stream (session->tls), NULL, NULL);
  return g_socket_shutdown (session->socket, FALSE, TRUE, NULL);
}

static void
transport_close (ShoalStratumSession *session)
{
  if (session->handshaking)
    {
      /* The handshake runs in a GIO worker thread: wake it; its callback
       * closes the stream. */
      g_cancellable_cancel (session->handshake);
      g_socket_shutdown (session->socket, TRUE, TRUE, NULL);
    }
  else if (session->tls != NULL)
    {
      if (session->handshake == NULL && !session->write_shut && !tls_can_write (session))
        g_socket_shutdown (session->socket, TRUE, TRUE, NULL);
      g_io_stream_close (session->tls, NULL, NULL);
    }
  else if (session->connection != NULL)
    g_io_stream_close (G_IO_STREAM (session->connection), NULL, NULL);   /* refused before TLS */
  else if (session->fd >= 0)
    close (session->fd);
  session->fd = -1;
  g_clear_object (&session->tls);
  g_clear_object (&session->handshake);
}

ShoalStratumSession *
shoal_stratum_session_ref (ShoalStratumSession *session)
{
  session->ref_count++;
  return session;
}

void
shoal_stratum_session_unref (ShoalStratumSession *session)
{
  if (--session->ref_count > 0)
    return;
  g_assert (session->closed);
  for (guint i = 0; i < SHOAL_STRATUM_MAX_JOBS; i++)
    shoal_stratum_job_clear (&session->jobs[i]);
  if (session->worker != NULL)
    shoal_stratum_server_release_worker (session->server, session->worker);
  g_clear_pointer (&session->waiting, shoal_stratum_waiting_login_free);
  g_clear_pointer (&session->peer, g_ref_string_release);
  g_free (session);
}

/* Dual-stack sockets show IPv4 peers as ::ffff:a.b.c.d; bans and caps
 * should see the IPv4 address. */
static GInetAddress *
unmap_ipv4 (GInetAddress *address)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
      && memcmp (bytes, prefix, sizeof prefix) == 0)
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (address);
}

static char *
peer_ip (GSocketConnection *connection,
         gboolean          *is_local)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GInetAddress) address = NULL;

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  address = unmap_ipv4 (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  *is_local = g_inet_address_get_is_loopback (address);
  return g_inet_address_to_string (address);
}

static void
configure_socket (GSocket *socket)
{
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_keepalive (socket, TRUE);
  /* Job notifications are small and urgent: no Nagle delay. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* Plain TCP keeps only the fd: a copy of it, the GSocket's own closed. */
static gboolean
take_fd (ShoalStratumSession *session,
         GSocketConnection   *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);

  session->fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 0);
  g_socket_close (socket, NULL);
  if (session->fd < 0)
    g_warning ("Stratum: cannot keep a connection: %s", g_strerror (errno));
  return session->fd >= 0;
}

static const char *
reject_reason (ShoalStratumServer  *server,
               ShoalStratumSession *session)
{
  if (shoal_ip_entry_is_banned (session->ip, g_get_monotonic_time ()))
    return "your IP is banned";
  if (server->settings.max_per_ip != 0 && session->ip->connections > server->settings.max_per_ip)
    return "Too many connections from your IP address";
  return NULL;
}

static void
link_session (ShoalStratumServer  *server,
              ShoalStratumSession *session)
{
  session->next = server->sessions;
  if (server->sessions != NULL)
    server->sessions->prev = session;
  server->sessions = session;
  server->n_sessions++;
}

static void
unlink_session (ShoalStratumServer  *server,
                ShoalStratumSession *session)
{
  if (session->prev != NULL)
    session->prev->next = session->next;
  else
    server->sessions = session->next;
  if (session->next != NULL)
    session->next->prev = session->prev;
  session->prev = session->next = NULL;
  server->n_sessions--;
}

/* The IP's handshakes in flight: counted from start_handshake() until it
 * comes back or the session closes, whichever is first. */
static void
handshake_uncount (ShoalStratumSession *session)
{
  if (!session->handshake_counted)
    return;
  session->handshake_counted = FALSE;
  session->ip->handshakes--;
}

/* A handshake on its way through the pool's thread and back. */
typedef struct
{
  ShoalStratumSession *session;      /* touched on the stratum thread only */
  GMainContext        *context;
  GTlsConnection      *tls;
  GCancellable        *cancellable;
  GError              *error;
  gboolean             ok;
} Handshake;

static gboolean
on_handshake_done (gpointer data)
{
  Handshake *h = data;
  ShoalStratumSession *session = h->session;
  ShoalStratumServer *server = session->server;

  session->handshaking = FALSE;
  g_clear_object (&session->handshake);
  handshake_uncount (session);
  if (session->closed)
    g_io_stream_close (G_IO_STREAM (h->tls), NULL, NULL);   /* close() left it to us */
  else if (!h->ok)
    {
      g_debug ("Stratum: TLS handshake with %s failed: %s", session->ip->ip, h->error->message);
      shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
      shoal_stratum_session_close (session);
    }
  else
    {
      g_socket_set_timeout (session->socket, 0);
      session->read_source = transport_source (session, G_IO_IN);
      /* The login may have come with the handshake's last flight and
       * already sit in the TLS buffer. */
      on_readable (session);
    }
  g_object_unref (h->tls);
  g_object_unref (h->cancellable);
  g_clear_error (&h->error);
  g_free (h);
  shoal_stratum_session_unref (session);
  shoal_stratum_server_pending_done (server);
  return G_SOURCE_REMOVE;
}

static void
handshake_in_thread (gpointer data,
                     gpointer user_data)
{
  Handshake *h = data;

  h->ok = g_tls_connection_handshake (h->tls, h->cancellable, &h->error);
  g_main_context_invoke (h->context, on_handshake_done, h);
}

/* A GIO handshake blocks a thread on the peer, so a peer that stalls
 * holds one.  Handshakes get a pool of their own (GIO's async handshake
 * would use GTask's pool, which the share recorder needs), start only once
 * the ClientHello is arriving (silent connections cost no thread), may
 * wait TLS_STALL_MAX_S per step, and have the login timeout as deadline
 * (see sweep()). */
static void
start_handshake (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;
  guint login_s = server->settings.login_timeout_ms / 1000;
  Handshake *h = g_new0 (Handshake, 1);

  if (server->handshakes == NULL)
    server->handshakes = g_thread_pool_new (handshake_in_thread, NULL, SHOAL_STRATUM_TLS_THREADS,
                                            FALSE, NULL);
  g_socket_set_timeout (session->socket, CLAMP (login_s, 1, TLS_STALL_MAX_S));
  session->handshaking = TRUE;
  session->handshake_counted = TRUE;
  session->ip->handshakes++;
  server->n_pending++;   /* stop() waits for it to come back */
  h->session = shoal_stratum_session_ref (session);
  h->context = server->context;
  h->tls = G_TLS_CONNECTION (g_object_ref (session->tls));
  h->cancellable = g_object_ref (session->handshake);
  g_thread_pool_push (server->handshakes, h, NULL);
}

static gssize
peek (ShoalStratumSession *session,
      gsize                len,
      GError             **error)
{
  GInputVector vector = { session->server->scratch, len };
  int flags = G_SOCKET_MSG_PEEK;

  return g_socket_receive_message (session->socket, NULL, &vector, 1, NULL, NULL, &flags,
                                   NULL, error);
}

/* How many bytes of the first TLS record are wanted: 5 for its header,
 * then all of it; 0 when what came is not a TLS handshake record. */
static gsize
hello_wanted (const guint8 *data,
              gsize         len)
{
  gsize record;

  if (data[0] != TLS_HANDSHAKE)
    return 0;
  if (len < 5)
    return 5;
  record = 5 + ((gsize) data[3] << 8 | data[4]);
  return record <= TLS_RECORD_MAX ? record : 0;
}

/* Waits, on the stratum thread, until the whole ClientHello record is in
 * the kernel: SO_RCVLOWAT keeps the socket quiet until then, so a peer
 * that sends a byte and stalls never gets a handshake thread. */
static gboolean
on_hello (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  ShoalStratumSession *session = user_data;
  g_autoptr(GError) error = NULL;
  gint lowat = 1;
  gsize wanted;
  gssize n;

  n = peek (session, TLS_RECORD_MAX, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      shoal_stratum_session_close (session);
      return G_SOURCE_REMOVE;
    }
  wanted = hello_wanted (session->server->scratch, n);
  g_socket_get_option (socket, SOL_SOCKET, SO_RCVLOWAT, &lowat, NULL);
  if (wanted > (gsize) n && (gsize) lowat < wanted
      && g_socket_set_option (socket, SOL_SOCKET, SO_RCVLOWAT, (gint) wanted, NULL))
    return G_SOURCE_CONTINUE;
  if (wanted == 0 || wanted > (gsize) n)
    {
      /* Not TLS (most likely a stratum line: plain TCP on the TLS port),
       * or the peer went away in the middle of its hello.  A ban closes
       * the session too: keep it alive until we are done. */
      shoal_stratum_session_ref (session);
      shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
      shoal_stratum_session_close (session);
      shoal_stratum_session_unref (session);
      return G_SOURCE_REMOVE;
    }
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVLOWAT, 1, NULL);
  g_clear_pointer (&session->read_source, g_source_unref);
  if (session->ip->handshakes >= TLS_HANDSHAKES_PER_IP)
    {
      /* Its other handshakes hold their threads: no third one. */
      shoal_stratum_session_close (session);
      return G_SOURCE_REMOVE;
    }
  start_handshake (session);
  return G_SOURCE_REMOVE;
}

static void
prepare_tls (ShoalStratumSession *session,
             GTlsCertificate     *certificate)
{
  g_autoptr(GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (session->connection), certificate,
                                                &error);

  if (tls == NULL)
    {
      g_warning ("Stratum: cannot start TLS: %s", error->message);
      shoal_stratum_session_close (session);
      return;
    }
  /* Rigs hang up without close_notify; the lines say where they end. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  session->tls = tls;
  session->handshake = g_cancellable_new ();
  session->read_source = g_socket_create_source (session->socket, G_IO_IN, NULL);
  g_source_set_callback (session->read_source, G_SOURCE_FUNC (on_hello), session, NULL);
  g_source_attach (session->read_source, session->server->context);
}

void
shoal_stratum_session_accept (ShoalStratumServer *server,
                              GSocketConnection  *connection,
                              GTlsCertificate    *certificate)
{
  ShoalStratumSession *session;
  g_autofree char *ip = NULL;
  gboolean is_local = FALSE;

  if (server->scratch == NULL)
    server->scratch = g_malloc (SCRATCH_SIZE);
  ip = peer_ip (connection, &is_local);
  if (ip == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  session = g_new0 (ShoalStratumSession, 1);
  session->ref_count = 1;
  session->server = server;
  session->fd = -1;
  configure_socket (g_socket_connection_get_socket (connection));
  if (certificate != NULL)
    {
      session->connection = g_object_ref (connection);
      session->socket = g_socket_connection_get_socket (connection);
      session->fd = g_socket_get_fd (session->socket);
    }
  else if (!take_fd (session, connection))
    {
      g_free (session);
      return;
    }
  session->ip = shoal_ip_table_acquire (server->ips, ip, is_local);
  session->peer = shoal_interner_get (server->strings, ip);
  session->connected_at = session->last_received = g_get_monotonic_time ();
  session->reject_reason = reject_reason (server, session);
  link_session (server, session);
  shoal_stratum_session_reschedule (session);
  shoal_stratum_server_mark_dirty (server);
  if (certificate != NULL && session->reject_reason != NULL)
    {
      /* Banned or over the cap: no handshake, its CPU or a thread for it.
       * Without TLS nothing can be told: the connection just closes. */
      shoal_stratum_session_close (session);
    }
  else if (certificate != NULL)
    prepare_tls (session, certificate);
  else if (!poll_session (session, FALSE))
    session->read_source = transport_source (session, G_IO_IN);
}

void
shoal_stratum_session_close (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;

  if (session->closed)
    return;
  session->closed = TRUE;
  shoal_stratum_timer_cancel (&session->timer);
  unpoll_session (session);
  if (session->read_source != NULL)
    g_source_destroy (session->read_source);
  g_clear_pointer (&session->read_source, g_source_unref);
  if (session->write_source != NULL)
    g_source_destroy (session->write_source);
  g_clear_pointer (&session->write_source, g_source_unref);
  handshake_uncount (session);
  transport_close (session);
  g_clear_object (&session->connection);
  session->socket = NULL;
  g_clear_pointer (&session->inbuf, g_byte_array_unref);
  g_clear_pointer (&session->outbuf, g_byte_array_unref);
  unlink_session (server, session);
  if (session->logged_in)
    {
      server->n_miners--;
      session->worker->connections--;
    }
  shoal_stratum_server_leave_lane (server, session);
  shoal_ip_table_release (server->ips, session->ip);
  session->ip = NULL;
  shoal_stratum_server_mark_dirty (server);
  shoal_stratum_session_unref (session);
}

static void
half_close (ShoalStratumSession *session)
{
  /* Shut our side only: closing with unread bytes from the peer would
   * send a reset that can destroy the reply we just wrote. */
  session->write_shut = TRUE;
  if (!transport_shutdown_write (session))
    shoal_stratum_session_close (session);
}

void
shoal_stratum_session_close_after (ShoalStratumSession *session)
{
  if (session->closed || session->closing)
    return;
  if (session->handshake != NULL)
    {
      shoal_stratum_session_close (session);   /* nothing can be said before TLS is up */
      return;
    }
  session->closing = TRUE;
  session->closing_deadline = g_get_monotonic_time () + CLOSE_GRACE_US;
  shoal_stratum_session_reschedule (session);
  g_clear_pointer (&session->inbuf, g_byte_array_unref);
  if (session->outbuf == NULL)
    half_close (session);
}

static gboolean
on_writable (ShoalStratumSession *session)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  /* TLS needs a retry with the same bytes: the queue only grows at its end. */
  n = transport_send (session, (const char *) session->outbuf->data, session->outbuf->len, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n < 0)
    {
      shoal_stratum_session_close (session);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_remove_range (session->outbuf, 0, n);
  if (session->outbuf->len > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&session->outbuf, g_byte_array_unref);
  g_clear_pointer (&session->write_source, g_source_unref);
  if (session->polled)
    poll_session (session, FALSE);
  if (session->closing)
    half_close (session);
  return G_SOURCE_REMOVE;
}

static void
queue_output (ShoalStratumSession *session,
              const char          *data,
              gsize                len)
{
  if (session->outbuf == NULL)
    {
      session->outbuf = g_byte_array_sized_new (len);
      if (!session->polled || !poll_session (session, TRUE))
        session->write_source = transport_source (session, G_IO_OUT);
    }
  g_byte_array_append (session->outbuf, (const guint8 *) data, len);
  /* A peer that does not read its jobs is gone in all but name. */
  if (session->outbuf->len > MAX_OUTBUF)
    shoal_stratum_session_close (session);
}

void
shoal_stratum_session_send (ShoalStratumSession *session,
                            char                *line)
{
  g_autofree char *owned = line;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (line);
  gssize n = 0;

  if (session->closed || session->write_shut || session->handshake != NULL)
    return;
  if (session->outbuf == NULL)
    {
      n = transport_send (session, line, len, &error);
      if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          shoal_stratum_session_close (session);
          return;
        }
      if (n == (gssize) len)
        return;
      n = MAX (n, 0);
    }
  queue_output (session, line + n, len - n);
}

void
shoal_stratum_session_send_rest (ShoalStratumSession *session,
                                 char                *line,
                                 gsize                sent)
{
  g_autofree char *owned = line;
  gsize len = strlen (line);

  if (sent < len && !session->closed)
    queue_output (session, line + sent, len - sent);
}

void
shoal_stratum_session_send_error (ShoalStratumSession *session,
                                  const char          *id_json,
                                  const char          *message)
{
  shoal_stratum_session_send (session,
                              shoal_stratum_reply_error (id_json, SHOAL_STRATUM_ERROR_CODE, message));
}

static void
ban_ip (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;
  ShoalIpEntry *ip = session->ip;

  g_autoptr(GPtrArray) all = NULL;

  g_message ("Stratum: banned %s for %u s after repeated bad requests",
             ip->ip, server->settings.ban_seconds);
  /* A failed send closes (and may free) that session: walk a referenced
   * copy, so neither it nor the next one vanishes under us. */
  all = shoal_stratum_server_collect_sessions (server);
  for (guint i = 0; i < all->len; i++)
    {
      ShoalStratumSession *s = g_ptr_array_index (all, i);

      if (s->ip != ip || s == session || s->closing || s->closed)
        continue;
      shoal_stratum_session_send_error (s, "null", "your IP is banned");
      shoal_stratum_session_close_after (s);
    }
  shoal_stratum_session_close_after (session);
}

void
shoal_stratum_session_score (ShoalStratumSession *session,
                             int                  delta)
{
  ShoalStratumSettings *settings = &session->server->settings;

  if (session->closed)
    return;
  if (shoal_ip_table_score (session->server->ips, session->ip, delta,
                            (gint64) settings->ban_seconds * G_USEC_PER_SEC,
                            settings->ban_localhost, g_get_monotonic_time ()))
    ban_ip (session);
}

static void
reject_line (ShoalStratumSession *session,
             const char          *message)
{
  shoal_stratum_session_send_error (session, "null", message);
  shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
  shoal_stratum_session_close_after (session);
}

static void
handle_line (ShoalStratumSession *session,
             const char          *line,
             gsize                len)
{
  g_autoptr(ShoalStratumRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  while (len > 0 && g_ascii_isspace (line[len - 1]))
    len--;
  while (len > 0 && g_ascii_isspace (*line))
    line++, len--;
  if (len == 0)
    return;
  request = shoal_stratum_request_parse (line, len, &error);
  if (request == NULL)
    {
      message = g_strdup_printf ("Malformed request: %s", error->message);
      reject_line (session, message);
      return;
    }
  shoal_stratum_session_handle (session, request);
}

static gboolean
stash_partial (ShoalStratumSession *session,
               const guint8        *data,
               gsize                len)
{
  gsize have = session->inbuf != NULL ? session->inbuf->len : 0;

  if (have + len > SHOAL_STRATUM_MAX_LINE)
    {
      reject_line (session, "Line too long");
      return FALSE;
    }
  if (session->inbuf == NULL)
    session->inbuf = g_byte_array_sized_new (len);
  g_byte_array_append (session->inbuf, data, len);
  return TRUE;
}

/* Lines usually arrive whole and are parsed straight from the shared
 * scratch buffer; only a line cut by the network is copied. */
static void
feed (ShoalStratumSession *session,
      const guint8        *data,
      gsize                len)
{
  while (len > 0 && !session->closed && !session->closing)
    {
      const guint8 *nl = memchr (data, '\n', len);
      gsize line_len;

      if (nl == NULL)
        {
          stash_partial (session, data, len);
          return;
        }
      line_len = nl - data;
      if (session->inbuf != NULL)
        {
          g_autoptr(GByteArray) whole = NULL;

          if (!stash_partial (session, data, line_len))
            return;
          whole = g_steal_pointer (&session->inbuf);
          handle_line (session, (const char *) whole->data, whole->len);
        }
      else if (line_len > SHOAL_STRATUM_MAX_LINE)
        {
          reject_line (session, "Line too long");
          return;
        }
      else
        handle_line (session, (const char *) data, line_len);
      data = nl + 1;
      len -= line_len + 1;
    }
}

static gboolean
on_readable (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;
  g_autoptr(GError) error = NULL;
  gboolean keep;
  gssize n;

  n = transport_receive (session, server->scratch, SCRATCH_SIZE, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      shoal_stratum_session_close (session);
      return G_SOURCE_REMOVE;
    }
  session->last_received = g_get_monotonic_time ();
  if (session->closing)
    return G_SOURCE_CONTINUE;   /* draining until the peer closes */
  shoal_stratum_session_ref (session);
  feed (session, server->scratch, n);
  shoal_stratum_session_reschedule (session);   /* a login or a share may bring it closer */
  keep = !session->closed;
  shoal_stratum_session_unref (session);
  return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Every session of the batch is referenced first: handling one may close
 * another (a ban closes all of an IP's), which must not free it under us.
 * A closed session left the poller, so no later batch names it. */
void
shoal_stratum_session_dispatch (gpointer *sessions,
                                guint    *ready,
                                guint     n,
                                gpointer  user_data)
{
  for (guint i = 0; i < n; i++)
    shoal_stratum_session_ref (sessions[i]);
  for (guint i = 0; i < n; i++)
    {
      ShoalStratumSession *session = sessions[i];

      if (!session->closed && (ready[i] & SHOAL_STRATUM_READY_OUT) && session->outbuf != NULL)
        on_writable (session);
      if (!session->closed && (ready[i] & SHOAL_STRATUM_READY_IN))
        on_readable (session);
    }
  for (guint i = 0; i < n; i++)
    shoal_stratum_session_unref (sessions[i]);
}

/* Past this, the newest job's nonces may be running out.  Expected hashes
 * since the job was sent, from the difficulty vardiff settled on: XMRig
 * gets a fresh job well before it runs out of 2^32 nonces. */
static gint64
nonce_space_deadline (ShoalStratumSession *session)
{
  ShoalStratumJob *job = &session->jobs[session->newest_job];
  double interval_s = MAX (session->server->settings.share_interval, 1);
  double seconds;

  if (job->id == 0 || job->difficulty == 0)
    return G_MAXINT64;
  seconds = 2147483648.0 * interval_s / (double) job->difficulty;
  if (seconds > 1e9)
    return G_MAXINT64;
  return session->newest_job_at + (gint64) (seconds * G_USEC_PER_SEC) + 1;
}

static gboolean
nonce_space_low (ShoalStratumSession *session,
                 gint64               now)
{
  ShoalStratumJob *job = &session->jobs[session->newest_job];
  double age_s;
  double hashrate;

  if (job->id == 0 || job->difficulty == 0)
    return FALSE;
  /* Expected hashes since the job was sent, from the difficulty vardiff
   * settled on; refresh well before XMRig runs out of 2^32 nonces. */
  age_s = (now - session->newest_job_at) / 1e6;
  hashrate = (double) job->difficulty / MAX (session->server->settings.share_interval, 1);
  return age_s * hashrate > 2147483648.0;
}

static void
sweep (ShoalStratumSession *session,
       gint64               now)
{
  ShoalStratumServer *server = session->server;
  ShoalVardiffParams params;

  if (session->closing)
    {
      if (now > session->closing_deadline)
        shoal_stratum_session_close (session);
      return;
    }
  if (session->waiting != NULL)
    {
      if (now > session->waiting->deadline)
        shoal_stratum_session_fail_login (session, "The upstream has not sent work for this rig "
                                          "yet: try again shortly");
      return;
    }
  if (!session->logged_in)
    {
      if (now - session->connected_at <= (gint64) server->settings.login_timeout_ms * 1000)
        return;
      if (session->handshake != NULL)
        {
          /* A TLS handshake that never ends: close quietly. */
          shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
          shoal_stratum_session_close (session);
        }
      else
        reject_line (session, "Login timeout: no login within the time allowed");
      return;
    }
  if (now - session->last_received > IDLE_TIMEOUT_US)
    {
      shoal_stratum_session_close (session);
      return;
    }
  params = shoal_stratum_session_vardiff_params (session);
  if ((session->fixed_difficulty == 0 && shoal_vardiff_tick (&session->vardiff, &params, now))
      || nonce_space_low (session, now))
    shoal_stratum_session_push_job (session);
}

/* The first moment sweep() may have something to do: each of its checks
 * as a deadline.  Those that only move later (a line received, a newer
 * job) are not rescheduled for: the wheel looks early, and sweep() finds
 * the next one. */
static gint64
next_deadline (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;
  ShoalVardiffParams params;
  gint64 next;

  if (session->closing)
    return session->closing_deadline + 1;
  if (session->waiting != NULL)
    return session->waiting->deadline + 1;
  if (!session->logged_in)
    return session->connected_at + (gint64) server->settings.login_timeout_ms * 1000 + 1;
  next = MIN (session->last_received + IDLE_TIMEOUT_US + 1, nonce_space_deadline (session));
  if (session->fixed_difficulty == 0)
    {
      params = shoal_stratum_session_vardiff_params (session);
      next = MIN (next, shoal_vardiff_next_tick (&session->vardiff, &params));
    }
  return next;
}

void
shoal_stratum_session_reschedule (ShoalStratumSession *session)
{
  if (session->closed || session->server->timers == NULL)
    return;
  shoal_stratum_timers_schedule (session->server->timers, &session->timer,
                                 next_deadline (session));
}

void
shoal_stratum_session_timer_fired (ShoalStratumTimer *timer,
                                   gint64             now,
                                   gpointer           user_data)
{
  ShoalStratumSession *session = (ShoalStratumSession *)
    ((char *) timer - G_STRUCT_OFFSET (ShoalStratumSession, timer));

  shoal_stratum_session_ref (session);
  sweep (session, now);
  shoal_stratum_session_reschedule (session);
  shoal_stratum_session_unref (session);
}
