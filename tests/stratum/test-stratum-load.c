/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "stratum-test-util.h"

/* 2,000 rigs on loopback at once: all stay connected, all get a fresh
 * job when the template changes, none gets the same blob.  And 5,000
 * idle ones: a keepalived and a share from among them are answered. */

#define N_MINERS 2000
#define N_IDLE   5000
#define LOW_DIFF_RESULT "000000000000000000000000000000000000000000000000ffffffffffffffff"
#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

static gboolean
all_miners (ShoalStratumStats *stats,
            gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->miners == GPOINTER_TO_UINT (data);
}

static char *
job_blob (const char *line,
          const char *path)
{
  g_autoptr(JsonObject) object = stratum_parse_object (line);
  JsonObject *job;

  g_assert_nonnull (object);
  job = g_str_equal (path, "result")
        ? json_object_get_object_member (json_object_get_object_member (object, "result"), "job")
        : json_object_get_object_member (object, "params");
  return g_strdup (json_object_get_string_member (job, "blob"));
}

static void
test_two_thousand (void)
{
  g_autoptr(ShoalBlockTemplate) first = stratum_test_load_template ("tmpl_h2109_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalBlockTemplate) second = stratum_test_load_template ("tmpl_h2110_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (first, "max-connections-per-ip", 0, NULL);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) stratum_client_free);
  g_autoptr(GHashTable) blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(ShoalStratumStats) stats = NULL;
  guint16 port = shoal_stratum_server_get_port (server);
  gint64 start;

  for (guint i = 0; i < N_MINERS; i++)
    {
      StratumClient *client = stratum_client_connect (port, NULL);
      g_autofree char *rigid = g_strdup_printf ("rig%u", i);
      g_autofree char *reply = stratum_client_login (client, "x", rigid);

      g_assert_nonnull (reply);
      g_assert_true (g_hash_table_add (blobs, job_blob (reply, "result")));
      g_ptr_array_add (clients, client);
    }
  stats = stratum_test_wait_stats (server, all_miners, GUINT_TO_POINTER (N_MINERS), 10000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->miners, ==, N_MINERS);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->connections, ==, N_MINERS);
  start = g_get_monotonic_time ();
  stratum_test_set_template (server, second);
  for (guint i = 0; i < N_MINERS; i++)
    {
      StratumClient *client = g_ptr_array_index (clients, i);
      g_autofree char *line = stratum_client_read_line (client, 20000);

      g_assert_nonnull (line);
      g_assert_null (strstr (line, "\"id\""));
      g_assert_nonnull (strstr (line, "\"height\":2110"));
      g_assert_true (g_hash_table_add (blobs, job_blob (line, "params")));
    }
  g_test_message ("%u miners notified of a new template within %.1f ms", N_MINERS,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_clear_pointer (&stats, shoal_stratum_stats_unref);
  stats = shoal_stratum_server_get_stats (server);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->connections, ==, N_MINERS);
  for (guint i = 0; i < N_MINERS; i++)
    g_assert_false (((StratumClient *) g_ptr_array_index (clients, i))->eof);
}

/* A request from the rig logged in with LOGIN_REPLY, answered (any
 * answer: the share is under the target) with its id. */
static void
assert_answered (StratumClient *client,
                 const char    *login_reply,
                 const char    *method)
{
  g_autoptr(JsonObject) object = stratum_parse_object (login_reply);
  JsonObject *result = json_object_get_object_member (object, "result");
  const char *sid = json_object_get_string_member (result, "id");
  const char *job_id = json_object_get_string_member (json_object_get_object_member (result, "job"),
                                                      "job_id");
  g_autofree char *request = NULL;
  g_autofree char *answer = NULL;

  if (g_str_equal (method, "submit"))
    request = g_strdup_printf ("{\"id\":9,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
                               "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"00000001\","
                               "\"result\":\"%s\",\"algo\":\"rx/0\"}}", sid, job_id, LOW_DIFF_RESULT);
  else
    request = g_strdup_printf ("{\"id\":9,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\","
                               "\"params\":{\"id\":\"%s\"}}", sid);
  stratum_client_send (client, request);
  answer = stratum_client_read_line (client, 60000);
  g_assert_nonnull (answer);
  g_assert_nonnull (strstr (answer, "\"id\":9"));
}

/* The server's cost per event must not grow with the idle rigs: this only
 * checks that the answers come at all (the figures are the benchmark's). */
static void
test_five_thousand_idle (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h2109_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "max-connections-per-ip", 0,
                                                              /* a LAN back after a power cut */
                                                              "login-burst", G_MAXUINT, NULL);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) stratum_client_free);
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ShoalStratumStats) stats = NULL;
  guint16 port = shoal_stratum_server_get_port (server);

  for (guint i = 0; i < N_IDLE; i++)
    {
      StratumClient *client = stratum_client_connect (port, NULL);
      g_autofree char *rigid = g_strdup_printf ("idle%u", i);
      char *reply = stratum_client_login (client, "x", rigid);

      g_assert_nonnull (reply);
      g_ptr_array_add (clients, client);
      g_ptr_array_add (replies, reply);
    }
  stats = stratum_test_wait_stats (server, all_miners, GUINT_TO_POINTER (N_IDLE), 60000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->miners, ==, N_IDLE);
  for (guint i = 0; i < N_IDLE; i += N_IDLE / 4)
    {
      assert_answered (g_ptr_array_index (clients, i), g_ptr_array_index (replies, i), "keepalived");
      assert_answered (g_ptr_array_index (clients, i), g_ptr_array_index (replies, i), "submit");
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Two sockets a miner in this process: well past the default 1024. */
  stratum_raise_file_limit ();
  g_test_add_func ("/stratum/load/two-thousand-miners", test_two_thousand);
  g_test_add_func ("/stratum/load/five-thousand-idle", test_five_thousand_idle);
  return g_test_run ();
}
