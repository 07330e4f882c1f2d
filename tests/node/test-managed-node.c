/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>

#include "shoal-error.h"
#include "shoal-job-manager.h"
#include "shoal-managed-node.h"
#include "shoal-pool.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

/* The node Shoal runs for a user, as real monerod processes: it syncs
 * from a regtest seed node (loopback only, the seed the one peer it may
 * use), templates come only once it is synchronised, it comes back after
 * a SIGKILL and the job manager with it, and no monerod survives Shoal,
 * whether Shoal stops it or is itself killed.  Too little disk space is
 * refused before anything starts. */

#define ADDRESS "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
#define SEED_BLOCKS 300

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static const char *
monerod (void)
{
  const char *value = g_getenv ("SHOAL_MONEROD");

  return (value && *value) ? value : "monerod";
}

typedef struct
{
  char        *dir;
  GSubprocess *seed;
  guint16      seed_rpc;
  guint16      seed_p2p;
  guint64      seed_height;
} Seed;

static void
spawn_seed (Seed     *seed,
            gboolean  offline)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_build_filename (seed->dir, "seed", NULL);
  g_autofree char *rpc = g_strdup_printf ("%u", seed->seed_rpc);
  g_autofree char *p2p = g_strdup_printf ("%u", seed->seed_p2p);
  /* Not offline, it still talks to no one but loopback: its only
   * "exclusive" peer is a port nobody listens on. */
  g_autofree char *nobody = g_strdup_printf ("127.0.0.1:%u", shoal_playground_free_port (NULL));

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  seed->seed = g_subprocess_launcher_spawn (launcher, &error, monerod (), "--regtest",
                                            "--keep-fakechain", "--fixed-difficulty", "1",
                                            "--data-dir", data, "--non-interactive",
                                            "--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", rpc,
                                            "--p2p-bind-ip", "127.0.0.1", "--p2p-bind-port", p2p,
                                            "--no-zmq", "--no-igd", "--rpc-ssl", "disabled",
                                            "--disable-dns-checkpoints", "--check-updates",
                                            "disabled", "--log-level", "0",
                                            offline ? "--offline" : "--add-exclusive-node",
                                            offline ? NULL : nobody, NULL);
  g_assert_no_error (error);
}

static ShoalRpcClient *
seed_client (Seed *seed)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u", seed->seed_rpc);

  return shoal_rpc_client_new (uri, NULL, NULL);
}

static JsonObject *
wait_for_info (ShoalRpcClient *client)
{
  for (guint i = 0; i < 600; i++)
    {
      g_autoptr(JsonNode) info = shoal_rpc_client_call_sync (client, "get_info", NULL, NULL, NULL);

      if (info != NULL)
        return json_object_ref (json_node_get_object (info));
      g_usleep (100 * 1000);
    }
  g_error ("monerod did not answer within a minute");
  return NULL;
}

static void
stop_process (GSubprocess **process)
{
  if (*process == NULL)
    return;
  g_subprocess_send_signal (*process, SIGTERM);
  g_subprocess_wait (*process, NULL, NULL);
  g_clear_object (process);
}

/* The seed's chain is mined while it is offline (a regtest node that is
 * not answers generateblocks with BUSY), then it serves it to peers. */
static void
seed_start (Seed *seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRpcClient) client = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonNode) mined = NULL;

  seed->dir = g_dir_make_tmp ("shoal-managed-node-XXXXXX", &error);
  g_assert_no_error (error);
  seed->seed_rpc = shoal_playground_free_port (NULL);
  seed->seed_p2p = shoal_playground_free_port (NULL);
  spawn_seed (seed, TRUE);
  client = seed_client (seed);
  g_clear_pointer (&info, json_object_unref);
  info = wait_for_info (client);
  shoal_rpc_client_set_timeout (client, 300);
  mined = shoal_test_rpc (client, "generateblocks",
                          "{\"amount_of_blocks\":" G_STRINGIFY (SEED_BLOCKS) ","
                          "\"wallet_address\":\"" ADDRESS "\"}");
  stop_process (&seed->seed);
  spawn_seed (seed, FALSE);
  g_clear_pointer (&info, json_object_unref);
  info = wait_for_info (client);
  seed->seed_height = json_object_get_int_member (info, "height");
  g_assert_cmpuint (seed->seed_height, >, SEED_BLOCKS);
}

static void
seed_stop (Seed *seed)
{
  const char *rm[] = { "rm", "-rf", seed->dir, NULL };

  stop_process (&seed->seed);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (seed->dir);
}

static ShoalManagedNode *
managed_node_for (const char *dir,
                  Seed       *seed)
{
  g_autofree char *data = g_build_filename (dir, "managed", NULL);
  g_autofree char *peer = seed ? g_strdup_printf ("127.0.0.1:%u", seed->seed_p2p) : NULL;
  g_autofree char *p2p = g_strdup_printf ("%u", shoal_playground_free_port (NULL));
  ShoalManagedNode *node = shoal_managed_node_new (monerod (), data);
  const char *args[] = {
    "--regtest", "--keep-fakechain", "--fixed-difficulty", "1", "--no-igd",
    "--disable-dns-checkpoints", "--check-updates", "disabled", "--log-level", "0",
    "--p2p-bind-ip", "127.0.0.1", "--p2p-bind-port", p2p,
    seed ? "--add-exclusive-node" : "--offline", peer, NULL
  };

  g_object_set (node, "extra-args", args, "min-free-bytes", (guint64) 1000 * 1000, NULL);
  return node;
}

static gboolean
process_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

static gboolean
pid_gone (gpointer data)
{
  return process_gone (GPOINTER_TO_INT (data));
}

/* --- the sync, the first jobs, a SIGKILL, a stop -------------------- */

typedef struct
{
  ShoalManagedNode   *node;
  guint               templates;
  guint64             first_template_height;
  gboolean            saw_syncing;
} Watch;

static void
on_template (ShoalJobManager    *jobs,
             ShoalBlockTemplate *tmpl,
             Watch              *watch)
{
  if (watch->templates++ == 0)
    watch->first_template_height = shoal_block_template_get_height (tmpl);
}

static void
on_progress (ShoalManagedNode *node,
             GParamSpec       *pspec,
             Watch            *watch)
{
  double progress = shoal_managed_node_get_progress (node);

  if (progress < 1.0)
    watch->saw_syncing = TRUE;
  g_test_message ("node progress %.1f %%", progress * 100);
}

static gboolean
is_synchronized (gpointer data)
{
  return shoal_managed_node_get_synchronized (data);
}

static gboolean
templates_above (gpointer data)
{
  Watch *watch = data;

  return watch->templates > GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (watch->node),
                                                                   "templates-before"));
}

static gboolean
restarted (gpointer data)
{
  return shoal_managed_node_get_restarts (data) > 0 && shoal_managed_node_get_pid (data) != 0;
}

static void
test_sync_restart_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalManagedNode) node = NULL;
  g_autoptr(ShoalNodeClient) client = NULL;
  g_autoptr(ShoalJobManager) jobs = NULL;
  Seed seed = { 0 };
  Watch watch = { 0 };
  GPid first_pid, second_pid;

  seed_start (&seed);
  node = managed_node_for (seed.dir, &seed);
  watch.node = node;
  g_signal_connect (node, "notify::progress", G_CALLBACK (on_progress), &watch);
  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  first_pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (first_pid, >, 0);

  /* The pool's side: work only from a synchronised node. */
  client = shoal_node_client_new (shoal_managed_node_get_rpc_uri (node),
                                  shoal_managed_node_get_rpc_username (node),
                                  shoal_managed_node_get_rpc_password (node));
  jobs = shoal_job_manager_new (client, ADDRESS);
  g_object_set (jobs, "zmq-url", shoal_managed_node_get_zmq_uri (node), NULL);
  g_signal_connect (jobs, "template-changed", G_CALLBACK (on_template), &watch);
  shoal_job_manager_start (jobs);

  g_assert_cmpint (node_test_wait_until (is_synchronized, node, 240000), >=, 0);
  g_assert_cmpfloat (shoal_managed_node_get_progress (node), ==, 1.0);
  g_object_set_data (G_OBJECT (node), "templates-before", GUINT_TO_POINTER (0));
  g_assert_cmpint (node_test_wait_until (templates_above, &watch, 30000), >=, 0);
  g_test_message ("first template at height %" G_GUINT64_FORMAT ", seed chain height %"
                  G_GUINT64_FORMAT "%s", watch.first_template_height, seed.seed_height,
                  watch.saw_syncing ? " (progress seen below 100 %)" : "");
  /* Never a template for a half-synced chain. */
  g_assert_cmpuint (watch.first_template_height, ==, seed.seed_height);

  /* SIGKILLed: started again, and the job manager gets work again. */
  g_object_set_data (G_OBJECT (node), "templates-before", GUINT_TO_POINTER (watch.templates));
  kill (first_pid, SIGKILL);
  g_assert_cmpint (node_test_wait_until (restarted, node, 60000), >=, 0);
  second_pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (second_pid, !=, first_pid);
  g_assert_cmpint (node_test_wait_until (templates_above, &watch, 120000), >=, 0);

  /* Shoal quits: no monerod is left. */
  shoal_job_manager_stop (jobs);
  shoal_managed_node_stop (node, 60);
  g_assert_true (process_gone (second_pid));
  g_assert_cmpint (shoal_managed_node_get_pid (node), ==, 0);
  seed_stop (&seed);
}

/* --- the whole pool: /api/v1/summary, no jobs before the sync ------ */

typedef struct
{
  guint16     port;
  JsonObject *summary;
  gboolean    done;
} ApiGet;

static gpointer
api_get_thread (gpointer data)
{
  ApiGet *get = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  const char request[] = "GET /api/v1/summary HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  char buffer[65536];
  gsize total = 0, n = 0;
  const char *body;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", get->port, NULL, NULL);
  if (connection != NULL &&
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 request, strlen (request), NULL, NULL, NULL))
    while (total < sizeof buffer - 1 &&
           g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                    buffer + total, sizeof buffer - 1 - total, &n, NULL, NULL) &&
           n > 0)
      total += n;
  buffer[total] = '\0';
  if ((body = strstr (buffer, "\r\n\r\n")) != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, body + 4, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        get->summary = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    }
  g_atomic_int_set (&get->done, TRUE);
  return NULL;
}

static gboolean
api_get_done (gpointer data)
{
  return g_atomic_int_get (&((ApiGet *) data)->done);
}

/* The API answers from the pool's own context: ask from a thread. */
static JsonObject *
get_summary (guint16 port)
{
  ApiGet get = { port, NULL, FALSE };
  GThread *thread = g_thread_new ("api-get", api_get_thread, &get);

  node_test_wait_until (api_get_done, &get, 30000);
  g_thread_join (thread);
  return get.summary;
}

static gboolean
is_started (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_pool_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  shoal_pool_start_finish (SHOAL_POOL (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static ShoalPool *
start_pool (Seed    *seed,
            guint16  api_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autofree char *path = g_build_filename (seed->dir, "shoal.conf", NULL);
  g_autofree char *text = NULL;
  ShoalPool *pool;
  gboolean started = FALSE;

  text = g_strdup_printf ("[shoal]\nnode-managed=true\nnode-managed-binary=%s\n"
                          "node-managed-data-dir=%s/pool-node\nnode-managed-ignore-disk-space=true\n"
                          "node-managed-args=--regtest --keep-fakechain --fixed-difficulty 1 "
                          "--no-igd --disable-dns-checkpoints --check-updates disabled "
                          "--log-level 0 --p2p-bind-ip 127.0.0.1 --p2p-bind-port %u "
                          "--add-exclusive-node 127.0.0.1:%u\n"
                          "pool-address=" ADDRESS "\nmode=solo\nstratum-bind=127.0.0.1\n"
                          "stratum-port=0\nvalidator-mode=light\nvalidator-threads=1\n"
                          "database=%s/pool.db\napi-enabled=true\napi-bind=127.0.0.1\n"
                          "api-port=%u\n", monerod (), seed->dir,
                          shoal_playground_free_port (NULL), seed->seed_p2p, seed->dir, api_port);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_config_load_key_file (config, path, &error));
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_pool_started, &started);
  g_assert_cmpint (node_test_wait_until (is_started, &started, 60000), >=, 0);
  return pool;
}

/* Every monerod whose command line names DIR. */
static guint
processes_using (const char *dir)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (strstr (cmdline, "monerod") != NULL && strstr (cmdline, dir) != NULL)
        count++;
    }
  return count;
}

static void
test_pool_waits_for_sync (void)
{
  g_autoptr(ShoalPool) pool = NULL;
  g_autofree char *node_dir = NULL;
  Seed seed = { 0 };
  guint16 api_port;
  guint mid_sync = 0;
  double percent = 0;
  gint64 deadline;

  seed_start (&seed);
  node_dir = g_build_filename (seed.dir, "pool-node", NULL);
  api_port = shoal_playground_free_port (NULL);
  pool = start_pool (&seed, api_port);
  g_assert_cmpuint (processes_using (node_dir), ==, 1);

  deadline = g_get_monotonic_time () + 240 * G_USEC_PER_SEC;
  while (percent < 100 && g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonObject) summary = get_summary (api_port);
      JsonObject *managed, *node;

      node_test_spin (500);
      if (summary == NULL || !json_object_has_member (summary, "managed_node"))
        continue;
      managed = json_object_get_object_member (summary, "managed_node");
      node = json_object_get_object_member (summary, "node");
      percent = json_object_get_double_member (managed, "progress_percent");
      /* Well short of the end (the figure can be two seconds old): the
       * node answers "busy", and no miner has work. */
      if (percent > 0 && percent < 50)
        {
          mid_sync++;
          g_assert_cmpint (json_object_get_int_member (node, "difficulty"), ==, 0);
        }
    }
  g_test_message ("summaries seen mid-sync: %u", mid_sync);
  g_assert_cmpfloat (percent, ==, 100);
  /* Then work comes: a template for the synced chain. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (shoal_pool_get_snapshot (pool)->network_difficulty == 0 &&
         g_get_monotonic_time () < deadline)
    node_test_spin (200);
  g_assert_cmpuint (shoal_pool_get_snapshot (pool)->network_difficulty, >, 0);

  /* Shoal quits: its node goes with it. */
  shoal_pool_stop (pool);
  g_assert_cmpuint (processes_using (node_dir), ==, 0);
  seed_stop (&seed);
}

/* --- Shoal SIGKILLed: the kernel takes its node with it ------------- */

static int
run_as_shoal (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalManagedNode) node = managed_node_for (dir, NULL);

  if (!shoal_managed_node_start (node, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("%d\n", shoal_managed_node_get_pid (node));
  for (;;)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

static void
test_no_orphan_when_killed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) shoal = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-managed-node-XXXXXX", &error);
  g_autofree char *line = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *rm[] = { "rm", "-rf", dir, NULL };
  GPid pid;

  shoal = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path, "--as-shoal", dir,
                            NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (shoal));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  pid = (GPid) g_ascii_strtoll (line, NULL, 10);
  g_assert_cmpint (pid, >, 0);
  g_assert_false (process_gone (pid));

  g_subprocess_force_exit (shoal);
  g_subprocess_wait (shoal, NULL, NULL);
  g_assert_cmpint (node_test_wait_until (pid_gone, GINT_TO_POINTER (pid), 30000), >=, 0);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* --- too little disk ------------------------------------------------ */

static void
test_too_little_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-managed-node-XXXXXX", &error);
  g_autoptr(ShoalManagedNode) node = managed_node_for (dir, NULL);
  const char *rm[] = { "rm", "-rf", dir, NULL };

  /* More than any test machine has. */
  g_object_set (node, "min-free-bytes", G_MAXUINT64 / 2, NULL);
  g_assert_false (shoal_managed_node_start (node, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "free in"));
  g_assert_nonnull (strstr (error->message, "choose another folder"));
  g_assert_cmpint (shoal_managed_node_get_pid (node), ==, 0);
  g_assert_cmpstr (shoal_managed_node_get_state (node), ==, "stopped");

  /* The user's override starts it all the same. */
  g_clear_error (&error);
  g_object_set (node, "ignore-disk-space", TRUE, NULL);
  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shoal_managed_node_get_pid (node), >, 0);
  shoal_managed_node_stop (node, 60);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

int
main (int argc, char *argv[])
{
  if (argc == 3 && g_strcmp0 (argv[1], "--as-shoal") == 0)
    return run_as_shoal (argv[2]);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/managed-node/too-little-disk", test_too_little_disk);
  g_test_add_func ("/node/managed-node/no-orphan-when-killed", test_no_orphan_when_killed);
  g_test_add_func ("/node/managed-node/sync-restart-stop", test_sync_restart_stop);
  g_test_add_func ("/node/managed-node/pool-waits-for-sync", test_pool_waits_for_sync);
  return g_test_run ();
}
