/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-pool.h"
#include "shoal-test-harness.h"

/* A live RandomX seed switch.  On a regtest chain the seed changes at
 * height 2113 and is announced from 2049: the test miner mines through
 * Shoal across that height, and no share may wait for a cache to be
 * built once the switch was announced.  Every share is a block here
 * (difficulty 1), so the chain itself shows the pool kept working. */

#define SEED_SWITCH_HEIGHT 2113

typedef struct
{
  guint64 max_height;
  guint   after_switch;
} Found;

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
  Found *found = user_data;

  found->max_height = MAX (found->max_height, height);
  if (height > SEED_SWITCH_HEIGHT)
    found->after_switch++;
}

static void
iterate_until (gboolean (*done) (gpointer), gpointer data, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (data));
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
has_accepted_share (gpointer data)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (data);

  return snapshot->workers->len > 0 &&
         ((ShoalWorkerInfo *) g_ptr_array_index (snapshot->workers, 0))->accepted > 0;
}

static gboolean
crossed_switch (gpointer data)
{
  return ((Found *) data)->after_switch >= 3;
}

static void
test_seed_switch_never_stalls (void)
{
  g_autoptr(GError) error = NULL;
  ShoalPlayground *playground = shoal_test_harness_start (1);
  ShoalPlaygroundWallet *wallet = shoal_playground_get_wallet (playground);
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(GSubprocess) miner = NULL;
  g_autofree char *db = g_build_filename (shoal_playground_get_data_dir (playground), "pool.db", NULL);
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "tests", "stratum",
                                              "shoal-testminer", NULL);
  g_autofree char *port = NULL;
  Found found = { 0, 0 };
  gboolean started = FALSE;
  guint64 waits_before;
  ShoalWorkerInfo *worker;

  /* Up to a few blocks before the switch, the next seed long announced. */
  g_assert_true (shoal_playground_generate_blocks (playground, SEED_SWITCH_HEIGHT - 8, NULL, &error));
  g_assert_no_error (error);

  g_object_set (config,
                "node-url", shoal_playground_get_node_uri (playground),
                "pool-address", wallet->address,
                "stratum-bind", "127.0.0.1",
                "stratum-port", (guint64) 0,
                "start-difficulty", (guint64) 1,
                "min-difficulty", (guint64) 1,
                "validator-mode", "light",
                "validator-threads", (guint64) 2,
                "database", db,
                NULL);
  pool = shoal_pool_new (config);
  g_signal_connect (pool, "block-found", G_CALLBACK (on_block_found), &found);
  shoal_pool_start_async (pool, NULL, on_started, &started);
  iterate_until (is_true, &started, 30);
  while (shoal_pool_get_snapshot (pool)->network_difficulty == 0)
    g_main_context_iteration (NULL, TRUE);

  /* A steady rig: one share every half second, each one a block. */
  port = g_strdup_printf ("%u", shoal_pool_get_stratum_port (pool));
  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, binary, "-o", "127.0.0.1",
                            "-P", port, "-u", wallet->address, "--rigid", "rig1",
                            "--rate", "2", "--duration", "240", NULL);
  g_assert_no_error (error);
  iterate_until (has_accepted_share, pool, 60);
  waits_before = shoal_pool_get_snapshot (pool)->validator_seed_waits;
  g_assert_cmpuint (found.max_height, <, SEED_SWITCH_HEIGHT);

  iterate_until (crossed_switch, &found, 180);
  g_subprocess_force_exit (miner);

  /* The chain went past the switch on the pool's blocks, and no share
   * after the announcement waited for a cache. */
  g_assert_cmpuint (shoal_test_node_height (playground), >, SEED_SWITCH_HEIGHT + 3);
  g_assert_cmpuint (shoal_pool_get_snapshot (pool)->validator_seed_waits, ==, waits_before);
  worker = g_ptr_array_index (shoal_pool_get_snapshot (pool)->workers, 0);
  g_assert_cmpuint (worker->invalid, ==, 0);
  g_test_message ("blocks past the switch: %u, accepted %" G_GUINT64_FORMAT ", stale %"
                  G_GUINT64_FORMAT ", seed waits %" G_GUINT64_FORMAT,
                  found.after_switch, worker->accepted, worker->stale, waits_before);

  shoal_pool_stop (pool);
  shoal_test_harness_stop (playground);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pool/seed-switch-never-stalls", test_seed_switch_never_stalls);
  return g_test_run ();
}
