/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "shoal-block-keeper.h"
#include "shoal-bookkeeper.h"
#include "shoal-stats-collector.h"
#include "shoal-test-harness.h"

/* The parts of ShoalPool that keep its books, on a real SQLite file and
 * without any daemon: the bookkeeper's order, a block's life from found
 * to credited or orphaned, and the round's running total against a full
 * count of the store.  Waits are "eventually"; nothing is timed. */

#define ALICE "4Alice111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
#define BLOCK_1 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define BLOCK_2 "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

typedef struct
{
  char            *dir;
  ShoalStore      *store;
  ShoalAccounting *accounting;
  ShoalBookkeeper *books;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("shoal-parts-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "pool.db", NULL);
  f->store = shoal_store_open (path, &error);
  g_assert_no_error (error);
  f->accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 1);
  f->books = shoal_bookkeeper_new (f->store, f->accounting);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *names[] = { "pool.db", "pool.db-wal", "pool.db-shm", "pool.db.lock" };

  shoal_bookkeeper_shutdown (f->books);
  shoal_test_assert_finalized (g_steal_pointer (&f->books));
  g_clear_object (&f->accounting);
  shoal_store_close (f->store);
  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_build_filename (f->dir, names[i], NULL);
      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Runs the main context until *FLAG is set, or fails the test after the
 * harness's patience. */
static void
wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + SHOAL_TEST_PATIENCE_MS * 1000;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

static void
add_share (ShoalStore *store,
           guint64     difficulty,
           gint64      time_us)
{
  g_autoptr(GError) error = NULL;
  ShoalShare share = { 0 };

  share.timestamp_us = time_us;
  share.address = ALICE;
  share.worker = "rig";
  share.difficulty = difficulty;
  share.height = 500;
  g_assert_true (shoal_store_record_sync (store, &share, &error));
  g_assert_no_error (error);
}

/* --- the bookkeeper ----------------------------------------------- */

typedef struct
{
  GArray   *worked;     /* touched only on the bookkeeper thread */
  GArray   *finished;   /* touched only on the test's thread */
  GThread  *test_thread;
  gboolean  off_thread;
  guint     n;
  gboolean  all_done;
} Order;

typedef struct
{
  Order *order;
  guint  index;
} Step;

static void
work_step (ShoalStore      *store,
           ShoalAccounting *accounting,
           gpointer         data,
           GError         **error)
{
  Step *step = data;

  g_array_append_val (step->order->worked, step->index);
  if (g_thread_self () == step->order->test_thread)
    step->order->off_thread = FALSE;
}

static void
step_done (gpointer  owner,
           gpointer  data,
           GError   *error)
{
  Step *step = data;

  g_assert_no_error (error);
  g_assert_true (g_thread_self () == step->order->test_thread);
  g_array_append_val (step->order->finished, step->index);
  step->order->all_done = step->order->finished->len == step->order->n;
}

static void
test_bookkeeper_order (Fixture       *f,
                       gconstpointer  data)
{
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)),
                  g_array_new (FALSE, FALSE, sizeof (guint)), g_thread_self (), TRUE, 200, FALSE };
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  gboolean *late = g_new0 (gboolean, 1);

  for (guint i = 0; i < order.n; i++)
    {
      Step *step = g_new0 (Step, 1);

      step->order = &order;
      step->index = i;
      shoal_bookkeeper_queue (f->books, owner, work_step, step_done, step, g_free);
    }
  wait_for (&order.all_done);
  g_assert_true (order.off_thread);
  for (guint i = 0; i < order.n; i++)
    {
      g_assert_cmpuint (g_array_index (order.worked, guint, i), ==, i);
      g_assert_cmpuint (g_array_index (order.finished, guint, i), ==, i);
    }

  /* Once shut down, a chore is dropped: its data freed, its work never run. */
  shoal_bookkeeper_shutdown (f->books);
  shoal_bookkeeper_queue (f->books, owner, work_step, step_done, late, g_free);
  g_assert_cmpuint (order.worked->len, ==, order.n);
  g_array_unref (order.worked);
  g_array_unref (order.finished);
}

/* --- the block keeper --------------------------------------------- */

/* What one of the keeper's signals said, and how often. */
typedef struct
{
  guint   count;
  guint64 height;
  char   *id;
} Announcement;

typedef struct
{
  Announcement found;
  Announcement orphaned;
} Announced;

static void
on_announced (ShoalBlockKeeper *keeper,
              guint64           height,
              const char       *id,
              Announcement     *seen)
{
  seen->count++;
  seen->height = height;
  g_free (seen->id);
  seen->id = g_strdup (id);
}

static ShoalBlockKeeper *
watched_keeper (Fixture   *f,
                Announced *seen)
{
  ShoalBlockKeeper *keeper = shoal_block_keeper_new (f->books);

  g_signal_connect (keeper, "block-found", G_CALLBACK (on_announced), &seen->found);
  g_signal_connect (keeper, "block-orphaned", G_CALLBACK (on_announced), &seen->orphaned);
  return keeper;
}

typedef struct
{
  ShoalStore *store;
  const char *hash;
  ShoalStoreBlockState state;
  gboolean    reached;
} BlockWait;

static gboolean
check_block (gpointer user_data)
{
  BlockWait *wait = user_data;
  g_autoptr(ShoalStoreBlock) block = shoal_store_get_block_sync (wait->store, wait->hash, NULL);

  wait->reached = block != NULL && block->state == wait->state;
  return G_SOURCE_CONTINUE;
}

static void
wait_for_block (ShoalStore           *store,
                const char           *hash,
                ShoalStoreBlockState  state)
{
  BlockWait wait = { store, hash, state, FALSE };
  guint id = g_timeout_add (20, check_block, &wait);

  wait_for (&wait.reached);
  g_source_remove (id);
}

/* Found, then at once reported on the main chain and unlocked: the
 * found block's row is written before accounting reads it, so the
 * block is credited in full; it is announced once. */
static void
test_block_found_and_credited (Fixture       *f,
                               gconstpointer  data)
{
  Announced seen = { 0 };
  g_autoptr(ShoalBlockKeeper) keeper = watched_keeper (f, &seen);
  ShoalBlockTerms terms = { TRUE, 100, 1, FALSE, { 0 } };
  g_autoptr(ShoalStoreBalance) balance = NULL;
  g_autoptr(GError) error = NULL;

  add_share (f->store, 100, g_get_real_time () - 2);
  add_share (f->store, 100, g_get_real_time () - 1);
  shoal_block_keeper_found (keeper, BLOCK_1, 500, 1000000000000, 200, g_get_real_time (), &terms);
  g_assert_cmpuint (seen.found.count, ==, 0);
  shoal_block_keeper_changed (keeper, BLOCK_1, SHOAL_BLOCK_STATE_PENDING, 1);
  g_assert_cmpuint (seen.found.count, ==, 1);
  g_assert_cmpuint (seen.found.height, ==, 500);
  g_assert_cmpstr (seen.found.id, ==, BLOCK_1);
  shoal_block_keeper_changed (keeper, BLOCK_1, SHOAL_BLOCK_STATE_UNLOCKED, 60);
  g_assert_cmpuint (seen.found.count, ==, 1);
  g_assert_cmpuint (seen.orphaned.count, ==, 0);

  /* 1 % fee; the window (200 of work) is Alice's two shares. */
  wait_for_block (f->store, BLOCK_1, SHOAL_STORE_BLOCK_CREDITED);
  balance = shoal_store_get_balance_sync (f->store, ALICE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (balance);
  g_assert_cmpuint (balance->amount, ==, 990000000000);
  g_free (seen.found.id);
  shoal_test_assert_finalized (g_steal_pointer (&keeper));
}

/* Refused by the chain: announced as orphaned, marked so, credited
 * nothing. */
static void
test_block_orphaned (Fixture       *f,
                     gconstpointer  data)
{
  Announced seen = { 0 };
  g_autoptr(ShoalBlockKeeper) keeper = watched_keeper (f, &seen);
  ShoalBlockTerms terms = { TRUE, 100, 1, FALSE, { 0 } };
  g_autoptr(ShoalStoreBalance) balance = NULL;

  add_share (f->store, 200, g_get_real_time () - 1);
  shoal_block_keeper_found (keeper, BLOCK_2, 501, 600000000000, 200, g_get_real_time (), &terms);
  shoal_block_keeper_changed (keeper, BLOCK_2, SHOAL_BLOCK_STATE_ORPHANED, 0);
  g_assert_cmpuint (seen.orphaned.count, ==, 1);
  g_assert_cmpuint (seen.found.count, ==, 0);
  g_assert_cmpuint (seen.orphaned.height, ==, 501);
  g_assert_cmpstr (seen.orphaned.id, ==, BLOCK_2);
  /* Reported again (a recheck): announced only once. */
  shoal_block_keeper_changed (keeper, BLOCK_2, SHOAL_BLOCK_STATE_ORPHANED, 0);
  g_assert_cmpuint (seen.orphaned.count, ==, 1);

  wait_for_block (f->store, BLOCK_2, SHOAL_STORE_BLOCK_ORPHANED);
  balance = shoal_store_get_balance_sync (f->store, ALICE, NULL);
  g_assert_true (balance == NULL || balance->amount == 0);
  g_free (seen.orphaned.id);
  shoal_test_assert_finalized (g_steal_pointer (&keeper));
}

/* --- the round's running total ------------------------------------ */

typedef struct
{
  guint    left;
  gboolean all_done;
} Recording;

static void
share_recorded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Recording *recording = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_share_recorder_record_finish (SHOAL_SHARE_RECORDER (source), result,
                                                     &error));
  g_assert_no_error (error);
  recording->all_done = --recording->left == 0;
}

/* N shares of growing difficulty through the collector, as the stratum
 * server hands them over; one of them validated before BEFORE_US. */
static void
record_through (ShoalStatsCollector *stats,
                guint                n,
                gint64               before_us)
{
  Recording recording = { n, FALSE };

  for (guint i = 0; i < n; i++)
    {
      ShoalShare share = { 0 };

      share.timestamp_us = i == 0 ? before_us - 5 : g_get_real_time ();
      share.address = ALICE;
      share.worker = "rig";
      share.difficulty = 1000 + i;
      share.height = 500;
      shoal_share_recorder_record_async (SHOAL_SHARE_RECORDER (stats), &share, NULL,
                                         share_recorded, &recording);
    }
  wait_for (&recording.all_done);
}

static guint64
rescan (ShoalStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 start_us = 0;
  guint64 sum = shoal_stats_collector_sum_round_sync (store, &start_us, &error);

  g_assert_no_error (error);
  return sum;
}

static ShoalStatsCollector *
loaded_collector (ShoalPool  *pool,
                  ShoalStore *store)
{
  g_autoptr(GError) error = NULL;
  ShoalStatsCollector *stats = shoal_stats_collector_new (pool);

  g_assert_true (shoal_stats_collector_load_round (stats, store, &error));
  g_assert_no_error (error);
  return stats;
}

/* After N shares, after a block and after a restart, the running total
 * is what a full count of the store gives. */
static void
test_round_running_total (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalPool) pool = shoal_pool_new (config);
  g_autoptr(ShoalStatsCollector) stats = NULL;
  ShoalBlockTerms terms = { TRUE, 100, 1, FALSE, { 0 } };
  g_autoptr(GError) error = NULL;
  gint64 found_us = g_get_real_time ();

  add_share (f->store, 7, found_us - 10);
  g_assert_true (shoal_store_add_found_block_sync (f->store, BLOCK_1, 500, 1, 200, found_us,
                                                   &terms, &error));
  g_assert_no_error (error);
  add_share (f->store, 50, found_us + 1);
  stats = loaded_collector (pool, f->store);
  g_assert_cmpuint (shoal_stats_collector_get_round_work (stats), ==, 50);

  /* The first share predates the block: it belongs to the last round. */
  record_through (stats, 40, found_us);
  g_assert_cmpuint (shoal_stats_collector_get_round_work (stats), ==, rescan (f->store));
  g_assert_cmpuint (shoal_stats_collector_get_round_work (stats), >, 50 + 39 * 1000);

  found_us = g_get_real_time ();
  g_assert_true (shoal_store_add_found_block_sync (f->store, BLOCK_2, 501, 1, 200, found_us,
                                                   &terms, &error));
  shoal_stats_collector_new_round (stats, found_us);
  g_assert_cmpuint (shoal_stats_collector_get_round_work (stats), ==, 0);
  g_usleep (2);
  record_through (stats, 25, found_us);
  g_assert_cmpuint (shoal_stats_collector_get_round_work (stats), ==, rescan (f->store));

  /* A restart loads the same total from the store. */
  {
    g_autoptr(ShoalStatsCollector) again = loaded_collector (pool, f->store);

    g_assert_cmpuint (shoal_stats_collector_get_round_work (again), ==,
                      shoal_stats_collector_get_round_work (stats));
    shoal_test_assert_finalized (g_steal_pointer (&again));
  }
  shoal_test_assert_finalized (g_steal_pointer (&stats));
  shoal_test_assert_finalized (g_steal_pointer (&pool));
}

/* A pool that never started still has a snapshot, and is freed with
 * its last reference, collector and all. */
static void
test_unstarted_pool (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  ShoalPool *pool = shoal_pool_new (config);
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (pool);

  g_assert_nonnull (snapshot);
  g_assert_cmpuint (snapshot->round_shares, ==, 0);
  shoal_pool_stop (pool);
  shoal_test_assert_finalized (pool);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/bookkeeper/order", Fixture, NULL, fixture_set_up, test_bookkeeper_order,
              fixture_tear_down);
  g_test_add ("/block-keeper/found-and-credited", Fixture, NULL, fixture_set_up,
              test_block_found_and_credited, fixture_tear_down);
  g_test_add ("/block-keeper/orphaned", Fixture, NULL, fixture_set_up, test_block_orphaned,
              fixture_tear_down);
  g_test_add ("/stats/round-running-total", Fixture, NULL, fixture_set_up,
              test_round_running_total, fixture_tear_down);
  g_test_add_func ("/pool/unstarted", test_unstarted_pool);
  return g_test_run ();
}
