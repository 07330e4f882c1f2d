/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shoal-managed-node.h"
#include "shoal-node-pid-file.h"
#include "shoal-playground.h"
#include "shoal-rpc-client.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

/* node-managed-keep-running, with real regtest monerod processes: a node
 * kept running outlives its ShoalManagedNode and the next one adopts it
 * (the same pid, no second monerod); a pid file that names another
 * program is stale, and that program is left alone; an adopted node that
 * dies is started anew; one that refuses our login is replaced.  These nodes are meant to outlive their parent,
 * so a reaper process kills every monerod under the tests' folder once
 * this process is gone, whether it ended, failed an assertion or was
 * killed. */

/* Every test's folder lies under it; the reaper watches it. */
static char *base_dir;

static const char *
monerod (void)
{
  const char *value = g_getenv ("SHOAL_MONEROD");

  return (value && *value) ? value : "monerod";
}

static gboolean
process_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

static gboolean
pid_gone (gpointer pid)
{
  return process_gone (GPOINTER_TO_INT (pid));
}

/* The nodes here are children of this process, reaped by GLib's worker
 * thread a moment after they die: until then kill(pid, 0) still works. */
static void
assert_gone (GPid pid)
{
  g_assert_cmpint (node_test_wait_until (pid_gone, GINT_TO_POINTER (pid), 60000), >=, 0);
}

/* The pids of every monerod whose command line names DIR. */
static GArray *
monerods_under (const char *dir)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize len = 0;
      GPid pid;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      pid = (GPid) g_ascii_strtoll (name, NULL, 10);
      if (strstr (cmdline, "monerod") != NULL && strstr (cmdline, dir) != NULL)
        g_array_append_val (pids, pid);
    }
  return pids;
}

static guint
monerods_using (const char *dir)
{
  g_autoptr(GArray) pids = monerods_under (dir);

  return pids->len;
}

static gboolean
none_using (gpointer dir)
{
  return monerods_using (dir) == 0;
}

static void
kill_monerods_under (const char *dir)
{
  for (guint round = 0; round < 300; round++)
    {
      g_autoptr(GArray) pids = monerods_under (dir);

      if (pids->len == 0)
        return;
      for (guint i = 0; i < pids->len; i++)
        kill (g_array_index (pids, GPid, i), SIGKILL);
      g_usleep (100 * 1000);
    }
}

static void
remove_tree (const char *dir)
{
  const char *rm[] = { "rm", "-rf", dir, NULL };

  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Runs as a child of the test: waits for its stdin to close, which
 * happens however the test process ends, then cleans up after it. */
static int
run_reaper (const char *dir)
{
  char buffer[64];

  while (read (STDIN_FILENO, buffer, sizeof buffer) > 0)
    ;
  kill_monerods_under (dir);
  remove_tree (dir);
  return 0;
}

static GSubprocess *
spawn_reaper (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  GSubprocess *reaper;

  reaper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                             &error, self_path, "--reaper", base_dir, NULL);
  g_assert_no_error (error);
  return reaper;
}

/* --- fixture --------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *data_dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_build_filename (base_dir, "test-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (f->dir));
  f->data_dir = g_build_filename (f->dir, "managed", NULL);
}

/* Whatever a test left, even after a failed check: no monerod stays. */
static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  kill_monerods_under (f->dir);
  remove_tree (f->dir);
  g_free (f->data_dir);
  g_free (f->dir);
}

static ShoalManagedNode *
node_for (Fixture *f)
{
  g_autofree char *p2p = g_strdup_printf ("%u", shoal_playground_free_port (NULL));
  ShoalManagedNode *node = shoal_managed_node_new (monerod (), f->data_dir);
  const char *args[] = {
    "--regtest", "--offline", "--keep-fakechain", "--fixed-difficulty", "1", "--no-igd",
    "--disable-dns-checkpoints", "--check-updates", "disabled", "--log-level", "0",
    "--p2p-bind-ip", "127.0.0.1", "--p2p-bind-port", p2p, NULL
  };

  g_object_set (node, "extra-args", args, "min-free-bytes", (guint64) 1000 * 1000,
                "keep-running", TRUE, NULL);
  return node;
}

static gboolean
is_running (gpointer node)
{
  return g_strcmp0 (shoal_managed_node_get_state (node), "running") == 0;
}

/* get_info, with the node's own login, on the port it was given. */
static gboolean
answers (ShoalManagedNode *node)
{
  g_autoptr(ShoalRpcClient) client =
    shoal_rpc_client_new (shoal_managed_node_get_rpc_uri (node),
                          shoal_managed_node_get_rpc_username (node),
                          shoal_managed_node_get_rpc_password (node));
  g_autoptr(JsonNode) info = NULL;

  shoal_rpc_client_set_timeout (client, 30);
  info = shoal_rpc_client_call_sync (client, "get_info", NULL, NULL, NULL);
  return info != NULL && JSON_NODE_HOLDS_OBJECT (info);
}

/* Starts a node that is kept running, waits for its RPC, lets go of it. */
static GPid
leave_a_node_running (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalManagedNode) node = node_for (f);
  GPid pid;

  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (pid, >, 0);
  /* Its own session: a terminal's hangup does not reach it. */
  g_assert_cmpint (getsid (pid), ==, pid);
  g_assert_cmpint (node_test_wait_until (is_running, node, 120000), >=, 0);

  shoal_managed_node_stop (node, 60);
  g_assert_cmpstr (shoal_managed_node_get_state (node), ==, "stopped");
  g_assert_cmpint (shoal_managed_node_get_pid (node), ==, 0);
  g_assert_false (process_gone (pid));
  g_assert_true (answers (node));
  return pid;
}

static ShoalManagedNode *
adopt (Fixture *f,
       GPid     expected_pid)
{
  g_autoptr(GError) error = NULL;
  ShoalManagedNode *node = node_for (f);

  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shoal_managed_node_get_pid (node), ==, expected_pid);
  g_assert_cmpstr (shoal_managed_node_get_state (node), ==, "running");
  g_assert_cmpuint (monerods_using (f->data_dir), ==, 1);
  return node;
}

/* keep-running off: the stop takes the node with it, adopted or not. */
static void
stop_for_good (Fixture          *f,
               ShoalManagedNode *node)
{
  g_autofree char *pid_file = g_build_filename (f->data_dir, SHOAL_NODE_PID_FILE_NAME, NULL);

  g_object_set (node, "keep-running", FALSE, NULL);
  shoal_managed_node_stop (node, 60);
  g_assert_cmpint (node_test_wait_until (none_using, f->data_dir, 60000), >=, 0);
  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
}

/* --- left running, then adopted ------------------------------------------ */

static void
on_height (ShoalManagedNode *node,
           GParamSpec       *pspec,
           guint            *ticks)
{
  (*ticks)++;
}

static gboolean
ticked (gpointer ticks)
{
  return *(guint *) ticks > 0;
}

static void
test_left_running_then_adopted (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ShoalManagedNode) node = NULL;
  ShoalNodePidFile record;
  GPid pid = leave_a_node_running (f);
  guint ticks = 0;

  g_assert_true (shoal_node_pid_file_read (f->data_dir, &record, NULL));
  g_assert_cmpint (record.pid, ==, pid);

  node = adopt (f, pid);
  /* Progress comes from the adopted node as from a child. */
  g_signal_connect (node, "notify::height", G_CALLBACK (on_height), &ticks);
  g_assert_cmpint (node_test_wait_until (ticked, &ticks, 60000), >=, 0);
  g_assert_cmpint (shoal_managed_node_get_pid (node), ==, pid);

  stop_for_good (f, node);
  assert_gone (pid);
}

/* --- a stale pid file ---------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn_sleeper (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *sleeper;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sleeper = g_subprocess_launcher_spawn (launcher, &error, "sleep", "600", NULL);
  g_assert_no_error (error);
  return sleeper;
}

static void
test_stale_pid_file (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) sleeper = spawn_sleeper ();
  g_autoptr(ShoalManagedNode) node = NULL;
  GPid sleeper_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (sleeper), NULL, 10);
  ShoalNodePidFile stale = {
    sleeper_pid, shoal_playground_free_port (NULL), shoal_playground_free_port (NULL),
    shoal_playground_free_port (NULL)
  };
  ShoalNodePidFile record;
  GPid pid;

  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
  g_assert_true (shoal_node_pid_file_write (f->data_dir, &stale, &error));
  g_assert_no_error (error);

  node = node_for (f);
  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pid, !=, sleeper_pid);
  g_assert_cmpint (node_test_wait_until (is_running, node, 120000), >=, 0);
  g_assert_true (answers (node));
  /* The file now names the new node. */
  g_assert_true (shoal_node_pid_file_read (f->data_dir, &record, NULL));
  g_assert_cmpint (record.pid, ==, pid);

  stop_for_good (f, node);
  g_assert_false (process_gone (sleeper_pid));
  g_assert_nonnull (g_subprocess_get_identifier (sleeper));
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait (sleeper, NULL, NULL);
}

/* --- an adopted node that dies ------------------------------------------- */

static gboolean
restarted (gpointer node)
{
  return shoal_managed_node_get_restarts (node) > 0 && shoal_managed_node_get_pid (node) != 0 &&
         is_running (node);
}

static void
test_adopted_node_killed (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalManagedNode) node = NULL;
  GPid first_pid = leave_a_node_running (f), second_pid;

  node = adopt (f, first_pid);
  g_assert_cmpuint (shoal_managed_node_get_restarts (node), ==, 0);
  kill (first_pid, SIGKILL);

  g_assert_cmpint (node_test_wait_until (restarted, node, 120000), >=, 0);
  second_pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (second_pid, !=, first_pid);
  assert_gone (first_pid);
  g_assert_true (answers (node));
  g_assert_cmpuint (monerods_using (f->data_dir), ==, 1);

  stop_for_good (f, node);
  assert_gone (second_pid);
}

/* --- a node left running that does not take our login ------------------ */

static void
test_foreign_login_replaced (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalManagedNode) node = NULL;
  g_autofree char *login = g_build_filename (f->data_dir, "shoal-rpc-login", NULL);
  GPid first_pid = leave_a_node_running (f), second_pid;

  /* Our login is now another one: the node left running refuses it. */
  g_assert_true (g_file_set_contents (login, "shoal:not-the-one-it-runs-with\n", -1, &error));
  g_assert_no_error (error);
  node = node_for (f);
  g_assert_true (shoal_managed_node_start (node, &error));
  g_assert_no_error (error);
  second_pid = shoal_managed_node_get_pid (node);
  g_assert_cmpint (second_pid, >, 0);
  g_assert_cmpint (second_pid, !=, first_pid);
  assert_gone (first_pid);
  g_assert_cmpint (node_test_wait_until (is_running, node, 120000), >=, 0);
  g_assert_true (answers (node));
  g_assert_cmpuint (monerods_using (f->data_dir), ==, 1);

  stop_for_good (f, node);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) reaper = NULL;
  int status;

  if (argc == 3 && g_strcmp0 (argv[1], "--reaper") == 0)
    return run_reaper (argv[2]);
  g_test_init (&argc, &argv, NULL);
  base_dir = g_dir_make_tmp ("shoal-keep-running-XXXXXX", &error);
  g_assert_no_error (error);
  reaper = spawn_reaper ();
  g_test_add ("/node/keep-running/left-running-then-adopted", Fixture, NULL, fixture_set_up,
              test_left_running_then_adopted, fixture_tear_down);
  g_test_add ("/node/keep-running/stale-pid-file", Fixture, NULL, fixture_set_up,
              test_stale_pid_file, fixture_tear_down);
  g_test_add ("/node/keep-running/adopted-node-killed", Fixture, NULL, fixture_set_up,
              test_adopted_node_killed, fixture_tear_down);
  g_test_add ("/node/keep-running/foreign-login-replaced", Fixture, NULL, fixture_set_up,
              test_foreign_login_replaced, fixture_tear_down);
  status = g_test_run ();
  /* Closing its stdin lets the reaper clean up now. */
  g_output_stream_close (g_subprocess_get_stdin_pipe (reaper), NULL, NULL);
  g_subprocess_wait (reaper, NULL, NULL);
  g_free (base_dir);
  return status;
}
