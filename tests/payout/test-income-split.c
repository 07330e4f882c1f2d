/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-accounting.h"
#include "shoal-bookkeeper.h"
#include "shoal-income-watcher.h"
#include "shoal-ledger-check.h"
#include "shoal-payer.h"
#include "shoal-store.h"
#include "shoal-test-harness.h"
#include "regtest-payout-util.h"
#include "store-test-util.h"

/* The household split over P2Pool against real daemons: a regtest
 * monerod, the pool's monero-wallet-rpc and one wallet-rpc per member.
 * P2Pool pays the pool wallet in a coinbase; here that coinbase is mined
 * on the regtest chain to the pool wallet's address.  Shoal holds the
 * members' verified shares, sees the payout arrive in the wallet, credits
 * it once unlocked, and pays the members; what counts is what the
 * members' own wallets received. */

#define FEE_BPS    100
#define THRESHOLD  G_GUINT64_CONSTANT (100000000)

static PayoutWorld world;
static ShoalPlaygroundWallet *others;   /* mines every block that does not pay the pool */

static void
mine (guint       n,
      const char *address)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_playground_generate_blocks (world.playground, n, address, &error));
  g_assert_no_error (error);
}

static void
world_start (void)
{
  g_autoptr(GError) error = NULL;

  payout_world_start (&world);
  others = shoal_playground_add_wallet_sync (world.playground, "others", NULL, NULL, &error);
  g_assert_no_error (error);
  /* Ring size 16 needs 16 unlocked outputs on the chain; none of these
   * blocks pays the pool wallet. */
  mine (80, others->address);
}

/* Shoal's books as a pool in upstream mode has them: the store, the
 * bookkeeper thread, and the watcher on the pool wallet. */
typedef struct
{
  ShoalStore         *store;
  ShoalAccounting    *accounting;
  ShoalBookkeeper    *books;
  ShoalIncomeWatcher *watcher;
  GPtrArray          *credited;   /* txids, as "income-credited" said them */
  guint64             amount;     /* the last one's amount */
  gboolean            polled;
} Books;

static void
on_credited (ShoalIncomeWatcher *watcher,
             const char         *txid,
             guint64             amount,
             Books              *books)
{
  g_ptr_array_add (books->credited, g_strdup (txid));
  books->amount = amount;
}

static void
on_polled (ShoalIncomeWatcher *watcher,
           Books              *books)
{
  books->polled = TRUE;
}

static void
books_open (Books *books)
{
  g_autoptr(GError) error = NULL;

  books->store = shoal_store_open (world.db, &error);
  g_assert_no_error (error);
  books->accounting = shoal_accounting_new (books->store, SHOAL_MODE_UPSTREAM, FEE_BPS, 0);
  books->books = shoal_bookkeeper_new (books->store, books->accounting);
  books->watcher = shoal_income_watcher_new (books->books, world.wallet, SHOAL_SIDECHAIN_MINI);
  books->credited = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (books->watcher, "income-credited", G_CALLBACK (on_credited), books);
  g_signal_connect (books->watcher, "polled", G_CALLBACK (on_polled), books);
}

static void
books_close (Books *books)
{
  shoal_income_watcher_stop (books->watcher);
  g_signal_handlers_disconnect_by_data (books->watcher, books);
  shoal_test_assert_finalized (g_steal_pointer (&books->watcher));
  shoal_bookkeeper_shutdown (books->books);
  g_clear_object (&books->books);
  g_clear_object (&books->accounting);
  shoal_store_close (books->store);
  g_clear_object (&books->store);
  g_clear_pointer (&books->credited, g_ptr_array_unref);
}

/* One look at the wallet, and whatever it credited, to the end. */
static void
books_poll (Books *books)
{
  gint64 deadline = g_get_monotonic_time () + SHOAL_TEST_PATIENCE_MS * 1000;

  books->polled = FALSE;
  shoal_income_watcher_poll (books->watcher);
  while (!books->polled && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (books->polled);
}

static void
add_share (ShoalStore *store,
           const char *address)
{
  store_test_record (store, address, 1000, 81, FALSE, g_get_real_time ());
}

/* The pool wallet's own word on the coinbase: its txid and amount. */
static char *
pool_coinbase (guint64 *amount)
{
  g_autoptr(JsonNode) refreshed = shoal_test_rpc (world.pool->client, "refresh", NULL);
  g_autoptr(JsonNode) answer = shoal_test_rpc (world.pool->client, "get_transfers",
                                               "{\"in\":true}");
  JsonArray *in = json_object_get_array_member (json_node_get_object (answer), "in");
  JsonObject *transfer;

  g_assert_cmpuint (json_array_get_length (in), ==, 1);
  transfer = json_array_get_object_element (in, 0);
  g_assert_cmpstr (json_object_get_string_member (transfer, "type"), ==, "block");
  *amount = json_object_get_int_member (transfer, "amount");
  return g_strdup (json_object_get_string_member (transfer, "txid"));
}

/* The one payout on its way the watcher listed, with its blocks to go. */
static void
assert_on_its_way (Books      *books,
                   const char *txid,
                   guint64     amount,
                   guint64     unlocks_in)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reports = shoal_store_list_income_reports_sync (books->store, NULL, 10,
                                                                         &error);
  const ShoalStoreIncomeReport *report;

  g_assert_no_error (error);
  g_assert_cmpuint (reports->len, ==, 1);
  report = reports->pdata[0];
  g_assert_cmpstr (report->income->txid, ==, txid);
  g_assert_cmpuint (report->income->amount, ==, amount);
  g_assert_cmpint (report->income->credited_us, ==, 0);
  g_assert_cmpuint (report->income->unlocks_in, ==, unlocks_in);
  g_assert_cmpuint (report->credits->len, ==, 0);
}

static void
pay_members (ShoalStore *store,
             guint64     alice_due,
             guint64     bob_due)
{
  g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);
  g_autoptr(ShoalStoreBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  shoal_payer_set_node (payer, world.node);
  id = shoal_payer_pay_out_sync (payer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  batch = shoal_store_get_batch_sync (store, id, &error);
  g_assert_cmpint (batch->state, ==, SHOAL_BATCH_RELAYED);
  g_assert_cmpuint (batch->total, ==, alice_due + bob_due);
  mine (1, others->address);
  g_assert_true (shoal_payer_reconcile_sync (payer, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&batch, shoal_store_batch_free);
  batch = shoal_store_get_batch_sync (store, id, &error);
  g_assert_cmpint (batch->state, ==, SHOAL_BATCH_CONFIRMED);
}

static void
test_split (void)
{
  Books books = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) credits = NULL;
  g_autoptr(ShoalStoreIncome) income = NULL;
  g_autofree char *txid = NULL;
  guint64 amount = 0, alice, bob, fee, fee_account = 0;

  world_start ();
  books_open (&books);
  /* Verified work 3:1 over the window, then P2Pool's payout. */
  add_share (books.store, world.alice->address);
  add_share (books.store, world.bob->address);
  add_share (books.store, world.alice->address);
  add_share (books.store, world.alice->address);
  mine (1, world.pool->address);
  txid = pool_coinbase (&amount);
  g_test_message ("the pool wallet received %" G_GUINT64_FORMAT " in coinbase %s", amount, txid);

  /* Locked: nothing is credited yet, but the household sees it coming
   * and how many blocks it has to go, as the chain counts them. */
  books_poll (&books);
  assert_on_its_way (&books, txid, amount, 60);
  mine (59, others->address);
  books_poll (&books);
  g_assert_cmpuint (books.credited->len, ==, 0);
  g_assert_cmpint (store_test_int (world.db, "SELECT count (*) FROM incomes"), ==, 0);
  assert_on_its_way (&books, txid, amount, 1);

  /* Unlocked 60 blocks on: credited, to the atomic unit. */
  mine (1, others->address);
  books_poll (&books);
  g_assert_cmpuint (books.credited->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (books.credited, 0), ==, txid);
  g_assert_cmpuint (books.amount, ==, amount);
  payout_test_expected_split (amount, FEE_BPS, world.alice->address, world.bob->address,
                              &alice, &bob);
  fee = amount - alice - bob;
  g_test_message ("alice %" G_GUINT64_FORMAT ", bob %" G_GUINT64_FORMAT ", fee %" G_GUINT64_FORMAT,
                  alice, bob, fee);
  g_assert_cmpuint (payout_test_balance (books.store, world.alice->address), ==, alice);
  g_assert_cmpuint (payout_test_balance (books.store, world.bob->address), ==, bob);
  /* Credited, it is on its way no more. */
  g_assert_cmpint (store_test_int (world.db, "SELECT count (*) FROM arrivals"), ==, 0);
  g_assert_true (shoal_store_get_fee_account_sync (books.store, &fee_account, &error));
  g_assert_cmpuint (fee_account, ==, fee);

  /* Which payout fed which credit. */
  income = shoal_store_get_income_sync (books.store, txid, &error);
  g_assert_nonnull (income);
  g_assert_cmpuint (income->amount, ==, amount);
  credits = shoal_store_list_income_credits_sync (books.store, txid, &error);
  g_assert_cmpuint (credits->len, ==, 2);

  /* Another look credits nothing more. */
  books_poll (&books);
  g_assert_cmpuint (books.credited->len, ==, 1);

  /* Paid by the payer, into the members' own wallets. */
  pay_members (books.store, alice, bob);
  g_assert_cmpuint (payout_test_received (world.alice, NULL), ==, alice);
  g_assert_cmpuint (payout_test_received (world.bob, NULL), ==, bob);
  books_close (&books);

  /* Shoal restarted: the same income, seen again, is not credited again. */
  books_open (&books);
  books_poll (&books);
  g_assert_cmpuint (books.credited->len, ==, 0);
  g_assert_cmpint (store_test_int (world.db, "SELECT count (*) FROM incomes"), ==, 1);
  g_assert_cmpint (store_test_int (world.db, "SELECT sum (amount) FROM income_credits"), ==,
                   (gint64) (alice + bob));
  g_assert_cmpuint (payout_test_balance (books.store, world.alice->address), ==, 0);
  books_close (&books);
  payout_test_ledger_check (world.db, world.wallet, world.node);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/income-split/p2pool-payout", test_split);
  status = g_test_run ();
  payout_world_stop (&world);
  return status;
}
