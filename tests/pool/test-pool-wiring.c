/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "fake-job-source.h"
#include "shoal-pool-private.h"
#include "shoal-test-harness.h"

/* ShoalPool as a whole, with a fake job source in place of the node's
 * templates and its store on a SQLite file: no monerod.  A rig logs in
 * over loopback and submits real RandomX shares (light mode); the test
 * reads what the pool did from outside it: the share rows in the file,
 * the snapshot's worker and round, the solutions handed to the source,
 * and that the pool and its parts are gone after the stop.  Every wait
 * is for an outcome, with the harness's patience; nothing is timed. */

#define ADDRESS "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp" \
                "DtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"

/* Owned by the test's thread, like the pool it drives. */
typedef struct
{
  char           *dir;
  char           *database;
  TestFakeSource *source;
  ShoalPool      *pool;
  sqlite3        *db;       /* a reader of the pool's file, as another process would be */
  gboolean        started;
} Fixture;

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_pool_start_finish (SHOAL_POOL (object), result, &error));
  g_assert_no_error (error);
  f->started = TRUE;
}

static gboolean
is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

static ShoalConfig *
wiring_config (const char *database)
{
  ShoalConfig *config = shoal_config_new ();

  g_object_set (config, "pool-address", ADDRESS, "mode", "solo", "database", database,
                "stratum-bind", "127.0.0.1", "stratum-port", (guint64) 0,
                "min-difficulty", (guint64) 1, "validator-mode", "light",
                "validator-threads", (guint64) 1, "api-enabled", FALSE, NULL);
  return config;
}

/* A pool on the fixture's file and a new fake source, started. */
static void
start_pool (Fixture *f)
{
  g_autoptr(ShoalConfig) config = wiring_config (f->database);

  f->started = FALSE;
  f->source = fake_source_new (fake_work ("rx/0", 1, FAKE_HIGH_DIFFICULTY, 1));
  f->pool = shoal_pool_new (config);
  shoal_pool_set_job_source (f->pool, SHOAL_JOB_SOURCE (f->source));
  shoal_pool_start_async (f->pool, NULL, on_started, f);
  g_assert_true (stratum_test_wait (is_set, &f->started, SHOAL_TEST_PATIENCE_MS));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("shoal-wiring-XXXXXX", &error);
  g_assert_no_error (error);
  f->database = g_build_filename (f->dir, "pool.db", NULL);
  start_pool (f);
  g_assert_cmpint (sqlite3_open_v2 (f->database, &f->db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
}

/* The parts whose end the test watches, beside the pool's own. */
static const char *const watched[] = { "store", "stratum", "validator", "books", "blocks" };

static void
watch_parts (ShoalPool *pool,
             gpointer   weak[G_N_ELEMENTS (watched)])
{
  ShoalPoolParts *parts = _shoal_pool_get_parts (pool);
  gpointer objects[] = { parts->store, parts->stratum, parts->validator, parts->books,
                         parts->blocks };

  G_STATIC_ASSERT (G_N_ELEMENTS (objects) == G_N_ELEMENTS (watched));
  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    {
      g_assert_nonnull (objects[i]);
      weak[i] = objects[i];
      g_object_add_weak_pointer (objects[i], &weak[i]);
    }
}

/* Stops the pool and sees it, its parts and the source it was given
 * freed: nothing of the pool outlives it. */
static void
stop_pool (Fixture *f)
{
  gpointer weak[G_N_ELEMENTS (watched)];

  watch_parts (f->pool, weak);
  shoal_pool_stop (f->pool);
  shoal_test_assert_finalized (g_steal_pointer (&f->pool));
  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    if (weak[i] != NULL)
      g_error ("the pool's %s outlived it", watched[i]);
  shoal_test_assert_finalized (g_steal_pointer (&f->source));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *names[] = { "pool.db", "pool.db-wal", "pool.db-shm", "pool.db.lock" };

  sqlite3_close (f->db);
  stop_pool (f);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_build_filename (f->dir, names[i], NULL);
      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->database);
  g_free (f->dir);
}

/* A share row as the file holds it. */
typedef struct
{
  sqlite3 *db;
  guint64  height;
  gboolean is_block;
  guint64  difficulty;
  char    *worker;
} ShareRow;

/* Whether the file holds a share at ROW's height and is_block, and of
 * which worker and difficulty. */
static gboolean
share_row_found (gpointer data)
{
  ShareRow *row = data;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (row->db,
                          "SELECT s.difficulty, w.name, w.address FROM shares s"
                          " JOIN workers w ON w.id = s.worker_id"
                          " WHERE s.height = ? AND s.is_block = ?", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;   /* the pool's first migration may not be there yet */
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) row->height);
  sqlite3_bind_int (stmt, 2, row->is_block);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      row->difficulty = (guint64) sqlite3_column_int64 (stmt, 0);
      g_free (row->worker);
      row->worker = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, ADDRESS);
    }
  sqlite3_finalize (stmt);
  return found;
}

static void
expect_share_row (Fixture  *f,
                  guint64   height,
                  gboolean  is_block,
                  guint64   difficulty)
{
  ShareRow row = { .db = f->db, .height = height, .is_block = is_block };

  g_assert_true (stratum_test_wait (share_row_found, &row, SHOAL_TEST_PATIENCE_MS));
  g_assert_cmpuint (row.difficulty, ==, difficulty);
  g_assert_cmpstr (row.worker, ==, "rig");
  g_free (row.worker);
}

typedef struct
{
  ShoalPool *pool;
  guint64    accepted;
  guint64    stale;
} WorkerCounts;

/* Whether the snapshot shows the rig "rig" with at least the counts asked. */
static gboolean
snapshot_has_worker (gpointer data)
{
  WorkerCounts *want = data;
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (want->pool);

  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      ShoalWorkerInfo *worker = g_ptr_array_index (snapshot->workers, i);

      if (g_strcmp0 (worker->worker, "rig") == 0)
        return worker->online && worker->accepted >= want->accepted &&
               worker->stale >= want->stale;
    }
  return FALSE;
}

/* A share under the work's ceiling: written down, counted for the rig,
 * and no solution for the source. */
static void
test_share (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Rig) rig = rig_login (shoal_pool_get_stratum_port (f->pool), "rig+1");
  g_autofree char *message = rig_submit (rig, NULL, 1);
  WorkerCounts counts = { f->pool, 1, 0 };

  g_assert_cmpstr (shoal_pool_get_status_message (f->pool), ==, "running");
  g_assert_null (message);
  g_assert_cmpstr (rig_job (rig, "seed_hash"), ==, FAKE_SEED_HEX);
  expect_share_row (f, 101, FALSE, 1);
  g_assert_true (stratum_test_wait (snapshot_has_worker, &counts, SHOAL_TEST_PATIENCE_MS));
  stratum_test_drain ();
  g_assert_cmpuint (f->source->solutions->len, ==, 0);
}

/* New work of a new epoch whose ceiling every share meets: a share on
 * the old job is answered stale, one on the new job goes to the source
 * as a solution and into the file as a block share. */
static void
test_solution_and_stale (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Rig) rig = rig_login (shoal_pool_get_stratum_port (f->pool), "rig+1");
  g_autoptr(JsonObject) first = json_object_ref (rig->job);
  g_autofree char *stale = NULL;
  g_autofree char *block = NULL;
  WorkerCounts counts = { f->pool, 1, 1 };
  ShoalSolution *solution;

  fake_source_push (f->source, fake_work ("rx/0", 2, 1, 2));
  rig_read_job (rig);
  stale = rig_submit (rig, first, 2);
  g_assert_nonnull (stale);
  g_assert_true (g_str_has_prefix (stale, "Stale share"));
  block = rig_submit (rig, NULL, 3);
  g_assert_null (block);
  g_assert_true (stratum_test_wait (fake_source_has_solution, f->source,
                                    SHOAL_TEST_PATIENCE_MS));
  g_assert_cmpuint (f->source->solutions->len, ==, 1);
  solution = g_ptr_array_index (f->source->solutions, 0);
  g_assert_true (solution->work == f->source->work);
  g_assert_cmpuint (solution->nonce, ==, 3);
  g_assert_true (solution->share->is_block);
  g_assert_cmpuint (solution->share->height, ==, 102);
  g_assert_cmpstr (solution->share->worker, ==, "rig");
  expect_share_row (f, 102, TRUE, 1);
  g_assert_true (stratum_test_wait (snapshot_has_worker, &counts, SHOAL_TEST_PATIENCE_MS));
}

typedef struct
{
  ShoalPool *pool;
  guint64    round_shares;
} RoundWait;

static gboolean
snapshot_has_round (gpointer data)
{
  RoundWait *want = data;

  return shoal_pool_get_snapshot (want->pool)->round_shares == want->round_shares;
}

/* A pool started again on the same file carries on the round where the
 * file says it stands. */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Rig) rig = rig_login (shoal_pool_get_stratum_port (f->pool), "rig+1");
  g_autofree char *message = rig_submit (rig, NULL, 1);
  RoundWait round = { f->pool, 1 };

  g_assert_null (message);
  expect_share_row (f, 101, FALSE, 1);
  g_assert_true (stratum_test_wait (snapshot_has_round, &round, SHOAL_TEST_PATIENCE_MS));
  g_clear_pointer (&rig, rig_free);
  stop_pool (f);
  start_pool (f);
  round.pool = f->pool;
  g_assert_true (stratum_test_wait (snapshot_has_round, &round, SHOAL_TEST_PATIENCE_MS));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/pool/wiring/share", Fixture, NULL, fixture_set_up, test_share,
              fixture_tear_down);
  g_test_add ("/pool/wiring/solution-and-stale", Fixture, NULL, fixture_set_up,
              test_solution_and_stale, fixture_tear_down);
  g_test_add ("/pool/wiring/restart", Fixture, NULL, fixture_set_up, test_restart,
              fixture_tear_down);
  return g_test_run ();
}
