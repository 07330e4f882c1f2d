/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "shoal-pool.h"
#include "shoal-store.h"
#include "shoal-test-harness.h"

/* The whole pool against real daemons: the test miner mines through
 * Shoal's stratum server, and what counts is what monerod, the wallet
 * and the database file say afterwards. */

#define NETWORK_DIFFICULTY 100

typedef struct
{
  ShoalPlayground *playground;
  char            *dir;
  char            *db_path;
  char            *conf_path;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  const char *mode = data ? data : "solo";

  f->playground = shoal_test_harness_start (NETWORK_DIFFICULTY);
  f->dir = g_dir_make_tmp ("shoal-pool-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "pool.db", NULL);
  f->conf_path = g_build_filename (f->dir, "shoal.conf", NULL);
  conf = g_strdup_printf ("[shoal]\n"
                          "node-url=%s\n"
                          "wallet-url=%s\n"
                          "pool-address=%s\n"
                          "mode=%s\n"
                          "stratum-bind=127.0.0.1\n"
                          "stratum-port=0\n"
                          "start-difficulty=20\n"
                          "min-difficulty=10\n"
                          "validator-mode=light\n"
                          "validator-threads=1\n"
                          "database=%s\n",
                          shoal_playground_get_node_uri (f->playground),
                          shoal_playground_get_wallet (f->playground)->uri,
                          shoal_playground_get_wallet (f->playground)->address,
                          mode, f->db_path);
  g_file_set_contents (f->conf_path, conf, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *rm[] = { "rm", "-rf", f->dir, NULL };

  shoal_test_harness_stop (f->playground);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->dir);
  g_free (f->db_path);
  g_free (f->conf_path);
}

static GSubprocess *
spawn_miner (guint16     port,
             const char *address,
             const char *rig,
             guint       seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port_str = g_strdup_printf ("%u", port);
  g_autofree char *duration = g_strdup_printf ("%u", seconds);
  GSubprocess *miner;

  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "-o", "127.0.0.1",
                            "-P", port_str, "-u", address, "--rigid", rig, "--duration", duration,
                            "--json", NULL);
  g_assert_no_error (error);
  return miner;
}

static JsonObject *
miner_summary (GSubprocess *miner)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *line;

  g_subprocess_communicate_utf8 (miner, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  line = strrchr (g_strstrip (out), '\n');
  line = line ? line + 1 : out;
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  shoal_pool_start_finish (SHOAL_POOL (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
on_block_found (ShoalPool *pool, guint64 height, const char *id, gpointer user_data)
{
  char **found = user_data;

  if (*found == NULL)
    *found = g_strdup_printf ("%" G_GUINT64_FORMAT " %s", height, id);
}

static gboolean
wait_for (gboolean (*done) (gpointer), gpointer data, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return done (data);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Miners are refused until the first template is in. */
static gboolean
has_template (gpointer data)
{
  return shoal_pool_get_snapshot (data)->network_difficulty > 0;
}

static gboolean
worker_has_hashrate (gpointer data)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (data);

  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      ShoalWorkerInfo *w = g_ptr_array_index (snapshot->workers, i);

      if (g_strcmp0 (w->worker, "rig1") == 0 && w->accepted > 0 && w->hashrate_1m > 0)
        return TRUE;
    }
  return FALSE;
}

/* Solo: a block found by the test miner through Shoal is on monerod's
 * main chain under the id Shoal computed, and the wallet got the reward. */
static void
test_solo_block_reaches_chain (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonNode) header = NULL;
  g_autoptr(JsonNode) transfers = NULL;
  g_autofree char *found = NULL;
  g_autofree char *params = NULL;
  g_auto(GStrv) parts = NULL;
  ShoalPlaygroundWallet *wallet = shoal_playground_get_wallet (f->playground);
  JsonObject *block;
  JsonArray *incoming;
  g_autoptr(JsonNode) refreshed = NULL;
  gboolean started = FALSE, paid = FALSE;
  guint64 height, reward;

  g_assert_true (shoal_config_load_key_file (config, f->conf_path, &error));
  pool = shoal_pool_new (config);
  g_signal_connect (pool, "block-found", G_CALLBACK (on_block_found), &found);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));
  g_assert_true (wait_for (has_template, pool, 30));

  miner = spawn_miner (shoal_pool_get_stratum_port (pool), wallet->address, "rig1", 150);
  g_assert_true (wait_for (is_set, &found, 150));
  g_assert_true (wait_for (worker_has_hashrate, pool, 10));
  g_subprocess_force_exit (miner);

  parts = g_strsplit (found, " ", 2);
  height = g_ascii_strtoull (parts[0], NULL, 10);
  params = g_strdup_printf ("{\"hash\":\"%s\"}", parts[1]);
  header = shoal_test_rpc (shoal_playground_get_node (f->playground), "get_block_header_by_hash",
                           params);
  block = json_object_get_object_member (json_node_get_object (header), "block_header");
  g_assert_cmpstr (json_object_get_string_member (block, "hash"), ==, parts[1]);
  g_assert_false (json_object_get_boolean_member (block, "orphan_status"));
  g_assert_cmpuint (json_object_get_int_member (block, "height"), ==, height);
  reward = json_object_get_int_member (block, "reward");

  /* The coinbase paid the configured address: the wallet sees it. */
  refreshed = shoal_test_rpc (wallet->client, "refresh", NULL);
  transfers = shoal_test_rpc (wallet->client, "get_transfers", "{\"in\":true}");
  incoming = json_object_get_array_member (json_node_get_object (transfers), "in");
  for (guint i = 0; incoming != NULL && i < json_array_get_length (incoming); i++)
    {
      JsonObject *t = json_array_get_object_element (incoming, i);

      if ((guint64) json_object_get_int_member (t, "height") == height &&
          (guint64) json_object_get_int_member (t, "amount") == reward)
        paid = TRUE;
    }
  g_assert_true (paid);
  shoal_pool_stop (pool);
}

/* Durability: Shoal SIGKILLed while a miner works; every share the miner
 * saw accepted is in the database afterwards. */
static void
test_acknowledged_shares_survive_sigkill (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "src", "shoal", NULL);
  g_autoptr(GSubprocess) shoal = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  g_autoptr(GDataInputStream) log = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStore) store = NULL;
  guint16 port = 0;
  guint64 accepted, submitted, rejected, stored;

  shoal = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, binary, "--headless",
                            "--config", f->conf_path, NULL);
  g_assert_no_error (error);
  log = g_data_input_stream_new (g_subprocess_get_stderr_pipe (shoal));
  while (port == 0)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (log, NULL, NULL, &error);
      const char *at;

      g_assert_nonnull (line);
      if ((at = strstr (line, "stratum listening on ")) != NULL)
        port = (guint16) g_ascii_strtoull (strstr (at, " port ") + 6, NULL, 10);
    }
  g_usleep (2 * G_USEC_PER_SEC);  /* the first template, as above */

  miner = spawn_miner (port, shoal_playground_get_wallet (f->playground)->address, "rig1", 120);
  g_usleep (20 * G_USEC_PER_SEC);
  g_subprocess_send_signal (shoal, SIGKILL);
  g_subprocess_wait (shoal, NULL, NULL);

  summary = miner_summary (miner);
  accepted = json_object_get_int_member (summary, "accepted");
  submitted = json_object_get_int_member (summary, "submitted");
  rejected = json_object_get_int_member (summary, "rejected");
  g_test_message ("miner: %" G_GUINT64_FORMAT " submitted, %" G_GUINT64_FORMAT " accepted",
                  submitted, accepted);
  g_assert_cmpuint (accepted, >, 0);

  store = shoal_store_open (f->db_path, &error);
  g_assert_no_error (error);
  stored = shoal_store_count_shares_sync (store, &error);
  g_assert_no_error (error);
  /* Every acknowledged share is there; at most the ones whose "OK" was
   * lost with the process are there without the miner knowing. */
  g_assert_cmpuint (stored, >=, accepted);
  g_assert_cmpuint (stored, <=, submitted - rejected);
  shoal_store_close (store);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/pool/solo-block-reaches-chain", Fixture, "solo", fixture_set_up,
              test_solo_block_reaches_chain, fixture_tear_down);
  g_test_add ("/pool/acknowledged-shares-survive-sigkill", Fixture, "solo", fixture_set_up,
              test_acknowledged_shares_survive_sigkill, fixture_tear_down);
  return g_test_run ();
}
