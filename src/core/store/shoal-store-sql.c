/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

void
shoal_sql_set_error (GError     **error,
                     sqlite3     *db,
                     const char  *what)
{
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Pool database: %s failed: %s (%s)",
               what, sqlite3_errmsg (db), sqlite3_errstr (sqlite3_extended_errcode (db)));
}

gboolean
shoal_sql_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) == SQLITE_OK)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Pool database: %s (%s)",
               message ? message : sqlite3_errmsg (db),
               sqlite3_errstr (sqlite3_extended_errcode (db)));
  sqlite3_free (message);
  return FALSE;
}

sqlite3_stmt *
shoal_sql_prepare (sqlite3     *db,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      shoal_sql_set_error (error, db, "preparing a statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Steps a statement that returns no rows (or whose rows we ignore). */
gboolean
shoal_sql_run (sqlite3_stmt  *stmt,
               GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    {
      shoal_sql_set_error (error, sqlite3_db_handle (stmt), "a write");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* SQLite integers are signed 64-bit; Monero amounts stay far below 2^63,
 * but a value that does not fit is refused instead of wrapping. */
gboolean
shoal_sql_bind_amount (sqlite3_stmt  *stmt,
                       int            index,
                       guint64        amount,
                       GError       **error)
{
  if (amount > G_MAXINT64)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: amount %" G_GUINT64_FORMAT " does not fit in 63 bits", amount);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, index, (sqlite3_int64) amount);
  return TRUE;
}

guint64
shoal_sql_column_u64 (sqlite3_stmt *stmt,
                      int           column)
{
  sqlite3_int64 value = sqlite3_column_int64 (stmt, column);

  return value < 0 ? 0 : (guint64) value;
}

char *
shoal_sql_column_strdup (sqlite3_stmt *stmt,
                         int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

/* One integer from a one-row query with at most one text parameter. */
gboolean
shoal_sql_query_u64 (sqlite3     *db,
                     const char  *sql,
                     const char  *text_arg,
                     guint64     *out,
                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (text_arg != NULL)
    sqlite3_bind_text (stmt, 1, text_arg, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out = shoal_sql_column_u64 (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    {
      *out = 0;
      return TRUE;
    }
  shoal_sql_set_error (error, db, "a query");
  return FALSE;
}
