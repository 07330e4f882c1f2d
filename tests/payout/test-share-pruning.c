/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-accounting.h"
#include "shoal-bookkeeper.h"
#include "shoal-share-pruning.h"
#include "shoal-store.h"
#include "store-test-util.h"

/* Folding old shares on a real SQLite file: what no window needs goes,
 * the ledger and every PPLNS figure stay the same.
 *
 * The shares, in id order, all of difficulty 10:
 *   1..2000     a month ago
 *   2001        the share that found block 1 (height 500; credited)
 *   2002..3001  after it, a month ago
 *   3002        the share that found block 2 (height 501; pending)
 *   3003..3302  the open round, a month ago
 *   3303..3502  the open round, this last hour
 * Block 2's window is 2 x 1000 = 2000 work: 200 shares back from 3002,
 * so it starts at 2803.  The next block's window (network difficulty
 * 1000, kept twice over) starts at 3103, inside the open round.  So the
 * shares that may go are 1..2802 but the block share 2001: 2,801. */

#define ALICE "4Alice111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
#define BOB   "4Bob22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"
#define BLOCK_1 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define BLOCK_2 "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define N_SHARES   3502
#define N_FOLDED   2801
#define DIFFICULTY 1000
#define SECOND_US  G_GINT64_CONSTANT (1000000)
#define DAY_US     (24 * 3600 * SECOND_US)

typedef struct
{
  char            *path;
  ShoalStore      *store;
  ShoalAccounting *accounting;
  gint64           now_us;
  gint64           block_2_us;
} Fixture;

static void
add_share (Fixture  *f,
           guint     index,
           gint64    time_us,
           guint64   height,
           gboolean  is_block)
{
  ShoalShare share = { 0 };

  share.timestamp_us = time_us;
  share.address = (char *) (index % 3 == 0 ? BOB : ALICE);
  share.worker = index % 2 == 0 ? "rig-a" : "rig-b";
  share.difficulty = 10;
  share.height = height;
  share.is_block = is_block;
  /* Batched, not one fsync each: thousands of shares on a busy disk.
   * Writes queued after them (the blocks) still come after them. */
  shoal_share_recorder_record_async (SHOAL_SHARE_RECORDER (f->store), &share, NULL, NULL, NULL);
}

/* Shares FIRST..LAST (ids, as the file numbers them), a second apart from START_US. */
static void
add_shares (Fixture *f,
            guint    first,
            guint    last,
            gint64   start_us)
{
  for (guint i = first; i <= last; i++)
    add_share (f, i, start_us + (gint64) (i - first) * SECOND_US, 500, FALSE);
}

static void
credit_block_1 (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 60, FALSE, 0, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_accounting_credit_block_sync (f->accounting, BLOCK_1, &error));
  g_assert_no_error (error);
}

static void
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->path = store_test_temp_path ("shoal-prune-XXXXXX");
  f->store = shoal_store_open (f->path, &error);
  g_assert_no_error (error);
  f->accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 2);
  f->now_us = g_get_real_time ();
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 month_ago;

  open_store (f);
  month_ago = f->now_us - 30 * DAY_US;

  add_shares (f, 1, 2000, month_ago);
  add_share (f, 2001, month_ago + 2000 * SECOND_US, 500, TRUE);
  g_assert_true (shoal_store_add_block_sync (f->store, BLOCK_1, 500, 600000000001, DIFFICULTY,
                                             month_ago + 2000 * SECOND_US, &error));
  add_shares (f, 2002, 3001, month_ago + 2001 * SECOND_US);
  f->block_2_us = month_ago + 3001 * SECOND_US;
  add_share (f, 3002, f->block_2_us, 501, TRUE);
  g_assert_true (shoal_store_add_block_sync (f->store, BLOCK_2, 501, 600000000000, DIFFICULTY,
                                             f->block_2_us, &error));
  g_assert_no_error (error);
  add_shares (f, 3003, 3302, f->block_2_us + SECOND_US);
  add_shares (f, 3303, N_SHARES, f->now_us - 3600 * SECOND_US);
  g_assert_true (shoal_store_flush_sync (f->store, &error));
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  credit_block_1 (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->accounting);
  g_clear_object (&f->store);
  store_test_remove (f->path);
  g_free (f->path);
}

static gint64
raw_int (Fixture    *f,
         const char *sql)
{
  return store_test_int (f->path, sql);
}

/* Everything the prune must leave as it was, as one string to compare. */
static char *
ledger_and_windows (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) preview = NULL;
  g_autoptr(GPtrArray) round = NULL;
  GString *out = g_string_new (NULL);
  guint64 fee = 0;

  g_string_append_printf (out, "credits %" G_GINT64_FORMAT " fees %" G_GINT64_FORMAT
                          " balances %" G_GINT64_FORMAT "\n",
                          raw_int (f, "SELECT sum (amount) FROM credits"),
                          raw_int (f, "SELECT sum (amount) FROM pool_fees"),
                          raw_int (f, "SELECT sum (amount) FROM balances"));
  preview = shoal_accounting_preview_sync (f->accounting, BLOCK_2, &fee, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < preview->len; i++)
    {
      ShoalCredit *credit = preview->pdata[i];

      g_string_append_printf (out, "window %s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                              credit->address, credit->weight, credit->amount);
    }
  round = shoal_store_list_workers_sync (f->store, f->block_2_us + 1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < round->len; i++)
    {
      ShoalStoreWorker *w = round->pdata[i];

      g_string_append_printf (out, "round %s %s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                              w->address, w->worker, w->shares, w->difficulty);
    }
  g_string_append_printf (out, "fee %" G_GUINT64_FORMAT "\n", fee);
  return g_string_free (out, FALSE);
}

static void
assert_folded (Fixture    *f,
               const char *before)
{
  g_autofree char *after = ledger_and_windows (f);

  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM shares"), ==, N_SHARES - N_FOLDED);
  g_assert_cmpint (raw_int (f, "SELECT min (id) FROM shares WHERE NOT is_block"), ==, 2803);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM shares WHERE is_block"), ==, 2);
  /* Folded, not lost: every share and its work is in the hourly totals. */
  g_assert_cmpint (raw_int (f, "SELECT sum (shares) FROM share_hours"), ==, N_FOLDED);
  g_assert_cmpint (raw_int (f, "SELECT sum (difficulty) FROM share_hours"), ==, N_FOLDED * 10);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM share_hours WHERE hour_us % 3600000000"),
                   ==, 0);
}

typedef struct
{
  gboolean done;
  guint64  removed;
} ChoreResult;

static void
chore_done (gpointer  owner,
            guint64   removed,
            GError   *error)
{
  ChoreResult *result = g_object_get_data (owner, "result");

  g_assert_no_error (error);
  result->removed = removed;
  result->done = TRUE;
}

/* The chore as the pool runs it, on the bookkeeper's thread. */
static guint64
run_chore_rounds (Fixture  *f,
                  guint64   network_difficulty,
                  gboolean  rounds)
{
  g_autoptr(ShoalBookkeeper) books = shoal_bookkeeper_new (f->store, f->accounting);
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  ChoreResult result = { 0 };

  g_object_set_data (owner, "result", &result);
  shoal_share_pruning_queue (books, owner, network_difficulty, SHOAL_SHARES_HORIZON_US, rounds,
                             chore_done);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  return result.removed;
}

static guint64
run_chore (Fixture *f,
           guint64  network_difficulty)
{
  return run_chore_rounds (f, network_difficulty, TRUE);
}

static void
test_chore_folds_only_what_no_window_needs (Fixture       *f,
                                            gconstpointer  data)
{
  g_autofree char *before = ledger_and_windows (f);

  g_assert_cmpuint (run_chore (f, DIFFICULTY), ==, N_FOLDED);
  assert_folded (f, before);
  /* Nothing more to do, and the result does not move. */
  g_assert_cmpuint (run_chore (f, DIFFICULTY), ==, 0);
  assert_folded (f, before);
}

/* Each call does at most its batches; together they do the same work. */
static void
test_batches_are_bounded (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *before = ledger_and_windows (f);
  ShoalSharePrune prune = { .before_us = f->now_us - 7 * DAY_US, .next_window = 4000,
                            .default_factor = 2, .batch = 500, .max_batches = 2 };
  guint64 removed, total = 0;
  guint calls = 0;

  do
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (shoal_store_prune_shares_sync (f->store, &prune, &removed, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (removed, <=, 1000);
      total += removed;
      calls++;
    }
  while (removed > 0);
  g_assert_cmpuint (total, ==, N_FOLDED);
  g_assert_cmpuint (calls, ==, 4);   /* 1000, 1000, 801, then nothing */
  assert_folded (f, before);
}

/* Without the network's difficulty the next window is unknown: all stays. */
static void
test_unknown_difficulty_keeps_all (Fixture       *f,
                                   gconstpointer  data)
{
  g_assert_cmpuint (run_chore (f, 0), ==, 0);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM shares"), ==, N_SHARES);
}

/* An orphaned block can come back to the main chain and be credited:
 * its window stays as if it were pending. */
static void
test_orphan_keeps_its_window (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_2, 3, TRUE, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_chore (f, DIFFICULTY), ==, N_FOLDED);
  g_assert_cmpint (raw_int (f, "SELECT min (id) FROM shares WHERE NOT is_block"), ==, 2803);
}

/* A file with no block of ours: 1..3000 a month ago, 3001..3200 this
 * last hour.  In solo or pool mode all of it is the open round; in
 * upstream mode the upstream pays for it and only the window a fallback
 * block of ours may reach back (400 shares back from 3200) stays. */
static void
no_blocks_set_up (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  open_store (f);
  add_shares (f, 1, 3000, f->now_us - 30 * DAY_US);
  add_shares (f, 3001, 3200, f->now_us - 3600 * SECOND_US);
  g_assert_true (shoal_store_flush_sync (f->store, &error));
  g_assert_no_error (error);
}

static void
test_open_round_stays (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_cmpuint (run_chore_rounds (f, DIFFICULTY, TRUE), ==, 0);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM shares"), ==, 3200);
}

static void
test_upstream_folds_without_a_round (Fixture       *f,
                                     gconstpointer  data)
{
  g_assert_cmpuint (run_chore_rounds (f, DIFFICULTY, FALSE), ==, 2800);
  g_assert_cmpint (raw_int (f, "SELECT min (id) FROM shares"), ==, 2801);
  g_assert_cmpint (raw_int (f, "SELECT count (*) FROM shares"), ==, 400);
  g_assert_cmpint (raw_int (f, "SELECT sum (shares) FROM share_hours"), ==, 2800);
  g_assert_cmpint (raw_int (f, "SELECT sum (difficulty) FROM share_hours"), ==, 28000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/prune/chore-folds-only-what-no-window-needs", Fixture, NULL, fixture_set_up,
              test_chore_folds_only_what_no_window_needs, fixture_tear_down);
  g_test_add ("/prune/batches-are-bounded", Fixture, NULL, fixture_set_up,
              test_batches_are_bounded, fixture_tear_down);
  g_test_add ("/prune/unknown-difficulty-keeps-all", Fixture, NULL, fixture_set_up,
              test_unknown_difficulty_keeps_all, fixture_tear_down);
  g_test_add ("/prune/no-block-keeps-the-open-round", Fixture, NULL, no_blocks_set_up,
              test_open_round_stays, fixture_tear_down);
  g_test_add ("/prune/upstream-folds-without-a-round", Fixture, NULL, no_blocks_set_up,
              test_upstream_folds_without_a_round, fixture_tear_down);
  g_test_add ("/prune/orphan-keeps-its-window", Fixture, NULL, fixture_set_up,
              test_orphan_keeps_its_window, fixture_tear_down);
  return g_test_run ();
}
