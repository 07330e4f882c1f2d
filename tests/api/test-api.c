/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-api-server.h"
#include "shoal-test-harness.h"
#include "api-test-util.h"

/* The API of a small pool running on the playground's monerod, checked
 * against what monerod, the wallet and the database say.  Before the
 * tests run, a member ("alice", a subaddress of the pool wallet) mines two
 * blocks through the pool with the test miner; they are buried until they
 * unlock and are credited, and alice is paid out, so that every endpoint
 * has real blocks, balances and payments to show. */

static ShoalPlayground *playground;
static ShoalPool       *pool;
static ShoalApiServer  *server;
static ShoalApiFeed    *feed;
static guint            port;
static char            *member;
static char            *db_dir;
static guint            blocks_found;

static void
on_pool_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_pool_start_finish (SHOAL_POOL (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
on_block_found (ShoalPool  *found_pool,
                guint64     height,
                const char *id,
                gpointer    user_data)
{
  blocks_found++;
}

static void
on_paid (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gint64 *batch = user_data;
  g_autoptr(GError) error = NULL;

  *batch = shoal_pool_pay_out_finish (SHOAL_POOL (source), result, &error);
  g_assert_no_error (error);
}

static void spin (guint ms);

static void
spin_until (gboolean (*done) (void), guint seconds, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done () && g_get_monotonic_time () < deadline)
    spin (200);
  if (!done ())
    g_error ("timed out waiting for %s", what);
}

static gboolean
has_template (void)
{
  return shoal_pool_get_snapshot (pool)->network_difficulty > 0;
}

static gboolean
found_two (void)
{
  return blocks_found >= 2;
}

static gboolean
member_credited (void);

static gboolean
member_paid (void);

/* Alice mines through Shoal until two of her blocks are on the chain
 * (every share is a block at difficulty 1; two on the same job compete
 * for one height and one is orphaned); sixty more unlock them; she is
 * paid out. */
static void
mine_and_pay (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port_str = g_strdup_printf ("%u", shoal_pool_get_stratum_port (pool));
  g_autoptr(GSubprocess) miner = NULL;
  gint64 batch = 0;

  spin_until (has_template, 30, "the first template");
  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, binary, "-o", "127.0.0.1",
                            "-P", port_str, "-u", member, "--rigid", "alice-rig",
                            "--rate", "1", "--duration", "120", NULL);
  g_assert_no_error (error);
  spin_until (found_two, 120, "two blocks found through the pool");
  g_subprocess_force_exit (miner);

  g_assert_true (shoal_playground_generate_blocks (playground, 61, NULL, &error));
  g_assert_no_error (error);
  spin_until (member_credited, 60, "alice's balance");

  shoal_pool_pay_out_async (pool, NULL, on_paid, &batch);
  while (batch == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (batch, >, 0);
  g_assert_true (shoal_playground_generate_blocks (playground, 2, NULL, &error));
  g_assert_no_error (error);
  spin_until (member_paid, 60, "alice's payment in the history");
}

static void
start_everything (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) alice = NULL;
  g_autofree char *db = NULL;
  gboolean started = FALSE;

  playground = shoal_test_harness_start (1);
  /* Ring size 16 needs 16 unlocked outputs before the wallet can pay. */
  g_assert_true (shoal_playground_generate_blocks (playground, 80, NULL, &error));
  g_assert_no_error (error);
  alice = shoal_test_rpc (shoal_playground_get_wallet (playground)->client, "create_address",
                          "{\"account_index\":0,\"label\":\"alice\"}");
  member = g_strdup (json_object_get_string_member (json_node_get_object (alice), "address"));
  db_dir = g_dir_make_tmp ("shoal-api-test-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (db_dir, "pool.db", NULL);

  g_object_set (config,
                "node-url", shoal_playground_get_node_uri (playground),
                "wallet-url", shoal_playground_get_wallet (playground)->uri,
                "pool-address", shoal_playground_get_wallet (playground)->address,
                "mode", "pplns",
                "payout-threshold", (guint64) 1,
                "stratum-bind", "127.0.0.1",
                "stratum-port", (guint64) 0,
                "start-difficulty", (guint64) 1,
                "min-difficulty", (guint64) 1,
                "validator-mode", "light",
                "validator-threads", (guint64) 1,
                "database", db,
                /* The pool's own API as well, on a free port: stopping
                 * must free the pool with it (they used to keep each
                 * other alive). */
                "api-enabled", TRUE,
                "api-bind", "127.0.0.1",
                "api-port", (guint64) 0,
                NULL);
  pool = shoal_pool_new (config);
  g_signal_connect (pool, "block-found", G_CALLBACK (on_block_found), NULL);
  shoal_pool_start_async (pool, NULL, on_pool_started, &started);
  while (!started)
    g_main_context_iteration (NULL, TRUE);
  server = api_test_server_start (pool, &feed);
  port = shoal_api_server_get_port (server);
  mine_and_pay ();
}

static void
stop_everything (void)
{
  const char *rm[] = { "rm", "-rf", db_dir, NULL };

  shoal_api_server_stop (server);
  shoal_test_assert_finalized (g_steal_pointer (&feed));
  shoal_test_assert_finalized (g_steal_pointer (&server));
  shoal_pool_stop (pool);
  shoal_test_assert_finalized (g_steal_pointer (&pool));
  shoal_test_harness_stop (playground);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_clear_pointer (&db_dir, g_free);
  g_clear_pointer (&member, g_free);
}

/* Lets the pool's thread run (it polls the node and feeds the API). */
static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

static JsonObject *
node_info (void)
{
  g_autoptr(JsonNode) info = shoal_test_rpc (shoal_playground_get_node (playground), "get_info", NULL);
  return json_object_ref (json_node_get_object (info));
}

static gint64
summary_height (void)
{
  g_autoptr(JsonObject) summary = api_get_json (port, "/api/v1/summary", 200);
  return json_object_get_int_member (json_object_get_object_member (summary, "node"), "height");
}

/* The API shows HEIGHT within 10 s (the pool polls every second). */
static void
assert_api_reaches (gint64 height)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (summary_height () != height && g_get_monotonic_time () < deadline)
    spin (200);
  g_assert_cmpint (summary_height (), ==, height);
}

static void
test_summary_matches_node (void)
{
  g_autoptr(JsonObject) before = node_info ();
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *node;

  assert_api_reaches (json_object_get_int_member (before, "height"));
  g_assert_true (shoal_playground_generate_blocks (playground, 3, NULL, &error));
  g_assert_no_error (error);
  after = node_info ();
  g_assert_cmpint (json_object_get_int_member (after, "height"), ==,
                   json_object_get_int_member (before, "height") + 3);
  assert_api_reaches (json_object_get_int_member (after, "height"));

  summary = api_get_json (port, "/api/v1/summary", 200);
  node = json_object_get_object_member (summary, "node");
  g_assert_true (json_object_get_boolean_member (node, "reachable"));
  g_assert_cmpstr (json_object_get_string_member (summary, "status"), ==, "running");
  g_assert_cmpint (json_object_get_int_member (node, "difficulty"), ==,
                   json_object_get_int_member (after, "difficulty"));
}

static void
test_metrics_match_node (void)
{
  g_autoptr(JsonObject) info = node_info ();
  g_autoptr(ApiReply) reply = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;

  assert_api_reaches (json_object_get_int_member (info, "height"));
  reply = api_request (port, "GET", "/metrics");
  text = api_reply_text (reply);
  g_assert_cmpuint (reply->status, ==, 200);
  expected = g_strdup_printf ("\nshoal_node_height %" G_GINT64_FORMAT "\n",
                              json_object_get_int_member (info, "height"));
  g_assert_nonnull (strstr (text, expected));
  g_assert_nonnull (strstr (text, "\nshoal_node_reachable 1\n"));
  g_assert_nonnull (strstr (text, "# TYPE shoal_shares_accepted_total counter\n"));
}

/* Every block the pool lists is the block monerod has at that height
 * (same id, same reward), unless the pool itself says it was orphaned. */
static void
test_blocks_match_node (void)
{
  g_autoptr(JsonObject) object = api_get_json (port, "/api/v1/blocks", 200);
  JsonArray *blocks = json_object_get_array_member (object, "blocks");

  g_assert_cmpuint (json_array_get_length (blocks), >=, 2);
  for (guint i = 0; i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      g_autofree char *params = g_strdup_printf ("{\"height\":%" G_GINT64_FORMAT "}",
                                                 json_object_get_int_member (block, "height"));
      g_autoptr(JsonNode) answer = shoal_test_rpc (shoal_playground_get_node (playground),
                                                   "get_block_header_by_height", params);
      JsonObject *header = json_object_get_object_member (json_node_get_object (answer),
                                                          "block_header");
      const char *state = json_object_get_string_member (block, "state");

      if (g_str_equal (state, "orphaned") || g_str_equal (state, "rejected"))
        {
          g_assert_cmpstr (json_object_get_string_member (header, "hash"), !=,
                           json_object_get_string_member (block, "id"));
          continue;
        }
      g_assert_cmpstr (json_object_get_string_member (header, "hash"), ==,
                       json_object_get_string_member (block, "id"));
      g_assert_cmpint (json_object_get_int_member (header, "reward"), ==,
                       json_object_get_int_member (block, "reward"));
    }
}

/* Each payment the pool says went out is a transfer the wallet knows,
 * paying that amount. */
static void
test_payments_match_wallet (void)
{
  ShoalPlaygroundWallet *wallet = shoal_playground_get_wallet (playground);
  g_autoptr(JsonObject) object = api_get_json (port, "/api/v1/payments", 200);
  JsonArray *payments = json_object_get_array_member (object, "payments");
  guint checked = 0;

  for (guint i = 0; i < json_array_get_length (payments); i++)
    {
      JsonObject *payment = json_array_get_object_element (payments, i);
      g_autofree char *params = NULL;
      g_autoptr(JsonNode) answer = NULL;
      JsonObject *transfer;
      JsonArray *destinations;
      gboolean paid;

      if (json_object_get_null_member (payment, "tx_hash"))
        continue;
      params = g_strdup_printf ("{\"txid\":\"%s\"}", json_object_get_string_member (payment, "tx_hash"));
      answer = shoal_test_rpc (wallet->client, "get_transfer_by_txid", params);
      transfer = json_object_get_object_member (json_node_get_object (answer), "transfer");
      destinations = json_object_get_array_member (transfer, "destinations");
      /* The member is a subaddress of the pool wallet here, so the wallet
       * nets the transfer to zero: the destination is what was paid. */
      paid = FALSE;
      for (guint d = 0; destinations != NULL && d < json_array_get_length (destinations); d++)
        {
          JsonObject *dest = json_array_get_object_element (destinations, d);

          if (g_strcmp0 (json_object_get_string_member (dest, "address"), member) == 0 &&
              json_object_get_int_member (dest, "amount") ==
              json_object_get_int_member (payment, "amount"))
            paid = TRUE;
        }
      g_assert_true (paid);
      g_assert_cmpstr (json_object_get_string_member (transfer, "type"), ==, "out");
      checked++;
    }
  g_assert_cmpuint (checked, >, 0);
}

static void
test_workers_and_history (void)
{
  g_autoptr(JsonObject) workers = api_get_json (port, "/api/v1/workers", 200);
  g_autoptr(JsonObject) summary = api_get_json (port, "/api/v1/summary", 200);
  const char *ranges[] = { "1h", "24h" };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_nonnull (json_object_get_array_member (workers, "workers"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary, "pool"),
                                               "miners_online"), <=,
                   json_array_get_length (json_object_get_array_member (workers, "workers")));
  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      g_autofree char *path = g_strconcat ("/api/v1/history?range=", ranges[r], NULL);
      g_autoptr(JsonObject) history = api_get_json (port, path, 200);
      JsonArray *points = json_object_get_array_member (history, "points");
      gint64 span = r == 0 ? 3600 : 24 * 3600, previous = 0;

      g_assert_cmpstr (json_object_get_string_member (history, "range"), ==, ranges[r]);
      for (guint i = 0; i < json_array_get_length (points); i++)
        {
          gint64 t = json_object_get_int_member (json_array_get_object_element (points, i), "time");
          g_assert_cmpint (t, >=, previous);
          g_assert_cmpint (t, >=, now - span - 5);
          g_assert_cmpint (t, <=, now + 5);
          previous = t;
        }
    }
}

/* A member's balance, as the API tells it. */
static gint64
member_field (const char *field)
{
  g_autofree char *path = g_strconcat ("/api/v1/miner/", member, NULL);
  g_autoptr(JsonObject) miner = api_get_json (port, path, 200);

  return json_object_get_int_member (json_object_get_object_member (miner, "balance"), field);
}

static gboolean
member_credited (void)
{
  return member_field ("balance") > 0;
}

static gboolean
member_paid (void)
{
  g_autoptr(JsonObject) object = api_get_json (port, "/api/v1/payments", 200);
  JsonArray *payments = json_object_get_array_member (object, "payments");

  return json_array_get_length (payments) > 0 &&
         g_strcmp0 (json_object_get_string_member (json_array_get_object_element (payments, 0),
                                                   "state"), "confirmed") == 0;
}

static void
test_miner (void)
{
  const char *address = member;
  g_autofree char *path = g_strconcat ("/api/v1/miner/", address, NULL);
  g_autoptr(JsonObject) miner = api_get_json (port, path, 200);
  g_autoptr(JsonObject) bad = api_get_json (port, "/api/v1/miner/4notanaddress", 400);

  g_assert_cmpstr (json_object_get_string_member (miner, "address"), ==, address);
  g_assert_nonnull (json_object_get_object_member (miner, "balance"));
  g_assert_nonnull (json_object_get_array_member (miner, "payments"));
  g_test_message ("bad address: %s", api_assert_error (bad, 400));
}

/* --- the status page in headless Chromium ----------------------------- */

static char *
find_chromium (void)
{
  const char *names[] = { "chromium", "chromium-browser" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *path = g_find_program_in_path (names[i]);
      if (path != NULL)
        return path;
    }
  return NULL;
}

static void
on_chromium_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_assert_true (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                                       out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    g_test_message ("chromium stderr: %s", err);
  g_assert_true (g_subprocess_get_successful (G_SUBPROCESS (source)));
}

/* Runs Chromium on a 127.0.0.1 URL only, with every other host unresolvable
 * and a dead proxy: the page can reach nothing but this server.  The pool's
 * thread keeps running meanwhile. */
static char *
run_chromium (const char *chromium,
              const char *profile,
              const char *action,
              const char *window,
              const char *url)
{
  g_autofree char *profile_arg = g_strconcat ("--user-data-dir=", profile, NULL);
  g_autofree char *window_arg = g_strconcat ("--window-size=", window, NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              chromium, "--headless", "--no-sandbox", "--disable-gpu",
                              "--proxy-server=127.0.0.1:9",
                              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                              "--no-first-run", "--disable-extensions", "--disable-sync",
                              "--disable-background-networking", "--disable-component-update",
                              "--disable-default-apps", "--hide-scrollbars",
                              "--force-device-scale-factor=2", "--virtual-time-budget=8000",
                              profile_arg, window_arg, action, url, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_chromium_done, &out);
  while (out == NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (20 * 1000);
  if (out == NULL)
    {
      g_subprocess_force_exit (process);
      g_error ("chromium did not finish in 120 s");
    }
  return out;
}

static gint64
dom_attribute_int (const char *dom,
                   const char *element_id,
                   const char *attribute)
{
  g_autofree char *pattern = g_strdup_printf ("<[a-z]+ [^>]*id=\"%s\"[^>]*%s=\"(-?[0-9]+)\"",
                                              element_id, attribute);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *value = NULL;

  if (!g_regex_match (regex, dom, 0, &match))
    g_error ("no %s on #%s in the page", attribute, element_id);
  value = g_match_info_fetch (match, 1);
  return g_ascii_strtoll (value, NULL, 10);
}

static void
assert_png (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, 10000);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
}

static void
test_status_page_in_chromium (void)
{
  g_autofree char *chromium = find_chromium ();
  const char *address = member;
  g_autofree char *profile = NULL;
  g_autofree char *url = NULL;
  g_autofree char *dom = NULL;
  g_autofree char *miner_path = g_strconcat ("/api/v1/miner/", address, NULL);
  g_autoptr(JsonObject) miner = NULL;
  g_autoptr(JsonObject) history = NULL;
  g_autofree char *outdir = g_build_filename (g_test_get_dir (G_TEST_BUILT), "api", NULL);
  g_autofree char *phone = g_build_filename (outdir, "status-page-phone.png", NULL);
  g_autofree char *desktop = g_build_filename (outdir, "status-page-desktop.png", NULL);
  g_autofree char *phone_arg = g_strconcat ("--screenshot=", phone, NULL);
  g_autofree char *desktop_arg = g_strconcat ("--screenshot=", desktop, NULL);
  g_autofree char *height_text = NULL;

  if (chromium == NULL)
    {
      g_test_skip ("chromium is not installed (Debian package chromium)");
      return;
    }
  profile = g_dir_make_tmp ("shoal-chromium-XXXXXX", NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/#address=%s", port, address);
  assert_api_reaches (shoal_test_node_height (playground));

  dom = run_chromium (chromium, profile, "--dump-dom", "412,915", url);
  miner = api_get_json (port, miner_path, 200);
  history = api_get_json (port, "/api/v1/history?range=1h", 200);

  /* The member's box was filled from the address and shows what the API says. */
  g_assert_null (strstr (dom, "id=\"miner\" hidden"));
  g_assert_cmpint (dom_attribute_int (dom, "miner-balance", "data-atomic"), ==,
                   json_object_get_int_member (json_object_get_object_member (miner, "balance"),
                                               "balance"));
  g_assert_nonnull (strstr (dom, "data-address=\""));
  /* The summary came through, and the chart was drawn from the history. */
  height_text = g_strdup_printf ("id=\"node-height\">%" G_GUINT64_FORMAT "<",
                                 shoal_test_node_height (playground));
  g_assert_nonnull (strstr (dom, height_text));
  g_assert_cmpint (dom_attribute_int (dom, "chart", "data-points"), ==,
                   json_array_get_length (json_object_get_array_member (history, "points")));
  g_assert_true (strstr (dom, "data-drawn=\"line\"") != NULL ||
                 strstr (dom, "data-drawn=\"empty\"") != NULL);

  g_mkdir_with_parents (outdir, 0755);
  g_free (run_chromium (chromium, profile, phone_arg, "412,915", url));
  g_free (run_chromium (chromium, profile, desktop_arg, "1280,900", url));
  assert_png (phone);
  assert_png (desktop);
  g_test_message ("screenshots: %s %s", phone, desktop);
  {
    const char *rm[] = { "rm", "-rf", profile, NULL };
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/summary-matches-node", test_summary_matches_node);
  g_test_add_func ("/api/metrics-match-node", test_metrics_match_node);
  g_test_add_func ("/api/blocks-match-node", test_blocks_match_node);
  g_test_add_func ("/api/payments-match-wallet", test_payments_match_wallet);
  g_test_add_func ("/api/workers-and-history", test_workers_and_history);
  g_test_add_func ("/api/miner", test_miner);
  g_test_add_func ("/api/status-page-in-chromium", test_status_page_in_chromium);

  start_everything ();
  status = g_test_run ();
  stop_everything ();
  return status;
}
