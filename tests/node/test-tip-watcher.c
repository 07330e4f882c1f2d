/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include "shoal-node-client.h"
#include "shoal-tip-watcher.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

static ShoalPlayground *pg;

typedef struct
{
  guint64 height;
  char   *hash;
  guint   count;
} Tip;

static void
on_tip_changed (ShoalTipWatcher *watcher,
                guint64          height,
                const char      *hash,
                Tip             *tip)
{
  tip->height = height;
  g_free (tip->hash);
  tip->hash = g_strdup (hash);
  tip->count++;
}

typedef struct
{
  Tip    *tip;
  guint64 height;
} TipWait;

static gboolean
tip_reached (gpointer data)
{
  TipWait *wait = data;
  return wait->tip->height >= wait->height;
}

static gboolean
reachable (gpointer data)
{
  return shoal_tip_watcher_get_reachable (data);
}

static gboolean
unreachable (gpointer data)
{
  return !shoal_tip_watcher_get_reachable (data);
}

/* Another miner (generateblocks) moves the tip: the watcher says so
 * within 2 s, with monerod's own top hash. */
static void
test_tip_changed_within_2s (void)
{
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL, NULL);
  g_autoptr(ShoalTipWatcher) watcher = shoal_tip_watcher_new (node);
  g_autoptr(ShoalBlockHeader) last = NULL;
  g_autoptr(GError) error = NULL;
  Tip tip = { 0 };
  TipWait wait = { &tip, 0 };
  guint64 start_height;
  gint64 elapsed;

  g_signal_connect (watcher, "tip-changed", G_CALLBACK (on_tip_changed), &tip);
  shoal_tip_watcher_start (watcher);
  g_assert_cmpint (node_test_wait_until (reachable, watcher, 3000), >=, 0);
  g_assert_cmpuint (tip.count, ==, 1);
  start_height = tip.height;
  g_assert_cmpuint (start_height + 1, ==, shoal_test_node_height (pg));

  for (guint round = 0; round < 3; round++)
    {
      g_assert_true (shoal_playground_generate_blocks (pg, 1, NULL, &error));
      g_assert_no_error (error);
      wait.height = start_height + round + 1;
      elapsed = node_test_wait_until (tip_reached, &wait, 2000);
      g_test_message ("tip-changed %" G_GINT64_FORMAT " ms after generateblocks", elapsed);
      g_assert_cmpint (elapsed, >=, 0);
    }
  last = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tip.height, ==, last->height);
  g_assert_cmpstr (tip.hash, ==, last->hash);
  g_assert_cmpstr (shoal_tip_watcher_get_top_hash (watcher), ==, last->hash);
  g_assert_cmpuint (tip.count, ==, 4);

  /* A quiet chain is quiet: no signal without a change. */
  node_test_spin (1500);
  g_assert_cmpuint (tip.count, ==, 4);

  shoal_tip_watcher_stop (watcher);
  g_free (tip.hash);
}

/* monerod hung (SIGSTOP): it still accepts connections but answers
 * nothing; reported unreachable within about 4 s, back when it resumes. */
static void
test_node_hung (void)
{
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL, NULL);
  g_autoptr(ShoalTipWatcher) watcher = shoal_tip_watcher_new (node);
  GPid pid = shoal_playground_get_node_pid (pg);
  gint64 elapsed;

  shoal_tip_watcher_start (watcher);
  g_assert_cmpint (node_test_wait_until (reachable, watcher, 3000), >=, 0);

  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node unreachable: *did not answer*");
  kill (pid, SIGSTOP);
  elapsed = node_test_wait_until (unreachable, watcher, 8000);
  kill (pid, SIGCONT);
  g_test_message ("hung node reported %" G_GINT64_FORMAT " ms after SIGSTOP", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node back: *");
  g_assert_cmpint (node_test_wait_until (reachable, watcher, 5000), >=, 0);
  g_test_assert_expected_messages ();
  shoal_tip_watcher_stop (watcher);
}

/* monerod killed: reported unreachable once per outage; restarted with the
 * same chain: reachable again within 5 s and a fresh tip-changed. */
static void
test_node_outage (void)
{
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL, NULL);
  g_autoptr(ShoalTipWatcher) watcher = shoal_tip_watcher_new (node);
  g_autoptr(GError) error = NULL;
  Tip tip = { 0 };
  guint count_before;
  gint64 elapsed;

  guint64 height = shoal_test_node_height (pg) - 1;

  g_signal_connect (watcher, "tip-changed", G_CALLBACK (on_tip_changed), &tip);
  shoal_tip_watcher_start (watcher);
  g_assert_cmpint (node_test_wait_until (reachable, watcher, 3000), >=, 0);
  g_assert_cmpuint (tip.height, ==, height);

  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node unreachable: *");
  shoal_playground_kill_node (pg);
  elapsed = node_test_wait_until (unreachable, watcher, 5000);
  g_test_message ("unreachable reported %" G_GINT64_FORMAT " ms after the kill", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_test_assert_expected_messages ();
  g_assert_nonnull (shoal_tip_watcher_get_last_error (watcher));

  /* Several more failed polls: a second "node unreachable" would not
   * match the next expected message and fail the test. */
  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node back: *");
  node_test_spin (2500);
  g_assert_false (shoal_tip_watcher_get_reachable (watcher));
  count_before = tip.count;

  g_assert_true (shoal_playground_restart_node_sync (pg, NULL, &error));
  g_assert_no_error (error);
  elapsed = node_test_wait_until (reachable, watcher, 5000);
  g_test_message ("reachable again %" G_GINT64_FORMAT " ms after the node came back", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_test_assert_expected_messages ();
  g_assert_null (shoal_tip_watcher_get_last_error (watcher));
  /* --keep-fakechain: same chain, and listeners were told to refresh. */
  g_assert_cmpuint (tip.height, ==, height);
  g_assert_cmpuint (tip.count, ==, count_before + 1);

  shoal_tip_watcher_stop (watcher);
  g_free (tip.hash);
}

int
main (int argc, char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/tip-watcher/tip-changed-within-2s", test_tip_changed_within_2s);
  g_test_add_func ("/node/tip-watcher/node-hung", test_node_hung);
  g_test_add_func ("/node/tip-watcher/node-outage", test_node_outage);

  pg = shoal_test_harness_start (1);
  result = g_test_run ();
  shoal_test_harness_stop (pg);
  return result;
}
