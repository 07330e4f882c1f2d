/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Sidechain shares: a rig's shares that also reached the P2Pool
 * sidechain's difficulty, so a member sees which rig found which one and
 * which payout it fed.  Statistics, not money: the split itself weighs
 * every verified share (see shoal-store-incomes.c), and these go with
 * the shares' statistics horizon. */

static gboolean
insert_share (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  const ShoalStoreSidechainShare *share = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "INSERT INTO sidechain_shares (time_us, address, worker, height, difficulty,"
    " sidechain_difficulty) VALUES (?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, share->time_us);
  sqlite3_bind_text (stmt, 2, share->address, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, share->worker, -1, SQLITE_STATIC);
  /* A hash can reach past 2^63: what counts is that it met the sidechain. */
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) MIN (share->difficulty, (guint64) G_MAXINT64));
  return shoal_sql_bind_amount (stmt, 4, share->height, error) &&
         shoal_sql_bind_amount (stmt, 6, share->sidechain_difficulty, error) &&
         shoal_sql_run (stmt, error);
}

/* Records SHARE (FED_TXID is ignored: it is read back from the incomes). */
gboolean
shoal_store_add_sidechain_share_sync (ShoalStore                     *self,
                                      const ShoalStoreSidechainShare *share,
                                      GError                        **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (share != NULL && share->address != NULL && share->worker != NULL, FALSE);

  if (share->sidechain_difficulty == 0 || share->difficulty < share->sidechain_difficulty)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: a sidechain share must reach a known sidechain difficulty");
      return FALSE;
    }
  return shoal_store_write_sync (self, insert_share, (gpointer) share, error);
}

typedef struct
{
  const char *address;
  guint       limit;
  GPtrArray  *rows;
} SharesRead;

static ShoalStoreSidechainShare *
share_from_row (sqlite3_stmt *stmt)
{
  ShoalStoreSidechainShare *share = g_new0 (ShoalStoreSidechainShare, 1);

  share->time_us = sqlite3_column_int64 (stmt, 0);
  share->address = shoal_sql_column_strdup (stmt, 1);
  share->worker = shoal_sql_column_strdup (stmt, 2);
  share->height = shoal_sql_column_u64 (stmt, 3);
  share->difficulty = shoal_sql_column_u64 (stmt, 4);
  share->sidechain_difficulty = shoal_sql_column_u64 (stmt, 5);
  share->fed_txid = shoal_sql_column_strdup (stmt, 6);
  return share;
}

/* A share feeds every payout whose PPLNS window holds it; the first such
 * one is the payout it fed first. */
static gboolean
read_shares (sqlite3   *db,
             gpointer   data,
             GError   **error)
{
  SharesRead *read = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT s.time_us, s.address, s.worker, s.height, s.difficulty, s.sidechain_difficulty,"
    " (SELECT i.txid FROM incomes AS i WHERE s.time_us >= i.window_start_us"
    "  AND s.time_us < i.window_end_us ORDER BY i.height, i.txid LIMIT 1)"
    " FROM sidechain_shares AS s WHERE ?2 IS NULL OR s.address = ?2"
    " ORDER BY s.time_us DESC, s.id DESC LIMIT ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, read->limit);
  sqlite3_bind_text (stmt, 2, read->address, -1, SQLITE_STATIC);
  read->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_sidechain_share_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (read->rows, share_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading sidechain shares");
      return FALSE;
    }
  return TRUE;
}

/* The newest LIMIT sidechain shares, newest first (ShoalStoreSidechainShare):
 * ADDRESS's, or every member's when NULL. */
GPtrArray *
shoal_store_list_sidechain_shares_sync (ShoalStore  *self,
                                        const char  *address,
                                        guint        limit,
                                        GError     **error)
{
  SharesRead read = { address, limit, NULL };

  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);

  if (!shoal_store_read_sync (self, read_shares, &read, error))
    g_clear_pointer (&read.rows, g_ptr_array_unref);
  return read.rows;
}

typedef struct
{
  gint64  before_us;
  guint64 removed;
} SharesPrune;

static gboolean
delete_old (sqlite3   *db,
            gpointer   data,
            GError   **error)
{
  SharesPrune *prune = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "DELETE FROM sidechain_shares WHERE time_us < ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, prune->before_us);
  if (!shoal_sql_run (stmt, error))
    return FALSE;
  prune->removed = (guint64) sqlite3_changes (db);
  return TRUE;
}

/* Deletes the sidechain shares older than BEFORE_US (the statistics
 * horizon); *REMOVED (may be NULL): how many. */
gboolean
shoal_store_prune_sidechain_shares_sync (ShoalStore  *self,
                                         gint64       before_us,
                                         guint64     *removed,
                                         GError     **error)
{
  SharesPrune prune = { before_us, 0 };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);

  if (!shoal_store_write_sync (self, delete_old, &prune, error))
    return FALSE;
  if (removed != NULL)
    *removed = prune.removed;
  return TRUE;
}
