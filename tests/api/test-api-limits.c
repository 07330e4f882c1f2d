/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/resource.h>

#include "api-test-util.h"
#include "shoal-api-server.h"
#include "shoal-config.h"
#include "shoal-pool.h"
#include "stratum-test-util.h"

/* One LAN host opens thousands of API connections and never sends a
 * byte.  The API keeps at most its cap of them, so the descriptors the
 * stratum server needs are still there: a rig logs in and mines.  The
 * process is given just enough descriptors for the test's own sockets,
 * the capped API and the stratum server; an uncapped API would take the
 * rest and the rig would be refused. */

#define SILENT_SOCKETS  5000
#define API_CAP         256
#define SPARE_FDS       300   /* stratum, validator, testminer pipes, libraries */
#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

static gboolean
limit_files (rlim_t wanted)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max < wanted)
    return FALSE;
  /* The hard limit too: starting the stratum server raises the soft one
   * to it. */
  limit.rlim_cur = limit.rlim_max = wanted;
  return setrlimit (RLIMIT_NOFILE, &limit) == 0;
}

static GSocket *
connect_silent (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  return socket;
}

/* TRUE once the server has closed SOCKET (EOF, after any 503 it sent). */
static gboolean
closed_by_server (GSocket *socket)
{
  char buffer[1024];
  gssize n;

  while ((n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, NULL)) > 0)
    ;
  return n == 0;
}

static guint
count_closed (GPtrArray *sockets)
{
  guint n = 0;

  for (guint i = 0; i < sockets->len; i++)
    n += closed_by_server (g_ptr_array_index (sockets, i));
  return n;
}

static void
test_silent_sockets (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(ShoalApiServer) api = NULL;
  g_autoptr(ShoalApiFeed) feed = NULL;
  g_autoptr(ShoalBlockTemplate) tmpl = NULL;
  g_autoptr(ShoalStratumServer) stratum = NULL;
  g_autoptr(GPtrArray) silent = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ApiReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  guint closed;

  if (!limit_files (SILENT_SOCKETS + API_CAP + SPARE_FDS))
    {
      g_test_skip_printf ("needs a hard open-file limit (ulimit -Hn) of %d",
                          SILENT_SOCKETS + API_CAP + SPARE_FDS);
      return;
    }
  g_object_set (config, "node-url", "http://127.0.0.1:1", NULL);
  pool = shoal_pool_new (config);
  api = shoal_api_server_new ();
  g_object_set (api, "bind-address", "127.0.0.1", "port", 0, "max-connections", API_CAP, NULL);
  feed = shoal_api_feed_new (pool, api);
  g_assert_true (shoal_api_server_start (api, &error));
  g_assert_no_error (error);
  tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  stratum = stratum_test_server (tmpl, "min-difficulty", (guint64) 1, NULL);

  for (guint i = 0; i < SILENT_SOCKETS; i++)
    g_ptr_array_add (silent, connect_silent (shoal_api_server_get_port (api)));
  /* Over the cap they are told 503 and closed at once; the rest wait. */
  closed = count_closed (silent);
  g_test_message ("%u silent sockets, %u closed at once, %u open descriptors in the process",
                  SILENT_SOCKETS, closed, api_open_descriptors ());
  g_assert_cmpuint (api_open_descriptors (), <=, SILENT_SOCKETS + API_CAP + SPARE_FDS - 50);

  summary = stratum_run_testminer (shoal_stratum_server_get_port (stratum), "--user=x+1",
                                   "--rigid=still-mining", "--max-shares=2", "--duration=120",
                                   NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (json_object_get_int_member_with_default (summary, "accepted", -1), ==, 2);

  /* The idle timeout runs from accept: the ones it kept are closed
   * without a byte ever sent, and the API answers again. */
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (count_closed (silent) < SILENT_SOCKETS && g_get_monotonic_time () < deadline)
    g_usleep (500 * 1000);
  g_assert_cmpuint (count_closed (silent), ==, SILENT_SOCKETS);
  g_ptr_array_set_size (silent, 0);
  reply = api_request (shoal_api_server_get_port (api), "GET", "/api/v1/summary");
  g_assert_cmpuint (reply->status, ==, 200);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/limits/silent-sockets", test_silent_sockets);
  return g_test_run ();
}
