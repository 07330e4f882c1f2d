/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Incomes: payouts an upstream pool (P2Pool) made to the pool wallet.
 * To the ledger an income is what one of our unlocked blocks is: its
 * amount is split over the members' verified work by the same PPLNS rule,
 * lands in the same balances and fee account, and is paid by the same
 * payer.  Only its window differs: P2Pool's is a span of time (its own
 * sidechain blocks), not a sum of network difficulty. */

void
shoal_store_income_free (ShoalStoreIncome *income)
{
  if (income == NULL)
    return;
  g_free (income->txid);
  g_free (income->sidechain);
  g_free (income);
}

/* --- the window -------------------------------------------------------- */

typedef struct
{
  gint64      start_us;
  gint64      end_us;
  GPtrArray  *credits;
} WindowRead;

/* Every share in the store passed Shoal's own RandomX check, so the
 * members' verified work in the span is what they put into P2Pool's
 * window: their shares at the local difficulty, a finer measure of each
 * rig's part than the few sidechain shares P2Pool itself counts. */
static gboolean
read_window (sqlite3   *db,
             gpointer   data,
             GError   **error)
{
  WindowRead *read = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT w.address, sum (s.difficulty) FROM shares AS s JOIN workers AS w"
    " ON w.id = s.worker_id WHERE s.time_us >= ?1 AND s.time_us < ?2"
    " GROUP BY w.address ORDER BY w.address", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, read->start_us);
  sqlite3_bind_int64 (stmt, 2, read->end_us);
  read->credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (read->credits,
                     shoal_credit_new ((const char *) sqlite3_column_text (stmt, 0),
                                       shoal_sql_column_u64 (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading an income's window");
      return FALSE;
    }
  return TRUE;
}

/* The members' verified work from START_US up to (not including) END_US:
 * ShoalCredit rows (amount 0) by address, in address order as the PPLNS
 * split expects. */
GPtrArray *
shoal_store_income_window_sync (ShoalStore  *self,
                                gint64       start_us,
                                gint64       end_us,
                                GError     **error)
{
  WindowRead read = { start_us, end_us, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (start_us <= end_us, NULL);

  if (!shoal_store_read_sync (self, read_window, &read, error))
    g_clear_pointer (&read.credits, g_ptr_array_unref);
  return read.credits;
}

/* --- crediting --------------------------------------------------------- */

typedef struct
{
  const ShoalStoreIncome *income;
  GPtrArray              *credits;
} CreditIncome;

static gboolean
insert_income (sqlite3                 *db,
               const ShoalStoreIncome  *income,
               GError                 **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "INSERT INTO incomes (txid, height, amount, sidechain, window_start_us, window_end_us,"
    " fee_bps, fee, credited_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (txid) DO NOTHING", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, income->txid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, income->sidechain, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, income->window_start_us);
  sqlite3_bind_int64 (stmt, 6, income->window_end_us);
  sqlite3_bind_int (stmt, 7, (int) income->fee_bps);
  sqlite3_bind_int64 (stmt, 9, g_get_real_time ());
  if (!shoal_sql_bind_amount (stmt, 2, income->height, error) ||
      !shoal_sql_bind_amount (stmt, 3, income->amount, error) ||
      !shoal_sql_bind_amount (stmt, 8, income->fee, error) || !shoal_sql_run (stmt, error))
    return FALSE;
  /* The key, not the caller's bookkeeping, is what makes this once. */
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: income %s is already credited", income->txid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
insert_income_credit (sqlite3      *db,
                      const char   *txid,
                      ShoalCredit  *c,
                      GError      **error)
{
  g_autoptr(sqlite3_stmt) row = shoal_sql_prepare (db,
    "INSERT INTO income_credits (txid, address, weight, amount) VALUES (?, ?, ?, ?)", error);

  if (row == NULL)
    return FALSE;
  sqlite3_bind_text (row, 1, txid, -1, SQLITE_STATIC);
  sqlite3_bind_text (row, 2, c->address, -1, SQLITE_STATIC);
  if (!shoal_sql_bind_amount (row, 3, c->weight, error) ||
      !shoal_sql_bind_amount (row, 4, c->amount, error) || !shoal_sql_run (row, error))
    return FALSE;
  return shoal_store_add_to_balance (db, c->address, c->amount, error);
}

/* A coinbase of one of our own pool-mode blocks is credited through its
 * block (the credits table), never again as an income: a pool that moved
 * from pool mode to a split over P2Pool on the same wallet finds those
 * coinbases there too.  The main chain has one block per height. */
static gboolean
pool_block_at (sqlite3   *db,
               guint64    height,
               gboolean  *found,
               GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT count (*) FROM (" SHOAL_STORE_POOL_BLOCKS_AT ("?1") ")", error);

  if (stmt == NULL || !shoal_sql_bind_amount (stmt, 1, height, error))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      shoal_sql_set_error (error, db, "looking for a pool block");
      return FALSE;
    }
  *found = sqlite3_column_int64 (stmt, 0) > 0;
  return TRUE;
}

typedef struct
{
  guint64  height;
  gboolean found;
} PoolBlockRead;

static gboolean
credit_income (sqlite3   *db,
               gpointer   data,
               GError   **error)
{
  CreditIncome *credit = data;
  gboolean pool_block = FALSE;

  if (!pool_block_at (db, credit->income->height, &pool_block, error))
    return FALSE;
  if (pool_block)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: income %s is the coinbase of a pool-mode block at height %"
                   G_GUINT64_FORMAT ", credited with that block", credit->income->txid,
                   credit->income->height);
      return FALSE;
    }
  if (!insert_income (db, credit->income, error))
    return FALSE;
  for (guint i = 0; i < credit->credits->len; i++)
    if (!insert_income_credit (db, credit->income->txid,
                               g_ptr_array_index (credit->credits, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
credits_add_up (const ShoalStoreIncome  *income,
                GPtrArray               *credits,
                GError                 **error)
{
  guint64 sum = income->fee;

  for (guint i = 0; i < credits->len; i++)
    if (!g_uint64_checked_add (&sum, sum, ((ShoalCredit *) g_ptr_array_index (credits, i))->amount))
      sum = G_MAXUINT64;
  if (sum == income->amount)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "Pool database: credits plus fee (%" G_GUINT64_FORMAT ") do not add up to "
               "income %s (%" G_GUINT64_FORMAT ")", sum, income->txid, income->amount);
  return FALSE;
}

/* Records INCOME and credits its CREDITS (ShoalCredit rows with amounts)
 * and its fee, which must add up to its amount exactly, in one
 * transaction.  Fails, changing nothing, for an income already credited. */
gboolean
shoal_store_credit_income_sync (ShoalStore              *self,
                                const ShoalStoreIncome  *income,
                                GPtrArray               *credits,
                                GError                 **error)
{
  CreditIncome credit = { income, credits };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (income != NULL && credits != NULL, FALSE);
  g_return_val_if_fail (income->sidechain != NULL, FALSE);

  if (!shoal_store_is_hex64 (income->txid) || income->amount == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: an income needs a 64-character hex txid and an amount");
      return FALSE;
    }
  return credits_add_up (income, credits, error) &&
         shoal_store_write_sync (self, credit_income, &credit, error);
}

static gboolean
read_pool_block (sqlite3   *db,
                 gpointer   data,
                 GError   **error)
{
  PoolBlockRead *read = data;

  return pool_block_at (db, read->height, &read->found, error);
}

/* Whether HEIGHT holds one of our own pool-mode blocks (not orphaned),
 * whose coinbase is credited with the block and is no income. */
gboolean
shoal_store_has_pool_block_at_sync (ShoalStore  *self,
                                    guint64      height,
                                    gboolean    *found,
                                    GError     **error)
{
  PoolBlockRead read = { height, FALSE };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (found != NULL, FALSE);

  if (!shoal_store_read_sync (self, read_pool_block, &read, error))
    return FALSE;
  *found = read.found;
  return TRUE;
}

/* --- reading back ------------------------------------------------------ */

typedef struct
{
  const char *sql;
  const char *text_arg;
  gint64      int_arg;
  GPtrArray  *rows;
} ListRead;

static ShoalStoreIncome *
income_from_row (sqlite3_stmt *stmt)
{
  ShoalStoreIncome *income = g_new0 (ShoalStoreIncome, 1);

  income->txid = shoal_sql_column_strdup (stmt, 0);
  income->height = shoal_sql_column_u64 (stmt, 1);
  income->amount = shoal_sql_column_u64 (stmt, 2);
  income->sidechain = shoal_sql_column_strdup (stmt, 3);
  income->window_start_us = sqlite3_column_int64 (stmt, 4);
  income->window_end_us = sqlite3_column_int64 (stmt, 5);
  income->fee_bps = (guint) sqlite3_column_int (stmt, 6);
  income->fee = shoal_sql_column_u64 (stmt, 7);
  income->credited_us = sqlite3_column_int64 (stmt, 8);
  return income;
}

static gboolean
read_incomes (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  ListRead *read = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, read->sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  /* Two parameters: ?1 the limit, ?2 the text (NULL binds NULL). */
  if (sqlite3_bind_parameter_count (stmt) == 2)
    {
      sqlite3_bind_int64 (stmt, 1, read->int_arg);
      sqlite3_bind_text (stmt, 2, read->text_arg, -1, SQLITE_STATIC);
    }
  else if (read->text_arg != NULL)
    sqlite3_bind_text (stmt, 1, read->text_arg, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, read->int_arg);
  read->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (read->rows, income_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading incomes");
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
list_incomes (ShoalStore  *self,
              ListRead    *read,
              GError     **error)
{
  if (!shoal_store_read_sync (self, read_incomes, read, error))
    g_clear_pointer (&read->rows, g_ptr_array_unref);
  return read->rows;
}

#define INCOME_COLUMNS \
  "SELECT txid, height, amount, sidechain, window_start_us, window_end_us, fee_bps, fee," \
  " credited_us FROM incomes"

/* The newest LIMIT incomes, newest first (ShoalStoreIncome). */
GPtrArray *
shoal_store_list_incomes_sync (ShoalStore  *self,
                               guint        limit,
                               GError     **error)
{
  ListRead read = { INCOME_COLUMNS " ORDER BY height DESC, txid LIMIT ?1", NULL, limit, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return list_incomes (self, &read, error);
}

/* The income TXID, or NULL (and no error) when it was never credited. */
ShoalStoreIncome *
shoal_store_get_income_sync (ShoalStore  *self,
                             const char  *txid,
                             GError     **error)
{
  ListRead read = { INCOME_COLUMNS " WHERE txid = ?1", txid, 0, NULL };
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (txid != NULL, NULL);

  rows = list_incomes (self, &read, error);
  return rows != NULL && rows->len > 0 ? g_ptr_array_steal_index (rows, 0) : NULL;
}

/* A credit from the columns address, weight, amount, from COLUMN on. */
static ShoalCredit *
credit_from_row (sqlite3_stmt *stmt,
                 int           column)
{
  ShoalCredit *credit = shoal_credit_new ((const char *) sqlite3_column_text (stmt, column),
                                          shoal_sql_column_u64 (stmt, column + 1));

  credit->amount = shoal_sql_column_u64 (stmt, column + 2);
  return credit;
}

static gboolean
read_income_credits (sqlite3   *db,
                     gpointer   data,
                     GError   **error)
{
  ListRead *read = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT address, weight, amount FROM income_credits WHERE txid = ?1 ORDER BY address",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, read->text_arg, -1, SQLITE_STATIC);
  read->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (read->rows, credit_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading an income's credits");
      return FALSE;
    }
  return TRUE;
}

/* What income TXID credited each member (ShoalCredit, by address). */
GPtrArray *
shoal_store_list_income_credits_sync (ShoalStore  *self,
                                      const char  *txid,
                                      GError     **error)
{
  ListRead read = { NULL, txid, 0, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (txid != NULL, NULL);

  if (!shoal_store_read_sync (self, read_income_credits, &read, error))
    g_clear_pointer (&read.rows, g_ptr_array_unref);
  return read.rows;
}

/* --- reports ----------------------------------------------------------- */

/* The incomes of a report: ?1 the limit, ?2 the member (NULL: all). */
#define REPORT_INCOMES \
  " WHERE ?2 IS NULL OR txid IN (SELECT txid FROM income_credits WHERE address = ?2)" \
  " ORDER BY height DESC, txid LIMIT ?1"

/* Every listed income's credits (only the member's, when READ names one)
 * in one statement, each added to its report in BY_TXID, by address:
 * the API reads the report every second, so not one query an income. */
static gboolean
read_report_credits (sqlite3     *db,
                     ListRead    *read,
                     GHashTable  *by_txid,
                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT txid, address, weight, amount FROM income_credits"
    " WHERE (?2 IS NULL OR address = ?2) AND txid IN (SELECT txid FROM incomes" REPORT_INCOMES ")"
    " ORDER BY txid, address", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, read->int_arg);
  sqlite3_bind_text (stmt, 2, read->text_arg, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ShoalStoreIncomeReport *report =
        g_hash_table_lookup (by_txid, sqlite3_column_text (stmt, 0));

      g_ptr_array_add (report->credits, credit_from_row (stmt, 1));
    }
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading the incomes' credits");
      return FALSE;
    }
  return TRUE;
}

/* The payouts on their way, then the incomes and their credits, in one
 * read transaction: a report never shows an income without the credits
 * it was written with, nor one both on its way and credited. */
static gboolean
read_reports (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  ListRead *read = data;
  g_autoptr(GPtrArray) incomes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_free);
  g_autoptr(GHashTable) by_txid = g_hash_table_new (g_str_hash, g_str_equal);

  /* Newer than any credited income, they come first, within the limit. */
  if (!shoal_store_read_arrivals (db, incomes, error))
    return FALSE;
  g_ptr_array_set_size (incomes, MIN (incomes->len, (guint) read->int_arg));
  read->int_arg -= incomes->len;
  if (!read_incomes (db, read, error))
    return FALSE;
  g_ptr_array_extend_and_steal (incomes, g_steal_pointer (&read->rows));
  read->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_report_free);
  for (guint i = 0; i < incomes->len; i++)
    {
      ShoalStoreIncomeReport *report = g_new0 (ShoalStoreIncomeReport, 1);

      report->income = g_steal_pointer (&g_ptr_array_index (incomes, i));
      report->credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
      g_ptr_array_add (read->rows, report);
      g_hash_table_insert (by_txid, report->income->txid, report);
    }
  return read_report_credits (db, read, by_txid, error);
}

/* The payouts on their way (credited_us 0, no credits yet), then the
 * newest incomes, newest first, each with its credits; LIMIT reports in
 * all (ShoalStoreIncomeReport).  ADDRESS non-NULL: only the incomes that
 * credited ADDRESS, and only its credit (and every payout on its way,
 * whose split is not known yet). */
GPtrArray *
shoal_store_list_income_reports_sync (ShoalStore  *self,
                                      const char  *address,
                                      guint        limit,
                                      GError     **error)
{
  ListRead read = { INCOME_COLUMNS REPORT_INCOMES, address, limit, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);

  if (!shoal_store_read_sync (self, read_reports, &read, error))
    g_clear_pointer (&read.rows, g_ptr_array_unref);
  return read.rows;
}
