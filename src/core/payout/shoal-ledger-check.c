/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-ledger-check.h"
#include "shoal-rpc-client.h"      /* SHOAL_RPC_ERROR: what the wallet or node itself answered */
#include "shoal-store-private.h"   /* read-only SQL helpers, no store object */

/* The facts are read with plain SQL on a read-only connection: the pool's
 * store holds an exclusive lock for writers only, and WAL lets this
 * reader see one consistent snapshot inside its transaction. */

typedef struct
{
  sqlite3           *db;
  ShoalWalletClient *wallet;
  ShoalNodeClient   *node;
  GString           *report;
  GCancellable      *cancellable;
  gboolean           has_incomes;   /* schema 5 and later */
} Check;

static void
say (Check      *check,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (Check      *check,
     const char *format,
     ...)
{
  va_list args;

  if (check->report == NULL)
    return;
  va_start (args, format);
  g_string_append_vprintf (check->report, format, args);
  va_end (args);
  g_string_append_c (check->report, '\n');
}

static gboolean
discrepancy (GError     **error,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
discrepancy (GError     **error,
             const char  *format,
             ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "Discrepancy: %s", text);
  return FALSE;
}

static sqlite3_stmt *
prepare (Check       *check,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (check->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Pool database: %s",
                   sqlite3_errmsg (check->db));
      return NULL;
    }
  return stmt;
}

static gboolean
step_done (Check   *check,
           int      rc,
           GError **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Pool database: %s",
               sqlite3_errmsg (check->db));
  return FALSE;
}

/* --- the database alone ------------------------------------------------- */

static gboolean
check_members (Check   *check,
               GError **error)
{
  /* A file of schema 4 (before incomes) is checked as it is. */
  g_autoptr(sqlite3_stmt) stmt = prepare (check, check->has_incomes ?
    "SELECT b.address, b.amount, b.reserved, b.paid,"
    " (SELECT coalesce (sum (amount), 0) FROM credits WHERE address = b.address)"
    " + (SELECT coalesce (sum (amount), 0) FROM income_credits WHERE address = b.address)"
    " FROM balances AS b ORDER BY b.address" :
    "SELECT b.address, b.amount, b.reserved, b.paid,"
    " (SELECT coalesce (sum (amount), 0) FROM credits WHERE address = b.address)"
    " FROM balances AS b ORDER BY b.address", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *address = (const char *) sqlite3_column_text (stmt, 0);
      gint64 amount = sqlite3_column_int64 (stmt, 1), reserved = sqlite3_column_int64 (stmt, 2);
      gint64 paid = sqlite3_column_int64 (stmt, 3), credited = sqlite3_column_int64 (stmt, 4);

      if (amount + reserved + paid != credited)
        return discrepancy (error, "member %s: credited %" G_GINT64_FORMAT " but balance %"
                            G_GINT64_FORMAT " + reserved %" G_GINT64_FORMAT " + paid %"
                            G_GINT64_FORMAT " = %" G_GINT64_FORMAT, address, credited, amount,
                            reserved, paid, amount + reserved + paid);
      say (check, "member %s: credited %" G_GINT64_FORMAT " = balance %" G_GINT64_FORMAT
           " + reserved %" G_GINT64_FORMAT " + paid %" G_GINT64_FORMAT, address, credited, amount,
           reserved, paid);
    }
  return step_done (check, rc, error);
}

/* Reserved money belongs to unfinished batches only. */
static gboolean
check_reserved (Check   *check,
                GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (check,
    "SELECT b.address, b.reserved, (SELECT coalesce (sum (p.amount), 0) FROM payments AS p"
    "  JOIN payout_batches AS x ON x.id = p.batch_id WHERE p.address = b.address"
    "  AND x.state IN ('planned', 'built', 'relayed'))"
    " FROM balances AS b WHERE b.reserved <> (SELECT coalesce (sum (p.amount), 0) FROM payments AS p"
    "  JOIN payout_batches AS x ON x.id = p.batch_id WHERE p.address = b.address"
    "  AND x.state IN ('planned', 'built', 'relayed'))", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return discrepancy (error, "member %s: reserved %" G_GINT64_FORMAT " but unfinished payouts "
                        "hold %" G_GINT64_FORMAT, sqlite3_column_text (stmt, 0),
                        (gint64) sqlite3_column_int64 (stmt, 1), (gint64) sqlite3_column_int64 (stmt, 2));
  return step_done (check, rc, error);
}

/* --- the wallet -------------------------------------------------------- */

/* The amount the wallet lists as sent to ADDRESS in TRANSFER; -1 when it
 * lists no destinations at all (a transaction it learnt from the chain). */
static gint64
sent_to (const ShoalWalletTransfer *transfer,
         const char                *address)
{
  guint64 sum = 0;

  if (transfer->destinations->len == 0)
    return -1;
  for (guint i = 0; i < transfer->destinations->len; i++)
    {
      const ShoalWalletDestination *dest = g_ptr_array_index (transfer->destinations, i);

      if (g_strcmp0 (dest->address, address) == 0)
        sum += dest->amount;
    }
  return (gint64) MIN (sum, (guint64) G_MAXINT64);
}

/* The wallet's transfer TXID; a wallet that does not know it is a
 * discrepancy about WHAT (a payout or an income). */
static ShoalWalletTransfer *
wallet_transfer (Check       *check,
                 const char  *txid,
                 const char  *what,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  ShoalWalletTransfer *transfer =
    shoal_wallet_client_get_transfer_by_txid_sync (check->wallet, txid, check->cancellable,
                                                   &local_error);

  if (transfer == NULL && local_error->domain == SHOAL_RPC_ERROR)
    discrepancy (error, "%s: the wallet does not know transaction %s (%s)", what, txid,
                 local_error->message);
  else if (transfer == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return transfer;
}

static gboolean
check_transaction (Check       *check,
                   const char  *txid,
                   gint64       batch,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *what = g_strdup_printf ("payout %" G_GINT64_FORMAT, batch);
  g_autoptr(ShoalWalletTransfer) transfer = wallet_transfer (check, txid, what, error);
  gint64 total = 0;
  int rc;

  if (transfer == NULL)
    return FALSE;
  if (g_strcmp0 (transfer->type, "out") != 0)
    return discrepancy (error, "payout %" G_GINT64_FORMAT ": transaction %s is \"%s\" in the "
                        "wallet, not sent and mined", batch, txid, transfer->type);
  stmt = prepare (check, "SELECT address, amount FROM payments WHERE batch_id = ?1 AND tx_hash = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, batch);
  sqlite3_bind_text (stmt, 2, txid, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *address = (const char *) sqlite3_column_text (stmt, 0);
      gint64 amount = sqlite3_column_int64 (stmt, 1);
      gint64 sent = sent_to (transfer, address);

      total += amount;
      if (sent >= 0 && sent != amount)
        return discrepancy (error, "payout %" G_GINT64_FORMAT ", transaction %s: %s is owed %"
                            G_GINT64_FORMAT " but the wallet sent %" G_GINT64_FORMAT, batch, txid,
                            address, amount, sent);
    }
  if (!step_done (check, rc, error))
    return FALSE;
  if (total < 0 || transfer->amount != (guint64) total)
    return discrepancy (error, "payout %" G_GINT64_FORMAT ", transaction %s: the payments add up "
                        "to %" G_GINT64_FORMAT " but the wallet sent %" G_GUINT64_FORMAT, batch, txid,
                        total, transfer->amount);
  say (check, "payout %" G_GINT64_FORMAT ": transaction %s sent %" G_GINT64_FORMAT ", as recorded",
       batch, txid, total);
  return TRUE;
}

static gboolean
check_payments (Check   *check,
                GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (check,
    "SELECT DISTINCT p.batch_id, p.tx_hash FROM payments AS p JOIN payout_batches AS b"
    " ON b.id = p.batch_id WHERE b.state = 'confirmed' ORDER BY p.batch_id, p.tx_hash", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *txid = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      gint64 batch = sqlite3_column_int64 (stmt, 0);

      if (txid == NULL)
        return discrepancy (error, "payout %" G_GINT64_FORMAT " is confirmed but a payment names "
                            "no transaction", batch);
      if (!check_transaction (check, txid, batch, error))
        return FALSE;
    }
  return step_done (check, rc, error);
}

/* --- the node ---------------------------------------------------------- */

static gboolean
check_block (Check       *check,
             const char  *hash,
             gint64       height,
             gint64       reward,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ShoalBlockHeader) header =
    shoal_node_client_get_block_header_by_height_sync (check->node, (guint64) height,
                                                       check->cancellable, &local_error);

  if (header == NULL && local_error->domain == SHOAL_RPC_ERROR)
    return discrepancy (error, "block %s at height %" G_GINT64_FORMAT " is credited but the node "
                        "has no block at that height (%s)", hash, height, local_error->message);
  if (header == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (g_ascii_strcasecmp (header->hash, hash) != 0)
    return discrepancy (error, "block %s at height %" G_GINT64_FORMAT " is credited but the node's "
                        "main chain has %s there", hash, height, header->hash);
  if (reward < 0 || header->reward != (guint64) reward)
    return discrepancy (error, "block %s: credited with a reward of %" G_GINT64_FORMAT " but the "
                        "node reports %" G_GUINT64_FORMAT, hash, reward, header->reward);
  say (check, "block %s at height %" G_GINT64_FORMAT ": on the main chain, reward %" G_GINT64_FORMAT,
       hash, height, reward);
  return TRUE;
}

static gboolean
check_blocks (Check   *check,
              GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (check,
    "SELECT hash, height, reward, state,"
    " (SELECT coalesce (sum (amount), 0) FROM credits WHERE block_hash = b.hash)"
    " + (SELECT coalesce (sum (amount), 0) FROM pool_fees WHERE block_hash = b.hash)"
    " FROM blocks AS b WHERE state IN ('credited', 'unlocked') ORDER BY height", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *hash = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      gint64 reward = sqlite3_column_int64 (stmt, 2);

      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "credited") == 0 &&
          sqlite3_column_int64 (stmt, 4) != reward)
        return discrepancy (error, "block %s: credits and pool fee add up to %" G_GINT64_FORMAT
                            ", not its reward %" G_GINT64_FORMAT, hash,
                            (gint64) sqlite3_column_int64 (stmt, 4), reward);
      if (!check_block (check, hash, sqlite3_column_int64 (stmt, 1), reward, error))
        return FALSE;
    }
  return step_done (check, rc, error);
}

/* --- incomes: payouts an upstream pool made to the pool wallet ---------- */

/* The wallet still holds the coinbase, for the amount that was credited. */
static gboolean
check_income_in_wallet (Check       *check,
                        const char  *txid,
                        gint64       amount,
                        GError     **error)
{
  g_autoptr(ShoalWalletTransfer) transfer = wallet_transfer (check, txid, "income", error);

  if (transfer == NULL)
    return FALSE;
  if (g_strcmp0 (transfer->type, "block") != 0 || transfer->amount != (guint64) amount)
    return discrepancy (error, "income %s: credited %" G_GINT64_FORMAT " but the wallet has a "
                        "%s of %" G_GUINT64_FORMAT, txid, amount, transfer->type,
                        transfer->amount);
  return TRUE;
}

static gboolean
check_incomes (Check   *check,
               GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!check->has_incomes)
    return TRUE;
  stmt = prepare (check,
    "SELECT txid, amount, fee + (SELECT coalesce (sum (amount), 0) FROM income_credits"
    " WHERE txid = i.txid) FROM incomes AS i ORDER BY height", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *txid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      gint64 amount = sqlite3_column_int64 (stmt, 1);

      if (sqlite3_column_int64 (stmt, 2) != amount)
        return discrepancy (error, "income %s: credits and pool fee add up to %" G_GINT64_FORMAT
                            ", not its amount %" G_GINT64_FORMAT, txid,
                            (gint64) sqlite3_column_int64 (stmt, 2), amount);
      if (check->wallet != NULL && !check_income_in_wallet (check, txid, amount, error))
        return FALSE;
      say (check, "income %s: %" G_GINT64_FORMAT " received and credited", txid, amount);
    }
  return step_done (check, rc, error);
}

/* --- public ------------------------------------------------------------ */

static gboolean
open_read_only (const char  *path,
                sqlite3    **db,
                GError     **error)
{
  if (sqlite3_open_v2 (path, db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_exec (*db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Cannot read the pool database %s: %s",
               path, *db ? sqlite3_errmsg (*db) : "out of memory");
  sqlite3_close (*db);
  *db = NULL;
  return FALSE;
}

static gboolean
has_table (sqlite3    *db,
           const char *name)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  return sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             -1, &stmt, NULL) == SQLITE_OK &&
         sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
         sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
shoal_ledger_check_sync (const char         *db_path,
                         ShoalWalletClient  *wallet,
                         ShoalNodeClient    *node,
                         GString            *report,
                         GCancellable       *cancellable,
                         GError            **error)
{
  Check check = { NULL, wallet, node, report, cancellable };
  gboolean ok;

  g_return_val_if_fail (db_path != NULL, FALSE);
  g_return_val_if_fail (wallet == NULL || SHOAL_IS_WALLET_CLIENT (wallet), FALSE);
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (node), FALSE);

  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "No pool database at %s", db_path);
      return FALSE;
    }
  if (!open_read_only (db_path, &check.db, error))
    return FALSE;
  check.has_incomes = has_table (check.db, "incomes");
  ok = check_members (&check, error) && check_reserved (&check, error) &&
       check_blocks (&check, error) && check_incomes (&check, error);
  if (ok && wallet == NULL)
    say (&check, "payments: not checked, no wallet (solo mode)");
  else if (ok)
    ok = check_payments (&check, error);
  sqlite3_exec (check.db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (check.db);
  return ok;
}

typedef struct
{
  char              *db_path;
  ShoalWalletClient *wallet;
  ShoalNodeClient   *node;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_free (data->db_path);
  g_clear_object (&data->wallet);
  g_clear_object (&data->node);
  g_free (data);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *data = task_data;
  g_autoptr(GString) report = g_string_new (NULL);
  GError *error = NULL;

  if (shoal_ledger_check_sync (data->db_path, data->wallet, data->node, report, cancellable, &error))
    g_task_return_pointer (task, g_string_free (g_steal_pointer (&report), FALSE), g_free);
  else
    g_task_return_error (task, error);
}

void
shoal_ledger_check_async (const char          *db_path,
                          ShoalWalletClient   *wallet,
                          ShoalNodeClient     *node,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *data = g_new0 (CheckData, 1);

  data->db_path = g_strdup (db_path);
  data->wallet = wallet ? g_object_ref (wallet) : NULL;
  data->node = g_object_ref (node);
  g_task_set_source_tag (task, shoal_ledger_check_async);
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

char *
shoal_ledger_check_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The same path the pool uses (see shoal-pool.c). */
static char *
database_path (ShoalConfig *config)
{
  const char *configured = shoal_config_get_string (config, "database");

  if (configured != NULL && *configured != '\0')
    return g_strdup (configured);
  return g_build_filename (g_get_user_data_dir (), "shoal", "shoal.db", NULL);
}

int
shoal_ledger_check_run (ShoalConfig *config)
{
  g_autofree char *path = database_path (config);
  const char *login = shoal_config_get_string (config, "wallet-login");
  const char *colon = login ? strchr (login, ':') : NULL;
  g_autofree char *user = colon ? g_strndup (login, colon - login) : g_strdup (login);
  g_autoptr(ShoalWalletClient) wallet =
    shoal_wallet_client_new (shoal_config_get_string (config, "wallet-url"), user,
                             colon ? colon + 1 : "");
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_config_get_string (config, "node-url"), NULL, NULL);
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok = shoal_ledger_check_sync (path, wallet, node, report, NULL, &error);

  g_print ("%s", report->str);
  if (ok)
    {
      g_print ("The books match the wallet and the node.\n");
      return 0;
    }
  g_printerr ("shoal --check: %s\n", error->message);
  return error->domain == SHOAL_ERROR && error->code == SHOAL_ERROR_INVALID ? 1 : 2;
}
