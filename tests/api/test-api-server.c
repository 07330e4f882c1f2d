/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-api-json.h"
#include "shoal-api-metrics.h"
#include "shoal-api-server.h"
#include "api-test-util.h"
#include "shoal-test-harness.h"

/* The API server without daemons: a pool that was never started (its
 * snapshot says "node unreachable", its lists are empty) behind a real
 * server on 127.0.0.1, spoken to over real sockets. */

#define ADDRESS_A "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
#define ADDRESS_TESTNET "9vgbuWQApZbSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQxM7uyz"
#define ADDRESS_B "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"

typedef struct
{
  ShoalConfig    *config;
  ShoalPool      *pool;
  ShoalApiServer *server;
  ShoalApiFeed   *feed;
  guint           port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->config = shoal_config_new ();
  g_object_set (f->config, "node-url", "http://127.0.0.1:1", NULL);
  f->pool = shoal_pool_new (f->config);
  f->server = api_test_server_start (f->pool, &f->feed);
  f->port = shoal_api_server_get_port (f->server);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  shoal_api_server_stop (f->server);
  /* Nothing keeps another alive: the server holds no pool, the feed only
   * a weak reference to it. */
  shoal_test_assert_finalized (g_steal_pointer (&f->feed));
  shoal_test_assert_finalized (g_steal_pointer (&f->server));
  shoal_test_assert_finalized (g_steal_pointer (&f->pool));
  g_clear_object (&f->config);
}

static void
assert_int_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
}

static void
test_summary_without_node (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) summary = api_get_json (f->port, "/api/v1/summary", 200);
  JsonObject *node = json_object_get_object_member (summary, "node");
  JsonObject *pool = json_object_get_object_member (summary, "pool");

  g_assert_false (json_object_get_boolean_member (node, "reachable"));
  g_assert_cmpint (json_object_get_int_member (node, "height"), ==, 0);
  assert_int_member (node, "difficulty");
  assert_int_member (json_object_get_object_member (pool, "hashrate"), "10m");
  assert_int_member (pool, "miners_online");
  g_assert_cmpstr (json_object_get_string_member (pool, "mode"), ==, "solo");
  g_assert_true (json_object_get_null_member (summary, "last_block"));
}

static void
test_lists_empty (Fixture       *f,
                  gconstpointer  data)
{
  const char *lists[][2] = {
    { "/api/v1/workers", "workers" },
    { "/api/v1/blocks", "blocks" },
    { "/api/v1/payments", "payments" },
    { "/api/v1/incomes", "incomes" },
    { "/api/v1/incomes", "sidechain_shares" },
    { "/api/v1/history", "points" },
    { "/api/v1/history?range=24h", "points" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(JsonObject) object = api_get_json (f->port, lists[i][0], 200);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, lists[i][1])),
                        ==, 0);
    }
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  const char *paths[] = { "/nope", "/api/v2/summary", "/api/v1/summary/", "/api/v1/minerx",
                          "/api/v1/../../etc/passwd", "/status.css/x" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(ApiReply) reply = api_request (f->port, "GET", paths[i]);
      g_autoptr(JsonObject) object = NULL;

      g_test_message ("GET %s -> %u", paths[i], reply->status);
      g_assert_true (reply->status == 404 || reply->status == 400);
      if (reply->status == 404)
        {
          object = api_reply_json (reply);
          api_assert_error (object, 404);
        }
    }
}

static void
test_methods (Fixture       *f,
              gconstpointer  data)
{
  const char *methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(ApiReply) reply = api_request (f->port, methods[i], "/api/v1/summary");
      g_autoptr(JsonObject) object = api_reply_json (reply);

      g_assert_cmpuint (reply->status, ==, 405);
      g_assert_cmpstr (api_reply_header (reply, "allow"), ==, "GET, HEAD");
      g_assert_nonnull (strstr (api_assert_error (object, 405), methods[i]));
    }
}

static void
test_head (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ApiReply) head = api_request (f->port, "HEAD", "/api/v1/summary");
  g_autoptr(ApiReply) page = api_request (f->port, "HEAD", "/");

  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (api_reply_header (head, "content-type"), ==, "application/json");
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (g_str_has_prefix (api_reply_header (page, "content-type"), "text/html"));
}

static void
test_body_refused (Fixture       *f,
                   gconstpointer  data)
{
  gsize size = 256 * 1024;
  g_autofree char *filler = g_malloc (size);
  g_autofree char *request = NULL;
  g_autoptr(ApiReply) reply = NULL;
  g_autoptr(ApiReply) chunked = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *chunked_request = "GET /api/v1/summary HTTP/1.1\r\nHost: x\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

  memset (filler, 'x', size);
  request = g_strdup_printf ("GET /api/v1/summary HTTP/1.1\r\nHost: x\r\nContent-Length: %"
                             G_GSIZE_FORMAT "\r\n\r\n%.*s", size, (int) size, filler);
  reply = api_send_raw (f->port, request, strlen (request));
  g_assert_cmpuint (reply->status, ==, 413);
  g_assert_cmpstr (api_reply_header (reply, "connection"), ==, "close");
  object = api_reply_json (reply);
  api_assert_error (object, 413);

  chunked = api_send_raw (f->port, chunked_request, strlen (chunked_request));
  g_assert_cmpuint (chunked->status, ==, 413);
}

static void
test_uri_too_long (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = g_strnfill (5000, 'a');
  g_autofree char *uri = g_strconcat ("/api/v1/miner/", path, NULL);
  g_autoptr(ApiReply) reply = api_request (f->port, "GET", uri);
  g_autoptr(JsonObject) object = api_reply_json (reply);

  g_assert_cmpuint (reply->status, ==, 414);
  api_assert_error (object, 414);
}

static void
test_bad_requests (Fixture       *f,
                   gconstpointer  data)
{
  const char *paths[] = { "/api/v1/miner/", "/api/v1/miner/hello", "/api/v1/miner/0OIl",
                          "/api/v1/miner/" ADDRESS_A "x", "/api/v1/history?range=7d" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(JsonObject) object = api_get_json (f->port, paths[i], 400);
      const char *message = api_assert_error (object, 400);

      g_test_message ("%s: %s", paths[i], message);
    }
}

/* With the pool's own address set, members must be on its network; a
 * mistyped address fails its checksum. */
static void
test_address_checks (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(ShoalApiServer) server = NULL;
  g_autoptr(ShoalApiFeed) feed = NULL;
  g_autoptr(JsonObject) testnet = NULL;
  g_autoptr(JsonObject) mistyped = NULL;
  g_autoptr(JsonObject) good = NULL;
  g_autofree char *typo = g_strdup ("/api/v1/miner/" ADDRESS_A);
  guint port;

  typo[strlen (typo) - 10] = typo[strlen (typo) - 10] == 'B' ? 'C' : 'B';
  g_object_set (config, "node-url", "http://127.0.0.1:1", "pool-address", ADDRESS_A, NULL);
  pool = shoal_pool_new (config);
  server = api_test_server_start (pool, &feed);
  port = shoal_api_server_get_port (server);

  testnet = api_get_json (port, "/api/v1/miner/" ADDRESS_TESTNET, 400);
  g_assert_nonnull (strstr (api_assert_error (testnet, 400), "testnet"));
  mistyped = api_get_json (port, typo, 400);
  g_assert_nonnull (strstr (api_assert_error (mistyped, 400), "checksum"));
  good = api_get_json (port, "/api/v1/miner/" ADDRESS_A, 200);
  g_test_message ("testnet: %s", api_assert_error (testnet, 400));
}

static void
test_miner_unknown (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) miner = api_get_json (f->port, "/api/v1/miner/" ADDRESS_A, 200);
  JsonObject *balance = json_object_get_object_member (miner, "balance");

  g_assert_cmpstr (json_object_get_string_member (miner, "address"), ==, ADDRESS_A);
  g_assert_false (json_object_get_boolean_member (miner, "known"));
  g_assert_cmpint (json_object_get_int_member (balance, "balance"), ==, 0);
  assert_int_member (balance, "paid");
}

/* Everything the page loads comes from this server: no scheme-qualified
 * URL anywhere in it, and a CSP that forbids other origins anyway. */
static void
test_status_page (Fixture       *f,
                  gconstpointer  data)
{
  const char *files[][2] = {
    { "/", "text/html; charset=utf-8" },
    { "/status.css", "text/css; charset=utf-8" },
    { "/status.js", "text/javascript; charset=utf-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(ApiReply) reply = api_request (f->port, "GET", files[i][0]);
      g_autofree char *text = api_reply_text (reply);

      g_assert_cmpuint (reply->status, ==, 200);
      g_assert_cmpstr (api_reply_header (reply, "content-type"), ==, files[i][1]);
      g_assert_nonnull (strstr (api_reply_header (reply, "content-security-policy"),
                                "default-src 'none'"));
      g_assert_null (strstr (text, "http://"));
      g_assert_null (strstr (text, "https://"));
      g_assert_null (strstr (text, "@import"));
      if (i == 0)
        {
          g_assert_nonnull (strstr (text, "<meta name=\"viewport\" content=\"width=device-width"));
          g_assert_nonnull (strstr (text, "<canvas id=\"chart\""));
        }
    }
}

/* A small Prometheus text-format reader: every sample belongs to a family
 * announced by # HELP and # TYPE, names and values parse. */
static GHashTable *
parse_metrics (const char *text)
{
  g_autoptr(GRegex) sample = g_regex_new ("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-z_]+=\"(?:[^\"\\\\]|\\\\.)*\"\\})? "
                                          "(-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$", 0, 0, NULL);
  g_autoptr(GHashTable) typed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *name = NULL;
      g_autofree char *labels = NULL;
      g_autofree char *value = NULL;
      char *end = NULL;

      if (g_str_has_prefix (lines[i], "# HELP ") || g_str_has_prefix (lines[i], "# TYPE "))
        {
          g_auto(GStrv) words = g_strsplit (lines[i], " ", 4);
          g_assert_nonnull (words[3]);
          if (g_str_equal (words[1], "TYPE"))
            g_hash_table_replace (typed, g_strdup (words[2]), g_strdup (words[3]));
          continue;
        }
      g_assert_true (g_regex_match (sample, lines[i], 0, &match));
      name = g_match_info_fetch (match, 1);
      labels = g_match_info_fetch (match, 2);
      value = g_match_info_fetch (match, 3);
      g_assert_true (g_hash_table_contains (typed, name));
      g_ascii_strtod (value, &end);
      g_assert_cmpint (*end, ==, '\0');
      g_hash_table_replace (values, g_strconcat (name, labels, NULL), g_strdup (value));
    }
  return values;
}

static void
test_metrics (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ApiReply) reply = api_request (f->port, "GET", "/metrics");
  g_autofree char *text = api_reply_text (reply);
  g_autoptr(GHashTable) values = NULL;
  const char *required[] = {
    "shoal_pool_hashrate{window=\"1m\"}", "shoal_miners_online", "shoal_node_height",
    "shoal_node_reachable", "shoal_shares_accepted_total", "shoal_network_difficulty",
    "shoal_workers_online", "shoal_api_requests_total", "shoal_blocks{state=\"unlocked\"}",
  };

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (api_reply_header (reply, "content-type"), "text/plain; version=0.0.4"));
  values = parse_metrics (text);
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    g_assert_true (g_hash_table_contains (values, required[i]));
  g_assert_cmpstr (g_hash_table_lookup (values, "shoal_node_reachable"), ==, "0");
  g_assert_cmpint (atoi (g_hash_table_lookup (values, "shoal_api_requests_total")), >=, 1);
}

static void
test_bind_errors (void)
{
  g_autoptr(ShoalApiServer) first = shoal_api_server_new ();
  g_autoptr(ShoalApiServer) second = shoal_api_server_new ();
  g_autoptr(ShoalApiServer) named = shoal_api_server_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (shoal_api_server_get_port (first), ==, 8080);
  g_assert_cmpstr (shoal_api_server_get_bind_address (first), ==, "0.0.0.0");

  g_object_set (named, "bind-address", "localhost", NULL);
  g_assert_false (shoal_api_server_start (named, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false (shoal_api_server_get_running (named));
  g_clear_error (&error);

  g_object_set (first, "bind-address", "127.0.0.1", "port", 0, NULL);
  g_assert_true (shoal_api_server_start (first, &error));
  g_object_set (second, "bind-address", "127.0.0.1",
                "port", shoal_api_server_get_port (first), NULL);
  g_assert_false (shoal_api_server_start (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Stop, then start again on a new port; stopping twice is harmless. */
  shoal_api_server_stop (first);
  shoal_api_server_stop (first);
  g_assert_true (shoal_api_server_start (first, &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) summary = api_get_json (shoal_api_server_get_port (first),
                                                  "/api/v1/summary", 200);
  }
}

/* Many clients at once: every request answered. */
typedef struct
{
  guint port;
  guint answered;
} Client;

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  const char *paths[] = { "/api/v1/summary", "/metrics", "/", "/api/v1/blocks", "/status.js" };

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(ApiReply) reply = api_request (client->port, "GET", paths[i % G_N_ELEMENTS (paths)]);

      if (reply->status == 200)
        client->answered++;
    }
  return NULL;
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  Client clients[8];
  GThread *threads[G_N_ELEMENTS (clients)];

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = (Client) { f->port, 0 };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (clients[i].answered, ==, 50);
    }
}

/* Keep-alive clients that hang up must not cost the server a descriptor
 * each (libsoup before 3.3 leaked them): answers close the connection. */
static void
test_no_descriptor_leak (Fixture       *f,
                         gconstpointer  data)
{
  const char *keep_alive = "GET /api/v1/summary HTTP/1.1\r\nHost: x\r\n\r\n";
  guint before, after = 0;
  gint64 deadline;

  api_reply_free (api_send_raw (f->port, keep_alive, strlen (keep_alive)));  /* warm up */
  before = api_open_descriptors ();
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(ApiReply) reply = api_send_raw (f->port, keep_alive, strlen (keep_alive));
      g_assert_cmpuint (reply->status, ==, 200);
      g_assert_cmpstr (api_reply_header (reply, "connection"), ==, "close");
    }
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((after = api_open_descriptors ()) > before + 4 && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_test_message ("descriptors before %u, after 200 connections %u", before, after);
  g_assert_cmpuint (after, <=, before + 4);
}

static guint
status_of_summary (guint port)
{
  g_autoptr(ApiReply) reply = api_request (port, "GET", "/api/v1/summary");
  return reply->status;
}

/* Connections that have started a request count against the limit; over
 * it, requests get 503 JSON until some close. */
static void
test_connection_limit (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(ApiReply) busy = NULL;
  g_autoptr(JsonObject) object = NULL;
  gint64 deadline;

  shoal_api_server_stop (f->server);
  g_object_set (f->server, "max-connections", 8, NULL);
  g_assert_true (shoal_api_server_start (f->server, NULL));
  f->port = shoal_api_server_get_port (f->server);
  for (guint i = 0; i < 10; i++)
    {
      GSocketConnection *c = g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL, NULL);
      g_assert_nonnull (c);
      /* Half a request line: enough for the server to count it. */
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), "GET /", 5,
                                 NULL, NULL, NULL);
      g_ptr_array_add (held, c);
    }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (status_of_summary (f->port) != 503 && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  busy = api_request (f->port, "GET", "/api/v1/summary");
  g_assert_cmpuint (busy->status, ==, 503);
  g_assert_cmpstr (api_reply_header (busy, "retry-after"), ==, "5");
  object = api_reply_json (busy);
  api_assert_error (object, 503);

  g_ptr_array_set_size (held, 0);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (status_of_summary (f->port) != 200 && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (status_of_summary (f->port), ==, 200);
}

/* --- rendering, on data we build: the pool's lists are empty here --- */

static ShoalApiCache *
sample_cache (void)
{
  g_autoptr(ShoalPoolSnapshot) snapshot = shoal_pool_snapshot_new ();
  ShoalApiCache *cache;
  ShoalWorkerInfo worker = { "rig \"one\"\nshoal_fake 1", ADDRESS_A, "10.0.0.2",
                             1500, 1400, 1300, 20000, 7, 1, 0, 0, 1700000000000000, 1699990000000000, TRUE };
  ShoalWorkerInfo other = { "other", ADDRESS_B, "10.0.0.3",
                            100, 100, 100, 1000, 3, 0, 0, 0, 0, 0, TRUE };
  ShoalBalanceInfo balance = { ADDRESS_A, 1234567890123, 0, 600000000000 };
  ShoalPaymentInfo mine = { 3, "confirmed", 1700000100000000, ADDRESS_A, 600000000000, "ab" };
  ShoalPaymentInfo theirs = { 3, "confirmed", 1700000100000000, ADDRESS_B, 5, "ab" };
  ShoalBlockInfo block = { 120, "cd", 1700000000000000, 17592186044415ull,
                           SHOAL_BLOCK_STATE_PENDING, 12, 93 };

  snapshot->network_difficulty = 1000;
  snapshot->round_shares = 250;
  snapshot->last_block_height = 120;
  snapshot->last_block_us = 1700000000000000;
  g_ptr_array_add (snapshot->workers, shoal_worker_info_copy (&worker));
  g_ptr_array_add (snapshot->workers, shoal_worker_info_copy (&other));
  cache = shoal_api_cache_new (snapshot, "pplns");
  g_ptr_array_add (cache->balances, g_memdup2 (&balance, sizeof balance));
  g_ptr_array_add (cache->payments, g_memdup2 (&mine, sizeof mine));
  g_ptr_array_add (cache->payments, g_memdup2 (&theirs, sizeof theirs));
  g_ptr_array_add (cache->blocks, g_memdup2 (&block, sizeof block));
  return cache;
}

/* The sample's strings are static: free only the shells. */
static void
free_sample (ShoalApiCache *cache)
{
  g_ptr_array_set_free_func (cache->balances, g_free);
  g_ptr_array_set_free_func (cache->payments, g_free);
  g_ptr_array_set_free_func (cache->blocks, g_free);
  shoal_api_cache_unref (cache);
}

static JsonObject *
as_object (JsonNode *node)
{
  JsonObject *object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return object;
}

static void
test_render_miner (void)
{
  ShoalApiCache *cache = sample_cache ();
  g_autoptr(JsonObject) miner = as_object (shoal_api_json_miner (cache, ADDRESS_A));
  g_autoptr(JsonObject) summary = as_object (shoal_api_json_summary (cache));
  g_autoptr(JsonObject) payments = as_object (shoal_api_json_payments (cache));
  g_autoptr(JsonObject) blocks = as_object (shoal_api_json_blocks (cache));
  JsonArray *list = json_object_get_array_member (miner, "payments");
  JsonObject *last_block = json_object_get_object_member (summary, "last_block");

  g_assert_true (json_object_get_boolean_member (miner, "known"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (miner, "workers")), ==, 1);
  /* Upstream mode's verdicts per rig (none in this sample: zero, not absent). */
  g_assert_true (json_object_has_member (
    json_array_get_object_element (json_object_get_array_member (miner, "workers"), 0),
    "upstream_accepted"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (miner, "hashrate"), "10m"),
                   ==, 1400);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (miner, "balance"), "balance"),
                   ==, 1234567890123);
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 0), "amount"),
                   ==, 600000000000);
  /* The public list shortens addresses; the miner's own view does not. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (payments, "payments"), 0), "address"),
                   ==, "44AFFq...QBEP3A");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                     json_object_get_array_member (blocks, "blocks"), 0), "reward"),
                   ==, 17592186044415);
  g_assert_cmpint (json_object_get_int_member (last_block, "reward"), ==, 17592186044415);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (summary, "pool"),
                                                    "round_effort_percent"), ==, 25.0);
  free_sample (cache);
}

/* Upstream mode's pools, in order, as the window's Upstream page has them. */
static void
test_render_upstreams (void)
{
  ShoalApiCache *cache = sample_cache ();
  ShoalUpstreamInfo *up = g_new0 (ShoalUpstreamInfo, 1);
  g_autoptr(JsonObject) doc = NULL;
  JsonObject *first;

  g_ptr_array_set_free_func (cache->upstreams, (GDestroyNotify) shoal_upstream_info_free);
  up->name = g_strdup ("stratum+tcp://192.168.1.5:3333");
  up->in_use = TRUE;
  up->connected = TRUE;
  up->connections = 4;
  up->difficulty = 500001;
  up->sidechain_difficulty = 123456789;
  up->accepted = 7;
  up->rejected = 1;
  g_ptr_array_add (cache->upstreams, up);
  doc = as_object (shoal_api_json_upstreams (cache));
  first = json_array_get_object_element (json_object_get_array_member (doc, "upstreams"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "url"), ==,
                   "stratum+tcp://192.168.1.5:3333");
  g_assert_true (json_object_get_boolean_member (first, "in_use"));
  g_assert_true (json_object_get_null_member (first, "trouble"));
  g_assert_cmpint (json_object_get_int_member (first, "connections"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (first, "difficulty"), ==, 500001);
  g_assert_cmpint (json_object_get_int_member (first, "sidechain_difficulty"), ==, 123456789);
  g_assert_cmpint (json_object_get_int_member (first, "accepted"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (first, "rejected"), ==, 1);
  free_sample (cache);
}

static ShoalIncomeCredit *
credit_new (const char *address,
            guint64     amount)
{
  ShoalIncomeCredit *credit = g_new0 (ShoalIncomeCredit, 1);

  credit->address = g_strdup (address);
  credit->amount = amount;
  return credit;
}

/* One payout from P2Pool on its way (locked for 12 more blocks), then
 * two credited: A and B credited by the first, only B by the second; one
 * sidechain share each. */
static void
add_sample_incomes (ShoalApiCache *cache)
{
  ShoalIncomeInfo *arrival = g_new0 (ShoalIncomeInfo, 1);

  const char *txids[] = { "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2",
                          "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1" };
  const char *rigs[][2] = { { "rig-b", ADDRESS_B }, { "rig-a", ADDRESS_A } };

  g_ptr_array_set_free_func (cache->incomes, (GDestroyNotify) shoal_income_info_free);
  g_ptr_array_set_free_func (cache->sidechain_shares,
                             (GDestroyNotify) shoal_sidechain_share_info_free);
  arrival->txid = g_strdup ("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
  arrival->height = 750;
  arrival->amount = 600000001;
  arrival->sidechain = g_strdup ("mini");
  arrival->unlocks_in = 12;
  arrival->credits = g_ptr_array_new ();
  g_ptr_array_add (cache->incomes, arrival);
  for (guint i = 0; i < 2; i++)
    {
      ShoalIncomeInfo *income = g_new0 (ShoalIncomeInfo, 1);
      ShoalSidechainShareInfo *share = g_new0 (ShoalSidechainShareInfo, 1);

      income->txid = g_strdup (txids[i]);
      income->height = 701 - i;
      income->amount = 1000000007 - i;
      income->sidechain = g_strdup ("mini");
      income->time_us = 1700000000000000 - i * G_USEC_PER_SEC;
      income->credited = TRUE;
      income->credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_income_credit_free);
      if (i == 1)
        g_ptr_array_add (income->credits, credit_new (ADDRESS_A, 742500005));
      g_ptr_array_add (income->credits, credit_new (ADDRESS_B, 247500002 + i));
      g_ptr_array_add (cache->incomes, income);
      share->worker = g_strdup (rigs[i][0]);
      share->address = g_strdup (rigs[i][1]);
      share->time_us = 1699990000000000 - i * G_USEC_PER_SEC;
      share->height = 700;
      share->difficulty = 450000 + i;
      share->sidechain_difficulty = 300000;
      share->fed_txid = g_strdup (txids[1]);
      g_ptr_array_add (cache->sidechain_shares, share);
    }
}

/* Everyone's payouts with shortened addresses; a member's own with only
 * its credit, in full, and only its rigs' sidechain shares; a payout on
 * its way, to everyone, with the blocks it has to go. */
static void
test_render_incomes (void)
{
  ShoalApiCache *cache = sample_cache ();
  g_autoptr(JsonObject) all = NULL;
  g_autoptr(JsonObject) miner = NULL;
  JsonArray *incomes, *shares, *credits;
  JsonObject *income, *share;

  add_sample_incomes (cache);
  all = as_object (shoal_api_json_incomes (cache));
  incomes = json_object_get_array_member (all, "incomes");
  g_assert_cmpuint (json_array_get_length (incomes), ==, 3);
  income = json_array_get_object_element (incomes, 0);
  g_assert_cmpint (json_object_get_int_member (income, "amount"), ==, 600000001);
  g_assert_false (json_object_get_boolean_member (income, "credited"));
  g_assert_cmpint (json_object_get_int_member (income, "unlocks_in"), ==, 12);
  g_assert_true (json_object_get_null_member (income, "time"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (income, "credits")), ==, 0);
  income = json_array_get_object_element (incomes, 2);
  g_assert_cmpstr (json_object_get_string_member (income, "txid"), ==,
                   "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
  g_assert_cmpint (json_object_get_int_member (income, "height"), ==, 700);
  g_assert_cmpint (json_object_get_int_member (income, "amount"), ==, 1000000006);
  g_assert_cmpint (json_object_get_int_member (income, "time"), ==, 1699999999);
  g_assert_true (json_object_get_boolean_member (income, "credited"));
  g_assert_false (json_object_has_member (income, "unlocks_in"));
  credits = json_object_get_array_member (income, "credits");
  g_assert_cmpuint (json_array_get_length (credits), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (credits, 0),
                                                  "address"), ==, "44AFFq...QBEP3A");
  shares = json_object_get_array_member (all, "sidechain_shares");
  g_assert_cmpuint (json_array_get_length (shares), ==, 2);
  share = json_array_get_object_element (shares, 0);
  g_assert_cmpstr (json_object_get_string_member (share, "worker"), ==, "rig-b");
  g_assert_cmpint (json_object_get_int_member (share, "sidechain_difficulty"), ==, 300000);

  miner = as_object (shoal_api_json_miner (cache, ADDRESS_A));
  incomes = json_object_get_array_member (miner, "incomes");
  g_assert_cmpuint (json_array_get_length (incomes), ==, 2);
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (incomes, 0),
                                                  "credited"));
  credits = json_object_get_array_member (json_array_get_object_element (incomes, 1), "credits");
  g_assert_cmpuint (json_array_get_length (credits), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (credits, 0),
                                                  "address"), ==, ADDRESS_A);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (credits, 0),
                                               "amount"), ==, 742500005);
  shares = json_object_get_array_member (miner, "sidechain_shares");
  g_assert_cmpuint (json_array_get_length (shares), ==, 1);
  share = json_array_get_object_element (shares, 0);
  g_assert_cmpstr (json_object_get_string_member (share, "worker"), ==, "rig-a");
  g_assert_cmpstr (json_object_get_string_member (share, "fed_txid"), ==,
                   "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
  free_sample (cache);
}

static void
test_render_metrics_escapes (void)
{
  ShoalApiCache *cache = sample_cache ();
  g_autofree char *text = shoal_api_metrics_render (cache);
  g_autoptr(GHashTable) values = parse_metrics (text);

  g_assert_cmpstr (g_hash_table_lookup (values, "shoal_shares_accepted_total"), ==, "10");
  g_assert_cmpstr (g_hash_table_lookup (values, "shoal_workers_online"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (values,
                                        "shoal_worker_hashrate{worker=\"rig \\\"one\\\"\\nshoal_fake 1\"}"),
                   ==, "1400");
  g_assert_false (g_hash_table_contains (values, "shoal_fake"));
  g_assert_cmpstr (g_hash_table_lookup (values, "shoal_blocks{state=\"pending\"}"), ==, "1");
  free_sample (cache);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/api-server/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("summary-without-node", test_summary_without_node);
  ADD ("lists-empty", test_lists_empty);
  ADD ("not-found", test_not_found);
  ADD ("methods", test_methods);
  ADD ("head", test_head);
  ADD ("body-refused", test_body_refused);
  ADD ("uri-too-long", test_uri_too_long);
  ADD ("bad-requests", test_bad_requests);
  ADD ("miner-unknown", test_miner_unknown);
  ADD ("status-page", test_status_page);
  ADD ("metrics", test_metrics);
  ADD ("concurrent", test_concurrent);
  ADD ("connection-limit", test_connection_limit);
  ADD ("no-descriptor-leak", test_no_descriptor_leak);
#undef ADD
  g_test_add_func ("/api-server/bind-errors", test_bind_errors);
  g_test_add_func ("/api-server/address-checks", test_address_checks);
  g_test_add_func ("/api-render/miner", test_render_miner);
  g_test_add_func ("/api-render/metrics-escapes", test_render_metrics_escapes);
  g_test_add_func ("/api-render/upstreams", test_render_upstreams);
  g_test_add_func ("/api-render/incomes", test_render_incomes);
  return g_test_run ();
}
