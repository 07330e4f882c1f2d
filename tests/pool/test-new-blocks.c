/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <zmq.h>

#include "shoal-pool.h"
#include "shoal-test-harness.h"

/* How new blocks reach rigs, judged on monerod's chain and on the bytes
 * a connected miner receives:
 *  - at network difficulty 1 every share is a block: every height gets
 *    Shoal's block, none is submitted twice (monerod keeps no alternative
 *    block of ours), and the chain never stalls;
 *  - with node-zmq-url set, a block generated on the node reaches a miner
 *    as a new job well before the next poll; with the ZMQ feed gone the
 *    poll still brings it. */

typedef struct
{
  ShoalPlayground *playground;
  char            *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->playground = shoal_test_harness_start (GPOINTER_TO_UINT (data));
  f->dir = g_dir_make_tmp ("shoal-new-blocks-XXXXXX", &error);
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
}

static ShoalPool *
start_pool (Fixture    *f,
            const char *zmq_url,
            guint       poll_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autofree char *db = g_build_filename (f->dir, "pool.db", NULL);
  g_autofree char *path = g_build_filename (f->dir, "shoal.conf", NULL);
  g_autofree char *text = NULL;
  ShoalPool *pool;

  text = g_strdup_printf ("[shoal]\nnode-url=%s\nnode-zmq-url=%s\nnode-poll-interval=%u\n"
                          "wallet-url=%s\npool-address=%s\nmode=solo\nstratum-bind=127.0.0.1\n"
                          "stratum-port=0\nstart-difficulty=1\nmin-difficulty=1\n"
                          "validator-mode=light\nvalidator-threads=1\ndatabase=%s\n",
                          shoal_playground_get_node_uri (f->playground), zmq_url, poll_ms,
                          shoal_playground_get_wallet (f->playground)->uri,
                          shoal_playground_get_wallet (f->playground)->address, db);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_config_load_key_file (config, path, &error));
  g_assert_no_error (error);
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, NULL, NULL);
  return pool;
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
has_template (gpointer data)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (data);

  return snapshot != NULL && snapshot->network_difficulty > 0 &&
         shoal_pool_get_stratum_port (data) != 0;
}

static JsonObject *
rpc_object (Fixture    *f,
            const char *method,
            const char *params)
{
  g_autoptr(JsonNode) answer = shoal_test_rpc (shoal_playground_get_node (f->playground), method,
                                               params);
  return json_object_ref (json_node_get_object (answer));
}

/* --- every share a block ------------------------------------------ */

typedef struct
{
  GHashTable *found;   /* height -> id, as Shoal reported them */
  guint       orphaned;
} Found;

static void
on_block_orphaned (ShoalPool  *pool,
                   guint64     height,
                   const char *id,
                   Found      *found)
{
  found->orphaned++;
}

static void
on_block_found (ShoalPool  *pool,
                guint64     height,
                const char *id,
                Found      *found)
{
  g_hash_table_insert (found->found, g_memdup2 (&height, sizeof height), g_strdup (id));
}

static GSubprocess *
spawn_miner (guint16     port,
             const char *address,
             guint       seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port_str = g_strdup_printf ("%u", port);
  g_autofree char *duration = g_strdup_printf ("%u", seconds);
  GSubprocess *miner;

  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "-o", "127.0.0.1",
                            "-P", port_str, "-u", address, "--rigid", "fast-rig",
                            "--duration", duration, "--json", NULL);
  g_assert_no_error (error);
  return miner;
}

static void
on_miner_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
print_miner_summary (GSubprocess *miner)
{
  g_autofree char *out = NULL;

  g_subprocess_communicate_utf8 (miner, NULL, NULL, &out, NULL, NULL);
  g_test_message ("the miner says: %s", out != NULL ? g_strstrip (out) : "nothing");
}

static guint64
node_height (Fixture *f)
{
  g_autoptr(JsonObject) info = rpc_object (f, "get_info", NULL);

  return json_object_get_int_member (info, "height");
}

typedef struct
{
  Found     *found;
  GPtrArray *hashes;   /* monerod's block at from + i */
  guint64    from;
} ChainWait;

static gboolean
all_reported (gpointer data)
{
  ChainWait *wait = data;

  for (guint i = 0; i < wait->hashes->len; i++)
    {
      guint64 h = wait->from + i;

      if (!g_hash_table_contains (wait->found->found, &h))
        return FALSE;
    }
  return TRUE;
}

/* The chain from FROM to its top: every block is one Shoal reported
 * found, and consecutive blocks are close together.  The tracker checks
 * the blocks it follows in no particular order (and, with every share a
 * block, it follows hundreds), so the test waits for all of them to be
 * reported, not for the top one alone. */
static void
assert_chain_is_ours (Fixture  *f,
                      Found    *found,
                      guint64   from,
                      guint64   top)
{
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  ChainWait wait = { found, hashes, from };
  guint64 previous_time = 0, max_gap = 0;

  for (guint64 h = from; h <= top; h++)
    {
      g_autofree char *params = g_strdup_printf ("{\"height\":%" G_GUINT64_FORMAT "}", h);
      g_autoptr(JsonObject) answer = rpc_object (f, "get_block_header_by_height", params);
      JsonObject *header = json_object_get_object_member (answer, "block_header");
      guint64 time = json_object_get_int_member (header, "timestamp");

      g_ptr_array_add (hashes, g_strdup (json_object_get_string_member (header, "hash")));
      if (previous_time != 0 && time > previous_time)
        max_gap = MAX (max_gap, time - previous_time);
      previous_time = time;
    }
  wait_for (all_reported, &wait, 120);
  for (guint i = 0; i < hashes->len; i++)
    {
      guint64 h = from + i;
      const char *ours = g_hash_table_lookup (found->found, &h);

      if (g_strcmp0 (ours, hashes->pdata[i]) != 0)
        g_error ("height %" G_GUINT64_FORMAT ": monerod has %s, Shoal found %s", h,
                 (char *) hashes->pdata[i], ours ? ours : "nothing");
    }
  g_test_message ("%" G_GUINT64_FORMAT " blocks, longest gap between two: %" G_GUINT64_FORMAT
                  " s", top - from + 1, max_gap);
  /* The stall this guards against lasted minutes; a busy machine is slow,
   * not that slow. */
  g_assert_cmpuint (max_gap, <=, 30);
}

static void
assert_no_alternative_blocks (Fixture *f)
{
  g_autoptr(JsonObject) answer = rpc_object (f, "get_alternate_chains", NULL);
  JsonArray *chains = json_object_has_member (answer, "chains") ?
                      json_object_get_array_member (answer, "chains") : NULL;
  guint n = chains != NULL ? json_array_get_length (chains) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *chain = json_array_get_object_element (chains, i);

      g_test_message ("alternative block %s at height %" G_GINT64_FORMAT,
                      json_object_get_string_member (chain, "block_hash"),
                      json_object_get_int_member (chain, "height"));
    }
  g_assert_cmpuint (n, ==, 0);
}

static void
test_every_share_a_block (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  Found found = { g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free), 0 };
  gboolean exited = FALSE;
  guint64 first, top;

  /* Polling only: the fix must not depend on ZMQ. */
  pool = start_pool (f, "", 1000);
  g_signal_connect (pool, "block-found", G_CALLBACK (on_block_found), &found);
  g_signal_connect (pool, "block-orphaned", G_CALLBACK (on_block_orphaned), &found);
  g_assert_true (wait_for (has_template, pool, 30));
  first = node_height (f);

  miner = spawn_miner (shoal_pool_get_stratum_port (pool),
                       shoal_playground_get_wallet (f->playground)->address, 60);
  g_subprocess_wait_async (miner, NULL, on_miner_exited, &exited);
  g_assert_true (wait_for (is_true, &exited, 120));
  print_miner_summary (miner);
  /* Let the last submissions land. */
  g_usleep (G_USEC_PER_SEC);
  top = node_height (f) - 1;
  g_assert_cmpuint (top + 1 - first, >=, 10);
  /* The pool keeps running meanwhile: its tracker reports the blocks. */
  assert_chain_is_ours (f, &found, first, top);
  g_test_message ("%u candidates of Shoal's never reached the chain", found.orphaned);
  shoal_pool_stop (pool);
  assert_no_alternative_blocks (f);
  g_hash_table_unref (found.found);
}

/* --- ZMQ ----------------------------------------------------------- */

/* A forwarder between monerod's feed and Shoal that the test can kill:
 * monerod cannot drop its publisher on demand. */
typedef struct
{
  void    *context;
  void    *xsub;
  void    *xpub;
  void    *control;
  GThread *thread;
  char     endpoint[256];
} Proxy;

static gpointer
proxy_thread (gpointer data)
{
  Proxy *proxy = data;
  void *control = zmq_socket (proxy->context, ZMQ_PAIR);

  g_assert_cmpint (zmq_connect (control, "inproc://shoal-test-proxy"), ==, 0);
  zmq_proxy_steerable (proxy->xsub, proxy->xpub, NULL, control);
  zmq_close (control);
  return NULL;
}

static void
proxy_start (Proxy      *proxy,
             const char *upstream)
{
  size_t size = sizeof proxy->endpoint;
  int linger = 0;

  proxy->context = zmq_ctx_new ();
  proxy->xsub = zmq_socket (proxy->context, ZMQ_XSUB);
  proxy->xpub = zmq_socket (proxy->context, ZMQ_XPUB);
  proxy->control = zmq_socket (proxy->context, ZMQ_PAIR);
  zmq_setsockopt (proxy->xsub, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt (proxy->xpub, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt (proxy->control, ZMQ_LINGER, &linger, sizeof linger);
  g_assert_cmpint (zmq_bind (proxy->control, "inproc://shoal-test-proxy"), ==, 0);
  g_assert_cmpint (zmq_connect (proxy->xsub, upstream), ==, 0);
  g_assert_cmpint (zmq_bind (proxy->xpub, "tcp://127.0.0.1:*"), ==, 0);
  g_assert_cmpint (zmq_getsockopt (proxy->xpub, ZMQ_LAST_ENDPOINT, proxy->endpoint, &size), ==, 0);
  proxy->thread = g_thread_new ("zmq-proxy", proxy_thread, proxy);
}

static void
proxy_kill (Proxy *proxy)
{
  if (proxy->thread == NULL)
    return;
  zmq_send (proxy->control, "TERMINATE", 9, 0);
  g_thread_join (g_steal_pointer (&proxy->thread));
  zmq_close (proxy->xsub);
  zmq_close (proxy->xpub);
  zmq_close (proxy->control);
  zmq_ctx_term (proxy->context);
}

/* A miner on the wire: logs in and notes the height of every job. */
typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
  GCancellable      *cancellable;
  guint64            height;     /* of the latest job */
  gint64             job_time;   /* monotonic, when it came */
} Wire;

static void read_next (Wire *wire);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wire *wire = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *message, *job = NULL;

  if (line == NULL)
    return;
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  message = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (message, "params"))
    job = json_object_get_object_member (message, "params");
  else if (json_object_has_member (message, "result") &&
           json_object_has_member (json_object_get_object_member (message, "result"), "job"))
    job = json_object_get_object_member (json_object_get_object_member (message, "result"), "job");
  if (job != NULL && json_object_has_member (job, "height"))
    {
      wire->height = json_object_get_int_member (job, "height");
      wire->job_time = g_get_monotonic_time ();
    }
  read_next (wire);
}

static void
read_next (Wire *wire)
{
  g_data_input_stream_read_line_async (wire->input, G_PRIORITY_DEFAULT, wire->cancellable,
                                       on_line, wire);
}

static void
wire_connect (Wire       *wire,
              guint16     port,
              const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autofree char *login = NULL;
  GOutputStream *out;

  wire->connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  wire->cancellable = g_cancellable_new ();
  wire->input = g_data_input_stream_new (
    g_io_stream_get_input_stream (G_IO_STREAM (wire->connection)));
  login = g_strdup_printf ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
                           "{\"login\":\"%s\",\"pass\":\"x\",\"agent\":\"test-new-blocks\","
                           "\"algo\":[\"rx/0\"]}}\n", address);
  out = g_io_stream_get_output_stream (G_IO_STREAM (wire->connection));
  g_assert_true (g_output_stream_write_all (out, login, strlen (login), NULL, NULL, &error));
  g_assert_no_error (error);
  read_next (wire);
}

static void
wire_close (Wire *wire)
{
  g_cancellable_cancel (wire->cancellable);
  g_clear_object (&wire->input);
  g_clear_object (&wire->connection);
  g_clear_object (&wire->cancellable);
}

typedef struct
{
  Wire    *wire;
  guint64  height;
} JobWait;

static gboolean
job_reached (gpointer data)
{
  JobWait *wait = data;

  return wait->wire->height >= wait->height;
}

/* Generates one block and returns how long, in ms, until the miner had a
 * job for the next height (-1: not within SECONDS). */
static gint64
block_to_job_ms (Fixture *f,
                 Wire    *wire,
                 guint    seconds)
{
  g_autoptr(GError) error = NULL;
  JobWait wait = { wire, node_height (f) + 1 };
  gint64 start = g_get_monotonic_time ();

  shoal_playground_generate_blocks (f->playground, 1, NULL, &error);
  g_assert_no_error (error);
  if (!wait_for (job_reached, &wait, seconds))
    return -1;
  return (wire->job_time - start) / 1000;
}

static gboolean
wire_has_job (gpointer data)
{
  return ((Wire *) data)->height > 0;
}

#define SLOW_POLL_MS 20000

static void
test_zmq_then_poll (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ShoalPool) pool = NULL;
  Proxy proxy = { 0 };
  Wire wire = { 0 };
  gint64 ms;

  proxy_start (&proxy, shoal_playground_get_zmq_uri (f->playground));
  pool = start_pool (f, proxy.endpoint, SLOW_POLL_MS);
  g_assert_true (wait_for (has_template, pool, 30));
  wire_connect (&wire, shoal_pool_get_stratum_port (pool),
                shoal_playground_get_wallet (f->playground)->address);
  g_assert_true (wait_for (wire_has_job, &wire, 10));

  /* A subscription takes a moment to reach the publisher: the first
   * block may come either way. */
  g_assert_cmpint (block_to_job_ms (f, &wire, 2 * SLOW_POLL_MS / 1000 + 10), >=, 0);
  /* Three in a row well under the poll interval: that is ZMQ. */
  for (guint i = 0; i < 3; i++)
    {
      ms = block_to_job_ms (f, &wire, SLOW_POLL_MS / 1000 / 4);
      g_test_message ("with ZMQ: new job %" G_GINT64_FORMAT " ms after the block", ms);
      g_assert_cmpint (ms, >=, 0);
    }

  /* The feed dies; the poll still moves the miner on. */
  proxy_kill (&proxy);
  for (guint i = 0; i < 2; i++)
    {
      ms = block_to_job_ms (f, &wire, 2 * SLOW_POLL_MS / 1000 + 10);
      g_test_message ("without ZMQ: new job %" G_GINT64_FORMAT " ms after the block", ms);
      g_assert_cmpint (ms, >=, 0);
    }
  wire_close (&wire);
  shoal_pool_stop (pool);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/pool/new-blocks/every-share-a-block", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up, test_every_share_a_block, fixture_tear_down);
  g_test_add ("/pool/new-blocks/zmq-then-poll", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up, test_zmq_then_poll, fixture_tear_down);
  return g_test_run ();
}
