/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Payout batches.  Every step is one transaction that changes the batch's
 * state and the balances together, so after a crash the state says
 * exactly where the money is:
 *   planned:   balances.amount -> balances.reserved
 *   confirmed: balances.reserved -> balances.paid
 *   failed:    balances.reserved -> balances.amount (released)
 * Hence, for every address, amount + reserved + paid == credited. */

static gboolean
move_batch (sqlite3          *db,
            gint64            id,
            const char       *from,
            ShoalBatchState   to,
            GError          **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE payout_batches SET state = ?1, updated_us = ?2"
                                          " WHERE id = ?3 AND state IN (%s)", from);
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, shoal_batch_state_to_string (to), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, id);
  if (!shoal_sql_run (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) != 1)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: payout batch %" G_GINT64_FORMAT " cannot become %s from its "
                   "current state", id, shoal_batch_state_to_string (to));
      return FALSE;
    }
  return TRUE;
}

static gboolean
exec_for_batch (sqlite3     *db,
                const char  *sql,
                gint64       id,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return shoal_sql_run (stmt, error);
}

/* --- planned ----------------------------------------------------------- */

typedef struct
{
  guint64    threshold;
  guint      max_payments;
  GPtrArray *expected;   /* ShoalStorePayment, or NULL */
  gint64     id;
} PlanBatch;

/* The one planner: who is paid, and how much.  The preview and the
 * payout both read this.  Integrated addresses (106 characters) are never
 * planned: the wallet refuses them next to other destinations, and one of
 * them would stop every batch (stratum refuses them at login). */
static const char due_sql[] =
  "SELECT address, amount FROM balances WHERE amount > 0 AND amount >= ?1"
  " AND length (address) <> 106 ORDER BY amount DESC, address LIMIT ?2";

static gboolean
check_none_open (sqlite3  *db,
                 GError  **error)
{
  guint64 open = 0;

  if (!shoal_sql_query_u64 (db, "SELECT id FROM payout_batches WHERE state IN ('planned', 'built')",
                            NULL, &open, error))
    return FALSE;
  if (open != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY,
                   "Pool database: payout batch %" G_GUINT64_FORMAT " is unfinished; it must be "
                   "reconciled with the wallet before a new payout", open);
      return FALSE;
    }
  return TRUE;
}

static gboolean
reserve (sqlite3     *db,
         gint64       id,
         const char  *address,
         gint64       amount,
         GError     **error)
{
  g_autoptr(sqlite3_stmt) pay = shoal_sql_prepare (db,
    "INSERT INTO payments (batch_id, address, amount) VALUES (?1, ?2, ?3)", error);
  g_autoptr(sqlite3_stmt) hold = NULL;

  if (pay == NULL)
    return FALSE;
  sqlite3_bind_int64 (pay, 1, id);
  sqlite3_bind_text (pay, 2, address, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (pay, 3, amount);
  if (!shoal_sql_run (pay, error))
    return FALSE;
  hold = shoal_sql_prepare (db, "UPDATE balances SET amount = amount - ?2, reserved = reserved + ?2"
                                " WHERE address = ?1", error);
  if (hold == NULL)
    return FALSE;
  sqlite3_bind_text (hold, 1, address, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (hold, 2, amount);
  return shoal_sql_run (hold, error);
}

static gboolean
create_batch (sqlite3  *db,
              gint64   *id,
              GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "INSERT INTO payout_batches (created_us, updated_us) VALUES (?1, ?1)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (!shoal_sql_run (stmt, error))
    return FALSE;
  *id = sqlite3_last_insert_rowid (db);
  return TRUE;
}

static GPtrArray *
list_due (sqlite3   *db,
          guint64    threshold,
          guint      max_payments,
          GError   **error)
{
  g_autoptr(sqlite3_stmt) due = shoal_sql_prepare (db, due_sql, error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_payment_free);
  int rc;

  if (due == NULL || !shoal_sql_bind_amount (due, 1, threshold, error))
    return NULL;
  sqlite3_bind_int64 (due, 2, max_payments);
  while ((rc = sqlite3_step (due)) == SQLITE_ROW)
    {
      ShoalStorePayment *row = g_new0 (ShoalStorePayment, 1);

      row->address = shoal_sql_column_strdup (due, 0);
      row->amount = shoal_sql_column_u64 (due, 1);
      g_ptr_array_add (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "choosing the balances to pay");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* What was confirmed must be exactly what is paid. */
static gboolean
same_payments (GPtrArray  *due,
               GPtrArray  *expected,
               GError    **error)
{
  gboolean same = due->len == expected->len;

  for (guint i = 0; same && i < due->len; i++)
    {
      ShoalStorePayment *a = g_ptr_array_index (due, i);
      ShoalStorePayment *b = g_ptr_array_index (expected, i);

      same = g_strcmp0 (a->address, b->address) == 0 && a->amount == b->amount;
    }
  if (!same)
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                 "The balances changed since this payout was shown for confirmation: nothing "
                 "was paid; open the payout again to see what is due now");
  return same;
}

static gboolean
plan_batch (sqlite3   *db,
            gpointer   data,
            GError   **error)
{
  PlanBatch *plan = data;
  g_autoptr(GPtrArray) due = NULL;

  if (!check_none_open (db, error))
    return FALSE;
  due = list_due (db, plan->threshold, plan->max_payments, error);
  if (due == NULL || (plan->expected != NULL && !same_payments (due, plan->expected, error)))
    return FALSE;
  for (guint i = 0; i < due->len; i++)
    {
      ShoalStorePayment *row = g_ptr_array_index (due, i);

      if (plan->id == 0 && !create_batch (db, &plan->id, error))
        return FALSE;
      if (!reserve (db, plan->id, row->address, (gint64) row->amount, error))
        return FALSE;
    }
  return plan->id == 0 ||
         exec_for_batch (db, "UPDATE payout_batches SET total = (SELECT sum (amount) FROM payments"
                             " WHERE batch_id = ?1) WHERE id = ?1", plan->id, error);
}

typedef struct
{
  guint64    threshold;
  guint      max_payments;
  GPtrArray *rows;
} ListDue;

static gboolean
read_due (sqlite3   *db,
          gpointer   data,
          GError   **error)
{
  ListDue *list = data;

  list->rows = list_due (db, list->threshold, list->max_payments, error);
  return list->rows != NULL;
}

/* What a payout would pay now (ShoalStorePayment rows with address and
 * amount, in the order they would be planned), read by the same query
 * that plans it. */
GPtrArray *
shoal_store_list_due_sync (ShoalStore  *self,
                           guint64      threshold,
                           guint        max_payments,
                           GError     **error)
{
  ListDue list = { threshold, max_payments, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  /* On the writer: the same snapshot a plan right after would see. */
  if (!shoal_store_write_sync (self, read_due, &list, error))
    return NULL;
  return list.rows;
}

/* Reserves every balance at or above THRESHOLD (at most MAX_PAYMENTS of
 * them, largest first) into a new planned batch, in one transaction.
 * Returns its id, or 0 with no error when nobody is due.  Refused while
 * another batch is planned or built. */
gint64
shoal_store_plan_batch_sync (ShoalStore  *self,
                             guint64      threshold,
                             guint        max_payments,
                             GError     **error)
{
  return shoal_store_plan_exact_batch_sync (self, threshold, max_payments, NULL, error);
}

/* The same, refused unless what is due is exactly EXPECTED (what a person
 * confirmed: ShoalStorePayment rows as shoal_store_list_due_sync gave
 * them).  NULL: no such condition. */
gint64
shoal_store_plan_exact_batch_sync (ShoalStore  *self,
                                   guint64      threshold,
                                   guint        max_payments,
                                   GPtrArray   *expected,
                                   GError     **error)
{
  PlanBatch plan = { threshold, max_payments, expected, 0 };

  g_return_val_if_fail (SHOAL_IS_STORE (self), 0);
  g_return_val_if_fail (max_payments > 0, 0);

  if (!shoal_store_write_sync (self, plan_batch, &plan, error))
    return 0;
  return plan.id;
}

/* --- built, relayed ---------------------------------------------------- */

typedef struct
{
  gint64              id;
  const char * const *hashes;
  const char * const *metadata;
  const char * const *key_images;
  guint64             fee;
} BuiltBatch;

static gboolean
batch_built (sqlite3   *db,
             gpointer   data,
             GError   **error)
{
  BuiltBatch *built = data;
  g_autofree char *hashes = g_strjoinv ("\n", (char **) built->hashes);
  g_autofree char *metadata = g_strjoinv ("\n", (char **) built->metadata);
  g_autofree char *key_images = built->key_images ? g_strjoinv ("\n", (char **) built->key_images) : NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!move_batch (db, built->id, "'planned'", SHOAL_BATCH_BUILT, error))
    return FALSE;
  stmt = shoal_sql_prepare (db, "UPDATE payout_batches SET tx_hashes = ?1, tx_metadata = ?2, fee = ?3,"
                                " key_images = ?5 WHERE id = ?4", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, hashes, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, metadata, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, built->id);
  sqlite3_bind_text (stmt, 5, key_images, -1, SQLITE_STATIC);
  return shoal_sql_bind_amount (stmt, 3, built->fee, error) && shoal_sql_run (stmt, error);
}

/* planned -> built: the wallet built (and did not relay) these
 * transactions; METADATA is what relay_tx needs to send them later;
 * KEY_IMAGES (one line per transaction, may be NULL) is what later proves
 * that they can never be mined. */
gboolean
shoal_store_batch_built_sync (ShoalStore          *self,
                              gint64               batch_id,
                              const char * const  *tx_hashes,
                              const char * const  *tx_metadata,
                              const char * const  *key_images,
                              guint64              fee,
                              GError             **error)
{
  BuiltBatch built = { batch_id, tx_hashes, tx_metadata, key_images, fee };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (tx_hashes != NULL && tx_hashes[0] != NULL, FALSE);
  g_return_val_if_fail (tx_metadata != NULL, FALSE);
  g_return_val_if_fail (g_strv_length ((char **) tx_hashes) == g_strv_length ((char **) tx_metadata),
                        FALSE);
  g_return_val_if_fail (key_images == NULL ||
                        g_strv_length ((char **) tx_hashes) == g_strv_length ((char **) key_images),
                        FALSE);

  return shoal_store_write_sync (self, batch_built, &built, error);
}

static gboolean
batch_relayed (sqlite3   *db,
               gpointer   data,
               GError   **error)
{
  return move_batch (db, *(gint64 *) data, "'built'", SHOAL_BATCH_RELAYED, error);
}

gboolean
shoal_store_batch_relayed_sync (ShoalStore  *self,
                                gint64       batch_id,
                                GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, batch_relayed, &batch_id, error);
}

/* --- confirmed, failed ------------------------------------------------- */

typedef struct
{
  gint64      id;
  GHashTable *tx_by_address;
  const char *text;
} FinishBatch;

static gboolean
name_transactions (sqlite3      *db,
                   FinishBatch  *finish,
                   GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE payments SET tx_hash = ?1 WHERE batch_id = ?2 AND address = ?3", error);
  GHashTableIter iter;
  gpointer address, tx;

  if (stmt == NULL)
    return FALSE;
  if (finish->tx_by_address != NULL)
    {
      g_hash_table_iter_init (&iter, finish->tx_by_address);
      while (g_hash_table_iter_next (&iter, &address, &tx))
        {
          sqlite3_bind_text (stmt, 1, tx, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, finish->id);
          sqlite3_bind_text (stmt, 3, address, -1, SQLITE_STATIC);
          if (!shoal_sql_run (stmt, error))
            return FALSE;
        }
    }
  /* A batch of one transaction pays everyone with it. */
  return exec_for_batch (db, "UPDATE payments SET tx_hash = (SELECT tx_hashes FROM payout_batches"
                             " WHERE id = ?1) WHERE batch_id = ?1 AND tx_hash IS NULL AND"
                             " (SELECT instr (tx_hashes, char (10)) FROM payout_batches"
                             " WHERE id = ?1) = 0", finish->id, error);
}

static gboolean
batch_confirmed (sqlite3   *db,
                 gpointer   data,
                 GError   **error)
{
  FinishBatch *finish = data;

  return move_batch (db, finish->id, "'relayed'", SHOAL_BATCH_CONFIRMED, error) &&
         exec_for_batch (db, "UPDATE balances SET reserved = reserved - p.amount,"
                             " paid = paid + p.amount FROM payments AS p"
                             " WHERE p.batch_id = ?1 AND p.address = balances.address",
                         finish->id, error) &&
         name_transactions (db, finish, error);
}

/* relayed -> confirmed: the wallet lists the batch's transactions as mined
 * ("out").  TX_BY_ADDRESS (address -> tx hash, may be NULL) records which
 * transaction paid whom; a one-transaction batch needs none. */
gboolean
shoal_store_batch_confirmed_sync (ShoalStore  *self,
                                  gint64       batch_id,
                                  GHashTable  *tx_by_address,
                                  GError     **error)
{
  FinishBatch finish = { batch_id, tx_by_address, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, batch_confirmed, &finish, error);
}

static gboolean
set_note (sqlite3      *db,
          FinishBatch  *finish,
          GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE payout_batches SET note = ?1, updated_us = ?2 WHERE id = ?3", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, finish->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, finish->id);
  if (!shoal_sql_run (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) == 1)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "Pool database: no payout batch %" G_GINT64_FORMAT, finish->id);
  return FALSE;
}

static gboolean
batch_failed (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  FinishBatch *finish = data;

  return move_batch (db, finish->id, "'planned', 'built', 'relayed'", SHOAL_BATCH_FAILED, error) &&
         exec_for_batch (db, "UPDATE balances SET reserved = reserved - p.amount,"
                             " amount = balances.amount + p.amount FROM payments AS p"
                             " WHERE p.batch_id = ?1 AND p.address = balances.address",
                         finish->id, error) &&
         set_note (db, finish, error);
}

/* Any unfinished state -> failed, releasing the reserved balances.  Only
 * for a batch whose transactions provably can never be mined: nothing
 * was sent (planned), or every key image they spend is spent on chain by
 * other transactions, deep enough (never on the wallet's word alone). */
gboolean
shoal_store_batch_failed_sync (ShoalStore  *self,
                               gint64       batch_id,
                               const char  *reason,
                               GError     **error)
{
  FinishBatch finish = { batch_id, NULL, reason };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, batch_failed, &finish, error);
}

static gboolean
batch_note (sqlite3   *db,
            gpointer   data,
            GError   **error)
{
  return set_note (db, data, error);
}

/* What a batch is waiting for, for people (the UI shows it). */
gboolean
shoal_store_batch_note_sync (ShoalStore  *self,
                             gint64       batch_id,
                             const char  *note,
                             GError     **error)
{
  FinishBatch finish = { batch_id, NULL, note };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, batch_note, &finish, error);
}

typedef struct
{
  gint64  id;
  guint64 height;
} Conflict;

static gboolean
batch_conflict (sqlite3   *db,
                gpointer   data,
                GError   **error)
{
  Conflict *conflict = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE payout_batches SET conflict_height = nullif (?1, 0) WHERE id = ?2"
    " AND state IN ('built', 'relayed')", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 2, conflict->id);
  return shoal_sql_bind_amount (stmt, 1, conflict->height, error) && shoal_sql_run (stmt, error);
}

/* Records the node height at which every transaction of an open batch
 * was first seen double-spent (0 forgets it: a reorg undid the spend). */
gboolean
shoal_store_batch_conflict_sync (ShoalStore  *self,
                                 gint64       batch_id,
                                 guint64      height,
                                 GError     **error)
{
  Conflict conflict = { batch_id, height };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, batch_conflict, &conflict, error);
}

/* --- stats ------------------------------------------------------------- */

typedef struct
{
  gint64  time_us;
  guint64 hashrate;
  guint   miners;
  guint   workers;
} AddStats;

static gboolean
add_stats (sqlite3   *db,
           gpointer   data,
           GError   **error)
{
  AddStats *stats = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "INSERT OR REPLACE INTO stats (time_us, hashrate, miners, workers) VALUES (?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, stats->time_us);
  sqlite3_bind_int64 (stmt, 3, stats->miners);
  sqlite3_bind_int64 (stmt, 4, stats->workers);
  return shoal_sql_bind_amount (stmt, 2, stats->hashrate, error) && shoal_sql_run (stmt, error);
}

gboolean
shoal_store_add_stats_sync (ShoalStore  *self,
                            gint64       time_us,
                            guint64      hashrate,
                            guint        miners,
                            guint        workers,
                            GError     **error)
{
  AddStats stats = { time_us, hashrate, miners, workers };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return shoal_store_write_sync (self, add_stats, &stats, error);
}
