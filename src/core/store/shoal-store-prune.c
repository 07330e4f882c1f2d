/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Old shares are folded into share_hours (their count and work per worker
 * and hour) and deleted, but never a share that anything may still read
 * one by one:
 *  - the open round, after the newest block: the round's work and the
 *    next block's "work" figure sum it (not in upstream mode, where the
 *    shares make no round: the upstream pays for them);
 *  - the PPLNS window of every block not settled yet (pending, or
 *    orphaned: an orphan can come back), walked from its anchor;
 *  - the window the next block may reach back, from the newest share;
 *  - block shares, which anchor their block's window;
 *  - shares newer than the statistics horizon.
 * Sidechain shares go at the horizon, whatever the windows.
 * A credited block's proof is its `credits` rows (weight and amount per
 * address), which the prune never touches. */

#define HOUR_US "3600000000"

/* The oldest share of a window of WINDOW work back from ANCHOR (the share
 * crossing its edge counts, so it stays); 0 when the window reaches past
 * the first share: then everything stays. */
static gboolean
window_start (sqlite3  *db,
              gint64    anchor,
              guint64   window,
              gint64   *start,
              GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT id, difficulty FROM shares WHERE id <= ?1 ORDER BY id DESC", error);
  guint64 total = 0;
  int rc;

  *start = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, anchor);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      total += MIN (shoal_sql_column_u64 (stmt, 1), window - total);
      if (total >= window)
        {
          *start = sqlite3_column_int64 (stmt, 0);
          return TRUE;
        }
    }
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading a PPLNS window");
      return FALSE;
    }
  return TRUE;
}

/* Keeps the windows of blocks not settled yet: lowers *KEEP to each one's start. */
static gboolean
keep_open_windows (sqlite3   *db,
                   guint      default_factor,
                   gint64    *keep,
                   GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT hash, difficulty, coalesce (nullif (window_factor, 0), ?1) FROM blocks"
    " WHERE state IN ('pending', 'orphaned')", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) default_factor);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *hash = (const char *) sqlite3_column_text (stmt, 0);
      guint64 window;
      gint64 anchor = 0, start = 0;

      if (!g_uint64_checked_mul (&window, shoal_sql_column_u64 (stmt, 1),
                                 shoal_sql_column_u64 (stmt, 2)))
        window = G_MAXUINT64;
      if (!shoal_store_window_anchor (db, hash, &anchor, error) ||
          !window_start (db, anchor, window, &start, error))
        return FALSE;
      *keep = MIN (*keep, start);
    }
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, db, "reading the blocks not settled yet");
      return FALSE;
    }
  return TRUE;
}

/* The first share of the open round; 0 (keep everything) before any block. */
static const char round_start_sql[] =
  "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM blocks) THEN 0"
  " ELSE coalesce ((SELECT min (id) FROM shares WHERE time_us >"
  "   (SELECT max (found_us) FROM blocks)), (SELECT coalesce (max (id), 0) + 1 FROM shares))"
  " END";

/* On the caller's stack; filled on a reader connection, in the caller's thread. */
typedef struct
{
  const ShoalSharePrune *prune;
  gint64                 keep;      /* every share with a lower id may go (within the horizon) */
} KeepRead;

/* Read in one transaction: the blocks and the shares seen together. */
static gboolean
compute_keep (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  KeepRead *read = data;
  const ShoalSharePrune *prune = read->prune;
  gint64 *keep = &read->keep;
  guint64 round = 0, tip = 0;
  gint64 next = 0;

  *keep = 0;
  if (prune->next_window == 0)
    return TRUE;
  if (prune->no_round)
    round = G_MAXINT64;
  else if (!shoal_sql_query_u64 (db, round_start_sql, NULL, &round, error))
    return FALSE;
  if (!shoal_sql_query_u64 (db, "SELECT coalesce (max (id), 0) FROM shares", NULL, &tip, error) ||
      !window_start (db, (gint64) tip, prune->next_window, &next, error))
    return FALSE;
  *keep = MIN ((gint64) round, next);
  return keep_open_windows (db, prune->default_factor, keep, error);
}

/* One batch: the oldest shares that may go, folded, then deleted, in one
 * transaction; ?1 keep, ?2 horizon, ?3 batch size. */
#define BATCH_IDS \
  "SELECT id FROM shares WHERE id < ?1 AND time_us < ?2 AND NOT is_block ORDER BY id LIMIT ?3"

static const char fold_sql[] =
  "INSERT INTO share_hours (worker_id, hour_us, shares, difficulty)"
  " SELECT worker_id, time_us / " HOUR_US " * " HOUR_US ", count (*), sum (difficulty)"
  " FROM shares WHERE id IN (" BATCH_IDS ") GROUP BY 1, 2"
  " ON CONFLICT (worker_id, hour_us) DO UPDATE SET shares = shares + excluded.shares,"
  " difficulty = difficulty + excluded.difficulty";

static const char delete_sql[] = "DELETE FROM shares WHERE id IN (" BATCH_IDS ")";

/* On the caller's stack; used on the writer thread while the caller waits. */
typedef struct
{
  gint64  keep;
  gint64  before_us;
  guint   size;
  guint64 removed;
} PruneBatch;

static gboolean
run_batch_sql (sqlite3     *db,
               const char  *sql,
               PruneBatch  *batch,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, batch->keep);
  sqlite3_bind_int64 (stmt, 2, batch->before_us);
  sqlite3_bind_int64 (stmt, 3, batch->size);
  return shoal_sql_run (stmt, error);
}

static gboolean
prune_batch (sqlite3   *db,
             gpointer   data,
             GError   **error)
{
  PruneBatch *batch = data;

  if (!run_batch_sql (db, fold_sql, batch, error) ||
      !run_batch_sql (db, delete_sql, batch, error))
    return FALSE;
  batch->removed = (guint64) sqlite3_changes (db);
  return TRUE;
}

/* At most PRUNE->max_batches transactions of PRUNE->batch shares each, so
 * other writers (share batches, a found block) get the writer between
 * them.  The limit is read first (or reused); a block stored since only
 * moves it forward (its round and window are newer), which
 * PRUNE->next_window, taken with a margin, already covers.  *REMOVED:
 * shares folded. */
gboolean
shoal_store_prune_shares_sync (ShoalStore             *self,
                               ShoalSharePrune        *prune,
                               guint64                *removed,
                               GError                **error)
{
  PruneBatch batch = { 0 };
  KeepRead read = { prune, 0 };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (prune != NULL && prune->batch > 0, FALSE);

  *removed = 0;
  /* Sidechain shares are statistics only: no window keeps them. */
  if (!shoal_store_prune_sidechain_shares_sync (self, prune->before_us, NULL, error))
    return FALSE;
  if (prune->keep == 0)
    {
      if (!shoal_store_read_sync (self, compute_keep, &read, error))
        return FALSE;
      prune->keep = read.keep;
    }
  batch.keep = prune->keep;
  batch.before_us = prune->before_us;
  batch.size = prune->batch;
  for (guint i = 0; i < prune->max_batches && batch.keep > 0; i++)
    {
      if (!shoal_store_write_sync (self, prune_batch, &batch, error))
        return FALSE;
      *removed += batch.removed;
      if (batch.removed < prune->batch)
        break;
    }
  return TRUE;
}
