/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-node-pid-file.h"

/* The record of a node kept running, and the check that stands between
 * Shoal and signalling a pid it did not start: no daemon, a shell script
 * named "monerod" stands in for one. */

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("shoal-pid-file-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  const char *rm[] = { "rm", "-rf", dir, NULL };

  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_dir ();
  ShoalNodePidFile written = { 4242, 18081, 18082, 18083 }, read = { 0 };

  g_assert_false (shoal_node_pid_file_read (dir, &read, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_true (shoal_node_pid_file_write (dir, &written, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_node_pid_file_read (dir, &read, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read.pid, ==, 4242);
  g_assert_cmpuint (read.rpc_port, ==, 18081);
  g_assert_cmpuint (read.zmq_rpc_port, ==, 18082);
  g_assert_cmpuint (read.zmq_pub_port, ==, 18083);

  shoal_node_pid_file_remove (dir);
  g_assert_false (shoal_node_pid_file_read (dir, &read, NULL));
  remove_tree (dir);
}

/* Outside input: whatever does not fit is refused, never half read. */
static void
test_malformed (void)
{
  g_autofree char *dir = make_dir ();
  const char *bad[] = {
    "not a key file",
    "[node]\npid=0\nrpc-port=1\nzmq-rpc-port=2\nzmq-pub-port=3\n",
    "[node]\npid=-5\nrpc-port=1\nzmq-rpc-port=2\nzmq-pub-port=3\n",
    "[node]\npid=12\nrpc-port=70000\nzmq-rpc-port=2\nzmq-pub-port=3\n",
    "[node]\npid=12\nrpc-port=1\nzmq-rpc-port=2\n",
    "[node]\npid=twelve\nrpc-port=1\nzmq-rpc-port=2\nzmq-pub-port=3\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      ShoalNodePidFile record = { 0 };

      write_text (dir, SHOAL_NODE_PID_FILE_NAME, bad[i]);
      g_assert_false (shoal_node_pid_file_read (dir, &record, &error));
      g_assert_nonnull (error);
    }
  remove_tree (dir);
}

static gboolean
process_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

/* A stand-in named "monerod" with no child of its own; it ends when its
 * stdin closes, so it cannot outlive the test. */
static GSubprocess *
spawn_fake_monerod (const char *dir,
                    const char *data_dir,
                    char      **script_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (dir, "monerod", NULL);
  GSubprocess *fake;

  write_text (dir, "monerod", "#!/bin/sh\nread line\n");
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  fake = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, script, "--data-dir", data_dir,
                           NULL);
  g_assert_no_error (error);
  *script_out = g_steal_pointer (&script);
  return fake;
}

static gboolean
wait_for_cmdline (GPid        pid,
                  const char *binary,
                  const char *data_dir)
{
  for (guint i = 0; i < 600; i++)
    {
      if (shoal_node_process_is_ours (pid, binary, data_dir))
        return TRUE;
      g_usleep (100 * 1000);
    }
  return FALSE;
}

static void
test_only_ours_is_signalled (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree char *script = NULL;
  g_autoptr(GSubprocess) fake = spawn_fake_monerod (dir, data_dir, &script);
  GPid pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (fake), NULL, 10);

  /* Between fork and exec, the command line is still the test's. */
  g_assert_true (wait_for_cmdline (pid, "monerod", data_dir));
  g_assert_true (shoal_node_process_is_ours (pid, "/usr/bin/monerod", data_dir));
  g_assert_false (shoal_node_process_is_ours (pid, "monerod", other_dir));
  g_assert_false (shoal_node_process_is_ours (pid, "monero-wallet-rpc", data_dir));
  g_assert_false (shoal_node_process_is_ours (getpid (), "monerod", data_dir));
  g_assert_false (shoal_node_process_is_ours (0, "monerod", data_dir));

  /* Another program, or our node on another folder: no signal. */
  g_assert_false (shoal_node_signal_if_ours (getpid (), "monerod", data_dir, SIGTERM));
  g_assert_false (shoal_node_signal_if_ours (pid, "monerod", other_dir, SIGTERM));
  g_assert_false (process_gone (pid));

  g_assert_true (shoal_node_signal_if_ours (pid, "monerod", data_dir, SIGTERM));
  g_subprocess_wait (fake, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (fake));
  g_assert_cmpint (g_subprocess_get_term_sig (fake), ==, SIGTERM);
  /* Gone (and reaped): nothing to check, nothing signalled. */
  g_assert_false (shoal_node_process_is_ours (pid, "monerod", data_dir));
  g_assert_false (shoal_node_signal_if_ours (pid, "monerod", data_dir, SIGTERM));
  remove_tree (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/pid-file/round-trip", test_round_trip);
  g_test_add_func ("/node/pid-file/malformed", test_malformed);
  g_test_add_func ("/node/pid-file/only-ours-is-signalled", test_only_ours_is_signalled);
  return g_test_run ();
}
