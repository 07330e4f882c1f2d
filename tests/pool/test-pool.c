/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include <sqlite3.h>

#include "shoal-condition.h"
#include "shoal-difficulty.h"
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
spawn_miner_threads (guint16     port,
                     const char *address,
                     const char *rig,
                     guint       seconds,
                     guint       threads)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port_str = g_strdup_printf ("%u", port);
  g_autofree char *duration = g_strdup_printf ("%u", seconds);
  g_autofree char *threads_str = g_strdup_printf ("%u", threads);
  GSubprocess *miner;

  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "-o", "127.0.0.1",
                            "-P", port_str, "-u", address, "--rigid", rig, "--duration", duration,
                            "-t", threads_str, "--json", NULL);
  g_assert_no_error (error);
  return miner;
}

static GSubprocess *
spawn_miner (guint16     port,
             const char *address,
             const char *rig,
             guint       seconds)
{
  return spawn_miner_threads (port, address, rig, seconds, 1);
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

typedef struct
{
  char    *address;
  guint64  weight;
  guint64  amount;
  guint64  remainder;
} Expected;

static void
expected_free (Expected *e)
{
  g_free (e->address);
  g_free (e);
}

static gint
by_remainder_then_address (gconstpointer a, gconstpointer b)
{
  const Expected *ea = *(const Expected * const *) a;
  const Expected *eb = *(const Expected * const *) b;

  if (ea->remainder != eb->remainder)
    return ea->remainder > eb->remainder ? -1 : 1;
  return strcmp (ea->address, eb->address);
}

/* The PPLNS rule, written again from its documentation and read straight
 * from the database file: the last WINDOW of share difficulty back from
 * the share that found the block (the edge share counts in part), the fee
 * floor(reward * bps / 10000), floors of the rest by weight, and the few
 * atomic units left over one each to the largest remainders. */
static void
expect_block (sqlite3    *db,
              const char *hash,
              guint64     window,
              guint64     fee_bps,
              GHashTable *balances,
              guint64    *fees)
{
  g_autoptr(GPtrArray) miners = g_ptr_array_new_with_free_func ((GDestroyNotify) expected_free);
  g_autoptr(GHashTable) by_address = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;
  guint64 reward = 0, total = 0, fee, rest, given = 0;
  gint64 anchor = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT reward FROM blocks WHERE hash = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  reward = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  /* Two rigs may solve the same height; the window ends at the share whose
   * block the node took, which the block row names by its PoW hash. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT s.id FROM shares s JOIN blocks b "
                                       "ON s.hash = b.share_hash AND s.height = b.height "
                                       "WHERE s.is_block AND b.hash = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  anchor = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (anchor, >, 0);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT w.address, s.difficulty FROM shares s "
                                       "JOIN workers w ON w.id = s.worker_id WHERE s.id <= ? "
                                       "ORDER BY s.id DESC", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, anchor);
  while (total < window && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *address = (const char *) sqlite3_column_text (stmt, 0);
      guint64 take = MIN ((guint64) sqlite3_column_int64 (stmt, 1), window - total);
      Expected *e = g_hash_table_lookup (by_address, address);

      if (e == NULL)
        {
          e = g_new0 (Expected, 1);
          e->address = g_strdup (address);
          g_ptr_array_add (miners, e);
          g_hash_table_insert (by_address, e->address, e);
        }
      e->weight += take;
      total += take;
    }
  sqlite3_finalize (stmt);

  fee = reward * fee_bps / 10000;
  rest = reward - fee;
  for (guint i = 0; i < miners->len; i++)
    {
      Expected *e = g_ptr_array_index (miners, i);
      unsigned __int128 product = (unsigned __int128) rest * e->weight;

      e->amount = (guint64) (product / total);
      e->remainder = (guint64) (product % total);
      given += e->amount;
    }
  g_ptr_array_sort (miners, by_remainder_then_address);
  for (guint i = 0; given < rest; i++, given++)
    ((Expected *) g_ptr_array_index (miners, i))->amount++;

  for (guint i = 0; i < miners->len; i++)
    {
      Expected *e = g_ptr_array_index (miners, i);
      guint64 *sum = g_hash_table_lookup (balances, e->address);

      if (sum == NULL)
        g_hash_table_insert (balances, g_strdup (e->address), (sum = g_new0 (guint64, 1)));
      *sum += e->amount;
    }
  *fees += fee;
}

static gboolean
all_credited (gpointer data)
{
  const char *path = data;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean done = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count (*), sum (state = 'credited') FROM blocks "
                          "WHERE state != 'orphaned'", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    done = sqlite3_column_int64 (stmt, 0) > 0 &&
           sqlite3_column_int64 (stmt, 0) == sqlite3_column_int64 (stmt, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  if (!done)
    g_usleep (200 * 1000);
  return done;
}

/* PPLNS: two miners of different hashrates share blocks; once unlocked,
 * every balance is exactly what the PPLNS rule gives, and the fee
 * account holds the rest. */
static void
test_pplns_balances_are_exact (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) fast = NULL;
  g_autoptr(GSubprocess) slow = NULL;
  g_autoptr(JsonNode) alice = NULL;
  g_autoptr(JsonNode) bob = NULL;
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *found = NULL;
  ShoalRpcClient *wallet = shoal_playground_get_wallet (f->playground)->client;
  const char *alice_address, *bob_address;
  gboolean started = FALSE;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  guint64 fees = 0, fee_account = 0;
  guint checked = 0;

  alice = shoal_test_rpc (wallet, "create_address", "{\"account_index\":0,\"label\":\"alice\"}");
  bob = shoal_test_rpc (wallet, "create_address", "{\"account_index\":0,\"label\":\"bob\"}");
  alice_address = json_object_get_string_member (json_node_get_object (alice), "address");
  bob_address = json_object_get_string_member (json_node_get_object (bob), "address");

  g_assert_true (shoal_config_load_key_file (config, f->conf_path, &error));
  g_object_set (config, "pool-fee-bps", (guint64) 250, NULL);
  pool = shoal_pool_new (config);
  g_signal_connect (pool, "block-found", G_CALLBACK (on_block_found), &found);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));
  g_assert_true (wait_for (has_template, pool, 30));

  fast = spawn_miner_threads (shoal_pool_get_stratum_port (pool), alice_address, "alice-rig", 200, 2);
  slow = spawn_miner (shoal_pool_get_stratum_port (pool), bob_address, "bob-rig", 200);
  g_assert_true (wait_for (is_set, &found, 200));
  g_subprocess_force_exit (fast);
  g_subprocess_force_exit (slow);

  /* Shoal restarts before the blocks unlock: the store remembers them. */
  shoal_pool_stop (pool);
  g_clear_object (&pool);
  started = FALSE;
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));

  /* Bury the blocks: the same chain, restarted at difficulty 1 so that
   * sixty blocks take seconds.  Shoal sees the node go and come back. */
  shoal_playground_set_fixed_difficulty (f->playground, 1);
  g_assert_true (shoal_playground_restart_node_sync (f->playground, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_playground_generate_blocks (f->playground, 61, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (all_credited, f->db_path, 60));
  shoal_pool_stop (pool);

  g_assert_cmpint (sqlite3_open_v2 (f->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT hash FROM blocks WHERE state = 'credited'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      expect_block (db, (const char *) sqlite3_column_text (stmt, 0), 2 * NETWORK_DIFFICULTY, 250,
                    expected, &fees);
      checked++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (checked, >, 0);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT address, amount + reserved + paid FROM balances",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint64 *want = g_hash_table_lookup (expected, sqlite3_column_text (stmt, 0));

      g_assert_nonnull (want);
      g_assert_cmpuint ((guint64) sqlite3_column_int64 (stmt, 1), ==, *want);
      g_hash_table_remove (expected, sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (g_hash_table_size (expected), ==, 0);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT coalesce (sum (amount), 0) FROM pool_fees",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  fee_account = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (fee_account, ==, fees);
  g_test_message ("%u credited blocks checked", checked);
}

static gboolean
tls_worker_accepted (gpointer data)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (data);

  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      ShoalWorkerInfo *w = g_ptr_array_index (snapshot->workers, i);

      if (g_strcmp0 (w->worker, "tls-rig") == 0 && w->accepted > 0)
        return w->invalid == 0;
    }
  return FALSE;
}

/* Stratum over TLS: a rig on the TLS port with a self-signed certificate
 * Shoal made itself logs in and its shares are validated. */
static void
test_tls_rig_mines (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port = NULL;
  gboolean started = FALSE;
  guint16 tls_port = shoal_playground_free_port (&error);

  g_assert_no_error (error);
  g_assert_true (shoal_config_load_key_file (config, f->conf_path, &error));
  g_object_set (config, "stratum-tls-port", (guint64) tls_port, NULL);
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));
  g_assert_true (wait_for (has_template, pool, 30));

  port = g_strdup_printf ("%u", tls_port);
  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, binary, "-o", "127.0.0.1",
                            "-P", port, "--tls", "-u", shoal_playground_get_wallet (f->playground)->address,
                            "--rigid", "tls-rig", "--duration", "120", NULL);
  g_assert_no_error (error);
  g_assert_true (wait_for (tls_worker_accepted, pool, 120));
  g_subprocess_force_exit (miner);
  /* The certificate was made under the user's data directory, to be kept. */
  {
    g_autofree char *pem = g_build_filename (g_get_user_data_dir (), "shoal", "tls",
                                             "tls-certificate.pem", NULL);
    g_assert_true (g_file_test (pem, G_FILE_TEST_IS_REGULAR));
  }
  shoal_pool_stop (pool);
}

static gboolean
node_down (gpointer data)
{
  return !shoal_pool_get_snapshot (data)->node_reachable;
}

static gboolean
node_up (gpointer data)
{
  return shoal_pool_get_snapshot (data)->node_reachable &&
         shoal_pool_get_snapshot (data)->node_height > 0;
}

static guint64
rig_accepted (ShoalPool *pool)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (pool);

  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      ShoalWorkerInfo *w = g_ptr_array_index (snapshot->workers, i);

      if (g_strcmp0 (w->worker, "rig1") == 0)
        return w->accepted;
    }
  return 0;
}

typedef struct
{
  ShoalPool *pool;
  guint64    above;
} AcceptedAbove;

static gboolean
accepted_above (gpointer data)
{
  AcceptedAbove *a = data;

  return rig_accepted (a->pool) > a->above;
}

/* monerod killed and restarted while a rig mines: the rig stays
 * connected on its last job, Shoal says the node is unreachable, recovers
 * within 5 s of the node's return, and no share is lost or counted twice. */
static void
test_node_restart_keeps_miners (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStore) store = NULL;
  sqlite3_stmt *stmt = NULL;
  AcceptedAbove wait = { NULL, 0 };
  gboolean started = FALSE;
  sqlite3 *db = NULL;
  gint64 back;
  guint64 stored;

  g_assert_true (shoal_config_load_key_file (config, f->conf_path, &error));
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));
  g_assert_true (wait_for (has_template, pool, 30));
  miner = spawn_miner (shoal_pool_get_stratum_port (pool),
                       shoal_playground_get_wallet (f->playground)->address, "rig1", 60);
  wait.pool = pool;
  g_assert_true (wait_for (accepted_above, &wait, 60));

  shoal_playground_kill_node (f->playground);
  g_assert_true (wait_for (node_down, pool, 10));
  g_assert_cmpstr (shoal_pool_get_status_message (pool), ==, "node unreachable");
  g_assert_cmpuint (shoal_pool_get_snapshot (pool)->miners_online, ==, 1);

  g_assert_true (shoal_playground_restart_node_sync (f->playground, NULL, &error));
  g_assert_no_error (error);
  back = g_get_monotonic_time ();
  g_assert_true (wait_for (node_up, pool, 5));
  g_test_message ("pool saw the node again %.2f s after it answered",
                  (g_get_monotonic_time () - back) / 1e6);
  /* ...and the rig, still on the same connection, keeps getting shares in. */
  wait.above = rig_accepted (pool);
  g_assert_true (wait_for (accepted_above, &wait, 60));

  summary = miner_summary (miner);
  g_assert_cmpint (json_object_get_int_member (summary, "disconnects"), ==, 0);
  shoal_pool_stop (pool);

  store = shoal_store_open (f->db_path, &error);
  g_assert_no_error (error);
  stored = shoal_store_count_shares_sync (store, &error);
  g_assert_no_error (error);
  shoal_store_close (store);
  g_assert_cmpuint (stored, ==, json_object_get_int_member (summary, "accepted"));

  /* Counted once each: no share hash twice in the database. */
  g_assert_cmpint (sqlite3_open_v2 (f->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count (*) - count (DISTINCT hash) FROM shares",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* The target a fresh rig is given at login, as the bytes on the wire. */
static char *
login_target (guint16     port,
              const char *address)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *login = g_strdup_printf ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                                            "\"params\":{\"login\":\"%s\",\"pass\":\"x\","
                                            "\"agent\":\"test\",\"algo\":[\"rx/0\"]}}\n", address);
  g_autofree char *line = NULL;
  const char *target;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), login,
                             strlen (login), NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  target = strstr (line, "\"target\":\"");
  g_assert_nonnull (target);
  target += strlen ("\"target\":\"");
  return g_strndup (target, strcspn (target, "\""));
}

static gboolean
restart_needed (ShoalPool *pool)
{
  return shoal_condition_list_find (shoal_pool_get_conditions (pool), "restart-needed") != NULL;
}

/* Settings a running pool can take apply at once (a new rig gets the new
 * start difficulty; no restart asked for); the others wait for a restart,
 * said in a condition, and until then the pool reports the mode it really
 * runs in, not the one set. */
static void
test_settings_apply_live (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = NULL;
  const char *address = shoal_playground_get_wallet (f->playground)->address;
  gboolean started = FALSE;
  guint64 target64;

  g_assert_true (shoal_config_load_key_file (config, f->conf_path, &error));
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 30));
  g_assert_true (wait_for (has_template, pool, 30));
  g_assert_cmpint (shoal_pool_get_mode (pool), ==, SHOAL_MODE_PPLNS);

  before = login_target (shoal_pool_get_stratum_port (pool), address);
  expected = shoal_target_hex_for_difficulty (20, &target64);
  g_assert_cmpstr (before, ==, expected);

  g_object_set (config, "start-difficulty", (guint64) 50, "payout-threshold", (guint64) 7,
                "pool-fee-bps", (guint64) 300, "payout-interval", (guint64) 3600, NULL);
  after = login_target (shoal_pool_get_stratum_port (pool), address);
  g_clear_pointer (&expected, g_free);
  expected = shoal_target_hex_for_difficulty (50, &target64);
  g_assert_cmpstr (after, ==, expected);
  g_assert_false (restart_needed (pool));

  g_object_set (config, "mode", "solo", NULL);
  g_assert_true (restart_needed (pool));
  g_assert_cmpint (shoal_pool_get_mode (pool), ==, SHOAL_MODE_PPLNS);
  shoal_pool_stop (pool);
  /* Stopped, the pool and every part it made go with the last reference. */
  shoal_test_assert_finalized (g_steal_pointer (&pool));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/pool/solo-block-reaches-chain", Fixture, "solo", fixture_set_up,
              test_solo_block_reaches_chain, fixture_tear_down);
  g_test_add ("/pool/acknowledged-shares-survive-sigkill", Fixture, "solo", fixture_set_up,
              test_acknowledged_shares_survive_sigkill, fixture_tear_down);
  g_test_add ("/pool/node-restart-keeps-miners", Fixture, "solo", fixture_set_up,
              test_node_restart_keeps_miners, fixture_tear_down);
  g_test_add ("/pool/tls-rig-mines", Fixture, "solo", fixture_set_up,
              test_tls_rig_mines, fixture_tear_down);
  g_test_add ("/pool/settings-apply-live", Fixture, "pplns", fixture_set_up,
              test_settings_apply_live, fixture_tear_down);
  g_test_add ("/pool/pplns-balances-are-exact", Fixture, "pplns", fixture_set_up,
              test_pplns_balances_are_exact, fixture_tear_down);
  return g_test_run ();
}
