/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-test-harness.h"

/* Counts live processes whose command line mentions DIR. */
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
      if (strstr (cmdline, dir) != NULL)
        count++;
    }
  return count;
}

static void
test_daemons_answer_and_pay (void)
{
  ShoalPlayground *playground = shoal_test_harness_start (1);
  ShoalPlaygroundWallet *wallet = shoal_playground_get_wallet (playground);
  g_autofree char *dir = g_strdup (shoal_playground_get_data_dir (playground));
  g_autoptr(JsonNode) info = shoal_test_rpc (shoal_playground_get_node (playground), "get_info", NULL);
  g_autoptr(JsonNode) refreshed = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) transfers = NULL;
  g_autofree char *params = NULL;
  const char *tx_hash;

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info), "status"), ==, "OK");
  g_assert_true (g_str_has_prefix (wallet->address, "4"));
  g_assert_cmpuint (strlen (wallet->address), ==, 95);

  /* Ring size 16 needs 16 unlocked RingCT outputs: 75 blocks, and 60 to unlock. */
  g_assert_true (shoal_playground_generate_blocks (playground, 75, NULL, NULL));
  g_assert_cmpuint (shoal_test_node_height (playground), ==, 76);
  refreshed = shoal_test_rpc (wallet->client, "refresh", NULL);

  params = g_strdup_printf ("{\"destinations\":[{\"amount\":1000000000000,\"address\":\"%s\"}]}",
                            wallet->address);
  sent = shoal_test_rpc (wallet->client, "transfer", params);
  tx_hash = json_object_get_string_member (json_node_get_object (sent), "tx_hash");
  g_assert_cmpuint (strlen (tx_hash), ==, 64);

  /* The node saw it: the transaction is in its pool. */
  transfers = shoal_test_rpc (wallet->client, "get_transfers", "{\"pending\":true,\"pool\":true}");
  g_assert_true (json_object_has_member (json_node_get_object (transfers), "pending") ||
                 json_object_has_member (json_node_get_object (transfers), "pool"));

  shoal_test_harness_stop (playground);
  g_assert_cmpuint (processes_using (dir), ==, 0);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* Where the killed child tells its parent which directory it used. */
static char *
marker_path (pid_t parent)
{
  g_autofree char *name = g_strdup_printf ("shoal-harness-killed-%d", (int) parent);
  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

static void
test_killed_test_leaves_nothing (void)
{
  if (g_test_subprocess ())
    {
      ShoalPlayground *playground = shoal_test_harness_start (1);
      g_autofree char *note = marker_path (getppid ());

      g_file_set_contents (note, shoal_playground_get_data_dir (playground), -1, NULL);
      raise (SIGKILL);
      return;
    }

  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  {
    g_autofree char *note = marker_path (getpid ());
    g_autofree char *dir = NULL;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    const char *rm[] = { "rm", "-rf", dir, NULL };

    g_assert_true (g_file_get_contents (note, &dir, NULL, NULL));
    g_unlink (note);
    g_assert_cmpuint (strlen (dir), >, 8);
    while (processes_using (dir) > 0 && g_get_monotonic_time () < deadline)
      g_usleep (100 * 1000);
    g_assert_cmpuint (processes_using (dir), ==, 0);
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/harness/daemons-answer-and-pay", test_daemons_answer_and_pay);
  g_test_add_func ("/harness/killed-test-leaves-nothing", test_killed_test_leaves_nothing);
  return g_test_run ();
}
