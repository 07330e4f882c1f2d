/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "shoal-accounting.h"
#include "shoal-error.h"
#include "shoal-ledger-check.h"
#include "shoal-share-pruning.h"
#include "shoal-store.h"
#include "store-test-util.h"

/* Incomes (payouts P2Pool made to the pool wallet) on a real SQLite file:
 * the window per sidechain, the split to the atomic unit, once only,
 * and the v4 -> v5 migration.  Expected amounts are worked out by hand. */

#define ALICE "4Alice111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
#define BOB   "4Bob22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"
#define CAROL "4Carol3333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
#define TX_1  "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
#define TX_2  "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"
#define BLOCK "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/* The paying block's timestamp: whole seconds, as a block has. */
static gint64
paid_at (void)
{
  static gint64 paid_us;

  if (paid_us == 0)
    paid_us = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC;
  return paid_us;
}

static void
add_share (StoreFixture    *f,
           const char *address,
           guint64     difficulty,
           gint64      time_us)
{
  store_test_add_share (f, address, difficulty, FALSE, time_us);
}

static gint64
sql_int (StoreFixture    *f,
         const char *sql)
{
  return store_test_int (f->path, sql);
}

/* Alice 3000 and bob 1000 inside mini's six hours (a share up to 120 s
 * after the paying block's timestamp counts: the block was found after
 * its template was made); carol 7 h before (inside nano's 18 h only) and
 * 200 s after the block (in no window). */
static void
add_household (StoreFixture *f)
{
  add_share (f, ALICE, 2000, paid_at () - 5 * HOUR_US);
  add_share (f, BOB, 1000, paid_at () - HOUR_US);
  add_share (f, ALICE, 1000, paid_at () + 119 * G_USEC_PER_SEC);
  add_share (f, CAROL, 5000, paid_at () - 7 * HOUR_US);
  add_share (f, CAROL, 5000, paid_at () + 200 * G_USEC_PER_SEC);
}

static void
test_credit_once (StoreFixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM,
                                                                100, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) credits = NULL;
  g_autoptr(ShoalStoreIncome) income = NULL;
  gboolean credited = FALSE;
  guint64 fee_account = 0;

  add_household (f);
  /* 1,000,000,007 at 1 %: fee 10,000,000; rest 990,000,007 over 3:1.
   * alice floor (742,500,005.25), bob floor (247,500,001.75): one unit
   * left, to bob's larger remainder. */
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 1000000007, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, &credited, &error));
  g_assert_no_error (error);
  g_assert_true (credited);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 742500005);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 247500002);
  g_assert_cmpint (store_test_balance (f, CAROL), ==, -1);
  g_assert_true (shoal_store_get_fee_account_sync (f->store, &fee_account, &error));
  g_assert_cmpuint (fee_account, ==, 10000000);

  /* The income row leads to its credits. */
  income = shoal_store_get_income_sync (f->store, TX_1, &error);
  g_assert_nonnull (income);
  g_assert_cmpstr (income->sidechain, ==, "mini");
  g_assert_cmpuint (income->fee, ==, 10000000);
  g_assert_cmpint (income->window_end_us - income->window_start_us, ==, 6 * HOUR_US);
  credits = shoal_store_list_income_credits_sync (f->store, TX_1, &error);
  g_assert_cmpuint (credits->len, ==, 2);
  g_assert_cmpstr (((ShoalCredit *) credits->pdata[0])->address, ==, ALICE);
  g_assert_cmpuint (((ShoalCredit *) credits->pdata[0])->weight, ==, 3000);
  g_assert_cmpuint (((ShoalCredit *) credits->pdata[1])->amount, ==, 247500002);

  /* Seen again, by this process or the next one: nothing moves. */
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 1000000007, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, &credited, &error));
  g_assert_false (credited);
  g_clear_object (&accounting);
  g_clear_object (&f->store);
  f->store = shoal_store_open (f->path, &error);
  accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM, 100, 0);
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 1000000007, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, &credited, &error));
  g_assert_no_error (error);
  g_assert_false (credited);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 742500005);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM incomes"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT sum (amount) FROM income_credits"), ==, 990000007);

  /* The store itself refuses a second credit, whatever the caller did. */
  g_assert_false (shoal_store_credit_income_sync (f->store, income, credits, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 247500002);
}

static void
test_nano_window (StoreFixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM,
                                                                0, 0);
  g_autoptr(GError) error = NULL;
  gboolean credited = FALSE;

  add_household (f);
  /* 18 h: alice 3000, bob 1000, carol 5000 of 9000; 900 without a fee:
   * 300, 100, 500 exactly. */
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_2, 701, 900, paid_at (),
                                                      SHOAL_SIDECHAIN_NANO, &credited, &error));
  g_assert_no_error (error);
  g_assert_true (credited);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 300);
  g_assert_cmpint (store_test_balance (f, BOB), ==, 100);
  g_assert_cmpint (store_test_balance (f, CAROL), ==, 500);
  g_assert_cmpint (shoal_sidechain_window_us (SHOAL_SIDECHAIN_MAIN), ==, 6 * HOUR_US);
  g_assert_cmpint (shoal_sidechain_window_us (SHOAL_SIDECHAIN_NANO), ==, 18 * HOUR_US);
}

/* Not the household's: a coinbase with no work of ours in its window
 * (money from before the split), or the coinbase of our own pool-mode
 * block (credited with the block), stays uncredited.  A malformed txid
 * from the wallet is an error, not a row. */
static void
test_not_ours_and_bad_txid (StoreFixture  *f,
                            gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM,
                                                                100, 0);
  g_autoptr(GPtrArray) credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
  g_autoptr(GError) error = NULL;
  ShoalBlockTerms terms = { .pplns = TRUE, .fee_bps = 100, .window_factor = 2 };
  ShoalStoreIncome income = { TX_2, 800, 5000, "mini", 0, 1, 100, 5000 };
  gboolean credited = TRUE;
  guint64 fee_account = 0;

  add_household (f);
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 5000,
                                                      paid_at () - 30 * HOUR_US,
                                                      SHOAL_SIDECHAIN_MINI, &credited, &error));
  g_assert_no_error (error);
  g_assert_false (credited);

  g_assert_true (shoal_store_add_found_block_sync (f->store, BLOCK, 800, 5000, 1, paid_at (),
                                                   &terms, &error));
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_2, 800, 5000, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, &credited, &error));
  g_assert_no_error (error);
  g_assert_false (credited);
  /* The store itself refuses it, whatever the caller did. */
  g_assert_false (shoal_store_credit_income_sync (f->store, &income, credits, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (shoal_accounting_credit_income_sync (accounting, "not-a-txid", 700, 5000,
                                                       paid_at (), SHOAL_SIDECHAIN_MINI, NULL,
                                                       &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM incomes"), ==, 0);
  g_assert_true (shoal_store_get_fee_account_sync (f->store, &fee_account, NULL));
  g_assert_cmpuint (fee_account, ==, 0);
}

/* A file of schema 4 (before incomes) opens as 7 and keeps its ledger. */
static void
test_migrate_v4 (StoreFixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE arrivals; DROP TABLE sidechain_shares;"
                                     " DROP TABLE income_credits; DROP TABLE incomes;"
                                     " INSERT INTO balances (address, amount) VALUES ('" ALICE
                                     "', 77); PRAGMA user_version = 4", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (sql_int (f, "PRAGMA user_version"), ==, 4);

  f->store = shoal_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (f, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM sqlite_schema WHERE name IN"
                               " ('incomes', 'income_credits', 'incomes_final')"), ==, 3);
  g_assert_cmpint (store_test_balance (f, ALICE), ==, 77);
}

/* shoal --check: an income's credits and fee add up to it; a file of
 * schema 4 (no incomes yet) is checked as it is.  No wallet, no node
 * asked (no block is credited). */
static void
test_ledger_check (StoreFixture  *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM,
                                                                100, 0);
  g_autoptr(ShoalNodeClient) node = shoal_node_client_new ("http://127.0.0.1:1", NULL, NULL);
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  add_household (f);
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 1000000007, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, NULL, &error));
  g_assert_true (shoal_ledger_check_sync (f->path, NULL, node, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report->str, "income " TX_1 ": 1000000007 received and credited"));

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM balances; DROP TABLE sidechain_shares;"
                                     " DROP TABLE income_credits;"
                                     " DROP TABLE incomes; PRAGMA user_version = 4",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_string_truncate (report, 0);
  g_assert_true (shoal_ledger_check_sync (f->path, NULL, node, report, NULL, &error));
  g_assert_no_error (error);
}

/* The household's shares, and TX_1 paid on mini and credited over them. */
static void
credit_household (StoreFixture *f)
{
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (f->store, SHOAL_MODE_UPSTREAM,
                                                                100, 0);
  g_autoptr(GError) error = NULL;

  add_household (f);
  g_assert_true (shoal_accounting_credit_income_sync (accounting, TX_1, 700, 1000000007, paid_at (),
                                                      SHOAL_SIDECHAIN_MINI, NULL, &error));
  g_assert_no_error (error);
}

static void
add_sidechain_share (StoreFixture *f,
                     const char   *address,
                     const char   *worker,
                     guint64       difficulty,
                     gint64        time_us)
{
  ShoalStoreSidechainShare share = { time_us, (char *) address, (char *) worker, 700, difficulty,
                                     300000, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_store_add_sidechain_share_sync (f->store, &share, &error));
  g_assert_no_error (error);
}

/* Each income with what it credited each member; a member's report has
 * only the incomes that credited it, and only its own credit. */
static void
test_income_reports (StoreFixture  *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) bobs = NULL;
  g_autoptr(GPtrArray) carols = NULL;
  g_autoptr(GError) error = NULL;
  const ShoalStoreIncomeReport *report;

  credit_household (f);
  all = shoal_store_list_income_reports_sync (f->store, NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  report = all->pdata[0];
  g_assert_cmpstr (report->income->txid, ==, TX_1);
  g_assert_cmpuint (report->income->amount, ==, 1000000007);
  g_assert_cmpuint (report->credits->len, ==, 2);
  g_assert_cmpuint (((ShoalCredit *) report->credits->pdata[0])->amount, ==, 742500005);

  bobs = shoal_store_list_income_reports_sync (f->store, BOB, 10, &error);
  g_assert_cmpuint (bobs->len, ==, 1);
  report = bobs->pdata[0];
  g_assert_cmpuint (report->credits->len, ==, 1);
  g_assert_cmpstr (((ShoalCredit *) report->credits->pdata[0])->address, ==, BOB);
  g_assert_cmpuint (((ShoalCredit *) report->credits->pdata[0])->amount, ==, 247500002);
  carols = shoal_store_list_income_reports_sync (f->store, CAROL, 10, &error);
  g_assert_cmpuint (carols->len, ==, 0);
}

/* Which rig found which sidechain share, and the payout it fed; gone
 * after the statistics horizon, with the old shares. */
static void
test_sidechain_shares (StoreFixture  *f,
                       gconstpointer  data)
{
  ShoalStoreSidechainShare low = { paid_at (), (char *) ALICE, (char *) "rig-a", 700, 299999,
                                   300000, NULL };
  ShoalSharePrune prune = { .before_us = g_get_real_time () - SHOAL_SHARES_HORIZON_US,
                            .batch = 100, .max_batches = 1 };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) bobs = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  const ShoalStoreSidechainShare *share;
  guint64 removed = 0;

  credit_household (f);
  add_sidechain_share (f, ALICE, "rig-a", 450000, paid_at () - 5 * HOUR_US);
  add_sidechain_share (f, BOB, "rig-b", 900000, paid_at () - HOUR_US);
  add_sidechain_share (f, ALICE, "rig-a", 300000, paid_at () - 8 * 24 * HOUR_US);
  g_assert_false (shoal_store_add_sidechain_share_sync (f->store, &low, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_clear_error (&error);

  all = shoal_store_list_sidechain_shares_sync (f->store, NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  share = all->pdata[0];
  g_assert_cmpstr (share->worker, ==, "rig-b");
  g_assert_cmpstr (share->address, ==, BOB);
  g_assert_cmpuint (share->difficulty, ==, 900000);
  g_assert_cmpuint (share->sidechain_difficulty, ==, 300000);
  g_assert_cmpstr (share->fed_txid, ==, TX_1);
  g_assert_null (((ShoalStoreSidechainShare *) all->pdata[2])->fed_txid);
  bobs = shoal_store_list_sidechain_shares_sync (f->store, BOB, 10, &error);
  g_assert_cmpuint (bobs->len, ==, 1);

  /* The week-old one goes with the old shares; the others stay. */
  g_assert_true (shoal_store_prune_shares_sync (f->store, &prune, &removed, &error));
  g_assert_no_error (error);
  left = shoal_store_list_sidechain_shares_sync (f->store, NULL, 10, &error);
  g_assert_cmpuint (left->len, ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM sidechain_shares WHERE time_us < "
                               "strftime ('%s', 'now', '-7 days') * 1000000"), ==, 0);
}

/* A file of schema 5 (before sidechain shares and payouts on their way)
 * opens as 7, its incomes kept. */
static void
test_migrate_v5 (StoreFixture  *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  credit_household (f);
  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE arrivals; DROP TABLE sidechain_shares;"
                                 " PRAGMA user_version = 5", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM sqlite_schema WHERE name ="
                               " 'sidechain_shares'"), ==, 0);

  f->store = shoal_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (f, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM sqlite_schema WHERE name IN"
                               " ('sidechain_shares', 'sidechain_shares_time', 'arrivals')"), ==, 3);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM incomes"), ==, 1);
  add_sidechain_share (f, BOB, "rig-b", 900000, paid_at () - HOUR_US);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM sidechain_shares"), ==, 1);
}

static ShoalStoreIncome *
arrival_new (const char *txid,
             guint64     height,
             guint64     amount,
             guint64     unlocks_in)
{
  ShoalStoreIncome *arrival = g_new0 (ShoalStoreIncome, 1);

  arrival->txid = g_strdup (txid);
  arrival->height = height;
  arrival->amount = amount;
  arrival->sidechain = g_strdup ("mini");
  arrival->unlocks_in = unlocks_in;
  return arrival;
}

static GPtrArray *
reports (StoreFixture *f,
         const char   *address,
         guint         limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = shoal_store_list_income_reports_sync (f->store, address, limit, &error);

  g_assert_no_error (error);
  return list;
}

static void
set_arrivals (StoreFixture *f,
              GPtrArray    *arrivals)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_store_set_arrivals_sync (f->store, arrivals, &error));
  g_assert_no_error (error);
}

#define TX_3 "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

/* Payouts on their way come first in every report, not credited and
 * without credits; a coinbase already credited, or of our own pool-mode
 * block, is none; each look replaces the last; the table stays bounded
 * whatever the wallet lists; a bad one is refused and changes nothing. */
static void
test_arrivals (StoreFixture  *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) arrivals = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_free);
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_free);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) bobs = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  ShoalBlockTerms terms = { .pplns = TRUE, .fee_bps = 100, .window_factor = 2 };
  const ShoalStoreIncome *first;

  credit_household (f);
  g_assert_true (shoal_store_add_found_block_sync (f->store, BLOCK, 800, 5000, 1, paid_at (),
                                                   &terms, &error));
  g_assert_no_error (error);
  g_ptr_array_add (arrivals, arrival_new (TX_2, 760, 6000, 45));
  g_ptr_array_add (arrivals, arrival_new (TX_3, 790, 7000, 15));
  g_ptr_array_add (arrivals, arrival_new (TX_1, 700, 1000000007, 0));   /* credited */
  g_ptr_array_add (arrivals, arrival_new (BLOCK, 800, 5000, 1));        /* our own block's */
  set_arrivals (f, arrivals);

  all = reports (f, NULL, 10);
  g_assert_cmpuint (all->len, ==, 3);
  first = ((ShoalStoreIncomeReport *) all->pdata[0])->income;
  g_assert_cmpstr (first->txid, ==, TX_3);
  g_assert_cmpuint (first->amount, ==, 7000);
  g_assert_cmpuint (first->unlocks_in, ==, 15);
  g_assert_cmpint (first->credited_us, ==, 0);
  g_assert_cmpuint (((ShoalStoreIncomeReport *) all->pdata[0])->credits->len, ==, 0);
  g_assert_cmpstr (((ShoalStoreIncomeReport *) all->pdata[1])->income->txid, ==, TX_2);
  g_assert_cmpstr (((ShoalStoreIncomeReport *) all->pdata[2])->income->txid, ==, TX_1);
  g_assert_cmpint (((ShoalStoreIncomeReport *) all->pdata[2])->income->credited_us, >, 0);
  /* A member sees what is on its way to the household, and its own credits. */
  bobs = reports (f, BOB, 10);
  g_assert_cmpuint (bobs->len, ==, 3);
  /* The limit counts them too. */
  one = reports (f, NULL, 1);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpstr (((ShoalStoreIncomeReport *) one->pdata[0])->income->txid, ==, TX_3);

  /* A bad one: refused, the last look's kept. */
  g_ptr_array_add (many, arrival_new ("not-a-txid", 1, 1, 1));
  g_assert_false (shoal_store_set_arrivals_sync (f->store, many, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM arrivals"), ==, 2);

  /* A wallet listing 150: the newest 100 are kept. */
  g_ptr_array_set_size (many, 0);
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *txid = g_strdup_printf ("%064x", i + 1);

      g_ptr_array_add (many, arrival_new (txid, 1000 + i, 1, 60));
    }
  set_arrivals (f, many);
  g_assert_cmpint (sql_int (f, "SELECT count (*) FROM arrivals"), ==, 100);
  g_assert_cmpint (sql_int (f, "SELECT min (height) FROM arrivals"), ==, 1050);

  /* The next look finds none: none listed. */
  g_ptr_array_set_size (many, 0);
  set_arrivals (f, many);
  none = reports (f, NULL, 10);
  g_assert_cmpuint (none->len, ==, 1);
  g_assert_cmpstr (((ShoalStoreIncomeReport *) none->pdata[0])->income->txid, ==, TX_1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/incomes/credit-once", StoreFixture, NULL, store_fixture_set_up, test_credit_once,
              store_fixture_tear_down);
  g_test_add ("/incomes/nano-window", StoreFixture, NULL, store_fixture_set_up, test_nano_window,
              store_fixture_tear_down);
  g_test_add ("/incomes/not-ours-and-bad-txid", StoreFixture, NULL, store_fixture_set_up,
              test_not_ours_and_bad_txid, store_fixture_tear_down);
  g_test_add ("/incomes/migrate-v4", StoreFixture, NULL, store_fixture_set_up, test_migrate_v4,
              store_fixture_tear_down);
  g_test_add ("/incomes/ledger-check", StoreFixture, NULL, store_fixture_set_up,
              test_ledger_check, store_fixture_tear_down);
  g_test_add ("/incomes/reports", StoreFixture, NULL, store_fixture_set_up,
              test_income_reports, store_fixture_tear_down);
  g_test_add ("/incomes/sidechain-shares", StoreFixture, NULL, store_fixture_set_up,
              test_sidechain_shares, store_fixture_tear_down);
  g_test_add ("/incomes/migrate-v5", StoreFixture, NULL, store_fixture_set_up, test_migrate_v5,
              store_fixture_tear_down);
  g_test_add ("/incomes/arrivals", StoreFixture, NULL, store_fixture_set_up, test_arrivals,
              store_fixture_tear_down);
  return g_test_run ();
}
