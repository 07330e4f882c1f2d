/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"


#include "shoal-accounting.h"
#include "shoal-error.h"
#include "shoal-pplns.h"
#include "shoal-store.h"
#include "store-test-util.h"

/* PPLNS and the ledger on a real SQLite file.  Expected amounts are
 * worked out by hand in the comments, not by calling the code under test. */

#define ALICE "4Alice111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
#define BOB   "4Bob22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"
#define CAROL "4Carol3333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
#define BLOCK_1 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define BLOCK_2 "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

static GPtrArray *
credits_of (guint64 alice,
            guint64 bob)
{
  GPtrArray *credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);

  g_ptr_array_add (credits, shoal_credit_new (ALICE, alice));
  g_ptr_array_add (credits, shoal_credit_new (BOB, bob));
  return credits;
}

static void
test_split_exact (void)
{
  g_autoptr(GPtrArray) credits = credits_of (2, 1);
  g_autoptr(GError) error = NULL;
  guint64 fee = 0;

  /* reward 1000000000007, fee 150 bps:
   *   fee  = floor (150000000001050 / 10000) = 15000000000
   *   rest = 985000000007
   *   alice: 985000000007 * 2 / 3 = 656666666671 rem 1
   *   bob:   985000000007 * 1 / 3 = 328333333335 rem 2
   *   one unit left over -> bob (largest remainder) */
  g_assert_true (shoal_pplns_split (1000000000007, 150, credits, &fee, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fee, ==, 15000000000);
  g_assert_cmpuint (((ShoalCredit *) credits->pdata[0])->amount, ==, 656666666671);
  g_assert_cmpuint (((ShoalCredit *) credits->pdata[1])->amount, ==, 328333333336);
  g_assert_cmpuint (fee + 656666666671 + 328333333336, ==, 1000000000007);
}

static void
test_split_ties_and_extremes (void)
{
  g_autoptr(GPtrArray) three = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
  g_autoptr(GPtrArray) huge = credits_of (G_MAXINT64, G_MAXINT64 - 1);
  g_autoptr(GPtrArray) none = credits_of (0, 0);
  g_autoptr(GError) error = NULL;
  guint64 fee = 0;

  /* Equal weights, rest 11 over 3: 3 each, 2 left -> the two smallest addresses. */
  g_ptr_array_add (three, shoal_credit_new (CAROL, 5));
  g_ptr_array_add (three, shoal_credit_new (BOB, 5));
  g_ptr_array_add (three, shoal_credit_new (ALICE, 5));
  g_assert_true (shoal_pplns_split (11, 0, three, &fee, &error));
  g_assert_cmpuint (fee, ==, 0);
  g_assert_cmpuint (((ShoalCredit *) three->pdata[0])->amount, ==, 3);  /* carol */
  g_assert_cmpuint (((ShoalCredit *) three->pdata[1])->amount, ==, 4);  /* bob */
  g_assert_cmpuint (((ShoalCredit *) three->pdata[2])->amount, ==, 4);  /* alice */

  /* Weights near 2^63 and a reward near 2^62: 128-bit products, exact sum.
   * rest = 4611686018427387904 - floor (that * 100 / 10000) = 4565569158243114025 */
  g_assert_true (shoal_pplns_split (G_GUINT64_CONSTANT (4611686018427387904), 100, huge, &fee, &error));
  g_assert_cmpuint (fee, ==, G_GUINT64_CONSTANT (46116860184273879));
  g_assert_cmpuint (((ShoalCredit *) huge->pdata[0])->amount + ((ShoalCredit *) huge->pdata[1])->amount,
                    ==, G_GUINT64_CONSTANT (4565569158243114025));
  g_assert_cmpuint (((ShoalCredit *) huge->pdata[0])->amount, ==, G_GUINT64_CONSTANT (2282784579121557013));

  /* No work at all: the fee account takes the block. */
  g_assert_true (shoal_pplns_split (1000, 100, none, &fee, &error));
  g_assert_cmpuint (fee, ==, 1000);
  g_assert_cmpuint (((ShoalCredit *) none->pdata[0])->amount, ==, 0);

  g_assert_false (shoal_pplns_split (1000, 10001, none, &fee, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
}

/* Shares (oldest first): alice 100, bob 50, alice 30, bob 40 (finds the
 * block), then alice 1000 after the block.  Network difficulty 100, N = 2:
 * window 200 counted back from the block share: bob 40, alice 30, bob 50,
 * and 80 of alice's 100.  Weights: alice 110, bob 90. */
static void
seed_window (StoreFixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 t = 1700000000000000;

  store_test_add_share (f, CAROL, 999, FALSE, t);
  store_test_add_share (f, ALICE, 100, FALSE, t + 1);
  store_test_add_share (f, BOB, 50, FALSE, t + 2);
  store_test_add_share (f, ALICE, 30, FALSE, t + 3);
  store_test_add_share (f, BOB, 40, TRUE, t + 4);
  store_test_add_share (f, ALICE, 1000, FALSE, t + 5);
  g_assert_true (shoal_store_add_block_sync (f->store, BLOCK_1, 500, 600000000001, 100, t + 4, &error));
  g_assert_no_error (error);
}

static void
test_window_and_credit (StoreFixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 2);
  g_autoptr(GPtrArray) window = NULL;
  g_autoptr(GError) error = NULL;
  guint64 fee_account = 0;

  seed_window (f);
  window = shoal_store_pplns_window_sync (f->store, BLOCK_1, 200, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (window->len, ==, 2);
  g_assert_cmpstr (((ShoalCredit *) window->pdata[0])->address, ==, ALICE);
  g_assert_cmpuint (((ShoalCredit *) window->pdata[0])->weight, ==, 110);
  g_assert_cmpuint (((ShoalCredit *) window->pdata[1])->weight, ==, 90);

  /* Not unlocked yet: nothing happens. */
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 59, FALSE, 0, &error));
  g_assert_cmpuint (shoal_accounting_process_sync (accounting, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, -1);

  /* reward 600000000001, fee 1 %: fee = 6000000000, rest 594000000001
   *   alice: 594000000001 * 110 / 200 = 326700000000 rem 110
   *   bob:   594000000001 *  90 / 200 = 267300000000 rem 90
   *   one unit over -> alice (remainder 110 > 90) */
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 60, FALSE, 0, &error));
  g_assert_cmpuint (shoal_accounting_process_sync (accounting, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 326700000001);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 267300000000);
  g_assert_cmpint (store_test_balance (f, CAROL), ==, -1);
  g_assert_cmpint (store_test_int (f->path, "SELECT sum (amount) FROM pool_fees"), ==, 6000000000);
  g_assert_true (shoal_store_get_fee_account_sync (f->store, &fee_account, &error));
  g_assert_cmpuint (fee_account, ==, 6000000000);
  g_assert_cmpint (store_test_int (f->path, "SELECT (SELECT sum (amount) FROM credits) +"
                                     " (SELECT sum (amount) FROM pool_fees)"), ==, 600000000001);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'credited' FROM blocks"), ==, 1);
}

static void
test_credit_once (StoreFixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 2);
  g_autoptr(GPtrArray) forged = credits_of (1, 1);
  g_autoptr(GError) error = NULL;

  seed_window (f);
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 61, FALSE, 0, &error));
  g_assert_true (shoal_accounting_credit_block_sync (accounting, BLOCK_1, &error));
  g_assert_no_error (error);

  g_assert_false (shoal_accounting_credit_block_sync (accounting, BLOCK_1, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "already credited"));
  g_clear_error (&error);
  g_assert_cmpuint (shoal_accounting_process_sync (accounting, &error), ==, 0);

  /* Straight at the store, with a sum that matches: still refused. */
  ((ShoalCredit *) forged->pdata[0])->amount = 300000000000;
  ((ShoalCredit *) forged->pdata[1])->amount = 300000000001;
  g_assert_false (shoal_store_credit_block_sync (f->store, BLOCK_1, forged, 0, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_clear_error (&error);

  /* A credited block stays credited, whatever the tracker says later. */
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 70, TRUE, 5, &error));
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'credited' FROM blocks"), ==, 1);
  g_assert_cmpint (store_test_int (f->path, "SELECT reward FROM blocks"), ==, 600000000001);
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM credits"), ==, 2);
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM pool_fees"), ==, 1);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 326700000001);
}

/* seed_window, and a second block found at height 501. */
static void
seed_two_blocks (StoreFixture *f)
{
  g_autoptr(GError) error = NULL;

  seed_window (f);
  g_assert_true (shoal_store_add_block_sync (f->store, BLOCK_2, 501, 600000000000, 100,
                                             1700000000000009, &error));
  g_assert_no_error (error);
}

/* One tracker report as the pool's bookkeeper hands it over: how many
 * blocks it credited. */
static guint
report (ShoalAccounting *accounting,
        const char      *hash,
        ShoalBlockState  state,
        guint64          confirmations)
{
  g_autoptr(GError) error = NULL;
  guint credited = shoal_accounting_block_changed_sync (accounting, hash, state, confirmations,
                                                        &error);

  g_assert_no_error (error);
  return credited;
}

/* Pending until 60 deep, then credited once; orphaned and rejected take
 * a pending block off the chain, and leave a credited one credited. */
static void
test_tracker_reports (StoreFixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 2);

  seed_two_blocks (f);
  g_assert_cmpuint (report (accounting, BLOCK_1, SHOAL_BLOCK_STATE_SUBMITTED, 0), ==, 0);
  g_assert_cmpuint (report (accounting, BLOCK_1, SHOAL_BLOCK_STATE_PENDING, 59), ==, 0);
  g_assert_cmpint (store_test_int (f->path, "SELECT confirmations FROM blocks WHERE hash = '" BLOCK_1 "'"),
                   ==, 59);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, -1);

  /* The same split as window-and-credit. */
  g_assert_cmpuint (report (accounting, BLOCK_1, SHOAL_BLOCK_STATE_UNLOCKED, 60), ==, 1);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 326700000001);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 267300000000);

  g_assert_cmpuint (report (accounting, BLOCK_1, SHOAL_BLOCK_STATE_ORPHANED, 0), ==, 0);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'credited' FROM blocks WHERE hash = '"
                                     BLOCK_1 "'"), ==, 1);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 326700000001);

  g_assert_cmpuint (report (accounting, BLOCK_2, SHOAL_BLOCK_STATE_REJECTED, 0), ==, 0);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'orphaned' FROM blocks WHERE hash = '"
                                     BLOCK_2 "'"), ==, 1);

  /* A block the store never heard of is no error: nothing to credit. */
  g_assert_cmpuint (report (accounting, "c0ffee", SHOAL_BLOCK_STATE_UNLOCKED, 60), ==, 0);
}

static void
test_credit_rejects_wrong_sum (StoreFixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) credits = credits_of (1, 1);
  g_autoptr(GError) error = NULL;

  seed_window (f);
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 60, FALSE, 0, &error));
  ((ShoalCredit *) credits->pdata[0])->amount = 300000000000;
  ((ShoalCredit *) credits->pdata[1])->amount = 300000000000;
  g_assert_false (shoal_store_credit_block_sync (f->store, BLOCK_1, credits, 0, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "do not add up"));
  /* Rolled back as a whole: the block is still pending, nothing credited. */
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'pending' FROM blocks"), ==, 1);
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM balances"), ==, 0);
}

static void
test_orphan_and_solo (StoreFixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ShoalAccounting) solo = shoal_accounting_new (f->store, SHOAL_MODE_SOLO, 0, 0);
  g_autoptr(GError) error = NULL;

  seed_two_blocks (f);
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 80, TRUE, 0, &error));
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_2, 60, FALSE, 600000000123, &error));
  g_assert_cmpint (store_test_int (f->path, "SELECT reward FROM blocks WHERE height = 501"), ==, 600000000123);
  g_assert_cmpuint (shoal_accounting_process_sync (solo, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'orphaned' FROM blocks WHERE height = 500"), ==, 1);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'unlocked' FROM blocks WHERE height = 501"), ==, 1);
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM balances"), ==, 0);
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM pool_fees"), ==, 0);
  /* Effort: work since the previous block (alice's 1000 after block 1). */
  g_assert_cmpint (store_test_int (f->path, "SELECT work FROM blocks WHERE height = 501"), ==, 1000);
}

static void
credit_block_1 (StoreFixture *f)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_PPLNS, 100, 2);
  g_autoptr(GError) error = NULL;

  seed_window (f);
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 60, FALSE, 0, &error));
  g_assert_true (shoal_accounting_credit_block_sync (accounting, BLOCK_1, &error));
  g_assert_no_error (error);
}

static void
assert_ledger_balances (StoreFixture *f)
{
  /* For every address: amount + reserved + paid == credited. */
  g_assert_cmpint (store_test_int (f->path, "SELECT count (*) FROM balances AS b WHERE"
                                     " b.amount + b.reserved + b.paid <>"
                                     " (SELECT sum (amount) FROM credits WHERE address = b.address)"),
                   ==, 0);
}

static void
test_batch_lifecycle (StoreFixture       *f,
                      gconstpointer  data)
{
  const char *hashes[] = { "aa00000000000000000000000000000000000000000000000000000000000000", NULL };
  const char *metadata[] = { "0102", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStoreBatch) batch = NULL;
  g_autoptr(GPtrArray) payments = NULL;
  gint64 id, second;

  credit_block_1 (f);
  /* Threshold above bob's balance: only alice is due. */
  id = shoal_store_plan_batch_sync (f->store, 300000000000, 15, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (store_test_int (f->path, "SELECT reserved FROM balances WHERE address = '" ALICE "'"),
                   ==, 326700000001);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 0);
  assert_ledger_balances (f);

  /* One open batch at a time. */
  second = shoal_store_plan_batch_sync (f->store, 1, 15, &error);
  g_assert_cmpint (second, ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY);
  g_clear_error (&error);

  /* Steps only go forward. */
  g_assert_false (shoal_store_batch_relayed_sync (f->store, id, &error));
  g_clear_error (&error);
  g_assert_true (shoal_store_batch_built_sync (f->store, id, hashes, metadata, NULL, 30000000, &error));
  g_assert_false (shoal_store_batch_built_sync (f->store, id, hashes, metadata, NULL, 1, &error));
  g_clear_error (&error);
  g_assert_true (shoal_store_batch_relayed_sync (f->store, id, &error));
  g_assert_true (shoal_store_batch_confirmed_sync (f->store, id, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_store_batch_failed_sync (f->store, id, "late", &error));
  g_clear_error (&error);

  batch = shoal_store_get_batch_sync (f->store, id, &error);
  g_assert_cmpint (batch->state, ==, SHOAL_BATCH_CONFIRMED);
  g_assert_cmpuint (batch->fee, ==, 30000000);
  g_assert_cmpuint (batch->total, ==, 326700000001);
  g_assert_cmpstr (batch->tx_hashes[0], ==, hashes[0]);
  payments = shoal_store_list_payments_sync (f->store, id, 100, &error);
  g_assert_cmpuint (payments->len, ==, 1);
  g_assert_cmpstr (((ShoalStorePayment *) payments->pdata[0])->tx_hash, ==, hashes[0]);
  g_assert_cmpint (store_test_int (f->path, "SELECT paid FROM balances WHERE address = '" ALICE "'"),
                   ==, 326700000001);
  assert_ledger_balances (f);

  /* A failed batch gives everything back. */
  id = shoal_store_plan_batch_sync (f->store, 1, 15, &error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 0);
  g_assert_true (shoal_store_batch_failed_sync (f->store, id, "wallet said no", &error));
  g_assert_cmpint (store_test_balance (f, BOB), ==, 267300000000);
  g_assert_cmpint (store_test_int (f->path, "SELECT reserved FROM balances WHERE address = '" BOB "'"), ==, 0);
  assert_ledger_balances (f);
  g_assert_cmpint (shoal_store_plan_batch_sync (f->store, 300000000000, 15, &error), ==, 0);
  g_assert_no_error (error);
}

static void
on_query (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_queries (StoreFixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(GPtrArray) workers = NULL;
  g_autoptr(GPtrArray) stats = NULL;
  g_autoptr(GPtrArray) async_rows = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  credit_block_1 (f);
  g_assert_true (shoal_store_add_stats_sync (f->store, 1000, 12345, 2, 3, &error));
  blocks = shoal_store_list_blocks_sync (f->store, 10, &error);
  g_assert_cmpuint (blocks->len, ==, 1);
  g_assert_cmpuint (((ShoalStoreBlock *) blocks->pdata[0])->state, ==, SHOAL_STORE_BLOCK_CREDITED);
  g_assert_cmpuint (((ShoalStoreBlock *) blocks->pdata[0])->confirmations, ==, 60);
  workers = shoal_store_list_workers_sync (f->store, 0, &error);
  g_assert_cmpuint (workers->len, ==, 3);
  g_assert_cmpstr (((ShoalStoreWorker *) workers->pdata[0])->address, ==, ALICE);
  g_assert_cmpuint (((ShoalStoreWorker *) workers->pdata[0])->shares, ==, 3);
  g_assert_cmpuint (((ShoalStoreWorker *) workers->pdata[0])->difficulty, ==, 1130);
  stats = shoal_store_list_stats_sync (f->store, 0, &error);
  g_assert_cmpuint (stats->len, ==, 1);
  g_assert_cmpuint (((ShoalStoreStats *) stats->pdata[0])->hashrate, ==, 12345);

  shoal_store_query_async (f->store, SHOAL_STORE_QUERY_BALANCES, 0, NULL, on_query, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  async_rows = shoal_store_query_finish (f->store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (async_rows->len, ==, 2);
  g_assert_cmpstr (((ShoalStoreBalance *) async_rows->pdata[1])->address, ==, BOB);
  g_assert_cmpuint (((ShoalStoreBalance *) async_rows->pdata[1])->credited, ==, 267300000000);
}

static gint64
add_hashed_share (StoreFixture    *f,
                  const char *address,
                  gboolean    is_block,
                  guint8      hash_byte)
{
  g_autoptr(GError) error = NULL;
  ShoalShare share = { 0 };

  share.timestamp_us = g_get_real_time ();
  share.address = (char *) address;
  share.worker = "rig";
  share.difficulty = 100;
  share.height = 500;
  share.is_block = is_block;
  memset (share.hash, hash_byte, sizeof share.hash);
  g_assert_true (shoal_store_record_sync (f->store, &share, &error));
  g_assert_no_error (error);
  return store_test_int (f->path, "SELECT max (id) FROM shares");
}

/* A block is credited with the mode, fee and window it was found under,
 * over the window that ends at the share that found it, even when the
 * settings changed and another block share came later at that height. */
static void
test_found_terms (StoreFixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_SOLO, 500, 7);
  g_autoptr(GError) error = NULL;
  ShoalBlockTerms terms = { TRUE, 100, 1, TRUE, { 0 } };
  guint64 batches = 0, blocks = 0;
  gint64 finder;

  add_hashed_share (f, ALICE, FALSE, 0x01);
  finder = add_hashed_share (f, ALICE, TRUE, 0xaa);
  add_hashed_share (f, BOB, FALSE, 0x02);
  add_hashed_share (f, BOB, TRUE, 0xbb);   /* a stale candidate at the same height */
  memset (terms.share_hash, 0xaa, sizeof terms.share_hash);
  /* difficulty 200 x window factor 1: alice's two shares exactly. */
  g_assert_true (shoal_store_add_found_block_sync (f->store, BLOCK_1, 500, 1000000000000, 200,
                                                   g_get_real_time (), &terms, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_test_int (f->path, "SELECT share_id FROM blocks"), ==, finder);
  g_assert_true (shoal_store_count_unfinished_sync (f->store, &batches, &blocks, &error));
  g_assert_cmpuint (blocks, ==, 1);

  /* Settings now say solo, 5 %, window 7: the block keeps pool, 1 %, 1.
   *   fee = 1000000000000 * 100 / 10000 = 10000000000; alice gets the rest. */
  g_assert_true (shoal_store_update_block_sync (f->store, BLOCK_1, 60, FALSE, 0, &error));
  g_assert_cmpuint (shoal_accounting_process_sync (accounting, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (store_test_int (f->path, "SELECT state = 'credited' FROM blocks"), ==, 1);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 990000000000);
  g_assert_cmpint (store_test_balance (f, BOB), ==, -1);
  g_assert_cmpint (store_test_int (f->path, "SELECT sum (amount) FROM pool_fees"), ==, 10000000000);
  g_assert_true (shoal_store_count_unfinished_sync (f->store, &batches, &blocks, &error));
  g_assert_cmpuint (blocks, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pplns/split-exact", test_split_exact);
  g_test_add_func ("/pplns/split-ties-and-extremes", test_split_ties_and_extremes);
  g_test_add ("/accounting/window-and-credit", StoreFixture, NULL, store_fixture_set_up,
              test_window_and_credit, store_fixture_tear_down);
  g_test_add ("/accounting/credit-once", StoreFixture, NULL, store_fixture_set_up,
              test_credit_once, store_fixture_tear_down);
  g_test_add ("/accounting/tracker-reports", StoreFixture, NULL, store_fixture_set_up,
              test_tracker_reports, store_fixture_tear_down);
  g_test_add ("/accounting/credit-rejects-wrong-sum", StoreFixture, NULL, store_fixture_set_up,
              test_credit_rejects_wrong_sum, store_fixture_tear_down);
  g_test_add ("/accounting/orphan-and-solo", StoreFixture, NULL, store_fixture_set_up,
              test_orphan_and_solo, store_fixture_tear_down);
  g_test_add ("/accounting/found-terms", StoreFixture, NULL, store_fixture_set_up,
              test_found_terms, store_fixture_tear_down);
  g_test_add ("/store/batch-lifecycle", StoreFixture, NULL, store_fixture_set_up,
              test_batch_lifecycle, store_fixture_tear_down);
  g_test_add ("/store/queries", StoreFixture, NULL, store_fixture_set_up,
              test_queries, store_fixture_tear_down);
  return g_test_run ();
}
