/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <randomx.h>
#include <stdlib.h>
#include <string.h>

#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "stratum-test-util.h"

/* The server as a miner sees it: a real server on loopback, a raw socket,
 * and assertions on the exact bytes that come back. */

/* A mainnet integrated address (tests/fuzz/corpus-address). */
#define INTEGRATED_ADDRESS "4EqjS4ZQ9U1SV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mccqzQcrWD6UGUDJpdw"
#define POOL_ADDRESS "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

typedef struct
{
  StratumClient *client;
  char          *session;
  JsonObject    *job;
} Miner;

static void
miner_free (Miner *miner)
{
  stratum_client_free (miner->client);
  g_free (miner->session);
  g_clear_pointer (&miner->job, json_object_unref);
  g_free (miner);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Miner, miner_free)

static Miner *
miner_login (ShoalStratumServer *server,
             const char         *login,
             const char         *rigid)
{
  Miner *miner = g_new0 (Miner, 1);
  g_autoptr(JsonObject) result = NULL;

  miner->client = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  result = stratum_client_login_result (miner->client, login, rigid);
  miner->session = g_strdup (json_object_get_string_member (result, "id"));
  miner->job = json_object_ref (json_object_get_object_member (result, "job"));
  return miner;
}

static char *
job_string (Miner      *miner,
            const char *member)
{
  return g_strdup (json_object_get_string_member (miner->job, member));
}

/* What XMRig does with a target: back to a 64-bit target, then a difficulty. */
static guint64
target_difficulty (const char *hex)
{
  guint8 raw[8] = { 0 };
  guint64 target = 0;

  g_assert_true (strlen (hex) == 8 || strlen (hex) == 16);
  g_assert_true (shoal_hex_decode_into (hex, raw, strlen (hex) / 2, NULL));
  if (strlen (hex) == 8)
    {
      guint64 t32 = raw[0] | raw[1] << 8 | raw[2] << 16 | (guint64) raw[3] << 24;

      target = G_MAXUINT64 / (0xFFFFFFFFULL / t32);
    }
  else
    for (int i = 7; i >= 0; i--)
      target = target << 8 | raw[i];
  return G_MAXUINT64 / target;
}

static char *
submit_line (gint64      id,
             const char *session,
             const char *job_id,
             const char *nonce,
             const char *result)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\",\"method\":\"submit\","
                          "\"params\":{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%s\","
                          "\"result\":\"%s\",\"algo\":\"rx/0\"}}",
                          id, session, job_id, nonce, result);
}

/* Sends LINE and returns the error message of the reply (NULL if none). */
static char *
request_error (StratumClient *client,
               const char    *line)
{
  g_autofree char *reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonNode *error;

  stratum_client_send (client, line);
  reply = stratum_client_expect_line (client);
  g_assert_nonnull (reply);
  object = stratum_parse_object (reply);
  g_assert_nonnull (object);
  error = json_object_get_member (object, "error");
  g_assert_nonnull (error);
  if (JSON_NODE_HOLDS_NULL (error))
    return NULL;
  /* XMRig prints error.message: it must be a string. */
  g_assert_true (JSON_NODE_HOLDS_OBJECT (error));
  return g_strdup (json_object_get_string_member (json_node_get_object (error), "message"));
}

static void
assert_closed (StratumClient *client)
{
  g_autofree char *line = stratum_client_read_line (client, 5000);

  g_assert_null (line);
  g_assert_true (client->eof);
}

static ShoalBlockTemplate *
template_at (const char *file,
             guint64     difficulty)
{
  return stratum_test_load_template (file, 8, difficulty);
}

static void
test_login_reply (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "start-difficulty", (guint64) 10000,
                                                              NULL);
  g_autoptr(StratumClient) client = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  g_autofree char *reply = stratum_client_login (client, "rig-a", NULL);
  g_autoptr(JsonObject) object = stratum_parse_object (reply);
  JsonObject *result, *job;
  JsonArray *extensions;
  g_autofree char *seed = shoal_hex_encode (shoal_block_template_get_seed_hash (tmpl), 32);
  const char *blob;

  g_assert_true (g_str_has_prefix (reply, "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{"));
  result = json_object_get_object_member (object, "result");
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "OK");
  g_assert_cmpuint (strlen (json_object_get_string_member (result, "id")), >, 0);
  extensions = json_object_get_array_member (result, "extensions");
  g_assert_cmpuint (json_array_get_length (extensions), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (extensions, 0), ==, "algo");
  g_assert_cmpstr (json_array_get_string_element (extensions, 1), ==, "keepalive");
  job = json_object_get_object_member (result, "job");
  blob = json_object_get_string_member (job, "blob");
  g_assert_cmpuint (strlen (blob) % 2, ==, 0);
  g_assert_cmpuint (strlen (blob), >=, 86);
  /* Nonce bytes zero, or XMRig silently goes NiceHash. */
  g_assert_true (strncmp (blob + 78, "00000000", 8) == 0);
  g_assert_cmpstr (json_object_get_string_member (job, "target"), ==, "b88d0600");
  g_assert_cmpuint (target_difficulty (json_object_get_string_member (job, "target")), ==, 10000);
  g_assert_cmpstr (json_object_get_string_member (job, "algo"), ==, "rx/0");
  g_assert_cmpint (json_object_get_int_member (job, "height"), ==, 12);
  g_assert_cmpstr (json_object_get_string_member (job, "seed_hash"), ==, seed);
  g_assert_cmpuint (strlen (json_object_get_string_member (job, "job_id")), >, 0);
}

static void
test_fixed_difficulty_targets (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1, NULL);
  static const guint64 wanted[] = { 1, 10000, 123457, 4000000, 5000000, 987654321987 };

  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_autofree char *login = g_strdup_printf ("rig+%" G_GUINT64_FORMAT, wanted[i]);
      g_autoptr(Miner) miner = miner_login (server, login, NULL);
      g_autofree char *target = job_string (miner, "target");
      guint64 got = target_difficulty (target);

      /* 4 bytes while they reach, 8 above; 4 bytes round to 1 part in t32 (>= 1073). */
      g_assert_cmpuint (strlen (target), ==, wanted[i] <= 4000000 ? 8 : 16);
      g_assert_cmpuint (got, >=, wanted[i] - wanted[i] / 1000 - 1);
      g_assert_cmpuint (got, <=, wanted[i] + wanted[i] / 1000 + 1);
    }
}

static void
test_new_template_jobs (void)
{
  g_autoptr(ShoalBlockTemplate) first = template_at ("tmpl_h2109_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalBlockTemplate) second = template_at ("tmpl_h2110_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (first, NULL);
  g_autoptr(GHashTable) blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Miner *miners[3];

  for (guint i = 0; i < G_N_ELEMENTS (miners); i++)
    {
      miners[i] = miner_login (server, "rig", NULL);
      g_assert_true (g_hash_table_add (blobs, job_string (miners[i], "blob")));
      g_assert_true (g_hash_table_add (ids, job_string (miners[i], "job_id")));
    }
  stratum_test_set_template (server, second);
  for (guint i = 0; i < G_N_ELEMENTS (miners); i++)
    {
      g_autofree char *line = stratum_client_read_line (miners[i]->client, 5000);
      g_autoptr(JsonObject) object = stratum_parse_object (line);
      JsonObject *params;

      g_assert_nonnull (object);
      /* A notification with an id is taken for a reply and lost. */
      g_assert_null (strstr (line, "\"id\""));
      g_assert_true (g_str_has_prefix (line, "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{"));
      params = json_object_get_object_member (object, "params");
      g_assert_cmpint (json_object_get_int_member (params, "height"), ==, 2110);
      g_assert_true (g_hash_table_add (blobs, g_strdup (json_object_get_string_member (params, "blob"))));
      g_assert_true (g_hash_table_add (ids, g_strdup (json_object_get_string_member (params, "job_id"))));
    }
  /* The same template again is no new work: nothing is sent. */
  stratum_test_set_template (server, second);
  for (guint i = 0; i < G_N_ELEMENTS (miners); i++)
    {
      g_autofree char *line = stratum_client_read_line (miners[i]->client, 300);

      g_assert_null (line);
      miner_free (miners[i]);
    }
}

static void
test_keepalived (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, NULL);
  g_autoptr(StratumClient) client = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  g_autoptr(Miner) miner = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *line = NULL;

  stratum_client_send (client, "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\",\"params\":{\"id\":\"x\"}}");
  before = stratum_client_expect_line (client);
  g_assert_cmpstr (before, ==, "{\"id\":7,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"KEEPALIVED\"}}");
  miner = miner_login (server, "rig", NULL);
  line = g_strdup_printf ("{\"id\":8,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\",\"params\":{\"id\":\"%s\"}}",
                          miner->session);
  stratum_client_send (miner->client, line);
  after = stratum_client_expect_line (miner->client);
  g_assert_cmpstr (after, ==, "{\"id\":8,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"KEEPALIVED\"}}");
}

static void
test_nothing_before_login (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, NULL);
  g_autoptr(StratumClient) client = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  g_autofree char *submit = submit_line (2, "abc", "1", "00000000", "00");
  g_autofree char *error1 = request_error (client, submit);
  g_autofree char *error2 = request_error (client, "{\"id\":3,\"method\":\"getjob\",\"params\":{\"id\":\"abc\"}}");

  /* XMRig reconnects on "Unauthenticated". */
  g_assert_cmpstr (error1, ==, "Unauthenticated");
  g_assert_cmpstr (error2, ==, "Unauthenticated");
}

static void
test_malformed_lines (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, NULL);
  guint16 port = shoal_stratum_server_get_port (server);
  g_autoptr(StratumClient) garbage = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) huge = stratum_client_connect (port, NULL);
  g_autofree char *reply = NULL;
  g_autofree char *long_line = g_strnfill (20000, 'a');
  g_autoptr(JsonObject) object = NULL;

  stratum_client_send (garbage, "this is not json at all, sorry");
  reply = stratum_client_expect_line (garbage);
  g_assert_true (g_str_has_prefix (reply, "{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,"
                                   "\"message\":\"Malformed request: "));
  assert_closed (garbage);
  g_clear_pointer (&reply, g_free);
  /* No newline: the limit applies to what is buffered, not to complete lines. */
  g_socket_send (huge->socket, long_line, strlen (long_line), NULL, NULL);
  reply = stratum_client_expect_line (huge);
  object = stratum_parse_object (reply);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "error"),
                                                  "message"), ==, "Line too long");
  assert_closed (huge);
}

static void
test_login_refusals (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) pplns = stratum_test_server (tmpl, "mode", "pplns", NULL);
  g_autoptr(ShoalStratumServer) empty = stratum_test_server (NULL, NULL);
  guint16 port = shoal_stratum_server_get_port (pplns);
  g_autoptr(StratumClient) no_rx = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) bad_address = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) integrated = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) no_job = stratum_client_connect (shoal_stratum_server_get_port (empty), NULL);
  g_autoptr(Miner) good = NULL;
  g_autofree char *e1 = request_error (no_rx, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
                                       "{\"login\":\"" POOL_ADDRESS "\",\"pass\":\"x\",\"algo\":[\"cn/1\",\"rx/wow\"]}}");
  g_autofree char *e2 = request_error (bad_address, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                                       "\"params\":{\"login\":\"kitchen-rig\",\"pass\":\"x\",\"algo\":[\"rx/0\"]}}");
  g_autofree char *e4 = request_error (integrated, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                                       "\"params\":{\"login\":\"" INTEGRATED_ADDRESS ".rig\",\"pass\":\"x\","
                                       "\"algo\":[\"rx/0\"]}}");
  g_autofree char *e3 = request_error (no_job, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                                       "\"params\":{\"login\":\"rig\",\"pass\":\"x\",\"algo\":[\"rx/0\"]}}");

  g_assert_nonnull (strstr (e1, "rx/0"));
  assert_closed (no_rx);
  g_assert_true (g_str_has_prefix (e2, "Invalid address: "));
  assert_closed (bad_address);
  g_assert_true (g_str_has_prefix (e4, "Integrated address refused: "));
  assert_closed (integrated);
  g_assert_true (g_str_has_prefix (e3, "No job yet"));
  assert_closed (no_job);
  good = miner_login (pplns, POOL_ADDRESS ".rig9", NULL);
  g_assert_nonnull (good->session);
}

/* The nice value of this process's thread called NAME, from /proc. */
static int
thread_nice (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_str_equal (g_strchomp (comm), name)
          || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* After the name in parentheses: state is field 3, nice field 19. */
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", 0);
      g_assert_cmpuint (g_strv_length (fields), >, 16);
      return atoi (fields[16]);
    }
  g_error ("no thread named %s", name);
}

static gboolean
has_worker (ShoalStratumStats *stats,
            gpointer           name)
{
  return shoal_stratum_stats_find_worker (stats, name) != NULL;
}

static void
test_worker_names (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "pool-address", POOL_ADDRESS, NULL);
  g_autoptr(Miner) by_rigid = miner_login (server, "anything", "rig-by-rigid");
  g_autoptr(Miner) by_login = miner_login (server, "garage", NULL);
  g_autoptr(Miner) by_dot = miner_login (server, POOL_ADDRESS ".attic", NULL);
  g_autoptr(ShoalStratumStats) stats = stratum_test_wait_stats (server, has_worker, "attic", 5000);
  const ShoalStratumWorkerStats *w;

  g_assert_nonnull (shoal_stratum_stats_find_worker (stats, "rig-by-rigid"));
  g_assert_nonnull (shoal_stratum_stats_find_worker (stats, "garage"));
  w = shoal_stratum_stats_find_worker (stats, "attic");
  g_assert_nonnull (w);
  /* Solo: everything is credited to the pool's own address. */
  g_assert_cmpstr (w->address, ==, POOL_ADDRESS);
  g_assert_cmpstr (w->ip, ==, "127.0.0.1");
  g_assert_cmpuint (w->connections, ==, 1);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->miners, ==, 3);
  g_assert_true (g_str_has_prefix (w->agent, "XMRig/6.26.0"));
  /* Those figures came from the statistics thread, which gives way to
   * the stratum thread: its nice value, as `ps -L` shows it, is 19. */
  g_assert_cmpint (thread_nice ("shoal-stats"), ==, 19);
}

static void
test_login_timeout (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "login-timeout-ms", 500, NULL);
  g_autoptr(StratumClient) idle = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  g_autofree char *line = stratum_client_expect_line (idle);

  g_assert_nonnull (line);
  g_assert_nonnull (strstr (line, "\"message\":\"Login timeout"));
  assert_closed (idle);
}

static void
test_per_ip_cap (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "max-connections-per-ip", 3, NULL);
  g_autoptr(Miner) m1 = miner_login (server, "a", NULL);
  g_autoptr(Miner) m2 = miner_login (server, "b", NULL);
  g_autoptr(Miner) m3 = miner_login (server, "c", NULL);
  g_autoptr(StratumClient) fourth = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  g_autofree char *error = request_error (fourth, "{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"d\"}}");

  g_assert_cmpstr (error, ==, "Too many connections from your IP address");
  assert_closed (fourth);
}

static void
test_ipv6 (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = template_at ("tmpl_h12_rs8.json", HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  const char *login = "{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"v6\",\"algo\":[\"rx/0\"]}}\n";

  g_object_set (server, "bind-address", "::1", "port", 0, NULL);
  stratum_test_set_template (server, tmpl);
  if (!shoal_stratum_server_start (server, &error))
    {
      g_test_skip_printf ("no IPv6 loopback here: %s", error->message);
      return;
    }
  connection = g_socket_client_connect_to_host (client, "[::1]", shoal_stratum_server_get_port (server),
                                                NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), login,
                             strlen (login), NULL, NULL, &error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{"));
}

static void
test_bad_bind (void)
{
  g_autoptr(ShoalStratumServer) server = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(ShoalStratumServer) second = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(GError) error = NULL;

  g_object_set (server, "bind-address", "not-an-ip", NULL);
  g_assert_false (shoal_stratum_server_start (server, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, NULL);
  g_assert_true (shoal_stratum_server_start (server, &error));
  g_object_set (second, "bind-address", "127.0.0.1", "port", shoal_stratum_server_get_port (server), NULL);
  g_assert_false (shoal_stratum_server_start (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_false (shoal_stratum_server_is_running (second));
  /* Stop and start again: same object, fresh thread. */
  shoal_stratum_server_stop (server);
  g_object_set (server, "port", 0, NULL);
  g_assert_true (shoal_stratum_server_start (server, NULL));
  shoal_stratum_server_stop (server);
  shoal_stratum_server_stop (server);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/server/login-reply", test_login_reply);
  g_test_add_func ("/stratum/server/fixed-difficulty-targets", test_fixed_difficulty_targets);
  g_test_add_func ("/stratum/server/new-template-jobs", test_new_template_jobs);
  g_test_add_func ("/stratum/server/keepalived", test_keepalived);
  g_test_add_func ("/stratum/server/nothing-before-login", test_nothing_before_login);
  g_test_add_func ("/stratum/server/malformed-lines", test_malformed_lines);
  g_test_add_func ("/stratum/server/login-refusals", test_login_refusals);
  g_test_add_func ("/stratum/server/worker-names", test_worker_names);
  g_test_add_func ("/stratum/server/login-timeout", test_login_timeout);
  g_test_add_func ("/stratum/server/per-ip-cap", test_per_ip_cap);
  g_test_add_func ("/stratum/server/ipv6", test_ipv6);
  g_test_add_func ("/stratum/server/bad-bind", test_bad_bind);
  return g_test_run ();
}
