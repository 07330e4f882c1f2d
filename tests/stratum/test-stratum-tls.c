/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "shoal-certificate.h"
#include "stratum-test-util.h"

/* Stratum over TLS on the second port: shoal-testminer --tls (which takes
 * a self-signed certificate as XMRig --tls does, or pins its fingerprint
 * as --tls-fingerprint does) mines through it and the server counts its
 * shares; clients that speak the wrong thing on either port are turned
 * away without harm to the server. */

#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

static GTlsCertificate *certificate;
static char *fingerprint;

static ShoalStratumServer *
tls_server (ShoalBlockTemplate *tmpl,
            guint               login_timeout_ms)
{
  ShoalStratumServer *server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1,
                                                    "tls-port", (guint) stratum_test_free_port (),
                                                    "tls-certificate", certificate,
                                                    "login-timeout-ms", login_timeout_ms, NULL);

  g_assert_cmpuint (shoal_stratum_server_get_tls_port (server), !=, 0);
  g_assert_cmpuint (shoal_stratum_server_get_tls_port (server), !=,
                    shoal_stratum_server_get_port (server));
  return server;
}

static gint64
member (JsonObject *summary,
        const char *name)
{
  return json_object_get_int_member_with_default (summary, name, -1);
}

static gint64
errors_starting (JsonObject *summary,
                 const char *prefix)
{
  JsonObject *errors = json_object_get_object_member (summary, "errors");
  g_autoptr(GList) names = json_object_get_members (errors);
  gint64 n = 0;

  for (GList *l = names; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, prefix))
      n += json_object_get_int_member (errors, l->data);
  return n;
}

typedef struct
{
  const char *worker;
  guint64     accepted;
} WorkerDone;

static gboolean
worker_done (ShoalStratumStats *stats,
             gpointer           data)
{
  const WorkerDone *want = data;
  const ShoalStratumWorkerStats *w = shoal_stratum_stats_find_worker (stats, want->worker);

  return w != NULL && w->connections == 0 && w->accepted == want->accepted;
}

static gboolean
no_connections (ShoalStratumStats *stats,
                gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->connections == 0;
}

/* The miner's own summary against the server's books for WORKER. */
static void
assert_mined (ShoalStratumServer *server,
              JsonObject         *summary,
              const char         *worker,
              gint64              shares)
{
  WorkerDone want = { worker, (guint64) shares };
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumWorkerStats *w;

  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "logged_in"), ==, 1);
  g_assert_cmpint (member (summary, "violations"), ==, 0);
  g_assert_cmpint (member (summary, "accepted"), ==, shares);
  g_assert_cmpint (member (summary, "rejected"), ==, 0);
  stats = stratum_test_wait_stats (server, worker_done, &want, 5000);
  w = shoal_stratum_stats_find_worker (stats, worker);
  g_assert_nonnull (w);
  g_assert_cmpuint (w->accepted, ==, (guint64) member (summary, "accepted"));
  g_assert_cmpuint (w->rejected, ==, 0);
  g_assert_cmpuint (w->invalid, ==, 0);
}

/* Both ports feed the same server: a TLS rig and a plain rig, each share
 * checked by the real validator, counted in the same totals. */
static void
test_tls_miner (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 10000);
  g_autoptr(JsonObject) over_tls = NULL;
  g_autoptr(JsonObject) plain = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumTotals *totals;

  over_tls = stratum_run_testminer (shoal_stratum_server_get_tls_port (server), "--tls",
                                    "--user=x+4", "--rigid=tls-rig", "--max-shares=4",
                                    "--duration=40", NULL);
  assert_mined (server, over_tls, "tls-rig", 4);
  plain = stratum_run_testminer (shoal_stratum_server_get_port (server), "--user=x+4",
                                 "--rigid=plain-rig", "--max-shares=2", "--duration=40", NULL);
  assert_mined (server, plain, "plain-rig", 2);
  stats = shoal_stratum_server_get_stats (server);
  totals = shoal_stratum_stats_get_totals (stats);
  g_assert_cmpuint (totals->accepted, ==, 6);
  g_assert_cmpuint (totals->invalid, ==, 0);
  g_assert_cmpuint (totals->rejected, ==, 0);
}

/* A stratum line where a TLS ClientHello belongs: the handshake fails and
 * the connection closes, with no JSON ever sent in the clear. */
static void
test_plain_client_on_tls_port (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 1000);
  guint16 tls_port = shoal_stratum_server_get_tls_port (server);
  g_autoptr(StratumClient) talker = stratum_client_connect (tls_port, NULL);
  g_autoptr(StratumClient) silent = stratum_client_connect (tls_port, NULL);
  g_autoptr(StratumClient) after = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  g_autofree char *line = NULL;
  g_autofree char *login = NULL;
  g_autoptr(JsonObject) reply = NULL;
  gint64 started = g_get_monotonic_time ();

  line = stratum_client_login (talker, "x", "plain");
  g_assert_null (line);
  g_assert_true (talker->eof);
  g_assert_null (strstr (talker->buffer->str, "\"jsonrpc\""));
  /* One that says nothing at all is closed at the login timeout. */
  g_clear_pointer (&line, g_free);
  line = stratum_client_read_line (silent, 5000);
  g_assert_null (line);
  g_assert_true (silent->eof);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 900 * 1000);
  stats = stratum_test_wait_stats (server, no_connections, NULL, 5000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->connections, ==, 0);
  /* The server is none the worse: a plain login still works. */
  after = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  login = stratum_client_login (after, "x", "after");
  reply = stratum_parse_object (login);
  g_assert_nonnull (reply);
  g_assert_true (json_object_has_member (reply, "result"));
}

/* shoal-testminer --tls on the plain port: its handshake fails cleanly. */
static void
test_tls_client_on_plain_port (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 1000);
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;

  summary = stratum_run_testminer (shoal_stratum_server_get_port (server), "--tls",
                                   "--rigid=confused", "--max-shares=1", "--duration=20", NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "logged_in"), ==, 0);
  g_assert_cmpint (errors_starting (summary, "connect: TLS handshake failed"), ==, 1);
  stats = stratum_test_wait_stats (server, no_connections, NULL, 5000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->connections, ==, 0);
  g_assert_null (shoal_stratum_stats_find_worker (stats, "confused"));
}

/* --tls-fingerprint pins the certificate: the right one mines, a wrong
 * one is refused before any stratum is spoken. */
static void
test_fingerprint (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 10000);
  guint16 tls_port = shoal_stratum_server_get_tls_port (server);
  g_autofree char *right = g_strdup_printf ("--tls-fingerprint=%s", fingerprint);
  g_autofree char *wrong_hex = g_strdup (fingerprint);
  g_autofree char *wrong = NULL;
  g_autoptr(JsonObject) pinned = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;

  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  pinned = stratum_run_testminer (tls_port, "--tls", right, "--user=x+4", "--rigid=pinned",
                                  "--max-shares=1", "--duration=30", NULL);
  assert_mined (server, pinned, "pinned", 1);
  /* One hex digit off. */
  wrong_hex[0] = wrong_hex[0] == '0' ? '1' : '0';
  wrong = g_strdup_printf ("--tls-fingerprint=%s", wrong_hex);
  refused = stratum_run_testminer (tls_port, "--tls", wrong, "--rigid=refused", "--max-shares=1",
                                   "--duration=20", NULL);
  g_assert_nonnull (refused);
  g_assert_cmpint (member (refused, "logged_in"), ==, 0);
  g_assert_cmpint (errors_starting (refused, "connect: TLS handshake failed"), ==, 1);
  stats = stratum_test_wait_stats (server, no_connections, NULL, 5000);
  g_assert_null (shoal_stratum_stats_find_worker (stats, "refused"));
}

static void
test_no_certificate (void)
{
  g_autoptr(ShoalStratumServer) server = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(GError) error = NULL;

  g_object_set (server, "bind-address", "127.0.0.1", "port", 0,
                "tls-port", (guint) stratum_test_free_port (), NULL);
  g_assert_false (shoal_stratum_server_start (server, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "needs a certificate"));
  g_assert_nonnull (strstr (error->message, "tls-certificate"));
  g_assert_false (shoal_stratum_server_is_running (server));
  /* With the certificate it starts. */
  g_clear_error (&error);
  g_object_set (server, "tls-certificate", certificate, NULL);
  g_assert_true (shoal_stratum_server_start (server, &error));
  g_assert_no_error (error);
}

static void
on_capture_handshake (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  gboolean *done = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* A real ClientHello record, as GIO's TLS client sends it, caught on a
 * listener of our own: replayed to the server, it starts a genuine
 * handshake that then waits for a peer that never answers. */
static GBytes *
capture_client_hello (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) outgoing = NULL;
  g_autoptr(GSocketConnection) incoming = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) hello = g_byte_array_new ();
  GInputStream *input;
  gboolean done = FALSE;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  outgoing = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  incoming = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (outgoing), NULL, &error);
  g_assert_no_error (error);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, cancellable,
                                    on_capture_handshake, &done);
  input = g_io_stream_get_input_stream (G_IO_STREAM (incoming));
  while (hello->len < 5 || hello->len < 5 + (guint) (hello->data[3] << 8 | hello->data[4]))
    {
      guint8 chunk[4096];
      gssize n = g_input_stream_read (input, chunk, sizeof chunk, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_byte_array_append (hello, chunk, n);
    }
  g_assert_cmpuint (hello->data[0], ==, 0x16);
  g_cancellable_cancel (cancellable);
  g_io_stream_close (G_IO_STREAM (incoming), NULL, NULL);
  g_assert_true (stratum_test_wait (is_true, &done, 5000));
  return g_byte_array_free_to_bytes (g_steal_pointer (&hello));
}

static StratumClient *
send_hello_and_stall (ShoalStratumServer *server)
{
  g_autoptr(GBytes) hello = capture_client_hello ();
  StratumClient *client = stratum_client_connect (shoal_stratum_server_get_tls_port (server), NULL);
  gsize len;
  const char *data = g_bytes_get_data (hello, &len);

  g_assert_cmpint (g_socket_send (client->socket, data, len, NULL, NULL), ==, (gssize) len);
  return client;
}

static gboolean
two_connections (ShoalStratumStats *stats,
                 gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->connections == 2;
}

/* Everything the peer sends until it closes; NULL if it does not close
 * within TIMEOUT_MS. */
static GByteArray *
read_until_eof (GSocket *socket,
                guint    timeout_ms)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      guint8 chunk[4096];
      gint64 left = deadline - g_get_monotonic_time ();
      gssize n;

      if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, NULL))
        return NULL;
      n = g_socket_receive_with_blocking (socket, (char *) chunk, sizeof chunk, FALSE, NULL, NULL);
      if (n <= 0)
        return g_steal_pointer (&all);
      g_byte_array_append (all, chunk, n);
    }
}

/* A handshake whose peer stops answering after its ClientHello is given
 * up after a few seconds, well before the login timeout. */
static void
test_stalled_handshake (void)
{
  g_autoptr(ShoalStratumServer) server = tls_server (NULL, 30000);
  g_autoptr(StratumClient) staller = send_hello_and_stall (server);
  g_autoptr(ShoalStratumStats) stats = NULL;
  gint64 started = g_get_monotonic_time ();

  g_autoptr(GByteArray) reply = read_until_eof (staller->socket, 8000);

  /* The server's answer to the hello (a TLS handshake record), then the
   * close: by the handshake's own stall limit, not the 30 s login timeout. */
  g_assert_nonnull (reply);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_USEC_PER_SEC);
  g_assert_cmpuint (reply->len, >, 5);
  g_assert_cmpuint (reply->data[0], ==, 0x16);
  stats = stratum_test_wait_stats (server, no_connections, NULL, 5000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->connections, ==, 0);
}

/* Peers that send one byte of a hello and stall hold no handshake thread:
 * with 40 of them waiting, a real rig still logs in over TLS. */
static void
test_one_byte_stallers (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 30000);
  g_autoptr(GPtrArray) stallers = g_ptr_array_new_with_free_func ((GDestroyNotify) stratum_client_free);
  g_autoptr(JsonObject) summary = NULL;
  gint64 started;

  for (int i = 0; i < 40; i++)
    {
      StratumClient *client = stratum_client_connect (shoal_stratum_server_get_tls_port (server), NULL);

      g_assert_cmpint (g_socket_send (client->socket, "\x16", 1, NULL, NULL), ==, 1);
      g_ptr_array_add (stallers, client);
    }
  started = g_get_monotonic_time ();
  summary = stratum_run_testminer (shoal_stratum_server_get_tls_port (server), "--tls",
                                   "--user=x+4", "--rigid=patient", "--max-shares=1",
                                   "--duration=30", NULL);
  assert_mined (server, summary, "patient", 1);
  g_test_message ("with 40 stallers the rig's TLS session took %.2f s",
                  (g_get_monotonic_time () - started) / 1e6);
  /* Order, not speed: the rig was served while every staller still held
   * its connection (none has been given up on yet, so none made room). */
  for (guint i = 0; i < stallers->len; i++)
    {
      StratumClient *staller = g_ptr_array_index (stallers, i);
      g_autoptr(GError) error = NULL;
      char byte;

      g_assert_cmpint (g_socket_receive_with_blocking (staller->socket, &byte, 1, FALSE, NULL,
                                                       &error), ==, -1);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    }
}

/* stop() while one handshake runs in a worker thread and another peer
 * is silent: both are woken, stop() returns at once, the peers see EOF. */
static void
test_stop_during_handshake (void)
{
  g_autoptr(ShoalStratumServer) server = tls_server (NULL, 30000);
  g_autoptr(StratumClient) staller = send_hello_and_stall (server);
  g_autoptr(StratumClient) silent = stratum_client_connect (
    shoal_stratum_server_get_tls_port (server), NULL);
  g_autoptr(ShoalStratumStats) stats = NULL;
  g_autoptr(GByteArray) reply = NULL;
  g_autoptr(GByteArray) answer = NULL;
  gint64 started;

  stats = stratum_test_wait_stats (server, two_connections, NULL, 5000);
  g_clear_pointer (&stats, shoal_stratum_stats_unref);
  g_usleep (300 * 1000);   /* the handshake is under way */
  started = g_get_monotonic_time ();
  shoal_stratum_server_stop (server);
  /* Woken, not waited for: the silent peer would hold it 30 s. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  answer = read_until_eof (staller->socket, 2000);
  g_assert_nonnull (answer);
  reply = read_until_eof (silent->socket, 2000);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->len, ==, 0);
}

/* Failed handshakes are bad marks for the IP like malformed lines: with
 * ban-localhost set (tests only), three of them ban 127.0.0.1. */
static void
test_failed_handshakes_score (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 10000);
  g_autoptr(JsonObject) summary = NULL;

  g_object_set (server, "ban-localhost", TRUE, NULL);
  g_usleep (200 * 1000);   /* the setting reaches the stratum thread */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(StratumClient) client = stratum_client_connect (
        shoal_stratum_server_get_tls_port (server), NULL);
      g_autofree char *line = stratum_client_login (client, "x", "garbage");

      g_assert_null (line);
    }
  /* Banned: no handshake at all (no thread, no CPU for it), the plain
   * port says why. */
  {
    g_autoptr(StratumClient) banned = send_hello_and_stall (server);
    g_autoptr(GByteArray) reply = read_until_eof (banned->socket, 5000);

    g_assert_nonnull (reply);
    g_assert_cmpuint (reply->len, ==, 0);
  }
  summary = stratum_run_testminer (shoal_stratum_server_get_port (server),
                                   "--rigid=banned", "--max-shares=1", "--duration=10", NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "accepted"), ==, 0);
  g_assert_cmpint (errors_starting (summary, "your IP is banned"), >=, 1);
}

/* Handshakes hold a thread each while they wait for the peer: one IP may
 * have two in flight, a third is closed before it starts. */
static void
test_handshakes_per_ip (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = tls_server (tmpl, 10000);
  g_autoptr(StratumClient) first = send_hello_and_stall (server);
  g_autoptr(StratumClient) second = NULL;
  g_autoptr(StratumClient) third = NULL;
  g_autoptr(GByteArray) reply = NULL;
  guint8 byte;

  /* The server's first flight proves each handshake is under way. */
  g_assert_true (g_socket_condition_timed_wait (first->socket, G_IO_IN, 10 * G_USEC_PER_SEC, NULL, NULL));
  g_assert_cmpint (g_socket_receive (first->socket, (char *) &byte, 1, NULL, NULL), ==, 1);
  g_assert_cmpuint (byte, ==, 0x16);
  second = send_hello_and_stall (server);
  g_assert_true (g_socket_condition_timed_wait (second->socket, G_IO_IN, 10 * G_USEC_PER_SEC, NULL, NULL));
  g_assert_cmpint (g_socket_receive (second->socket, (char *) &byte, 1, NULL, NULL), ==, 1);
  g_assert_cmpuint (byte, ==, 0x16);
  third = send_hello_and_stall (server);
  reply = read_until_eof (third->socket, 10000);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->len, ==, 0);
}

static void
remove_directory (const char *directory)
{
  g_autofree char *cert = g_build_filename (directory, SHOAL_CERTIFICATE_FILE, NULL);
  g_autofree char *key = g_build_filename (directory, SHOAL_CERTIFICATE_KEY_FILE, NULL);

  g_unlink (cert);
  g_unlink (key);
  g_rmdir (directory);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  directory = g_dir_make_tmp ("shoal-tls-XXXXXX", &error);
  g_assert_no_error (error);
  certificate = shoal_certificate_load_or_create (directory, &error);
  g_assert_no_error (error);
  fingerprint = shoal_certificate_get_fingerprint (certificate);
  g_test_add_func ("/stratum/tls/miner", test_tls_miner);
  g_test_add_func ("/stratum/tls/plain-client-on-tls-port", test_plain_client_on_tls_port);
  g_test_add_func ("/stratum/tls/tls-client-on-plain-port", test_tls_client_on_plain_port);
  g_test_add_func ("/stratum/tls/fingerprint", test_fingerprint);
  g_test_add_func ("/stratum/tls/no-certificate", test_no_certificate);
  g_test_add_func ("/stratum/tls/handshakes-per-ip", test_handshakes_per_ip);
  g_test_add_func ("/stratum/tls/failed-handshakes-score", test_failed_handshakes_score);
  g_test_add_func ("/stratum/tls/stalled-handshake", test_stalled_handshake);
  g_test_add_func ("/stratum/tls/one-byte-stallers", test_one_byte_stallers);
  g_test_add_func ("/stratum/tls/stop-during-handshake", test_stop_during_handshake);
  status = g_test_run ();
  g_clear_object (&certificate);
  g_free (fingerprint);
  remove_directory (directory);
  return status;
}
