/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "shoal-store.h"

G_BEGIN_DECLS

/* Shared by the files that make up ShoalStore. */

/* Runs inside a BEGIN IMMEDIATE transaction on the writer thread; TRUE
 * commits, FALSE rolls back. */
typedef gboolean (*ShoalStoreWriteFunc) (sqlite3   *db,
                                         gpointer   data,
                                         GError   **error);

gboolean      shoal_store_write_sync     (ShoalStore          *self,
                                          ShoalStoreWriteFunc  func,
                                          gpointer             data,
                                          GError             **error);
/* Runs on a reader connection, inside one read transaction: all it reads
 * is one state of the file. */
typedef gboolean (*ShoalStoreReadFunc)  (sqlite3   *db,
                                         gpointer   data,
                                         GError   **error);

gboolean      shoal_store_read_sync      (ShoalStore          *self,
                                          ShoalStoreReadFunc   func,
                                          gpointer             data,
                                          GError             **error);
sqlite3      *shoal_store_acquire_reader (ShoalStore          *self,
                                          GError             **error);
void          shoal_store_release_reader (ShoalStore          *self,
                                          sqlite3             *db);

/* shoal-store-queries.c: the share that ends a block's PPLNS window. */
gboolean      shoal_store_window_anchor  (sqlite3             *db,
                                          const char          *block_hash,
                                          gint64              *anchor,
                                          GError             **error);

/* shoal-store-ledger.c: a block id or txid: 64 hex characters. */
gboolean      shoal_store_is_hex64       (const char          *text);
/* shoal-store-ledger.c: adds AMOUNT to ADDRESS's balance, inside a write. */
gboolean      shoal_store_add_to_balance (sqlite3             *db,
                                          const char          *address,
                                          guint64              amount,
                                          GError             **error);

/* shoal-store-incomes.c: our own pool-mode blocks (not orphaned) at the
 * height the SQL expression HEIGHT gives: their coinbases are credited
 * with the block, and are no income. */
#define SHOAL_STORE_POOL_BLOCKS_AT(height) \
  "SELECT 1 FROM blocks WHERE height = " height " AND pplns AND state <> 'orphaned'"

/* shoal-store-arrivals.c: the payouts on their way, inside a read. */
gboolean      shoal_store_read_arrivals  (sqlite3             *db,
                                          GPtrArray           *rows,
                                          GError             **error);

/* shoal-store-schema.c */
gboolean      shoal_store_migrate        (sqlite3             *db,
                                          GError             **error);
int           shoal_store_schema_version (void);

/* shoal-store-sql.c: thin helpers that turn SQLite failures into GErrors. */
void          shoal_sql_set_error        (GError             **error,
                                          sqlite3             *db,
                                          const char          *what);
gboolean      shoal_sql_exec             (sqlite3             *db,
                                          const char          *sql,
                                          GError             **error);
sqlite3_stmt *shoal_sql_prepare          (sqlite3             *db,
                                          const char          *sql,
                                          GError             **error);
gboolean      shoal_sql_run              (sqlite3_stmt        *stmt,
                                          GError             **error);
gboolean      shoal_sql_bind_amount      (sqlite3_stmt        *stmt,
                                          int                  index,
                                          guint64              amount,
                                          GError             **error);
guint64       shoal_sql_column_u64       (sqlite3_stmt        *stmt,
                                          int                  column);
char         *shoal_sql_column_strdup    (sqlite3_stmt        *stmt,
                                          int                  column);
gboolean      shoal_sql_query_u64        (sqlite3             *db,
                                          const char          *sql,
                                          const char          *text_arg,
                                          guint64             *out,
                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

G_END_DECLS
