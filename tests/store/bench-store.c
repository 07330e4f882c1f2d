/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "shoal-bench.h"
#include "shoal-store.h"

/* shoal-bench store [--shares N] [--dir DIR]
 *
 * Share inserts per second with the real schema, through the path the
 * stratum server uses (record_async, batched commits, WAL + FULL sync),
 * and for comparison one commit per share (record_sync) and raw SQLite
 * inserts under synchronous FULL and NORMAL.  Also the acknowledgement
 * latency of a steady 1000 shares/s stream. */

#define ADDRESS "4BenchAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static char *bench_dir;

typedef struct
{
  guint   acked;
  guint   failed;
  GArray *latencies;   /* gint64 us, for paced runs */
} Acks;

typedef struct
{
  Acks       *acks;
  ShoalStore *store;
  gint64      sent_us;
} Pending;

static ShoalShare
make_share (guint32 i)
{
  ShoalShare share = { 0 };

  share.timestamp_us = g_get_real_time ();
  share.address = ADDRESS;
  share.worker = (char *) (i % 4 == 0 ? "rig0" : i % 4 == 1 ? "rig1" : i % 4 == 2 ? "rig2" : "rig3");
  share.difficulty = 10000 + i;
  share.height = 3000000;
  memcpy (share.hash, &i, sizeof i);
  return share;
}

static ShoalStore *
fresh_store (const char *name)
{
  g_autofree char *path = g_build_filename (bench_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  ShoalStore *store = shoal_store_open (path, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  return store;
}

static void
on_ack (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autofree Pending *pending = user_data;

  if (!shoal_share_recorder_record_finish (SHOAL_SHARE_RECORDER (pending->store), result, NULL))
    {
      pending->acks->failed++;
      return;
    }
  pending->acks->acked++;
  if (pending->acks->latencies != NULL)
    {
      gint64 latency = g_get_monotonic_time () - pending->sent_us;
      g_array_append_val (pending->acks->latencies, latency);
    }
}

static void
send_share (ShoalStore *store,
            Acks       *acks,
            guint32     i)
{
  ShoalShare share = make_share (i);
  Pending *pending = g_new0 (Pending, 1);

  pending->acks = acks;
  pending->store = store;
  pending->sent_us = g_get_monotonic_time ();
  shoal_share_recorder_record_async (SHOAL_SHARE_RECORDER (store), &share, NULL, on_ack, pending);
}

/* All N queued at once: the writer's throughput. */
static void
bench_burst (const char *label,
             guint       max_batch,
             guint       max_delay_ms,
             guint       n)
{
  g_autofree char *name = g_strdup_printf ("burst-%u-%u.db", max_batch, max_delay_ms);
  g_autoptr(ShoalStore) store = fresh_store (name);
  Acks acks = { 0 };
  gint64 start;
  double seconds;

  shoal_store_set_batching (store, max_batch, max_delay_ms);
  start = g_get_monotonic_time ();
  for (guint32 i = 0; i < n; i++)
    send_share (store, &acks, i);
  while (acks.acked + acks.failed < n)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_print ("%-44s %8u shares %7.3f s %10.0f shares/s (%u failed)\n", label, n, seconds,
           n / seconds, acks.failed);
}

static gint
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* 1000 shares/s for two seconds, one every millisecond: ack latency. */
static void
bench_paced (guint max_batch,
             guint max_delay_ms)
{
  g_autofree char *name = g_strdup_printf ("paced-%u.db", max_delay_ms);
  g_autoptr(ShoalStore) store = fresh_store (name);
  Acks acks = { 0, 0, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  gint64 start = g_get_monotonic_time ();
  guint sent = 0;
  GArray *l;

  shoal_store_set_batching (store, max_batch, max_delay_ms);
  while (sent < 2000)
    {
      gint64 due = start + (gint64) sent * 1000;

      if (g_get_monotonic_time () >= due)
        send_share (store, &acks, sent++);
      else
        g_usleep (MIN (200, due - g_get_monotonic_time ()));
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  while (acks.acked + acks.failed < sent)
    g_main_context_iteration (NULL, TRUE);
  l = acks.latencies;
  g_array_sort (l, compare_i64);
  g_print ("paced 1000/s, batch %u / %2u ms: ack latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           max_batch, max_delay_ms, g_array_index (l, gint64, l->len / 2) / 1e3,
           g_array_index (l, gint64, l->len * 99 / 100) / 1e3,
           g_array_index (l, gint64, l->len - 1) / 1e3);
  g_array_unref (l);
}

static void
bench_sync (guint n)
{
  g_autoptr(ShoalStore) store = fresh_store ("sync.db");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  /* No linger: a blocked caller is the only one in its batch. */
  shoal_store_set_batching (store, 1, 0);

  for (guint32 i = 0; i < n; i++)
    {
      ShoalShare share = make_share (i);

      if (!shoal_store_record_sync (store, &share, &error))
        g_error ("%s", error->message);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_print ("%-44s %8u shares %7.3f s %10.0f shares/s\n", "record_sync (one COMMIT+fsync each)", n,
           seconds, n / seconds);
}

/* Plain SQLite on the real schema, no Shoal code in the loop. */
static void
bench_raw (const char *label,
           const char *sync_mode,
           gboolean    one_transaction,
           guint       n)
{
  g_autofree char *name = g_strdup_printf ("raw-%s-%d.db", sync_mode, one_transaction);
  g_autofree char *path = g_build_filename (bench_dir, name, NULL);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA synchronous = %s", sync_mode);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 start;
  double seconds;

  g_object_unref (fresh_store (name));
  sqlite3_open (path, &db);
  sqlite3_exec (db, pragma, NULL, NULL, NULL);
  sqlite3_exec (db, "INSERT INTO workers (address, name) VALUES ('" ADDRESS "', 'rig')", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO shares (time_us, worker_id, difficulty, height, is_block, hash)"
                          " VALUES (?, 1, ?, 3000000, 0, ?)", -1, &stmt, NULL);
  start = g_get_monotonic_time ();
  if (one_transaction)
    sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (guint32 i = 0; i < n; i++)
    {
      guint8 hash[32] = { 0 };

      memcpy (hash, &i, sizeof i);
      sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
      sqlite3_bind_int64 (stmt, 2, 10000 + i);
      sqlite3_bind_blob (stmt, 3, hash, sizeof hash, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        g_error ("raw insert: %s", sqlite3_errmsg (db));
      sqlite3_reset (stmt);
    }
  if (one_transaction)
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_print ("%-44s %8u shares %7.3f s %10.0f shares/s\n", label, n, seconds, n / seconds);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static int
bench_store (int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- share inserts per second");
  g_autofree char *dir = NULL;
  int shares = 50000;
  GOptionEntry entries[] = {
    { "shares", 0, 0, G_OPTION_ARG_INT, &shares, "Shares per batched run", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Where the test databases go", "DIR" },
    { NULL }
  };
  g_autofree char *template = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || shares <= 0)
    {
      g_printerr ("%s\n", error ? error->message : "--shares must be positive");
      return 2;
    }
  template = g_build_filename (dir ? dir : g_get_tmp_dir (), "shoal-bench-store-XXXXXX", NULL);
  bench_dir = g_mkdtemp (template);
  g_print ("SQLite %s, WAL, databases in %s\n", sqlite3_libversion (), bench_dir);

  bench_burst ("record_async, batch 512 / 20 ms (default)", 512, 20, shares);
  bench_burst ("record_async, batch 512 / 0 ms", 512, 0, shares);
  bench_burst ("record_async, batch 64 / 0 ms", 64, 0, shares);
  bench_burst ("record_async, batch 4096 / 50 ms", 4096, 50, shares);
  bench_sync (MIN (shares, 1000));
  bench_raw ("raw SQLite, FULL, one transaction per share", "FULL", FALSE, MIN (shares, 1000));
  bench_raw ("raw SQLite, NORMAL, one transaction per share", "NORMAL", FALSE, MIN (shares, 1000));
  bench_raw ("raw SQLite, FULL, all in one transaction", "FULL", TRUE, shares);
  bench_paced (512, 20);
  bench_paced (512, 0);
  remove_tree (bench_dir);
  return 0;
}

SHOAL_BENCH_REGISTER ("store", "share inserts/s through the store's batched writer", bench_store)
