/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Reads, on pooled read connections (any thread).  In WAL mode a reader
 * sees the last committed state and never waits for the writer. */

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* Runs SQL with ?1 = A, ?2 = B, ?3 = TEXT (each used only if the SQL
 * names it) and turns every row into an element with ROW. */
static GPtrArray *
query_rows (ShoalStore      *self,
            const char      *sql,
            gint64           a,
            gint64           b,
            const char      *text,
            RowFunc          row,
            GDestroyNotify   free_func,
            GError         **error)
{
  sqlite3 *db = shoal_store_acquire_reader (self, error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  stmt = shoal_sql_prepare (db, sql, error);
  if (stmt != NULL)
    {
      rows = g_ptr_array_new_with_free_func (free_func);
      sqlite3_bind_int64 (stmt, 1, a);
      sqlite3_bind_int64 (stmt, 2, b);
      sqlite3_bind_text (stmt, 3, text, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (rows, row (stmt));
      if (rc != SQLITE_DONE)
        {
          shoal_sql_set_error (error, db, "a query");
          g_clear_pointer (&rows, g_ptr_array_unref);
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  shoal_store_release_reader (self, db);
  return g_steal_pointer (&rows);
}

static gpointer
ptr_array_steal_first (GPtrArray *rows)
{
  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

/* --- blocks ------------------------------------------------------------ */

#define BLOCK_COLUMNS "hash, height, reward, state, confirmations, found_us, difficulty, work," \
  " pplns, fee_bps, window_factor, share_hash, share_id"

static gpointer
block_row (sqlite3_stmt *stmt)
{
  ShoalStoreBlock *info = g_new0 (ShoalStoreBlock, 1);

  info->hash = shoal_sql_column_strdup (stmt, 0);
  info->height = shoal_sql_column_u64 (stmt, 1);
  info->reward = shoal_sql_column_u64 (stmt, 2);
  shoal_store_block_state_parse ((const char *) sqlite3_column_text (stmt, 3), &info->state);
  info->confirmations = shoal_sql_column_u64 (stmt, 4);
  info->found_us = sqlite3_column_int64 (stmt, 5);
  info->difficulty = shoal_sql_column_u64 (stmt, 6);
  info->work = shoal_sql_column_u64 (stmt, 7);
  info->has_terms = sqlite3_column_type (stmt, 8) != SQLITE_NULL;
  info->terms.pplns = sqlite3_column_int (stmt, 8) != 0;
  info->terms.fee_bps = (guint) sqlite3_column_int (stmt, 9);
  info->terms.window_factor = (guint) sqlite3_column_int (stmt, 10);
  info->terms.has_share = sqlite3_column_bytes (stmt, 11) == 32;
  if (info->terms.has_share)
    memcpy (info->terms.share_hash, sqlite3_column_blob (stmt, 11), 32);
  info->share_id = sqlite3_column_int64 (stmt, 12);
  return info;
}

/* Returns NULL with no error when there is no such block. */
ShoalStoreBlock *
shoal_store_get_block_sync (ShoalStore  *self,
                            const char  *hash,
                            GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  rows = query_rows (self, "SELECT " BLOCK_COLUMNS " FROM blocks WHERE hash = ?3", 0, 0, hash,
                     block_row, (GDestroyNotify) shoal_store_block_free, error);
  return ptr_array_steal_first (rows);
}

/* Newest first. */
GPtrArray *
shoal_store_list_blocks_sync (ShoalStore  *self,
                              guint        limit,
                              GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT " BLOCK_COLUMNS " FROM blocks"
                     " ORDER BY height DESC, found_us DESC LIMIT ?1", limit, 0, NULL,
                     block_row, (GDestroyNotify) shoal_store_block_free, error);
}

/* Oldest first: the order in which they unlock. */
GPtrArray *
shoal_store_list_blocks_in_state_sync (ShoalStore       *self,
                                       ShoalStoreBlockState   state,
                                       GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT " BLOCK_COLUMNS " FROM blocks WHERE state = ?3"
                     " ORDER BY height, found_us", 0, 0, shoal_store_block_state_to_string (state),
                     block_row, (GDestroyNotify) shoal_store_block_free, error);
}

/* The LIMIT newest orphaned blocks: those a restart follows again. */
GPtrArray *
shoal_store_list_recent_orphans_sync (ShoalStore  *self,
                                      guint        limit,
                                      GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT " BLOCK_COLUMNS " FROM blocks WHERE state = 'orphaned'"
                     " ORDER BY height DESC, found_us DESC LIMIT ?1", limit, 0, NULL,
                     block_row, (GDestroyNotify) shoal_store_block_free, error);
}

/* --- balances ---------------------------------------------------------- */

static gpointer
balance_row (sqlite3_stmt *stmt)
{
  ShoalStoreBalance *info = g_new0 (ShoalStoreBalance, 1);

  info->address = shoal_sql_column_strdup (stmt, 0);
  info->amount = shoal_sql_column_u64 (stmt, 1);
  info->reserved = shoal_sql_column_u64 (stmt, 2);
  info->paid = shoal_sql_column_u64 (stmt, 3);
  info->credited = info->amount + info->reserved + info->paid;
  return info;
}

GPtrArray *
shoal_store_list_balances_sync (ShoalStore  *self,
                                GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT address, amount, reserved, paid FROM balances ORDER BY address",
                     0, 0, NULL, balance_row, (GDestroyNotify) shoal_store_balance_free, error);
}

/* Returns NULL with no error for an address that was never credited. */
ShoalStoreBalance *
shoal_store_get_balance_sync (ShoalStore  *self,
                              const char  *address,
                              GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  rows = query_rows (self, "SELECT address, amount, reserved, paid FROM balances WHERE address = ?3",
                     0, 0, address, balance_row, (GDestroyNotify) shoal_store_balance_free, error);
  return ptr_array_steal_first (rows);
}

gboolean
shoal_store_read_sync (ShoalStore          *self,
                       ShoalStoreReadFunc   func,
                       gpointer             data,
                       GError             **error)
{
  sqlite3 *db = shoal_store_acquire_reader (self, error);
  gboolean ok = FALSE;

  if (db == NULL)
    return FALSE;
  if (shoal_sql_exec (db, "BEGIN", error))
    {
      ok = func (db, data, error);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  shoal_store_release_reader (self, db);
  return ok;
}

static gboolean
read_u64 (ShoalStore  *self,
          const char  *sql,
          guint64     *out,
          GError     **error)
{
  sqlite3 *db = shoal_store_acquire_reader (self, error);
  gboolean ok;

  if (db == NULL)
    return FALSE;
  ok = shoal_sql_query_u64 (db, sql, NULL, out, error);
  shoal_store_release_reader (self, db);
  return ok;
}

/* What the pool kept: the fees of every credited block and income. */
gboolean
shoal_store_get_fee_account_sync (ShoalStore  *self,
                                  guint64     *amount,
                                  GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  /* What the pool kept, less the network fees of every payout that may
   * have reached the network (built or later; failed ones never did, or
   * were proven never mined). */
  return read_u64 (self, "SELECT max (0, (SELECT coalesce (sum (amount), 0) FROM pool_fees)"
                         " + (SELECT coalesce (sum (fee), 0) FROM incomes)"
                         " - (SELECT coalesce (sum (fee), 0) FROM payout_batches"
                         "    WHERE state IN ('built', 'relayed', 'confirmed')))", amount, error);
}

/* Work a switch to solo mode would strand: unfinished payout batches,
 * and blocks found in pool mode that are not credited yet. */
gboolean
shoal_store_count_unfinished_sync (ShoalStore  *self,
                                   guint64     *open_batches,
                                   guint64     *pool_blocks,
                                   GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  return read_u64 (self, "SELECT count (*) FROM payout_batches WHERE state IN"
                         " ('planned', 'built', 'relayed')", open_batches, error) &&
         read_u64 (self, "SELECT count (*) FROM blocks WHERE state = 'pending' AND pplns = 1",
                   pool_blocks, error);
}

guint64
shoal_store_count_shares_sync (ShoalStore  *self,
                               GError     **error)
{
  guint64 count = 0;

  g_return_val_if_fail (SHOAL_IS_STORE (self), 0);
  read_u64 (self, "SELECT count (*) FROM shares", &count, error);
  return count;
}

/* --- payouts ----------------------------------------------------------- */

static gpointer
batch_row (sqlite3_stmt *stmt)
{
  ShoalStoreBatch *info = g_new0 (ShoalStoreBatch, 1);
  const char *hashes = (const char *) sqlite3_column_text (stmt, 6);
  const char *metadata = (const char *) sqlite3_column_text (stmt, 7);

  info->id = sqlite3_column_int64 (stmt, 0);
  shoal_batch_state_parse ((const char *) sqlite3_column_text (stmt, 1), &info->state);
  info->created_us = sqlite3_column_int64 (stmt, 2);
  info->updated_us = sqlite3_column_int64 (stmt, 3);
  info->total = shoal_sql_column_u64 (stmt, 4);
  info->fee = shoal_sql_column_u64 (stmt, 5);
  info->tx_hashes = hashes ? g_strsplit (hashes, "\n", -1) : NULL;
  info->tx_metadata = metadata ? g_strsplit (metadata, "\n", -1) : NULL;
  info->note = shoal_sql_column_strdup (stmt, 8);
  info->key_images = sqlite3_column_type (stmt, 9) == SQLITE_NULL ? NULL
                     : g_strsplit ((const char *) sqlite3_column_text (stmt, 9), "\n", -1);
  info->conflict_height = sqlite3_column_type (stmt, 10) == SQLITE_NULL ? 0
                          : shoal_sql_column_u64 (stmt, 10);
  return info;
}

#define BATCH_COLUMNS "id, state, created_us, updated_us, total, fee, tx_hashes, tx_metadata, note," \
  " key_images, conflict_height"

ShoalStoreBatch *
shoal_store_get_batch_sync (ShoalStore  *self,
                            gint64       batch_id,
                            GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  rows = query_rows (self, "SELECT " BATCH_COLUMNS " FROM payout_batches WHERE id = ?1", batch_id,
                     0, NULL, batch_row, (GDestroyNotify) shoal_store_batch_free, error);
  return ptr_array_steal_first (rows);
}

/* All batches newest first, or the unfinished ones oldest first (the
 * order in which they are reconciled). */
GPtrArray *
shoal_store_list_batches_sync (ShoalStore  *self,
                               guint        limit,
                               gboolean     unfinished_only,
                               GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  if (unfinished_only)
    return query_rows (self, "SELECT " BATCH_COLUMNS " FROM payout_batches"
                       " WHERE state IN ('planned', 'built', 'relayed') ORDER BY id LIMIT ?1",
                       limit, 0, NULL, batch_row, (GDestroyNotify) shoal_store_batch_free, error);
  return query_rows (self, "SELECT " BATCH_COLUMNS " FROM payout_batches ORDER BY id DESC LIMIT ?1",
                     limit, 0, NULL, batch_row, (GDestroyNotify) shoal_store_batch_free, error);
}

static gpointer
payment_row (sqlite3_stmt *stmt)
{
  ShoalStorePayment *info = g_new0 (ShoalStorePayment, 1);

  info->batch_id = sqlite3_column_int64 (stmt, 0);
  info->address = shoal_sql_column_strdup (stmt, 1);
  info->amount = shoal_sql_column_u64 (stmt, 2);
  info->tx_hash = shoal_sql_column_strdup (stmt, 3);
  shoal_batch_state_parse ((const char *) sqlite3_column_text (stmt, 4), &info->state);
  info->created_us = sqlite3_column_int64 (stmt, 5);
  return info;
}

/* BATCH_ID 0 lists every batch's payments, newest batch first. */
GPtrArray *
shoal_store_list_payments_sync (ShoalStore  *self,
                                gint64       batch_id,
                                guint        limit,
                                GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT p.batch_id, p.address, p.amount,"
                     /* Before confirmation a one-transaction batch already knows
                      * its hash; which of several a payment is in is learnt at
                      * confirmation. */
                     " coalesce (p.tx_hash, CASE WHEN instr (b.tx_hashes, char (10)) = 0"
                     " THEN b.tx_hashes END), b.state, b.created_us"
                     " FROM payments AS p JOIN payout_batches AS b ON b.id = p.batch_id"
                     " WHERE ?1 = 0 OR p.batch_id = ?1 ORDER BY p.batch_id DESC, p.address"
                     " LIMIT ?2", batch_id, limit, NULL, payment_row,
                     (GDestroyNotify) shoal_store_payment_free, error);
}

/* --- stats ------------------------------------------------------------- */

static gpointer
stats_row (sqlite3_stmt *stmt)
{
  ShoalStoreStats *point = g_new0 (ShoalStoreStats, 1);

  point->time_us = sqlite3_column_int64 (stmt, 0);
  point->hashrate = shoal_sql_column_u64 (stmt, 1);
  point->miners = sqlite3_column_int (stmt, 2);
  point->workers = sqlite3_column_int (stmt, 3);
  return point;
}

GPtrArray *
shoal_store_list_stats_sync (ShoalStore  *self,
                             gint64       since_us,
                             GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT time_us, hashrate, miners, workers FROM stats"
                     " WHERE time_us >= ?1 ORDER BY time_us", since_us, 0, NULL, stats_row,
                     g_free, error);
}

static gpointer
worker_row (sqlite3_stmt *stmt)
{
  ShoalStoreWorker *info = g_new0 (ShoalStoreWorker, 1);

  info->address = shoal_sql_column_strdup (stmt, 0);
  info->worker = shoal_sql_column_strdup (stmt, 1);
  info->shares = shoal_sql_column_u64 (stmt, 2);
  info->difficulty = shoal_sql_column_u64 (stmt, 3);
  info->last_share_us = sqlite3_column_int64 (stmt, 4);
  return info;
}

/* Every worker with shares since SINCE_US, with their count and work. */
GPtrArray *
shoal_store_list_workers_sync (ShoalStore  *self,
                               gint64       since_us,
                               GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return query_rows (self, "SELECT w.address, w.name, count (*), sum (s.difficulty), max (s.time_us)"
                     " FROM shares AS s JOIN workers AS w ON w.id = s.worker_id"
                     " WHERE s.time_us >= ?1 GROUP BY s.worker_id ORDER BY w.address, w.name",
                     since_us, 0, NULL, worker_row, (GDestroyNotify) shoal_store_worker_free, error);
}

/* --- async ------------------------------------------------------------- */

static void
query_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ShoalStore *self = source;
  gint64 *args = task_data;
  GError *error = NULL;
  GPtrArray *rows = NULL;

  switch ((ShoalStoreQuery) args[0])
    {
    case SHOAL_STORE_QUERY_BLOCKS:
      rows = shoal_store_list_blocks_sync (self, args[1], &error);
      break;
    case SHOAL_STORE_QUERY_WORKERS:
      rows = shoal_store_list_workers_sync (self, args[1], &error);
      break;
    case SHOAL_STORE_QUERY_BALANCES:
      rows = shoal_store_list_balances_sync (self, &error);
      break;
    case SHOAL_STORE_QUERY_PAYMENTS:
      rows = shoal_store_list_payments_sync (self, 0, args[1], &error);
      break;
    case SHOAL_STORE_QUERY_BATCHES:
      rows = shoal_store_list_batches_sync (self, args[1], FALSE, &error);
      break;
    case SHOAL_STORE_QUERY_STATS:
      rows = shoal_store_list_stats_sync (self, args[1], &error);
      break;
    case SHOAL_STORE_QUERY_INCOME_REPORTS:
      rows = shoal_store_list_income_reports_sync (self, NULL, args[1], &error);
      break;
    case SHOAL_STORE_QUERY_SIDECHAIN_SHARES:
      rows = shoal_store_list_sidechain_shares_sync (self, NULL, args[1], &error);
      break;
    }
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

/* Runs one of the list queries in a worker thread; the GPtrArray holds
 * the row type named next to each ShoalStoreQuery value. */
void
shoal_store_query_async (ShoalStore          *self,
                         ShoalStoreQuery      query,
                         gint64               arg,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gint64 *args = g_new (gint64, 2);

  g_return_if_fail (SHOAL_IS_STORE (self));
  g_return_if_fail (query <= SHOAL_STORE_QUERY_SIDECHAIN_SHARES);

  args[0] = query;
  args[1] = arg;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_store_query_async);
  g_task_set_task_data (task, args, g_free);
  g_task_run_in_thread (task, query_thread);
}

GPtrArray *
shoal_store_query_finish (ShoalStore    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- PPLNS window ------------------------------------------------------ */

/* The share that found the block: recorded by hash when it was found;
 * for blocks stored before that, the newest block share at its height;
 * when the block came from elsewhere, the last share before it. */
gboolean
shoal_store_window_anchor (sqlite3     *db,
                           const char  *block_hash,
                           gint64      *anchor,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT coalesce (b.share_id,"
    " (SELECT max (id) FROM shares WHERE is_block AND height = b.height AND hash = b.share_hash),"
    " (SELECT max (id) FROM shares WHERE is_block AND height = b.height AND b.share_hash IS NULL),"
    " (SELECT max (id) FROM shares WHERE time_us <= b.found_us), 0)"
    " FROM blocks AS b WHERE b.hash = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, block_hash, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: no block %s for a PPLNS window", block_hash);
      return FALSE;
    }
  *anchor = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gint
compare_credit_address (gconstpointer a,
                        gconstpointer b)
{
  const ShoalCredit *ca = *(const ShoalCredit * const *) a;
  const ShoalCredit *cb = *(const ShoalCredit * const *) b;

  return strcmp (ca->address, cb->address);
}

/* Walks back from the anchor, newest share first, until WINDOW difficulty
 * is collected; the share that crosses the edge counts only with the part
 * that fits, so the weights sum to WINDOW exactly (or to all the work
 * there is, when the pool is younger than the window). */
static GPtrArray *
collect_window (sqlite3   *db,
                gint64     anchor,
                guint64    window,
                GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT w.address, s.difficulty FROM shares AS s JOIN workers AS w ON w.id = s.worker_id"
    " WHERE s.id <= ?1 ORDER BY s.id DESC", error);
  g_autoptr(GHashTable) by_address = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_credit_free);
  guint64 total = 0;
  int rc = SQLITE_DONE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, anchor);
  while (total < window && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *address = (const char *) sqlite3_column_text (stmt, 0);
      guint64 take = MIN (shoal_sql_column_u64 (stmt, 1), window - total);
      ShoalCredit *credit = g_hash_table_lookup (by_address, address);

      if (credit == NULL)
        {
          credit = shoal_credit_new (address, 0);
          g_ptr_array_add (credits, credit);
          g_hash_table_insert (by_address, credit->address, credit);
        }
      credit->weight += take;
      total += take;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      shoal_sql_set_error (error, db, "reading the PPLNS window");
      return NULL;
    }
  g_ptr_array_sort (credits, compare_credit_address);
  return g_steal_pointer (&credits);
}

/* On the caller's stack; filled on a reader connection, in the caller's thread. */
typedef struct
{
  const char *block_hash;
  guint64     window;
  GPtrArray  *credits;
} WindowRead;

static gboolean
read_window (sqlite3   *db,
             gpointer   data,
             GError   **error)
{
  WindowRead *read = data;
  gint64 anchor = 0;

  if (!shoal_store_window_anchor (db, read->block_hash, &anchor, error))
    return FALSE;
  read->credits = collect_window (db, anchor, read->window, error);
  return read->credits != NULL;
}

/* The PPLNS weights of a block: ShoalCredit rows (amount 0), by address. */
GPtrArray *
shoal_store_pplns_window_sync (ShoalStore  *self,
                               const char  *block_hash,
                               guint64      window,
                               GError     **error)
{
  WindowRead read = { block_hash, window, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  g_return_val_if_fail (block_hash != NULL, NULL);

  /* The anchor and the walk see the same state. */
  if (!shoal_store_read_sync (self, read_window, &read, error))
    g_clear_pointer (&read.credits, g_ptr_array_unref);
  return read.credits;
}
