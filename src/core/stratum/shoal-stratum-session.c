/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "shoal-stratum-server-private.h"

/* One connection: its socket, the bytes of a line still in flight, and
 * the miner's jobs.  Plain data on the stratum thread, kept small: an idle
 * miner holds no buffer, only its socket, one GSource and this struct. */

#define SCRATCH_SIZE       65536
#define MAX_OUTBUF         (256 * 1024)
#define CLOSE_GRACE_US     (2 * G_USEC_PER_SEC)
#define IDLE_TIMEOUT_US    ((gint64) 15 * 60 * G_USEC_PER_SEC)   /* XMRig sends keepalived every minute */

static gboolean on_readable (GSocket *socket, GIOCondition condition, gpointer user_data);

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

void
shoal_stratum_session_accept (ShoalStratumServer *server,
                              GSocketConnection  *connection)
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
  session->connection = g_object_ref (connection);
  session->socket = g_socket_connection_get_socket (connection);
  configure_socket (session->socket);
  session->ip = shoal_ip_table_acquire (server->ips, ip, is_local);
  session->connected_at = session->last_received = g_get_monotonic_time ();
  session->reject_reason = reject_reason (server, session);
  session->read_source = g_socket_create_source (session->socket, G_IO_IN, NULL);
  g_source_set_callback (session->read_source, G_SOURCE_FUNC (on_readable), session, NULL);
  g_source_attach (session->read_source, server->context);
  link_session (server, session);
  shoal_stratum_server_mark_dirty (server);
}

void
shoal_stratum_session_close (ShoalStratumSession *session)
{
  ShoalStratumServer *server = session->server;

  if (session->closed)
    return;
  session->closed = TRUE;
  if (session->read_source != NULL)
    g_source_destroy (session->read_source);
  g_clear_pointer (&session->read_source, g_source_unref);
  if (session->write_source != NULL)
    g_source_destroy (session->write_source);
  g_clear_pointer (&session->write_source, g_source_unref);
  g_io_stream_close (G_IO_STREAM (session->connection), NULL, NULL);
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
  if (!g_socket_shutdown (session->socket, FALSE, TRUE, NULL))
    shoal_stratum_session_close (session);
}

void
shoal_stratum_session_close_after (ShoalStratumSession *session)
{
  if (session->closed || session->closing)
    return;
  session->closing = TRUE;
  session->closing_deadline = g_get_monotonic_time () + CLOSE_GRACE_US;
  g_clear_pointer (&session->inbuf, g_byte_array_unref);
  if (session->outbuf == NULL)
    half_close (session);
}

static gboolean
on_writable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ShoalStratumSession *session = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_socket_send (socket, (const char *) session->outbuf->data, session->outbuf->len,
                     NULL, &error);
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
      session->write_source = g_socket_create_source (session->socket, G_IO_OUT, NULL);
      g_source_set_callback (session->write_source, G_SOURCE_FUNC (on_writable), session, NULL);
      g_source_attach (session->write_source, session->server->context);
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

  if (session->closed || session->write_shut)
    return;
  if (session->outbuf == NULL)
    {
      n = g_socket_send (session->socket, line, len, NULL, &error);
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

  g_message ("Stratum: banned %s for %u s after repeated bad requests",
             ip->ip, server->settings.ban_seconds);
  for (ShoalStratumSession *s = server->sessions, *next; s != NULL; s = next)
    {
      next = s->next;
      if (s->ip != ip || s == session || s->closing)
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
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ShoalStratumSession *session = user_data;
  ShoalStratumServer *server = session->server;
  g_autoptr(GError) error = NULL;
  gboolean keep;
  gssize n;

  n = g_socket_receive (socket, (char *) server->scratch, SCRATCH_SIZE, NULL, &error);
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
  keep = !session->closed;
  shoal_stratum_session_unref (session);
  return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
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

void
shoal_stratum_session_sweep (ShoalStratumSession *session,
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
  if (!session->logged_in)
    {
      if (now - session->connected_at > (gint64) server->settings.login_timeout_ms * 1000)
        reject_line (session, "Login timeout: no login within the time allowed");
      return;
    }
  if (now - session->last_received > IDLE_TIMEOUT_US)
    {
      shoal_stratum_session_close (session);
      return;
    }
  params = shoal_stratum_server_vardiff_params (server);
  if ((session->fixed_difficulty == 0 && shoal_vardiff_tick (&session->vardiff, &params, now))
      || nonce_space_low (session, now))
    shoal_stratum_session_push_job (session);
}
