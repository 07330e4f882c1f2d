/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Arrivals: payouts on their way.  A coinbase paying the pool wallet is
 * credited only once it unlocks, 60 blocks (two hours) after the block
 * that paid it; until then the household would see nothing of a payout
 * it already earned.  The income watcher writes here, at each look at
 * the wallet, the locked coinbases it saw, in place of the last look's.
 * Nothing here is money: crediting reads the wallet again once a coinbase
 * has unlocked. */

/* More than a day of P2Pool payouts, one a Monero block, can never be
 * locked at once: the table stays this small whatever the wallet says. */
#define ARRIVALS_MAX 100

static int
by_height_desc (gconstpointer a,
                gconstpointer b)
{
  const ShoalStoreIncome *x = *(ShoalStoreIncome **) a;
  const ShoalStoreIncome *y = *(ShoalStoreIncome **) b;

  return x->height < y->height ? 1 : x->height > y->height ? -1 : g_strcmp0 (x->txid, y->txid);
}

static gboolean
insert_arrival (sqlite3_stmt            *stmt,
                const ShoalStoreIncome  *arrival,
                GError                 **error)
{
  sqlite3_bind_text (stmt, 1, arrival->txid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, arrival->sidechain, -1, SQLITE_STATIC);
  return shoal_sql_bind_amount (stmt, 2, arrival->height, error) &&
         shoal_sql_bind_amount (stmt, 3, arrival->amount, error) &&
         shoal_sql_bind_amount (stmt, 5, arrival->unlocks_in, error) &&
         shoal_sql_run (stmt, error);
}

/* A coinbase already credited is no arrival, and neither is the coinbase
 * of one of our own pool-mode blocks: it is credited with the block. */
static gboolean
replace_arrivals (sqlite3   *db,
                  gpointer   data,
                  GError   **error)
{
  GPtrArray *arrivals = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!shoal_sql_exec (db, "DELETE FROM arrivals", error))
    return FALSE;
  stmt = shoal_sql_prepare (db,
    "INSERT INTO arrivals (txid, height, amount, sidechain, unlocks_in)"
    " SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM incomes WHERE txid = ?1)"
    " AND NOT EXISTS (" SHOAL_STORE_POOL_BLOCKS_AT ("?2") ")", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < MIN (arrivals->len, ARRIVALS_MAX); i++)
    if (!insert_arrival (stmt, g_ptr_array_index (arrivals, i), error))
      return FALSE;
  return TRUE;
}

/* Replaces the payouts on their way with ARRIVALS (ShoalStoreIncome: txid,
 * height, amount, sidechain, unlocks_in); the newest ARRIVALS_MAX are
 * kept.  Sorts ARRIVALS. */
gboolean
shoal_store_set_arrivals_sync (ShoalStore  *self,
                               GPtrArray   *arrivals,
                               GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (arrivals != NULL, FALSE);

  for (guint i = 0; i < arrivals->len; i++)
    {
      const ShoalStoreIncome *arrival = g_ptr_array_index (arrivals, i);

      if (!shoal_store_is_hex64 (arrival->txid) || arrival->amount == 0 ||
          arrival->sidechain == NULL)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                       "Pool database: a payout on its way needs a txid, an amount and a sidechain");
          return FALSE;
        }
    }
  g_ptr_array_sort (arrivals, by_height_desc);
  return shoal_store_write_sync (self, replace_arrivals, arrivals, error);
}

/* Inside a read: adds the payouts on their way to ROWS, newest first, as
 * incomes never credited (credited_us 0) with their unlocks_in. */
gboolean
shoal_store_read_arrivals (sqlite3    *db,
                           GPtrArray  *rows,
                           GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT txid, height, amount, sidechain, unlocks_in FROM arrivals"
    " ORDER BY height DESC, txid", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ShoalStoreIncome *arrival = g_new0 (ShoalStoreIncome, 1);

      arrival->txid = shoal_sql_column_strdup (stmt, 0);
      arrival->height = shoal_sql_column_u64 (stmt, 1);
      arrival->amount = shoal_sql_column_u64 (stmt, 2);
      arrival->sidechain = shoal_sql_column_strdup (stmt, 3);
      arrival->unlocks_in = shoal_sql_column_u64 (stmt, 4);
      g_ptr_array_add (rows, arrival);
    }
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading the payouts on their way");
      return FALSE;
    }
  return TRUE;
}
