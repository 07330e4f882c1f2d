/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "p2pool-standin.h"
#include "shoal-difficulty.h"
#include "shoal-pool.h"
#include "shoal-test-harness.h"
#include "stratum-test-util.h"

/* Upstream mode end to end, with real parts: test miners -> Shoal in
 * upstream mode -> another Shoal in solo mode (or the P2Pool stand-in)
 * -> monerod on regtest.  What counts is what the upstream and monerod
 * say: every share that went up was checked first, a lying rig gets
 * nothing up, and rigs keep their connection through a failover. */

#define NETWORK_DIFFICULTY 100
#define STANDIN_DIFFICULTY 20
#define SIDECHAIN_DIFFICULTY 123457   /* the stand-in's ceiling, far above the rigs' */
#define LOW_SIDECHAIN_DIFFICULTY 50   /* a ceiling some of the rigs' shares reach */
#define SWITCH_SECONDS     5      /* new work after a switch: the promise */
#define HOUSEHOLD_FEE_BPS  100
#define SEED_HEX_STANDIN   "0707070707070707070707070707070707070707070707070707070707070707"

typedef struct
{
  ShoalPlayground *playground;
  char            *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* DATA: another network difficulty than NETWORK_DIFFICULTY. */
  f->playground = shoal_test_harness_start (data != NULL ? GPOINTER_TO_UINT (data)
                                                         : NETWORK_DIFFICULTY);
  f->dir = g_dir_make_tmp ("shoal-upstream-test-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *rm[] = { "rm", "-rf", f->dir, NULL };

  shoal_test_harness_stop (f->playground);
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->dir);
}

/* A pool on the playground's node; UPSTREAMS NULL: solo mode. */
static ShoalPool *
pool_new (Fixture            *f,
          const char         *name,
          guint16             port,
          const char * const *upstreams)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autofree char *db = g_strdup_printf ("%s/%s.db", f->dir, name);

  g_object_set (config,
                "node-url", shoal_playground_get_node_uri (f->playground),
                "pool-address", shoal_playground_get_wallet (f->playground)->address,
                "mode", upstreams != NULL ? "upstream" : "solo",
                "upstream-urls", upstreams,
                "upstream-user", "household-relay",
                "stratum-bind", "127.0.0.1",
                "stratum-port", (guint64) port,
                "start-difficulty", (guint64) 10,
                "min-difficulty", (guint64) 5,
                "validator-mode", "light",
                "validator-threads", (guint64) 1,
                "node-poll-interval", (guint64) 200,
                "database", db,
                NULL);
  return shoal_pool_new (config);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  shoal_pool_start_finish (SHOAL_POOL (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
wait_for (gboolean (*done) (gpointer),
          gpointer   data,
          guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return done (data);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
has_work (gpointer data)
{
  return shoal_pool_get_snapshot (data)->network_difficulty > 0;
}

static gboolean
upstream_condition (gpointer pool)
{
  return shoal_condition_list_find (shoal_pool_get_conditions (pool), "upstream") != NULL;
}

static gboolean
no_upstream_condition (gpointer pool)
{
  return !upstream_condition (pool);
}

static void
pool_start (ShoalPool *pool)
{
  gboolean started = FALSE;

  shoal_pool_start_async (pool, NULL, on_started, &started);
  g_assert_true (wait_for (is_true, &started, 60));
  g_assert_true (wait_for (has_work, pool, 60));
}

/* A test miner logged in as LOGIN, rig id RIG. */
static GSubprocess *
spawn_rig (guint16     port,
           const char *login,
           const char *rig,
           const char *option)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = stratum_testminer_path ();
  g_autofree char *port_str = g_strdup_printf ("%u", port);
  GSubprocess *miner;

  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "-o", "127.0.0.1",
                            "-P", port_str, "-u", login, "--rigid", rig, "--duration", "600",
                            "--json", option, NULL);
  g_assert_no_error (error);
  return miner;
}

static GSubprocess *
spawn_miner (guint16     port,
             const char *rig,
             const char *misbehaviour)
{
  return spawn_rig (port, rig, rig, misbehaviour);
}

/* Stops MINER and returns its summary. */
static JsonObject *
miner_stop (GSubprocess *miner)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *line;

  g_subprocess_send_signal (miner, SIGTERM);
  g_subprocess_communicate_utf8 (miner, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  line = strrchr (g_strstrip (out), '\n');
  return stratum_parse_object (line != NULL ? line + 1 : out);
}

static const ShoalWorkerInfo *
find_worker (ShoalPool  *pool,
             const char *name)
{
  ShoalPoolSnapshot *snapshot = shoal_pool_get_snapshot (pool);

  for (guint i = 0; i < snapshot->workers->len; i++)
    {
      const ShoalWorkerInfo *w = g_ptr_array_index (snapshot->workers, i);

      if (g_strcmp0 (w->worker, name) == 0)
        return w;
    }
  return NULL;
}

static guint64
upstream_accepted (ShoalPool  *pool,
                   const char *name)
{
  const ShoalWorkerInfo *w = find_worker (pool, name);

  return w != NULL ? w->upstream_accepted : 0;
}

/* The one number SQL asks of pool NAME's database, read as anyone could;
 * the relay's database is there too, as "relay_db". */
static gint64
db_count (Fixture    *f,
          const char *name,
          const char *sql)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.db", f->dir, name);
  g_autofree char *attach = g_strdup_printf ("ATTACH DATABASE '%s/relay.db' AS relay_db",
                                             f->dir);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, attach, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

static void
iterate_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE), g_usleep (10 * 1000);
}

/* Blob byte 42, the top nonce byte: non-zero on an upstream's split work,
 * zero on the node's templates (their unique bytes are in the coinbase). */
static guint
split_byte (JsonObject *job)
{
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (json_object_get_string_member (job, "blob"));

  return ((const guint8 *) g_bytes_get_data (blob, NULL))[42];
}

/* The first job notification on CLIENT that is (SPLIT) or is not split
 * work, skipping others, while the pools (on this thread) run; NULL when
 * none came in TIMEOUT_S or the connection closed. */
static JsonObject *
wait_job (StratumClient *client,
          gboolean       split,
          guint          timeout_s)
{
  gint64 until = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < until && !client->eof)
    {
      g_autofree char *line = NULL;
      g_autoptr(JsonObject) object = NULL;
      JsonObject *job;

      g_main_context_iteration (NULL, FALSE);
      line = stratum_client_read_line (client, 20);
      object = line != NULL ? stratum_parse_object (line) : NULL;
      if (object == NULL || g_strcmp0 (json_object_get_string_member_with_default (
                                         object, "method", ""), "job") != 0)
        continue;
      job = json_object_get_object_member (object, "params");
      if ((split_byte (job) != 0) == split)
        return json_object_ref (job);
    }
  return NULL;
}

typedef struct
{
  ShoalPool *pool;
  guint64    accepted;
} Progress;

static gboolean
upstream_took_more (gpointer data)
{
  Progress *p = data;

  return upstream_accepted (p->pool, "rig-a") > p->accepted
         && upstream_accepted (p->pool, "rig-b") > 0;
}

static gboolean
liar_refused (gpointer data)
{
  const ShoalWorkerInfo *liar = find_worker (data, "liar");

  return liar != NULL && liar->invalid > 0;
}

static void
on_block_found (ShoalPool  *pool,
                guint64     height,
                const char *id,
                gpointer    user_data)
{
  guint *found = user_data;

  (*found)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

/* Shoal (upstream) on Shoal (solo) on monerod. */
static void
test_shoal_on_shoal (Fixture       *f,
                     gconstpointer  data)
{
  guint16 upstream_port = stratum_test_free_port ();
  g_autofree char *url = g_strdup_printf ("stratum+tcp://127.0.0.1:%u", upstream_port);
  const char *urls[] = { url, NULL };
  g_autoptr(ShoalPool) upstream = pool_new (f, "upstream", upstream_port, NULL);
  g_autoptr(ShoalPool) again = NULL;
  g_autoptr(ShoalPool) relay = pool_new (f, "relay", 0, urls);
  g_autoptr(GSubprocess) rig_a = NULL;
  g_autoptr(GSubprocess) rig_b = NULL;
  g_autoptr(GSubprocess) liar = NULL;
  g_autoptr(JsonObject) liar_summary = NULL;
  g_autoptr(JsonObject) a_summary = NULL;
  g_autoptr(StratumClient) watcher = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) fallback = NULL;
  g_autoptr(JsonObject) back = NULL;
  guint64 height_before = shoal_test_node_height (f->playground);
  const ShoalWorkerInfo *liar_row;
  Progress progress = { 0 };
  guint blocks = 0;
  guint16 relay_port;
  guint64 relay_says;
  gint64 taken;

  g_signal_connect (upstream, "block-found", G_CALLBACK (on_block_found), &blocks);
  pool_start (upstream);
  pool_start (relay);
  relay_port = shoal_pool_get_stratum_port (relay);

  /* A watcher rig sees the upstream's split work. */
  watcher = stratum_client_connect (relay_port, NULL);
  first = stratum_client_login_result (watcher, "watcher", NULL);
  g_assert_cmpuint (split_byte (json_object_get_object_member (first, "job")), !=, 0);

  rig_a = spawn_miner (relay_port, "rig-a", "--threads=1");
  rig_b = spawn_miner (relay_port, "rig-b", "--threads=1");
  liar = spawn_miner (relay_port, "liar", "--wrong-result");
  progress.pool = relay;
  g_assert_true (wait_for (upstream_took_more, &progress, 240));
  /* Blocks land on monerod's chain, through the upstream Shoal. */
  g_assert_true (wait_for (is_positive, &blocks, 300));
  g_assert_cmpuint (shoal_test_node_height (f->playground), >, height_before);

  /* The liar is refused downstream; nothing of it went up.  The first
   * blocks can come before its first (light-mode) hash: it is stopped
   * only once it has lied. */
  g_assert_true (wait_for (liar_refused, relay, 240));
  liar_summary = miner_stop (liar);
  g_assert_cmpint (json_object_get_int_member (liar_summary, "accepted"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (liar_summary, "rejected"), >, 0);
  iterate_for (2000);
  liar_row = find_worker (relay, "liar");
  g_assert_nonnull (liar_row);
  g_assert_cmpuint (liar_row->invalid, >, 0);
  g_assert_cmpuint (liar_row->upstream_accepted + liar_row->upstream_rejected, ==, 0);

  /* The upstream is killed: the watcher gets the node's own work within
   * seconds, on the same connection. */
  /* What was queued so far is passed over. */
  fallback = wait_job (watcher, FALSE, 1);
  g_clear_pointer (&fallback, json_object_unref);
  g_assert_false (upstream_condition (relay));
  shoal_pool_stop (upstream);
  fallback = wait_job (watcher, FALSE, SWITCH_SECONDS);
  g_assert_nonnull (fallback);
  g_assert_false (watcher->eof);
  /* The window says the rigs are mining solo now, and why. */
  g_assert_true (wait_for (upstream_condition, relay, 60));
  g_assert_nonnull (strstr (shoal_condition_list_find (shoal_pool_get_conditions (relay),
                                                       "upstream")->sentence, "mine solo"));

  /* Back where it was: the relay goes back to it. */
  again = pool_new (f, "upstream", upstream_port, NULL);
  pool_start (again);
  back = wait_job (watcher, TRUE, 60);
  g_assert_nonnull (back);
  g_assert_false (watcher->eof);
  g_assert_true (wait_for (no_upstream_condition, relay, 60));

  /* Every share the upstream took is one the relay checked and counted
   * as taken upstream: rigs a and b only. */
  a_summary = miner_stop (rig_a);
  g_assert_cmpint (json_object_get_int_member (a_summary, "disconnects"), ==, 0);
  g_clear_pointer (&a_summary, json_object_unref);
  a_summary = miner_stop (rig_b);
  g_assert_cmpint (json_object_get_int_member (a_summary, "disconnects"), ==, 0);
  iterate_for (3000);
  relay_says = upstream_accepted (relay, "rig-a") + upstream_accepted (relay, "rig-b")
               + upstream_accepted (relay, "watcher");
  shoal_pool_stop (relay);
  shoal_pool_stop (again);
  /* The upstream's own file, across both of its runs: an acknowledged
   * share is a committed one (its last snapshot before a stop may lag a
   * second behind).  Every share it took is one the relay had checked
   * and recorded first, the same PoW hash; and the relay counts none as
   * taken that the upstream does not have.  A share committed upstream
   * just as it stopped may have lost its answer: counted as refused. */
  taken = db_count (f, "upstream", "SELECT count (*) FROM shares");
  g_test_message ("upstream took %" G_GINT64_FORMAT " shares; the relay counts %"
                  G_GUINT64_FORMAT " taken upstream", taken, relay_says);
  g_assert_cmpint (taken, >, 0);
  g_assert_cmpint (db_count (f, "upstream", "SELECT count (*) FROM shares WHERE hash NOT IN"
                             " (SELECT hash FROM relay_db.shares)"), ==, 0);
  g_assert_cmpint ((gint64) relay_says, <=, taken);
  g_assert_cmpint ((gint64) relay_says, >=, taken - 2);
}

static gboolean
standin_has_submits (gpointer data)
{
  GPtrArray *submits = p2pool_standin_get_submits (data);

  return submits->len >= 3;
}

/* Every share the stand-in got is the RandomX hash of its own job with
 * the rig's nonce.  In per-rig relay (the default) it came on the rig's
 * own connection, logged in under its name, or, before that connection
 * had a job, on the relay's own, from a rig that kept its nonce byte. */
static void
check_standin_submits (P2poolStandin *standin)
{
  GPtrArray *submits = p2pool_standin_get_submits (standin);
  guint on_own = 0;

  for (guint i = 0; i < submits->len; i++)
    {
      P2poolSubmit *s = g_ptr_array_index (submits, i);
      g_autofree char *blob_hex = shoal_test_bytes_to_hex (g_bytes_get_data (s->blob, NULL),
                                                           g_bytes_get_size (s->blob));
      g_autoptr(GBytes) nonce = shoal_test_hex_to_bytes (s->nonce);
      const guint8 *n = g_bytes_get_data (nonce, NULL);
      guint32 value = n[0] | n[1] << 8 | n[2] << 16 | (guint32) n[3] << 24;
      g_autofree char *hash = stratum_test_hash (blob_hex, SEED_HEX_STANDIN, value);

      g_assert_cmpstr (s->verdict, ==, "OK");
      if (g_strcmp0 (s->worker, "rig-a") == 0)
        on_own++;
      else
        {
          g_assert_cmpstr (s->worker, ==, "household-relay");
          g_assert_cmpuint (n[3], !=, 0);
        }
      g_assert_cmpstr (s->result, ==, hash);
    }
  g_assert_cmpuint (on_own, >, 0);
}

/* The relay's database, read as anyone could: shares met the upstream's
 * target, none of them is a block of ours. */
static void
expect_no_blocks_recorded (Fixture *f)
{
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM shares"), >, 0);
  g_assert_cmpint (db_count (f, "relay", "SELECT coalesce (sum (is_block), 0) FROM shares"),
                   ==, 0);
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM blocks"), ==, 0);
}

/* What the window's Upstream page and the API show of the one upstream. */
static void
check_listed_upstream (ShoalPool  *relay,
                       const char *url,
                       guint       submits)
{
  g_autoptr(GPtrArray) upstreams = shoal_pool_list_upstreams (relay);
  const ShoalUpstreamInfo *info;

  g_assert_cmpuint (upstreams->len, ==, 1);
  info = g_ptr_array_index (upstreams, 0);
  g_assert_cmpstr (info->name, ==, url);
  g_assert_true (info->in_use);
  g_assert_true (info->connected);
  g_assert_null (info->trouble);
  g_assert_cmpuint (info->accepted, ==, submits);
  g_assert_cmpuint (info->rejected, ==, 0);
  /* The stand-in's target, read back: within the rounding of 8 hex digits. */
  g_assert_cmpuint (info->difficulty, >=, STANDIN_DIFFICULTY * 99 / 100);
  g_assert_cmpuint (info->difficulty, <=, STANDIN_DIFFICULTY * 101 / 100);
  /* The sidechain's, learnt by the probe's login as P2Pool caps it. */
  g_assert_cmpuint (info->sidechain_difficulty, >=, SIDECHAIN_DIFFICULTY * 99 / 100);
  g_assert_cmpuint (info->sidechain_difficulty, <=, SIDECHAIN_DIFFICULTY * 101 / 100);
}

/* A stand-in with its work and sidechain CEILING, and the relay on it,
 * started; *URL: the stand-in's. */
static ShoalPool *
relay_on_standin (Fixture       *f,
                  P2poolStandin *standin,
                  guint64        ceiling,
                  char         **url)
{
  guint8 blob[76] = { 16, 16, 1, 2, 3 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);
  const char *urls[2] = { NULL, NULL };
  ShoalPool *relay;

  p2pool_standin_set_work (standin, bytes, SEED_HEX_STANDIN, 5);
  p2pool_standin_set_sidechain_difficulty (standin, ceiling);
  *url = g_strdup_printf ("stratum+tcp://127.0.0.1:%u", p2pool_standin_get_port (standin));
  urls[0] = *url;
  relay = pool_new (f, "relay", 0, urls);
  pool_start (relay);
  return relay;
}

/* Shoal (upstream) on the P2Pool stand-in, the node's templates behind. */
static void
test_standin (Fixture       *f,
              gconstpointer  data)
{
  P2poolStandin *standin = p2pool_standin_new (STANDIN_DIFFICULTY);
  g_autofree char *url = NULL;
  g_autoptr(ShoalPool) relay = relay_on_standin (f, standin, SIDECHAIN_DIFFICULTY, &url);
  g_autoptr(GSubprocess) rig = NULL;
  g_autoptr(GSubprocess) liar = NULL;
  g_autoptr(JsonObject) summary = NULL;
  guint submits;

  rig = spawn_miner (shoal_pool_get_stratum_port (relay), "rig-a", "--threads=1");
  liar = spawn_miner (shoal_pool_get_stratum_port (relay), "liar", "--wrong-result");
  g_assert_true (wait_for (standin_has_submits, standin, 240));
  summary = miner_stop (liar);
  g_assert_cmpint (json_object_get_int_member (summary, "accepted"), ==, 0);
  g_clear_pointer (&summary, json_object_unref);
  summary = miner_stop (rig);
  g_assert_cmpint (json_object_get_int_member (summary, "violations"), ==, 0);
  iterate_for (3000);
  submits = p2pool_standin_get_submits (standin)->len;
  check_standin_submits (standin);
  g_assert_cmpuint (upstream_accepted (relay, "rig-a"), ==, submits);
  g_assert_cmpuint (upstream_accepted (relay, "liar"), ==, 0);
  g_assert_cmpuint (p2pool_standin_count (standin, P2POOL_COUNT_BANS), ==, 0);
  check_listed_upstream (relay, url, submits);
  shoal_pool_stop (relay);
  expect_no_blocks_recorded (f);
  p2pool_standin_free (standin);
}

/* Submits the stand-in accepted whose hash reached DIFFICULTY. */
static guint
standin_accepted_reaching (P2poolStandin *standin,
                           guint64        difficulty)
{
  GPtrArray *submits = p2pool_standin_get_submits (standin);
  guint n = 0;

  for (guint i = 0; i < submits->len; i++)
    {
      P2poolSubmit *s = g_ptr_array_index (submits, i);
      g_autoptr(GBytes) hash = shoal_test_hex_to_bytes (s->result);

      if (g_str_equal (s->verdict, "OK") &&
          shoal_hash_difficulty (g_bytes_get_data (hash, NULL)) >= difficulty)
        n++;
    }
  return n;
}

/* Waits for the relay's TABLE to hold at least ROWS rows. */
typedef struct
{
  Fixture    *f;
  const char *table;
  gint64      rows;
} RelayRows;

static gboolean
relay_has_rows (gpointer data)
{
  RelayRows *wait = data;
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s", wait->table);

  return db_count (wait->f, "relay", sql) >= wait->rows;
}

/* A sidechain just above the stand-in's difficulty: the shares the
 * upstream accepted that reached the probed sidechain difficulty are
 * recorded for their rig, and no other share is. */
static void
test_sidechain_shares (Fixture       *f,
                       gconstpointer  data)
{
  P2poolStandin *standin = p2pool_standin_new (STANDIN_DIFFICULTY);
  g_autofree char *url = NULL;
  g_autoptr(ShoalPool) relay = relay_on_standin (f, standin, LOW_SIDECHAIN_DIFFICULTY, &url);
  g_autoptr(GSubprocess) rig = NULL;
  g_autoptr(JsonObject) summary = NULL;
  RelayRows wait = { f, "sidechain_shares", 3 };
  gint64 rows;

  rig = spawn_miner (shoal_pool_get_stratum_port (relay), "rig-a", "--threads=1");
  g_assert_true (wait_for (relay_has_rows, &wait, 120));
  summary = miner_stop (rig);
  iterate_for (2000);
  shoal_pool_stop (relay);

  rows = db_count (f, "relay", "SELECT count (*) FROM sidechain_shares");
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM sidechain_shares WHERE"
                                         " worker <> 'rig-a' OR difficulty < sidechain_difficulty"
                                         " OR sidechain_difficulty NOT BETWEEN 49 AND 51"), ==, 0);
  /* Accepted shares that stopped short of the sidechain are not recorded. */
  g_assert_cmpint (rows, <=, standin_accepted_reaching (standin, 49));
  p2pool_standin_free (standin);
}

/* --- a household split over P2Pool ------------------------------------ */

/* Pool NAME's database as a read-only SQLite handle. */
static sqlite3 *
db_open (Fixture    *f,
         const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.db", f->dir, name);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  return db;
}

/* The pool wallet's unlocked coinbases (60 blocks on top): txid -> amount. */
static GHashTable *
pool_coinbases (Fixture *f)
{
  ShoalPlaygroundWallet *pool = shoal_playground_get_wallet (f->playground);
  g_autoptr(JsonNode) refreshed = shoal_test_rpc (pool->client, "refresh", NULL);
  g_autoptr(JsonNode) answer = shoal_test_rpc (pool->client, "get_transfers", "{\"in\":true}");
  JsonObject *object = json_node_get_object (answer);
  GHashTable *coinbases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *in;

  if (!json_object_has_member (object, "in"))
    return coinbases;
  in = json_object_get_array_member (object, "in");
  for (guint i = 0; i < json_array_get_length (in); i++)
    {
      JsonObject *t = json_array_get_object_element (in, i);
      guint64 amount = json_object_get_int_member (t, "amount");

      g_assert_cmpstr (json_object_get_string_member (t, "type"), ==, "block");
      if (json_object_get_int_member (t, "confirmations") > 60)
        g_hash_table_insert (coinbases, g_strdup (json_object_get_string_member (t, "txid")),
                             g_memdup2 (&amount, sizeof amount));
    }
  return coinbases;
}

/* The documented PPLNS rule, worked out here for one or two members:
 * the fee, then floor (rest * w / W) each, the unit left over (if any)
 * to the larger remainder, a tie to the smaller address (the first). */
static void
expected_split (guint64        amount,
                const guint64 *weights,
                guint          n,
                guint64       *amounts)
{
  guint64 fee = amount / 10000 * HOUSEHOLD_FEE_BPS + amount % 10000 * HOUSEHOLD_FEE_BPS / 10000;
  guint64 rest = amount - fee, total = 0, sum = 0, remainders[2];

  for (guint i = 0; i < n; i++)
    total += weights[i];
  for (guint i = 0; i < n; i++)
    {
      unsigned __int128 product = (unsigned __int128) rest * weights[i];

      amounts[i] = (guint64) (product / total);
      remainders[i] = (guint64) (product % total);
      sum += amounts[i];
    }
  if (sum < rest)
    amounts[n == 2 && remainders[1] > remainders[0] ? 1 : 0]++;
}

/* Each income against the wallet's coinbase and against the members'
 * verified work in its window, to the atomic unit. */
static void
check_income (sqlite3    *db,
              const char *txid,
              guint64     amount)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT i.amount, c.address, c.weight, c.amount, (SELECT sum (s.difficulty) FROM shares AS s"
    " JOIN workers AS w ON w.id = s.worker_id WHERE w.address = c.address"
    " AND s.time_us >= i.window_start_us AND s.time_us < i.window_end_us)"
    " FROM incomes AS i JOIN income_credits AS c ON c.txid = i.txid"
    " WHERE i.txid = '%s' ORDER BY c.address", txid);
  sqlite3_stmt *stmt = NULL;
  guint64 weights[2] = { 0 }, amounts[2] = { 0 }, expected[2] = { 0 };
  guint n = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_assert_cmpuint (n, <, 2);
      g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, (gint64) amount);
      g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, sqlite3_column_int64 (stmt, 4));
      weights[n] = sqlite3_column_int64 (stmt, 2);
      amounts[n++] = sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (n, >, 0);
  expected_split (amount, weights, n, expected);
  g_test_message ("income %s: %" G_GUINT64_FORMAT " for work %" G_GUINT64_FORMAT ":%"
                  G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT, txid, amount,
                  weights[0], weights[1], amounts[0], amounts[1]);
  g_assert_cmpuint (amounts[0], ==, expected[0]);
  g_assert_cmpuint (amounts[1], ==, expected[1]);
}

static gboolean
several_blocks (gpointer data)
{
  return *(guint *) data >= 4;
}

/* Configured to split P2Pool's payouts to the playground's wallet, whose
 * address the upstream Shoal pays as P2Pool pays its one wallet. */
static ShoalPool *
household_relay_new (Fixture            *f,
                     const char * const *urls)
{
  ShoalPool *relay = pool_new (f, "relay", 0, urls);
  ShoalPlaygroundWallet *wallet = shoal_playground_get_wallet (f->playground);
  g_autofree char *login = wallet->username != NULL ? g_strdup_printf ("%s:%s", wallet->username,
                                                                       wallet->password)
                                                    : g_strdup ("");

  g_object_set (shoal_pool_get_config (relay),
                "upstream-split", TRUE,
                "upstream-sidechain", "mini",
                "wallet-url", wallet->uri,
                "wallet-login", login,
                "pool-fee-bps", (guint64) HOUSEHOLD_FEE_BPS,
                NULL);
  return relay;
}

/* Two members' rigs -> Shoal (upstream mode, splitting) -> Shoal (solo,
 * standing in for P2Pool: its blocks pay the pool wallet, whatever the
 * rigs' logins say) -> monerod, at difficulty 1 (every share a block).
 * The coinbases the pool wallet received are credited to the members by
 * their verified work, once, also across a restart. */
static void
test_household_split (Fixture       *f,
                      gconstpointer  data)
{
  guint16 upstream_port = stratum_test_free_port ();
  g_autofree char *url = g_strdup_printf ("stratum+tcp://127.0.0.1:%u", upstream_port);
  const char *urls[] = { url, NULL };
  g_autoptr(ShoalPool) upstream = pool_new (f, "upstream", upstream_port, NULL);
  g_autoptr(ShoalPool) relay = household_relay_new (f, urls);
  g_autoptr(ShoalPool) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) coinbases = NULL;
  g_autoptr(JsonObject) summary = NULL;
  ShoalPlaygroundWallet *alice, *bob, *others;
  GSubprocess *rigs[2];
  RelayRows incomes = { f, "incomes", 0 };
  GHashTableIter iter;
  gpointer txid, amount;
  guint blocks = 0;
  sqlite3 *db;

  alice = shoal_playground_add_wallet_sync (f->playground, "alice", NULL, NULL, &error);
  g_assert_no_error (error);
  bob = shoal_playground_add_wallet_sync (f->playground, "bob", NULL, NULL, &error);
  g_assert_no_error (error);
  others = shoal_playground_add_wallet_sync (f->playground, "others", NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (upstream, "block-found", G_CALLBACK (on_block_found), &blocks);
  pool_start (upstream);
  pool_start (relay);
  rigs[0] = spawn_rig (shoal_pool_get_stratum_port (relay), alice->address, "alice-rig",
                       "--threads=1");
  rigs[1] = spawn_rig (shoal_pool_get_stratum_port (relay), bob->address, "bob-rig",
                       "--threads=1");
  g_assert_true (wait_for (several_blocks, &blocks, 300));
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      summary = miner_stop (rigs[i]);
      g_assert_cmpint (json_object_get_int_member (summary, "accepted"), >, 0);
      g_clear_pointer (&summary, json_object_unref);
      g_clear_object (&rigs[i]);
    }
  iterate_for (2000);
  shoal_pool_stop (upstream);

  /* 60 blocks on top unlock them. */
  g_assert_true (shoal_playground_generate_blocks (f->playground, 61, others->address, &error));
  g_assert_no_error (error);
  coinbases = pool_coinbases (f);
  g_test_message ("the pool wallet holds %u unlocked coinbases; the upstream found %u blocks",
                  g_hash_table_size (coinbases), blocks);
  g_assert_cmpuint (g_hash_table_size (coinbases), >, 0);
  incomes.rows = g_hash_table_size (coinbases);
  shoal_pool_check_incomes (relay);
  g_assert_true (wait_for (relay_has_rows, &incomes, 120));

  db = db_open (f, "relay");
  g_hash_table_iter_init (&iter, coinbases);
  while (g_hash_table_iter_next (&iter, &txid, &amount))
    check_income (db, txid, *(guint64 *) amount);
  sqlite3_close (db);
  /* Both members' work was paid for. */
  g_assert_cmpint (db_count (f, "relay", "SELECT count (DISTINCT address) FROM income_credits"
                             " WHERE amount > 0"), ==, 2);
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM incomes"), ==, incomes.rows);
  shoal_pool_stop (relay);

  /* Started again on the same file: the same coinbases credit nothing more. */
  again = household_relay_new (f, urls);
  pool_start (again);
  shoal_pool_check_incomes (again);
  iterate_for (5000);
  shoal_pool_stop (again);
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM incomes"), ==, incomes.rows);
  g_assert_cmpint (db_count (f, "relay", "SELECT count (*) FROM balances AS b"
                             " WHERE b.amount + b.reserved + b.paid <> (SELECT sum (amount)"
                             " FROM income_credits WHERE address = b.address)"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/upstream-mode/standin", Fixture, NULL, fixture_set_up, test_standin,
              fixture_tear_down);
  /* At difficulty 1 every share is a block: many payouts, fast. */
  g_test_add ("/upstream-mode/sidechain-shares", Fixture, NULL, fixture_set_up,
              test_sidechain_shares, fixture_tear_down);
  g_test_add ("/upstream-mode/household-split", Fixture, GUINT_TO_POINTER (1), fixture_set_up,
              test_household_split, fixture_tear_down);
  g_test_add ("/upstream-mode/shoal-on-shoal", Fixture, NULL, fixture_set_up, test_shoal_on_shoal,
              fixture_tear_down);
  return g_test_run ();
}
