/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* The writes that move money or block states.  Each runs as one
 * transaction on the writer thread (shoal_store_write_sync): either all
 * of it lands or none of it does. */

gboolean
shoal_store_is_hex64 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/* --- blocks ------------------------------------------------------------ */

typedef struct
{
  const char *hash;
  guint64     height;
  guint64     reward;
  guint64     difficulty;
  gint64      found_us;
  const ShoalBlockTerms *terms;  /* may be NULL */
} AddBlock;

/* Work since the previous block, for luck/effort figures. */
static const char add_block_sql[] =
  "INSERT INTO blocks (hash, height, reward, difficulty, found_us, updated_us, work)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce (sum (difficulty), 0) FROM shares"
  "   WHERE time_us <= ?5 AND time_us > (SELECT coalesce (max (found_us), 0) FROM blocks"
  "   WHERE found_us < ?5)))"
  " ON CONFLICT (hash) DO NOTHING";

/* Written with the row, in the same transaction; a row that existed
 * already keeps the terms it has. */
static gboolean
set_terms (sqlite3   *db,
           AddBlock  *block,
           GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE blocks SET pplns = ?2, fee_bps = ?3, window_factor = ?4, share_hash = ?5,"
    " share_id = (SELECT max (id) FROM shares WHERE is_block AND height = blocks.height"
    "   AND hash = ?5)"
    " WHERE hash = ?1 AND pplns IS NULL", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, block->hash, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, block->terms->pplns ? 1 : 0);
  sqlite3_bind_int (stmt, 3, (int) block->terms->fee_bps);
  sqlite3_bind_int (stmt, 4, (int) block->terms->window_factor);
  if (block->terms->has_share)
    sqlite3_bind_blob (stmt, 5, block->terms->share_hash, 32, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 5);
  return shoal_sql_run (stmt, error);
}

static gboolean
add_block (sqlite3   *db,
           gpointer   data,
           GError   **error)
{
  AddBlock *block = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, add_block_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, block->hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) block->height);
  if (!shoal_sql_bind_amount (stmt, 3, block->reward, error) ||
      !shoal_sql_bind_amount (stmt, 4, block->difficulty, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 5, block->found_us);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());
  return shoal_sql_run (stmt, error) && (block->terms == NULL || set_terms (db, block, error));
}

/* A block found twice (a duplicate submit) is recorded once. */
gboolean
shoal_store_add_block_sync (ShoalStore  *self,
                            const char  *hash,
                            guint64      height,
                            guint64      reward,
                            guint64      difficulty,
                            gint64       found_us,
                            GError     **error)
{
  return shoal_store_add_found_block_sync (self, hash, height, reward, difficulty, found_us, NULL,
                                           error);
}

/* The same, with the TERMS the pool runs under now (NULL: unknown), in
 * one transaction: the block is later credited with these. */
gboolean
shoal_store_add_found_block_sync (ShoalStore             *self,
                                  const char             *hash,
                                  guint64                 height,
                                  guint64                 reward,
                                  guint64                 difficulty,
                                  gint64                  found_us,
                                  const ShoalBlockTerms  *terms,
                                  GError                **error)
{
  AddBlock block = { hash, height, reward, difficulty, found_us, terms };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);

  if (!shoal_store_is_hex64 (hash) || height > G_MAXINT64)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: a block needs a 64-character hex id and a sane height");
      return FALSE;
    }
  return shoal_store_write_sync (self, add_block, &block, error);
}

typedef struct
{
  const char *hash;
  guint64     confirmations;
  gboolean    orphaned;
  guint64     reward;
} UpdateBlock;

/* Unlocked and credited blocks are final (a trigger enforces it): only
 * their confirmation count still moves. */
static gboolean
update_block (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  UpdateBlock *update = data;
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE blocks SET confirmations = ?1, updated_us = ?2,"
    " share_id = coalesce (share_id, (SELECT max (id) FROM shares WHERE is_block"
    "   AND height = blocks.height AND hash = blocks.share_hash)),"
    " reward = CASE WHEN ?5 > 0 AND state IN ('pending', 'orphaned') THEN ?5 ELSE reward END,"
    " state = CASE WHEN state IN ('pending', 'orphaned') THEN"
    " (CASE WHEN ?3 THEN 'orphaned' ELSE 'pending' END) ELSE state END"
    " WHERE hash = ?4", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) MIN (update->confirmations, G_MAXINT64));
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int (stmt, 3, update->orphaned ? 1 : 0);
  sqlite3_bind_text (stmt, 4, update->hash, -1, SQLITE_STATIC);
  if (!shoal_sql_bind_amount (stmt, 5, update->reward, error) || !shoal_sql_run (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: no block %s to update", update->hash);
      return FALSE;
    }
  return TRUE;
}

/* From the block tracker: CONFIRMATIONS is monerod's depth; REWARD, when
 * not 0, is the coinbase reward the node reports (it replaces the
 * template's estimate until the block is credited). */
gboolean
shoal_store_update_block_sync (ShoalStore  *self,
                               const char  *hash,
                               guint64      confirmations,
                               gboolean     orphaned,
                               guint64      reward,
                               GError     **error)
{
  UpdateBlock update = { hash, confirmations, orphaned, reward };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  return shoal_store_write_sync (self, update_block, &update, error);
}

/* --- crediting --------------------------------------------------------- */

/* Explains why a block could not take the step from pending. */
static void
set_not_pending_error (sqlite3     *db,
                       const char  *hash,
                       const char  *step,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "SELECT state, confirmations FROM blocks WHERE hash = ?", NULL);

  if (stmt != NULL)
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                 "Pool database: cannot %s block %s: no such block", step, hash);
  else if (!g_str_equal ((const char *) sqlite3_column_text (stmt, 0), "pending"))
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                 "Pool database: cannot %s block %s: it is already %s", step, hash,
                 sqlite3_column_text (stmt, 0));
  else
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                 "Pool database: cannot %s block %s: %" G_GINT64_FORMAT " of %d confirmations",
                 step, hash, (gint64) sqlite3_column_int64 (stmt, 1),
                 SHOAL_BLOCK_UNLOCK_CONFIRMATIONS);
}

/* pending -> NEW_STATE, only once the block is unlocked.  This UPDATE is
 * what makes crediting happen at most once: a second attempt finds the
 * block no longer pending and changes nothing. */
static gboolean
leave_pending (sqlite3     *db,
               const char  *hash,
               const char  *new_state,
               const char  *step,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db,
    "UPDATE blocks SET state = ?1, updated_us = ?2"
    " WHERE hash = ?3 AND state = 'pending' AND confirmations >= ?4", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, new_state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_text (stmt, 3, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, SHOAL_BLOCK_UNLOCK_CONFIRMATIONS);
  if (!shoal_sql_run (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) != 1)
    {
      set_not_pending_error (db, hash, step, error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *hash;
  GPtrArray  *credits;
  guint64     fee;
} CreditBlock;

static gboolean
check_credit_sum (sqlite3      *db,
                  CreditBlock  *credit,
                  GError      **error)
{
  guint64 reward = 0;
  guint64 sum = credit->fee;

  if (!shoal_sql_query_u64 (db, "SELECT reward FROM blocks WHERE hash = ?", credit->hash,
                            &reward, error))
    return FALSE;
  for (guint i = 0; i < credit->credits->len; i++)
    {
      ShoalCredit *c = g_ptr_array_index (credit->credits, i);

      if (!g_uint64_checked_add (&sum, sum, c->amount))
        sum = G_MAXUINT64;
    }
  if (sum != reward)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: credits plus fee (%" G_GUINT64_FORMAT ") do not add up to the "
                   "reward of block %s (%" G_GUINT64_FORMAT ")", sum, credit->hash, reward);
      return FALSE;
    }
  return TRUE;
}

static gboolean
insert_credit (sqlite3      *db,
               const char   *hash,
               ShoalCredit  *c,
               GError      **error)
{
  g_autoptr(sqlite3_stmt) row = shoal_sql_prepare (db,
    "INSERT INTO credits (block_hash, address, weight, amount) VALUES (?, ?, ?, ?)", error);

  if (row == NULL)
    return FALSE;
  sqlite3_bind_text (row, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (row, 2, c->address, -1, SQLITE_STATIC);
  if (!shoal_sql_bind_amount (row, 3, c->weight, error) ||
      !shoal_sql_bind_amount (row, 4, c->amount, error) || !shoal_sql_run (row, error))
    return FALSE;
  return shoal_store_add_to_balance (db, c->address, c->amount, error);
}

/* Every credit, of a block or of an income, reaches the balance here. */
gboolean
shoal_store_add_to_balance (sqlite3     *db,
                            const char  *address,
                            guint64      amount,
                            GError     **error)
{
  g_autoptr(sqlite3_stmt) balance = shoal_sql_prepare (db,
    "INSERT INTO balances (address, amount) VALUES (?1, ?2)"
    " ON CONFLICT (address) DO UPDATE SET amount = amount + excluded.amount", error);

  if (balance == NULL)
    return FALSE;
  sqlite3_bind_text (balance, 1, address, -1, SQLITE_STATIC);
  return shoal_sql_bind_amount (balance, 2, amount, error) && shoal_sql_run (balance, error);
}

static gboolean
credit_block (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  CreditBlock *credit = data;
  g_autoptr(sqlite3_stmt) fee = NULL;

  if (!leave_pending (db, credit->hash, "credited", "credit", error) ||
      !check_credit_sum (db, credit, error))
    return FALSE;
  for (guint i = 0; i < credit->credits->len; i++)
    if (!insert_credit (db, credit->hash, g_ptr_array_index (credit->credits, i), error))
      return FALSE;
  fee = shoal_sql_prepare (db, "INSERT INTO pool_fees (block_hash, amount) VALUES (?, ?)", error);
  if (fee == NULL)
    return FALSE;
  sqlite3_bind_text (fee, 1, credit->hash, -1, SQLITE_STATIC);
  return shoal_sql_bind_amount (fee, 2, credit->fee, error) && shoal_sql_run (fee, error);
}

/* Credits an unlocked pending block: balances grow by the credits, the fee
 * account by the fee, which must add up to the block's reward exactly.
 * Fails, changing nothing, for a block that is already credited, orphaned
 * or not yet unlocked. */
gboolean
shoal_store_credit_block_sync (ShoalStore  *self,
                               const char  *block_hash,
                               GPtrArray   *credits,
                               guint64      fee,
                               GError     **error)
{
  CreditBlock credit = { block_hash, credits, fee };

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (block_hash != NULL && credits != NULL, FALSE);

  return shoal_store_write_sync (self, credit_block, &credit, error);
}

static gboolean
unlock_block (sqlite3   *db,
              gpointer   data,
              GError   **error)
{
  return leave_pending (db, data, "unlocked", "unlock", error);
}

/* Solo mode: the coinbase already paid the user; the block only becomes
 * final. */
gboolean
shoal_store_unlock_block_sync (ShoalStore  *self,
                               const char  *block_hash,
                               GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (block_hash != NULL, FALSE);

  return shoal_store_write_sync (self, unlock_block, (gpointer) block_hash, error);
}
