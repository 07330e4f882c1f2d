/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <randomx.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* shoal-testminer: a stratum client that speaks like XMRig 6.x (login
 * with agent, rigid and algo list, keepalived, submit) and hashes with
 * RandomX in light mode.  It checks what XMRig checks on the wire, can
 * misbehave on request, and doubles as a load generator (--connections).
 * It shares no code with the server on purpose: targets, difficulties
 * and hashes are worked out here independently. */

#define NONCE_OFFSET 39
#define RATE_BUFFER  4
#define AGENT "XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0 shoal-testminer"

/* Options */
static char *opt_host = NULL;
static int opt_port = 3333;
static char *opt_user = NULL;
static char *opt_pass = NULL;
static char *opt_rigid = NULL;
static char *opt_algo = NULL;
static int opt_threads = 1;
static int opt_max_shares = 0;
static double opt_duration = 0;
static double opt_rate = 0;
static int opt_connections = 1;
static int opt_keepalive = 60;
static gboolean opt_json = FALSE;
static gboolean opt_duplicate = FALSE;
static gboolean opt_stale = FALSE;
static gboolean opt_wrong_result = FALSE;
static gboolean opt_low_diff = FALSE;
static gboolean opt_garbage = FALSE;
static gboolean opt_slow_login = FALSE;
static gboolean opt_tls = FALSE;
static char *opt_tls_fingerprint = NULL;

static GOptionEntry entries[] = {
  { "host", 'o', 0, G_OPTION_ARG_STRING, &opt_host, "Pool address (127.0.0.1)", "HOST" },
  { "port", 'P', 0, G_OPTION_ARG_INT, &opt_port, "Pool port (3333)", "PORT" },
  { "user", 'u', 0, G_OPTION_ARG_STRING, &opt_user, "Login: ADDRESS[.WORKER][+DIFF] (x)", "LOGIN" },
  { "pass", 'p', 0, G_OPTION_ARG_STRING, &opt_pass, "Password (x)", "PASS" },
  { "rigid", 0, 0, G_OPTION_ARG_STRING, &opt_rigid, "Rig id (worker name)", "ID" },
  { "algo", 0, 0, G_OPTION_ARG_STRING, &opt_algo, "Comma-separated algorithms offered", "LIST" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads, "Hashing threads (1)", "N" },
  { "max-shares", 0, 0, G_OPTION_ARG_INT, &opt_max_shares, "Exit after N submitted shares", "N" },
  { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &opt_duration, "Exit after S seconds", "S" },
  { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_rate,
    "Act as a rig of H hashes/s: one share every difficulty/H seconds, exactly", "H" },
  { "connections", 0, 0, G_OPTION_ARG_INT, &opt_connections,
    "Open N connections; with N > 1 they log in and idle", "N" },
  { "keepalive", 0, 0, G_OPTION_ARG_INT, &opt_keepalive, "Seconds between keepalived (60)", "S" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print a JSON summary at exit", NULL },
  { "duplicate", 0, 0, G_OPTION_ARG_NONE, &opt_duplicate, "Submit every share twice", NULL },
  { "stale", 0, 0, G_OPTION_ARG_NONE, &opt_stale,
    "Hold shares until a job at a new height arrives, then submit them", NULL },
  { "wrong-result", 0, 0, G_OPTION_ARG_NONE, &opt_wrong_result,
    "Submit results that meet the target but are not the hash", NULL },
  { "low-diff", 0, 0, G_OPTION_ARG_NONE, &opt_low_diff,
    "Submit results that do not meet the target (no hashing)", NULL },
  { "garbage", 0, 0, G_OPTION_ARG_NONE, &opt_garbage, "Send a garbage line after login", NULL },
  { "slow-login", 0, 0, G_OPTION_ARG_NONE, &opt_slow_login,
    "Connect but never log in", NULL },
  { "tls", 0, 0, G_OPTION_ARG_NONE, &opt_tls,
    "Speak stratum over TLS (accepts a self-signed certificate, as XMRig --tls does)", NULL },
  { "tls-fingerprint", 0, 0, G_OPTION_ARG_STRING, &opt_tls_fingerprint,
    "With --tls: refuse a server whose certificate's SHA-256 is not HEX", "HEX" },
  { NULL }
};

typedef struct
{
  char    *job_id;
  GBytes  *blob;
  guint64  target64;
  guint64  difficulty;
  guint64  height;
  guint8   seed[32];
  guint    generation;
  guint8   top_byte;     /* non-zero: NiceHash mode, the rig keeps it (blob byte 42) */
} Job;

typedef struct
{
  int           index;
  GSocketConnection *connection;
  GIOStream    *stream;       /* the connection, or the TLS connection over it */
  GSource      *source;
  GString      *inbuf;
  char         *session_id;
  gboolean      logged_in;
  gboolean      keepalive;
  gboolean      closed;
  gint64        next_id;
  GHashTable   *pending;      /* request id -> method name */
  char         *last_job_id;  /* for XMRig's duplicate-job check */
  char         *last_blob;
  char         *last_target;
} Conn;

typedef struct
{
  guint         generation;
  char         *job_id;
  guint32       nonce;
  guint8        hash[32];
  guint64       height;
  guint64       difficulty;
} Found;

/* Results */
static struct
{
  guint64 accepted, rejected, jobs, duplicate_jobs, violations, disconnects, submitted, late;
  guint logged_in;
  guint64 last_difficulty;
  guint top_byte;  /* of the last job: the nonce byte a splitting pool fixed, 0 if none */
  GHashTable *errors;  /* message -> count */
  GPtrArray *share_times;  /* of accepted shares, seconds since start */
  GArray *difficulty_changes;  /* DifficultyChange: when the pool set a new one */
} results;

typedef struct
{
  double  t;   /* seconds since start */
  guint64 difficulty;
} DifficultyChange;

static GMainLoop *loop;
static GMainContext *main_context;
static Conn **conns;
static gint64 start_time;
static Job *current_job;          /* main thread's view */
static GQueue held = G_QUEUE_INIT;   /* --stale and --rate shares waiting */
static gint64 next_release;
static guint64 outstanding;       /* submits without a reply */
static gboolean stop_mining;
static gsize hashes_done;

/* Hasher threads */
static GMutex hash_lock;
static GCond hash_cond;
static Job *hash_job;
static gboolean hash_quit;
static gboolean hash_paused;
static guint hash_generation;
static gint hash_nonce;
static GPtrArray *caches;        /* randomx_cache * per seed, kept until exit */
static GPtrArray *cache_seeds;

static void violation (const char *format, ...) G_GNUC_PRINTF (1, 2);
static void submit_found (Found *found);

static void
violation (const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  results.violations++;
  g_printerr ("testminer: PROTOCOL VIOLATION: %s\n", text);
}

static void
job_free (Job *job)
{
  if (job == NULL)
    return;
  g_free (job->job_id);
  g_bytes_unref (job->blob);
  g_free (job);
}

static void
found_free (Found *found)
{
  g_free (found->job_id);
  g_free (found);
}

static gboolean
hex_to_bytes (const char *hex,
              guint8     *out,
              gsize       len)
{
  if (hex == NULL || strlen (hex) != len * 2)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static char *
bytes_to_hex (const guint8 *data,
              gsize         len)
{
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    sprintf (out + 2 * i, "%02x", data[i]);
  return out;
}

/* As XMRig reads a target: 4 bytes are 0xFFFFFFFF / diff, scaled back up. */
static gboolean
parse_target (const char *hex,
              guint64    *target64)
{
  guint8 raw[8] = { 0 };

  if (hex != NULL && strlen (hex) == 8 && hex_to_bytes (hex, raw, 4))
    {
      guint64 t32 = raw[0] | raw[1] << 8 | raw[2] << 16 | (guint64) raw[3] << 24;

      if (t32 == 0)
        return FALSE;
      *target64 = G_MAXUINT64 / (0xFFFFFFFFULL / t32);
      return TRUE;
    }
  if (hex != NULL && strlen (hex) == 16 && hex_to_bytes (hex, raw, 8))
    {
      *target64 = 0;
      for (int i = 7; i >= 0; i--)
        *target64 = *target64 << 8 | raw[i];
      return *target64 != 0;
    }
  return FALSE;
}

static guint64
hash_value (const guint8 hash[32])
{
  guint64 value = 0;

  for (int i = 31; i >= 24; i--)
    value = value << 8 | hash[i];
  return value;
}

static void
count_error (const char *message)
{
  guint64 n = GPOINTER_TO_SIZE (g_hash_table_lookup (results.errors, message));

  g_hash_table_insert (results.errors, g_strdup (message), GSIZE_TO_POINTER (n + 1));
}

/* ---- Hashing ---------------------------------------------------------- */

static randomx_cache *
cache_for_seed (const guint8 seed[32])
{
  randomx_cache *cache;

  /* Called with hash_lock held: one thread builds, the others wait. */
  for (guint i = 0; i < cache_seeds->len; i++)
    if (memcmp (g_ptr_array_index (cache_seeds, i), seed, 32) == 0)
      return g_ptr_array_index (caches, i);
  cache = randomx_alloc_cache (randomx_get_flags ());
  if (cache == NULL)
    g_error ("testminer: cannot allocate a RandomX cache");
  randomx_init_cache (cache, seed, 32);
  g_ptr_array_add (caches, cache);
  g_ptr_array_add (cache_seeds, g_memdup2 (seed, 32));
  return cache;
}

static gboolean
deliver_found (gpointer data)
{
  submit_found (data);
  return G_SOURCE_REMOVE;
}

static void
hash_batch (randomx_vm *vm,
            Job        *job)
{
  g_autofree guint8 *blob = g_memdup2 (g_bytes_get_data (job->blob, NULL),
                                       g_bytes_get_size (job->blob));
  gsize len = g_bytes_get_size (job->blob);

  for (int i = 0; i < 8 && (guint) g_atomic_int_get (&hash_generation) == job->generation; i++)
    {
      guint32 nonce = (guint32) g_atomic_int_add (&hash_nonce, 1);
      guint8 hash[32];

      /* As XMRig in NiceHash mode: the low 24 bits are ours, the top byte the pool's. */
      if (job->top_byte != 0)
        nonce = (nonce & 0xffffff) | (guint32) job->top_byte << 24;

      blob[NONCE_OFFSET] = nonce & 0xff;
      blob[NONCE_OFFSET + 1] = nonce >> 8 & 0xff;
      blob[NONCE_OFFSET + 2] = nonce >> 16 & 0xff;
      blob[NONCE_OFFSET + 3] = nonce >> 24 & 0xff;
      randomx_calculate_hash (vm, blob, len, hash);
      g_atomic_pointer_add (&hashes_done, 1);
      if (hash_value (hash) < job->target64)
        {
          Found *found = g_new0 (Found, 1);

          found->generation = job->generation;
          found->job_id = g_strdup (job->job_id);
          found->nonce = nonce;
          found->height = job->height;
          found->difficulty = job->difficulty;
          memcpy (found->hash, hash, 32);
          g_main_context_invoke (main_context, deliver_found, found);
        }
    }
}

static Job *
job_copy (const Job *job)
{
  Job *copy = g_memdup2 (job, sizeof *job);

  copy->job_id = g_strdup (job->job_id);
  copy->blob = g_bytes_ref (job->blob);
  return copy;
}

static gpointer
hasher_thread (gpointer data)
{
  randomx_vm *vm = NULL;
  randomx_cache *vm_cache = NULL;

  for (;;)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&hash_lock);
      Job *job;
      randomx_cache *cache;

      while (!hash_quit && (hash_job == NULL || hash_paused))
        g_cond_wait (&hash_cond, &hash_lock);
      if (hash_quit)
        break;
      job = job_copy (hash_job);
      cache = cache_for_seed (job->seed);
      g_clear_pointer (&locker, g_mutex_locker_free);
      if (vm == NULL)
        vm = randomx_create_vm (randomx_get_flags (), cache, NULL);
      else if (cache != vm_cache)
        randomx_vm_set_cache (vm, cache);
      vm_cache = cache;
      hash_batch (vm, job);
      job_free (job);
    }
  if (vm != NULL)
    randomx_destroy_vm (vm);
  return NULL;
}

static void
hashers_set_job (const Job *job)
{
  g_mutex_lock (&hash_lock);
  job_free (hash_job);
  hash_job = job != NULL ? job_copy (job) : NULL;
  if (hash_job != NULL)
    hash_job->generation = job->generation;
  g_atomic_int_set (&hash_generation, job != NULL ? job->generation : 0);
  g_atomic_int_set (&hash_nonce, 0);
  g_cond_broadcast (&hash_cond);
  g_mutex_unlock (&hash_lock);
}

static void
hashers_pause (gboolean paused)
{
  g_mutex_lock (&hash_lock);
  hash_paused = paused;
  g_cond_broadcast (&hash_cond);
  g_mutex_unlock (&hash_lock);
}

/* ---- Wire -------------------------------------------------------------- */

static void conn_closed (Conn *conn, const char *why);

static void
conn_send (Conn       *conn,
           const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *with_nl = g_strconcat (line, "\n", NULL);
  gsize len = strlen (with_nl);

  if (conn->closed)
    return;
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (conn->stream), with_nl, len,
                                  NULL, NULL, &error))
    conn_closed (conn, error->message);
}

static gint64
conn_request (Conn       *conn,
              const char *method,
              const char *params_json)
{
  gint64 id = conn->next_id++;
  g_autofree char *line = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\","
                                           "\"method\":\"%s\",\"params\":%s}",
                                           id, method, params_json);

  g_hash_table_insert (conn->pending, g_memdup2 (&id, sizeof id), g_strdup (method));
  conn_send (conn, line);
  return id;
}

static char *
algo_list_json (void)
{
  g_auto(GStrv) algos = g_strsplit (opt_algo ? opt_algo : "rx/0,cn/1,cn/2,cn/r,rx/wow,rx/arq", ",", -1);
  GString *out = g_string_new ("[");

  for (guint i = 0; algos[i] != NULL; i++)
    g_string_append_printf (out, "%s\"%s\"", i ? "," : "", algos[i]);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static void
send_login (Conn *conn)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *params = NULL;
  g_autofree char *algos = algo_list_json ();
  g_autofree char *rigid = NULL;
  g_autofree char *with_algos = NULL;

  if (opt_rigid != NULL)
    rigid = opt_connections > 1 ? g_strdup_printf ("%s-%d", opt_rigid, conn->index)
                                : g_strdup (opt_rigid);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, opt_user);
  json_builder_set_member_name (builder, "pass");
  json_builder_add_string_value (builder, opt_pass);
  json_builder_set_member_name (builder, "agent");
  json_builder_add_string_value (builder, AGENT);
  if (rigid != NULL)
    {
      json_builder_set_member_name (builder, "rigid");
      json_builder_add_string_value (builder, rigid);
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  params = json_to_string (node, FALSE);
  /* Append the algo list by hand so it keeps XMRig's member order. */
  params[strlen (params) - 1] = '\0';
  with_algos = g_strdup_printf ("%s,\"algo\":%s}", params, algos);
  g_assert (conn_request (conn, "login", with_algos) == 1);
}

static void
submit_share (Conn         *conn,
              const char   *job_id,
              guint32       nonce,
              const guint8  hash[32])
{
  guint8 nonce_bytes[4] = { nonce & 0xff, nonce >> 8 & 0xff, nonce >> 16 & 0xff, nonce >> 24 };
  g_autofree char *nonce_hex = bytes_to_hex (nonce_bytes, 4);
  g_autofree char *hash_hex = bytes_to_hex (hash, 32);
  g_autofree char *params = g_strdup_printf ("{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%s\","
                                             "\"result\":\"%s\",\"algo\":\"rx/0\"}",
                                             conn->session_id, job_id, nonce_hex, hash_hex);

  outstanding++;
  conn_request (conn, "submit", params);
}

/* ---- Shares ------------------------------------------------------------- */

static void
maybe_quit (void)
{
  if (stop_mining && outstanding == 0)
    g_main_loop_quit (loop);
}

static void
note_submitted (void)
{
  results.submitted++;
  if (opt_max_shares > 0 && results.submitted >= (guint64) opt_max_shares)
    {
      stop_mining = TRUE;
      hashers_set_job (NULL);
    }
}

static void
submit_now (Found *found)
{
  Conn *conn = conns[0];
  guint8 hash[32];

  if (conn->closed || stop_mining)
    return;
  memcpy (hash, found->hash, 32);
  if (opt_wrong_result)
    hash[0] ^= 0xff;   /* still meets the target: only the real hash tells */
  submit_share (conn, found->job_id, found->nonce, hash);
  if (opt_duplicate)
    submit_share (conn, found->job_id, found->nonce, hash);
  note_submitted ();
}

static gboolean release_held (gpointer data);
static guint release_timer;

static gint64
release_due (Found *found)
{
  return next_release + (gint64) ((double) found->difficulty / opt_rate * G_USEC_PER_SEC);
}

/* --rate: a rig doing H hashes/s finds a share at difficulty D every D/H s.
 * Shares are found as fast as the CPU allows and released on that clock. */
static void
schedule_release (void)
{
  Found *next = g_queue_peek_head (&held);
  gint64 now = g_get_monotonic_time ();
  gint64 due;

  if (next == NULL || release_timer != 0)
    return;
  due = release_due (next);
  release_timer = g_timeout_add (due > now ? (guint) ((due - now + 999) / 1000) : 0,
                                 release_held, NULL);
}

static gboolean
release_held (gpointer data)
{
  Found *found = g_queue_peek_head (&held);
  gint64 now = g_get_monotonic_time ();

  release_timer = 0;
  if (found == NULL)
    return G_SOURCE_REMOVE;
  if (now < release_due (found))
    {
      schedule_release ();
      return G_SOURCE_REMOVE;
    }
  g_queue_pop_head (&held);
  /* Not found in time: the CPU could not keep up with the simulated rig. */
  if (now - release_due (found) > 250000)
    results.late++;
  next_release = MAX (now - 20000, release_due (found));
  if (current_job != NULL && found->height == current_job->height)
    submit_now (found);
  found_free (found);
  if (!stop_mining)
    hashers_pause (FALSE);
  schedule_release ();
  return G_SOURCE_REMOVE;
}

static void
submit_found (Found *found)
{
  if (stop_mining || current_job == NULL)
    {
      found_free (found);
      return;
    }
  if (opt_stale)
    {
      if (g_queue_get_length (&held) >= (guint) MAX (opt_max_shares, 1))
        {
          found_free (found);
          return;
        }
      g_queue_push_tail (&held, found);
      if (g_queue_get_length (&held) >= (guint) MAX (opt_max_shares, 1))
        hashers_pause (TRUE);
      return;
    }
  if (found->generation != current_job->generation)
    {
      found_free (found);
      return;
    }
  if (opt_rate > 0)
    {
      /* A few shares in hand absorb the luck of real hashing, so the
       * clock alone sets the pace. */
      if (g_queue_get_length (&held) >= RATE_BUFFER)
        {
          found_free (found);
          return;
        }
      g_queue_push_tail (&held, found);
      if (g_queue_get_length (&held) == 1)
        schedule_release ();
      if (g_queue_get_length (&held) >= RATE_BUFFER)
        hashers_pause (TRUE);
      return;
    }
  submit_now (found);
  found_free (found);
}

static void
submit_low_diff (Conn *conn)
{
  guint8 hash[32] = { 0 };

  /* Any hash whose last 8 bytes are all ones misses every target. */
  memset (hash + 24, 0xff, 8);
  for (int i = 0; i < MAX (opt_max_shares, 1); i++)
    {
      hash[0] = (guint8) i;
      submit_share (conn, current_job->job_id, (guint32) i, hash);
      results.submitted++;
    }
  stop_mining = TRUE;
}

static void
release_stale (void)
{
  Found *found;

  while ((found = g_queue_pop_head (&held)) != NULL)
    {
      submit_share (conns[0], found->job_id, found->nonce, found->hash);
      note_submitted ();
      found_free (found);
    }
  stop_mining = TRUE;
  hashers_set_job (NULL);
}

/* ---- Messages ----------------------------------------------------------- */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* What XMRig requires of a job before it mines it (Job::setBlob etc.). */
static Job *
parse_job (JsonObject *params)
{
  const char *blob_hex = member_string (params, "blob");
  const char *job_id = member_string (params, "job_id");
  const char *target = member_string (params, "target");
  const char *algo = member_string (params, "algo");
  const char *seed = member_string (params, "seed_hash");
  g_autofree guint8 *blob = NULL;
  Job *job;
  gsize len;

  if (blob_hex == NULL || strlen (blob_hex) < 86 || strlen (blob_hex) % 2 != 0 || job_id == NULL
      || *job_id == '\0' || target == NULL || algo == NULL || seed == NULL)
    {
      violation ("job lacks blob/job_id/target/algo/seed_hash or has a short blob");
      return NULL;
    }
  len = strlen (blob_hex) / 2;
  blob = g_malloc (len);
  job = g_new0 (Job, 1);
  if (!hex_to_bytes (blob_hex, blob, len) || !parse_target (target, &job->target64)
      || !hex_to_bytes (seed, job->seed, 32) || g_strcmp0 (algo, "rx/0") != 0)
    {
      violation ("job has a bad blob, target (%s), seed or algo (%s)", target, algo);
      job_free (job);
      return NULL;
    }
  /* A pool that splits the nonce among rigs fixes the top byte only. */
  if (blob[NONCE_OFFSET] || blob[NONCE_OFFSET + 1] || blob[NONCE_OFFSET + 2])
    violation ("job blob has non-zero low nonce bytes (XMRig would overwrite them)");
  job->top_byte = blob[NONCE_OFFSET + 3];
  job->job_id = g_strdup (job_id);
  job->blob = g_bytes_new_take (g_steal_pointer (&blob), len);
  job->difficulty = G_MAXUINT64 / job->target64;
  job->height = json_object_get_int_member_with_default (params, "height", 0);
  return job;
}

static void
check_duplicate_job (Conn       *conn,
                     JsonObject *params)
{
  const char *job_id = member_string (params, "job_id");
  const char *blob = member_string (params, "blob");
  const char *target = member_string (params, "target");

  if (g_strcmp0 (job_id, conn->last_job_id) == 0 && g_strcmp0 (blob, conn->last_blob) == 0
      && g_strcmp0 (target, conn->last_target) == 0)
    {
      results.duplicate_jobs++;
      violation ("duplicate job received (XMRig would reconnect)");
    }
  g_free (conn->last_job_id), conn->last_job_id = g_strdup (job_id);
  g_free (conn->last_blob), conn->last_blob = g_strdup (blob);
  g_free (conn->last_target), conn->last_target = g_strdup (target);
}

static void
on_job (Conn       *conn,
        JsonObject *params)
{
  Job *job;
  gboolean new_height;

  check_duplicate_job (conn, params);
  job = parse_job (params);
  if (job == NULL)
    return;
  results.jobs++;
  if (job->difficulty != results.last_difficulty)
    {
      DifficultyChange change = { (g_get_monotonic_time () - start_time) / 1e6, job->difficulty };

      g_array_append_val (results.difficulty_changes, change);
    }
  results.last_difficulty = job->difficulty;
  results.top_byte = job->top_byte;
  if (conn->index != 0 || opt_connections > 1)
    {
      job_free (job);
      return;
    }
  new_height = current_job != NULL && current_job->height != job->height;
  job->generation = current_job != NULL ? current_job->generation + 1 : 1;
  if (current_job == NULL)
    next_release = g_get_monotonic_time ();
  job_free (current_job);
  current_job = job;
  if (opt_rate > 0)
    {
      /* Shares found ahead of the clock are work the simulated rig has not
       * done yet: on new work it starts over at the new difficulty. */
      g_queue_clear_full (&held, (GDestroyNotify) found_free);
      hashers_pause (FALSE);
    }
  if (opt_stale && new_height && !g_queue_is_empty (&held))
    release_stale ();
  else if (opt_low_diff && !stop_mining)
    submit_low_diff (conn);
  else if (!stop_mining && !opt_garbage)
    hashers_set_job (job);
}

static void
on_login_reply (Conn       *conn,
                JsonObject *result)
{
  JsonNode *job = result != NULL ? json_object_get_member (result, "job") : NULL;
  JsonArray *extensions = NULL;

  if (member_string (result, "id") == NULL || job == NULL || !JSON_NODE_HOLDS_OBJECT (job))
    {
      violation ("login result lacks id or job");
      return;
    }
  conn->session_id = g_strdup (member_string (result, "id"));
  conn->logged_in = TRUE;
  results.logged_in++;
  if (json_object_has_member (result, "extensions"))
    extensions = json_object_get_array_member (result, "extensions");
  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    if (g_strcmp0 (json_array_get_string_element (extensions, i), "keepalive") == 0)
      conn->keepalive = TRUE;
  if (!conn->keepalive)
    violation ("the server does not advertise keepalive");
  on_job (conn, json_node_get_object (job));
  if (opt_garbage)
    conn_send (conn, "this is not JSON {{{ at all, but it is long enough");
}

static gboolean
check_error (JsonNode    *error,
             const char **message)
{
  JsonObject *object;

  *message = NULL;
  if (error == NULL || JSON_NODE_HOLDS_NULL (error))
    return FALSE;
  object = JSON_NODE_HOLDS_OBJECT (error) ? json_node_get_object (error) : NULL;
  *message = member_string (object, "message");
  if (*message == NULL)
    {
      violation ("error without a string message");
      *message = "(no message)";
    }
  return TRUE;
}

static void
on_submit_reply (JsonObject *result,
                 const char *error_message)
{
  outstanding--;
  if (error_message != NULL)
    {
      results.rejected++;
      count_error (error_message);
      g_printerr ("testminer: rejected: %s\n", error_message);
    }
  else if (g_strcmp0 (member_string (result, "status"), "OK") == 0)
    {
      double t = (g_get_monotonic_time () - start_time) / 1e6;

      results.accepted++;
      g_ptr_array_add (results.share_times, g_memdup2 (&t, sizeof t));
    }
  else
    violation ("submit result is not {\"status\":\"OK\"}");
  maybe_quit ();
}

static void
on_reply (Conn       *conn,
          gint64      id,
          JsonObject *message)
{
  g_autofree char *method = NULL;
  JsonNode *result_node = json_object_get_member (message, "result");
  JsonObject *result = result_node && JSON_NODE_HOLDS_OBJECT (result_node)
                       ? json_node_get_object (result_node) : NULL;
  const char *error_message;
  gboolean failed = check_error (json_object_get_member (message, "error"), &error_message);

  if (!g_hash_table_steal_extended (conn->pending, &id, NULL, (gpointer *) &method))
    {
      violation ("reply with id %" G_GINT64_FORMAT " that matches no request", id);
      return;
    }
  if (g_str_equal (method, "submit"))
    on_submit_reply (result, failed ? error_message : NULL);
  else if (failed)
    {
      count_error (error_message);
      g_printerr ("testminer: %s error: %s\n", method, error_message);
    }
  else if (g_str_equal (method, "login"))
    on_login_reply (conn, result);
  else if (g_str_equal (method, "keepalived")
           && g_strcmp0 (member_string (result, "status"), "KEEPALIVED") != 0)
    violation ("keepalived result is not KEEPALIVED");
}

static void
on_line (Conn       *conn,
         const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *message;
  JsonNode *id;
  const char *method;
  const char *error_message;

  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      violation ("line is not a JSON object: %.80s", line);
      return;
    }
  message = json_node_get_object (json_parser_get_root (parser));
  id = json_object_get_member (message, "id");
  method = member_string (message, "method");
  if (id != NULL && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
    {
      if (method != NULL)
        violation ("notification \"%s\" carries an id (XMRig takes it for a reply)", method);
      on_reply (conn, json_node_get_int (id), message);
    }
  else if (g_strcmp0 (method, "job") == 0)
    on_job (conn, json_object_get_object_member (message, "params"));
  else if (check_error (json_object_get_member (message, "error"), &error_message))
    {
      count_error (error_message);
      g_printerr ("testminer: server says: %s\n", error_message);
    }
}

/* ---- Connections ---------------------------------------------------------- */

static void
conn_closed (Conn       *conn,
             const char *why)
{
  if (conn->closed)
    return;
  conn->closed = TRUE;
  results.disconnects++;
  if (opt_connections == 1)
    g_printerr ("testminer: connection closed: %s\n", why);
  if (conn->source != NULL)
    g_source_destroy (conn->source);
  g_clear_pointer (&conn->source, g_source_unref);
  g_io_stream_close (conn->stream, NULL, NULL);
  for (int i = 0; i < opt_connections; i++)
    if (!conns[i]->closed)
      return;
  g_main_loop_quit (loop);
}

static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  Conn *conn = user_data;
  char buffer[8192];
  g_autoptr(GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                       sizeof buffer, NULL, &error);
  char *nl;

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      conn_closed (conn, n == 0 ? "closed by the server" : error->message);
      return G_SOURCE_REMOVE;
    }
  g_string_append_len (conn->inbuf, buffer, n);
  while (!conn->closed && (nl = memchr (conn->inbuf->str, '\n', conn->inbuf->len)) != NULL)
    {
      g_autofree char *line = g_strndup (conn->inbuf->str, nl - conn->inbuf->str);

      g_string_erase (conn->inbuf, 0, nl - conn->inbuf->str + 1);
      on_line (conn, line);
    }
  return conn->closed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static gboolean
fingerprint_matches (GTlsCertificate *certificate)
{
  g_autofree char *fingerprint = NULL;

  if (opt_tls_fingerprint == NULL)
    return TRUE;
  fingerprint = certificate_fingerprint (certificate);
  return g_ascii_strcasecmp (fingerprint, opt_tls_fingerprint) == 0;
}

/* Pool certificates are self-signed: like XMRig, take any, unless pinned. */
static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return fingerprint_matches (certificate);
}

static GIOStream *
start_tls (GSocketConnection  *connection,
           GError            **error)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, error);
  gboolean ok;

  if (tls == NULL)
    return NULL;
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  /* A server that never answers must not hang us; the timeout would also
   * wake the read source later, so it is for the handshake only.  Generous:
   * a loaded machine running sanitizer builds takes seconds per handshake. */
  g_socket_set_timeout (socket, 60);
  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error);
  g_socket_set_timeout (socket, 0);
  if (!ok)
    {
      g_prefix_error (error, "TLS handshake failed: ");
      return NULL;
    }
  if (!fingerprint_matches (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls))))
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   "TLS handshake failed: the certificate's fingerprint is not %s",
                   opt_tls_fingerprint);
      return NULL;
    }
  return g_steal_pointer (&tls);
}

static Conn *
conn_open (GSocketClient *client,
           int            index,
           GError       **error)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) stream = NULL;
  Conn *conn;

  connection = g_socket_client_connect_to_host (client, opt_host, opt_port, NULL, error);
  if (connection == NULL)
    return NULL;
  stream = opt_tls ? start_tls (connection, error) : g_object_ref (G_IO_STREAM (connection));
  if (stream == NULL)
    return NULL;
  conn = g_new0 (Conn, 1);
  conn->index = index;
  conn->connection = g_steal_pointer (&connection);
  conn->stream = g_steal_pointer (&stream);
  conn->inbuf = g_string_new (NULL);
  conn->next_id = 1;
  conn->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  conn->source = g_pollable_input_stream_create_source (
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (conn->stream)), NULL);
  g_source_set_callback (conn->source, G_SOURCE_FUNC (on_readable), conn, NULL);
  g_source_attach (conn->source, main_context);
  return conn;
}

static gboolean
on_keepalive (gpointer data)
{
  for (int i = 0; i < opt_connections; i++)
    {
      Conn *conn = conns[i];
      g_autofree char *params = NULL;

      if (conn->closed || !conn->logged_in || !conn->keepalive)
        continue;
      params = g_strdup_printf ("{\"id\":\"%s\"}", conn->session_id);
      conn_request (conn, "keepalived", params);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_grace_over (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Time is up: submit nothing more, but hear the replies still owed, so
 * the counts match what the server decided. */
static gboolean
on_duration (gpointer data)
{
  stop_mining = TRUE;
  hashers_set_job (NULL);
  g_timeout_add_seconds (5, on_grace_over, NULL);
  maybe_quit ();
  return G_SOURCE_REMOVE;
}

/* ---- Summary ---------------------------------------------------------------- */

static void
print_summary (void)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer key, value;

#define ADD_INT(name, v) json_builder_set_member_name (b, name); json_builder_add_int_value (b, v)
  json_builder_begin_object (b);
  ADD_INT ("connections", opt_connections);
  ADD_INT ("logged_in", results.logged_in);
  ADD_INT ("submitted", results.submitted);
  ADD_INT ("accepted", results.accepted);
  ADD_INT ("rejected", results.rejected);
  ADD_INT ("jobs", results.jobs);
  ADD_INT ("top_byte", results.top_byte);
  ADD_INT ("duplicate_jobs", results.duplicate_jobs);
  ADD_INT ("violations", results.violations);
  ADD_INT ("disconnects", results.disconnects);
  ADD_INT ("hashes", (gint64) g_atomic_pointer_get (&hashes_done));
  ADD_INT ("last_difficulty", results.last_difficulty);
  ADD_INT ("late_shares", results.late);
  json_builder_set_member_name (b, "errors");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, results.errors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ADD_INT (key, GPOINTER_TO_SIZE (value));
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "share_times");
  json_builder_begin_array (b);
  for (guint i = 0; i < results.share_times->len; i++)
    json_builder_add_double_value (b, *(double *) g_ptr_array_index (results.share_times, i));
  json_builder_end_array (b);
  /* [[seconds, difficulty], ...]: how vardiff moved this rig. */
  json_builder_set_member_name (b, "difficulty_changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < results.difficulty_changes->len; i++)
    {
      DifficultyChange *change = &g_array_index (results.difficulty_changes, DifficultyChange, i);

      json_builder_begin_array (b);
      json_builder_add_double_value (b, change->t);
      json_builder_add_int_value (b, (gint64) change->difficulty);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
#undef ADD_INT
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  if (opt_json)
    g_print ("%s\n", text);
  else
    g_print ("accepted %" G_GUINT64_FORMAT ", rejected %" G_GUINT64_FORMAT ", jobs %"
             G_GUINT64_FORMAT ", violations %" G_GUINT64_FORMAT "\n%s\n",
             results.accepted, results.rejected, results.jobs, results.violations, text);
}

static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static gboolean
open_all (GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  conns = g_new0 (Conn *, opt_connections);
  for (int i = 0; i < opt_connections; i++)
    {
      conns[i] = conn_open (client, i, error);
      if (conns[i] == NULL)
        return FALSE;
      if (!opt_slow_login)
        send_login (conns[i]);
    }
  return TRUE;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- a stratum miner for testing Shoal");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("testminer: %s\n", error->message);
      return 2;
    }
  opt_host = opt_host ? opt_host : g_strdup ("127.0.0.1");
  opt_user = opt_user ? opt_user : g_strdup ("x");
  opt_pass = opt_pass ? opt_pass : g_strdup ("x");
  opt_connections = MAX (opt_connections, 1);
  raise_file_limit ();
  results.errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  results.share_times = g_ptr_array_new_with_free_func (g_free);
  results.difficulty_changes = g_array_new (FALSE, FALSE, sizeof (DifficultyChange));
  caches = g_ptr_array_new ();
  cache_seeds = g_ptr_array_new_with_free_func (g_free);
  main_context = g_main_context_default ();
  loop = g_main_loop_new (main_context, FALSE);
  start_time = g_get_monotonic_time ();
  if (!open_all (&error))
    {
      g_autofree char *message = g_strdup_printf ("connect: %s", error->message);

      g_printerr ("testminer: cannot connect to %s:%d: %s\n", opt_host, opt_port, error->message);
      count_error (message);
      print_summary ();
      return 1;
    }
  for (int i = 0; opt_connections == 1 && !opt_low_diff && i < MAX (opt_threads, 1); i++)
    g_ptr_array_add (threads, g_thread_new ("hasher", hasher_thread, NULL));
  if (opt_duration > 0)
    g_timeout_add ((guint) (opt_duration * 1000), on_duration, NULL);
  /* A test that decides when the rig has mined enough still gets its summary. */
  g_unix_signal_add (SIGTERM, on_duration, NULL);
  if (opt_keepalive > 0)
    g_timeout_add_seconds (opt_keepalive, on_keepalive, NULL);
  g_main_loop_run (loop);

  g_mutex_lock (&hash_lock);
  hash_quit = TRUE;
  g_cond_broadcast (&hash_cond);
  g_mutex_unlock (&hash_lock);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  print_summary ();
  return results.violations > 0 ? 3 : 0;
}
