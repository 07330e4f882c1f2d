/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "shoal-error.h"
#include "shoal-store.h"

/* Every check here reads the SQLite file through its own, independent
 * connection: what Shoal says about itself does not count. */

#define ADDR_A "4AliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define HASH_1 "1111111111111111111111111111111111111111111111111111111111111111"

static char *
temp_db (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-store-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, "pool.db", NULL);
}

static void
remove_db (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *suffixes[] = { "", "-wal", "-shm", ".lock", ".acks" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 2000);
  return db;
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static ShoalShare
make_share (const char *address,
            const char *worker,
            guint64     difficulty,
            guint32     index)
{
  ShoalShare share = { 0 };

  share.timestamp_us = g_get_real_time ();
  share.address = (char *) address;
  share.worker = (char *) worker;
  share.difficulty = difficulty;
  share.height = 100;
  memcpy (share.hash, &index, sizeof index);
  return share;
}

static void
test_migrate_empty (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  ShoalStore *store = shoal_store_open (path, &error);
  sqlite3 *db;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_object_unref (store);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                                " ('workers', 'shares', 'blocks', 'balances', 'credits', 'pool_fees',"
                                " 'payout_batches', 'payments', 'stats', 'worker_stats',"
                                " 'share_hours', 'incomes', 'income_credits', 'sidechain_shares',"
                                " 'arrivals')"),
                   ==, 15);
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
                   ==, 1);
  sqlite3_close (db);

  /* Opening again migrates nothing and loses nothing. */
  store = shoal_store_open (path, &error);
  g_assert_no_error (error);
  g_object_unref (store);
  remove_db (path);
}

static void
test_malformed_file (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStore) store = NULL;

  g_assert_true (g_file_set_contents (path, "this is not a database, just text that is long enough"
                                      " to fill more than the sqlite header would need......",
                                      -1, NULL));
  store = shoal_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "not a database"));
  g_assert_nonnull (strstr (error->message, path));
  remove_db (path);
}

static void
test_newer_schema (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStore) store = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = shoal_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "newer Shoal"));
  remove_db (path);
}

static void
test_locked (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStore) first = shoal_store_open (path, &error);
  g_autoptr(ShoalStore) second = NULL;
  g_autofree char *other = temp_db ();
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  second = shoal_store_open (path, &error);
  g_assert_null (second);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "in use by another Shoal process"));
  g_clear_error (&error);

  /* A foreign program holding the write lock: a clear error, not a hang. */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  second = shoal_store_open (other, &error);
  g_assert_null (second);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "locked"));
  sqlite3_close (db);
  g_clear_object (&first);
  remove_db (path);
  remove_db (other);
}

/* One record_async in flight: the callback learns which share it was. */
typedef struct
{
  struct Counter *counter;
  ShoalStore     *store;
  guint32         index;
} Pending;

typedef struct Counter
{
  guint       acked;
  guint       failed;
  guint       expected;
  const char *db_path;
  gint64      rows_seen_at_first_ack;
  int         ack_fd;      /* -1, or where acknowledged indices go */
  guint       die_after;   /* 0, or SIGKILL ourselves after this many */
} Counter;

static void
on_recorded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree Pending *pending = user_data;
  Counter *counter = pending->counter;
  g_autoptr(GError) error = NULL;

  if (!shoal_share_recorder_record_finish (SHOAL_SHARE_RECORDER (pending->store), result, &error))
    {
      counter->failed++;
      return;
    }
  counter->acked++;
  if (counter->ack_fd >= 0)
    {
      /* write(2), unbuffered: what we logged survives the SIGKILL. */
      g_autofree char *line = g_strdup_printf ("%u\n", pending->index);
      g_assert_cmpint (write (counter->ack_fd, line, strlen (line)), ==, (gssize) strlen (line));
    }
  if (counter->die_after != 0 && counter->acked == counter->die_after)
    raise (SIGKILL);
  if (counter->acked == 1 && counter->db_path != NULL)
    {
      /* The acknowledged share is visible to a stranger already. */
      sqlite3 *db = raw_open (counter->db_path);
      counter->rows_seen_at_first_ack = raw_int (db, "SELECT count (*) FROM shares");
      sqlite3_close (db);
    }
}

static void
record_many (ShoalStore *store,
             Counter    *counter,
             guint       n)
{
  for (guint32 i = 0; i < n; i++)
    {
      ShoalShare share = make_share (ADDR_A, i % 2 ? "rig1" : "rig2", 1000 + i, i);
      Pending *pending = g_new0 (Pending, 1);

      pending->counter = counter;
      pending->store = store;
      pending->index = i;
      shoal_share_recorder_record_async (SHOAL_SHARE_RECORDER (store), &share, NULL,
                                         on_recorded, pending);
    }
}

static void
test_record_async (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStore) store = shoal_store_open (path, &error);
  Counter counter = { 0, 0, 3000, path, 0, -1, 0 };
  sqlite3 *db;

  g_assert_no_error (error);
  record_many (store, &counter, counter.expected);
  while (counter.acked + counter.failed < counter.expected)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (counter.acked, ==, counter.expected);
  g_assert_cmpuint (counter.failed, ==, 0);
  g_assert_cmpint (counter.rows_seen_at_first_ack, >=, 1);

  /* Still open: every acknowledged share is committed. */
  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM shares"), ==, counter.expected);
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM workers"), ==, 2);
  sqlite3_close (db);
  g_assert_cmpuint (shoal_store_count_shares_sync (store, &error), ==, counter.expected);
  g_assert_no_error (error);
  g_clear_object (&store);
  remove_db (path);
}

static char *
kill_db_path (pid_t parent)
{
  g_autofree char *name = g_strdup_printf ("shoal-store-kill-%d.db", (int) parent);
  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

#define KILL_AFTER 1500
#define KILL_SENT  4000

static void
kill_child (void)
{
  g_autofree char *path = kill_db_path (getppid ());
  g_autofree char *acks = g_strconcat (path, ".acks", NULL);
  g_autoptr(GError) error = NULL;
  ShoalStore *store = shoal_store_open (path, &error);
  Counter counter = { 0, 0, KILL_SENT, NULL, 0, -1, KILL_AFTER };

  g_assert_no_error (error);
  counter.ack_fd = g_open (acks, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (counter.ack_fd, >=, 0);
  /* Small batches and no linger: the kill lands between commits. */
  shoal_store_set_batching (store, 64, 0);
  record_many (store, &counter, KILL_SENT);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

static GHashTable *
read_acks (const char *path)
{
  g_autofree char *acks = g_strconcat (path, ".acks", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *set = g_hash_table_new (g_direct_hash, g_direct_equal);

  g_assert_true (g_file_get_contents (acks, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_hash_table_add (set, GUINT_TO_POINTER ((guint) g_ascii_strtoull (lines[i], NULL, 10)));
  return set;
}

static void
test_durable_after_sigkill (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) acked = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  guint found = 0;

  if (g_test_subprocess ())
    {
      kill_child ();
      return;
    }
  path = kill_db_path (getpid ());
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  acked = read_acks (path);
  g_assert_cmpuint (g_hash_table_size (acked), ==, KILL_AFTER);
  db = raw_open (path);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count (*) FROM shares WHERE hash = ?", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  g_hash_table_iter_init (&iter, acked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint32 index = GPOINTER_TO_UINT (key);
      guint8 hash[32] = { 0 };

      memcpy (hash, &index, sizeof index);
      sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      found += sqlite3_column_int (stmt, 0) == 1;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (found, ==, KILL_AFTER);
  g_test_message ("acknowledged %u, in the file after SIGKILL %" G_GINT64_FORMAT, KILL_AFTER,
                  raw_int (db, "SELECT count (*) FROM shares"));
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM shares"), >=, KILL_AFTER);
  g_assert_cmpint (raw_int (db, "SELECT count (*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                   ==, 1);
  sqlite3_close (db);

  /* And Shoal itself opens the file again (the lock died with the child). */
  {
    g_autoptr(ShoalStore) store = shoal_store_open (path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (shoal_store_count_shares_sync (store, &error), >=, KILL_AFTER);
  }
  {
    const char *suffixes[] = { "", "-wal", "-shm", ".lock", ".acks" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
        g_unlink (file);
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/migrate-empty", test_migrate_empty);
  g_test_add_func ("/store/malformed-file", test_malformed_file);
  g_test_add_func ("/store/newer-schema", test_newer_schema);
  g_test_add_func ("/store/locked", test_locked);
  g_test_add_func ("/store/record-async", test_record_async);
  g_test_add_func ("/store/durable-after-sigkill", test_durable_after_sigkill);
  return g_test_run ();
}
