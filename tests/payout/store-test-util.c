/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store-test-util.h"

char *
store_test_temp_path (const char *template)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return g_build_filename (dir, "pool.db", NULL);
}

gint64
store_test_int (const char *path,
                const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
store_test_remove (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *suffixes[] = { "", "-wal", "-shm", ".lock" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

void
store_fixture_set_up (StoreFixture  *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->path = store_test_temp_path ("shoal-store-XXXXXX");
  f->store = shoal_store_open (f->path, &error);
  g_assert_no_error (error);
}

void
store_fixture_tear_down (StoreFixture  *f,
                         gconstpointer  data)
{
  g_clear_object (&f->store);
  store_test_remove (f->path);
  g_free (f->path);
}

gint64
store_test_balance (StoreFixture *f,
                    const char   *address)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce ((SELECT amount FROM balances"
                                          " WHERE address = '%s'), -1)", address);
  return store_test_int (f->path, sql);
}

void
store_test_record (ShoalStore *store,
                   const char *address,
                   guint64     difficulty,
                   guint64     height,
                   gboolean    is_block,
                   gint64      time_us)
{
  g_autoptr(GError) error = NULL;
  ShoalShare share = { 0 };

  share.timestamp_us = time_us;
  share.address = (char *) address;
  share.worker = "rig";
  share.difficulty = difficulty;
  share.height = height;
  share.is_block = is_block;
  g_assert_true (shoal_store_record_sync (store, &share, &error));
  g_assert_no_error (error);
}

void
store_test_add_share (StoreFixture *f,
                      const char   *address,
                      guint64       difficulty,
                      gboolean      is_block,
                      gint64        time_us)
{
  store_test_record (f->store, address, difficulty, 500, is_block, time_us);
}
