/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <randomx.h>

#include "shoal-error.h"
#include "shoal-test-harness.h"
#include "shoal-validator.h"

/* Light mode and two workers throughout: what CI can afford. */
#define N_THREADS 2

typedef struct
{
  guint8  hash[32];
  GError *error;
  GThread *thread;       /* where the callback ran */
  gint64  done_us;
} Result;

typedef struct
{
  ShoalValidator *validator;
  Result         *results;
  guint           n_done;
} Batch;

typedef struct
{
  Batch *batch;
  guint  index;
} Slot;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Slot *slot = user_data;
  Result *r = &slot->batch->results[slot->index];

  g_assert_true (source == G_OBJECT (slot->batch->validator));
  g_assert_null (r->thread);
  shoal_validator_hash_finish (slot->batch->validator, result, r->hash, &r->error);
  r->thread = g_thread_self ();
  r->done_us = g_get_monotonic_time ();
  slot->batch->n_done++;
  g_free (slot);
}

/* Queues one hash whose result lands in BATCH->results[INDEX]. */
static gboolean
submit (Batch         *batch,
        guint          index,
        GBytes        *blob,
        const guint8   seed[32],
        GCancellable  *cancellable,
        GError       **error)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->batch = batch;
  slot->index = index;
  if (!shoal_validator_hash_async (batch->validator, blob, seed, cancellable,
                                   result_cb, slot, error))
    {
      g_free (slot);
      return FALSE;
    }
  return TRUE;
}

static void
wait_done (Batch *batch,
           guint  n)
{
  while (batch->n_done < n)
    g_main_context_iteration (NULL, TRUE);
}

static void
seed_from_hex (const char *hex,
               guint8      seed[32])
{
  g_autoptr(GBytes) bytes = shoal_test_hex_to_bytes (hex);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 32);
  memcpy (seed, g_bytes_get_data (bytes, NULL), 32);
}

static void
assert_hash_hex (const guint8 hash[32],
                 const char  *expected)
{
  g_autofree char *hex = shoal_test_bytes_to_hex (hash, 32);

  g_assert_cmpstr (hex, ==, expected);
}

static guint64
seed_waits (ShoalValidator *validator)
{
  guint64 waits = 0;

  g_object_get (validator, "seed-waits", &waits, NULL);
  return waits;
}

static JsonObject *
load_template (guint height)
{
  g_autofree char *name = g_strdup_printf ("tmpl_h%u_rs8.json", height);
  g_autofree char *path = shoal_test_vectors_path (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "result"))
    root = json_object_get_object_member (root, "result");
  return json_object_ref (root);
}

static GPtrArray *
load_solved_blocks (void)
{
  g_autofree char *path = shoal_test_vectors_path ("solved_blocks.jsonl");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      if (*g_strstrip (lines[i]) == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (blocks, json_object_ref (json_node_get_object (node)));
    }
  return blocks;
}

/* RandomX directly, with none of the validator's code: the oracle for
 * blobs the vectors carry no hash for. */
typedef struct
{
  randomx_cache *cache;
  randomx_vm    *vm;
  gint64         init_us;       /* how long building the cache took */
} Reference;

static void
reference_init (Reference    *ref,
                const guint8  seed[32])
{
  gint64 start = g_get_monotonic_time ();

  ref->cache = randomx_alloc_cache (randomx_get_flags ());
  g_assert_nonnull (ref->cache);
  randomx_init_cache (ref->cache, seed, 32);
  ref->init_us = g_get_monotonic_time () - start;
  ref->vm = randomx_create_vm (randomx_get_flags (), ref->cache, NULL);
  g_assert_nonnull (ref->vm);
}

static void
reference_hash (Reference *ref,
                GBytes    *blob,
                guint8     out[32])
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);

  randomx_calculate_hash (ref->vm, data, len, out);
}

static void
reference_clear (Reference *ref)
{
  g_clear_pointer (&ref->vm, randomx_destroy_vm);
  g_clear_pointer (&ref->cache, randomx_release_cache);
}

/* Every block the daemon judged (accepted or rejected for its proof of
 * work) hashes to the pow_hash recorded with it.  No seed is set first:
 * each request for a seed nobody announced starts that seed's cache. */
static void
test_solved_blocks (void)
{
  g_autoptr(GPtrArray) blocks = load_solved_blocks ();
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT,
                                                             N_THREADS, 0);
  g_autofree Result *results = g_new0 (Result, blocks->len);
  Batch batch = { validator, results, 0 };
  ShoalValidatorStats stats;

  g_assert_cmpuint (blocks->len, >=, 5);
  for (guint i = 0; i < blocks->len; i++)
    {
      JsonObject *block = blocks->pdata[i];
      g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
        json_object_get_string_member (block, "hashing_blob"));
      g_autoptr(GError) error = NULL;
      guint8 seed[32];

      seed_from_hex (json_object_get_string_member (block, "seed_hash"), seed);
      g_assert_true (submit (&batch, i, blob, seed, NULL, &error));
      g_assert_no_error (error);
    }
  wait_done (&batch, blocks->len);

  for (guint i = 0; i < blocks->len; i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_true (results[i].thread == g_thread_self ());
      assert_hash_hex (results[i].hash,
                       json_object_get_string_member (blocks->pdata[i], "pow_hash"));
    }
  shoal_validator_get_stats (validator, &stats);
  g_assert_cmpuint (stats.hashes_total, ==, blocks->len);
  g_assert_cmpuint (stats.n_threads, ==, N_THREADS);
  g_assert_cmpuint (stats.queue_depth, ==, 0);
  g_assert_cmpfloat (stats.hashes_per_second, >, 0);
  g_assert_cmpuint (stats.latency_p50_us, >, 0);
  g_assert_cmpuint (stats.latency_p99_us, >=, stats.latency_p50_us);
  g_assert_false (stats.full_mode_active);
}

typedef struct
{
  Batch         batch;
  GBytes       *blob;
  const guint8 *seed;
  guint         in_flight;
  gboolean      stop;
} Stream;

static void stream_next (Stream *stream);

static void
stream_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stream *stream = user_data;
  g_autoptr(GError) error = NULL;
  guint8 hash[32];

  g_assert_true (shoal_validator_hash_finish (SHOAL_VALIDATOR (source), result, hash, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (hash, 32, stream->batch.results[0].hash, 32);
  stream->batch.n_done++;
  stream->in_flight--;
  if (!stream->stop)
    stream_next (stream);
}

/* Shares keep coming on the old seed, one after the other. */
static void
stream_next (Stream *stream)
{
  g_autoptr(GError) error = NULL;

  while (stream->in_flight < 1)
    {
      g_assert_true (shoal_validator_hash_async (stream->batch.validator, stream->blob,
                                                 stream->seed, NULL, stream_cb, stream,
                                                 &error));
      stream->in_flight++;
    }
}

static gint64
median (gint64 *values,
        guint   n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && values[j - 1] > values[j]; j--)
      {
        gint64 t = values[j];
        values[j] = values[j - 1];
        values[j - 1] = t;
      }
  return values[n / 2];
}

/* Times hashes of BLOB on an idle validator: what a normal share costs. */
static gint64
normal_latency (ShoalValidator *validator,
                GBytes         *blob,
                const guint8    seed[32],
                const guint8    expected[32])
{
  gint64 latencies[7];

  for (guint i = 0; i < G_N_ELEMENTS (latencies); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      guint8 hash[32];

      g_assert_true (shoal_validator_hash_sync (validator, blob, seed, hash, &error));
      g_assert_no_error (error);
      latencies[i] = g_get_monotonic_time () - start;
      g_assert_cmpmem (hash, 32, expected, 32);
    }
  return median (latencies, G_N_ELEMENTS (latencies));
}

/* Templates 2109..2113 cross the first seed change of a regtest chain.
 * The next seed, announced ahead, is built while the old one keeps
 * answering; the first share on the new seed then costs a normal hash,
 * not a cache build. */
static void
test_seed_switch (void)
{
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT,
                                                             N_THREADS, 0);
  GBytes *blobs[5] = { NULL, };
  guint8 old_seed[32], new_seed[32], expected[5][32];
  Reference old_ref = { 0, }, new_ref = { 0, };
  Result stream_result = { 0, };
  Stream stream = { { validator, &stream_result, 0 }, NULL, old_seed, 0, FALSE };
  Result switch_result = { 0, };
  Batch batch = { validator, &switch_result, 0 };
  g_autoptr(GError) error = NULL;
  gint64 normal_us, start, switch_us, late_us, deadline;
  guint64 waits_before;
  guint done_while_preparing;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(JsonObject) tmpl = load_template (2109 + i);

      blobs[i] = shoal_test_hex_to_bytes (json_object_get_string_member (tmpl, "blockhashing_blob"));
      if (i == 3)
        {
          seed_from_hex (json_object_get_string_member (tmpl, "seed_hash"), old_seed);
          seed_from_hex (json_object_get_string_member (tmpl, "next_seed_hash"), new_seed);
        }
      if (i == 4)
        {
          guint8 seed[32];

          seed_from_hex (json_object_get_string_member (tmpl, "seed_hash"), seed);
          g_assert_cmpmem (seed, 32, new_seed, 32);
        }
    }
  g_assert_true (memcmp (old_seed, new_seed, 32) != 0);

  reference_init (&old_ref, old_seed);
  reference_init (&new_ref, new_seed);
  for (guint i = 0; i < 5; i++)
    reference_hash (i < 4 ? &old_ref : &new_ref, blobs[i], expected[i]);

  shoal_validator_set_seed (validator, old_seed);
  for (guint i = 0; i < 4; i++)
    {
      guint8 hash[32];

      g_assert_true (shoal_validator_hash_sync (validator, blobs[i], old_seed, hash, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (hash, 32, expected[i], 32);
    }
  normal_us = normal_latency (validator, blobs[3], old_seed, expected[3]);

  /* Only the very first hash, before the cache was there, waited. */
  waits_before = seed_waits (validator);
  g_assert_cmpuint (waits_before, <=, 1);

  /* Template 2112 announces the next seed; shares on 2112 keep coming. */
  memcpy (stream_result.hash, expected[3], 32);
  stream.blob = blobs[3];
  stream_next (&stream);
  g_assert_false (shoal_validator_is_seed_ready (validator, new_seed));
  shoal_validator_prepare_seed (validator, new_seed);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!shoal_validator_is_seed_ready (validator, new_seed))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  done_while_preparing = stream.batch.n_done;
  g_assert_cmpuint (done_while_preparing, >, 0);

  /* Template 2113: the switch, with old-seed shares still in flight. */
  shoal_validator_set_seed (validator, new_seed);
  start = g_get_monotonic_time ();
  g_assert_true (submit (&batch, 0, blobs[4], new_seed, NULL, &error));
  wait_done (&batch, 1);
  switch_us = switch_result.done_us - start;
  stream.stop = TRUE;
  while (stream.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (switch_result.error);
  g_assert_cmpmem (switch_result.hash, 32, expected[4], 32);

  /* A late share on a job from before the switch: the old seed is kept
   * for a while, so it is no rebuild either. */
  memset (&switch_result, 0, sizeof switch_result);
  batch.n_done = 0;
  start = g_get_monotonic_time ();
  g_assert_true (submit (&batch, 0, blobs[3], old_seed, NULL, &error));
  wait_done (&batch, 1);
  late_us = switch_result.done_us - start;
  g_assert_no_error (switch_result.error);
  g_assert_cmpmem (switch_result.hash, 32, expected[3], 32);
  g_test_message ("normal hash %" G_GINT64_FORMAT " us, first hash on the new seed %"
                  G_GINT64_FORMAT " us, late share on the old seed %" G_GINT64_FORMAT " us, "
                  "a cache build %" G_GINT64_FORMAT " us, %u old-seed shares answered while "
                  "the new seed was prepared",
                  normal_us, switch_us, late_us, new_ref.init_us, done_while_preparing);
  /* Neither waited on a cache: the validator says so, and the time
   * agrees (a build costs several hashes; the machine is shared, so the
   * bound is loose). */
  g_assert_cmpuint (seed_waits (validator), ==, waits_before);
  g_assert_cmpint (switch_us, <, new_ref.init_us);
  g_assert_cmpint (late_us, <, new_ref.init_us);

  reference_clear (&old_ref);
  reference_clear (&new_ref);
  for (guint i = 0; i < 5; i++)
    g_bytes_unref (blobs[i]);
}

/* A request for a seed nobody announced waits for its cache: the control
 * that shows the switch test above can tell the difference. */
static void
test_unannounced_seed_waits (void)
{
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT,
                                                             N_THREADS, 0);
  g_autoptr(JsonObject) tmpl = load_template (2113);
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
    json_object_get_string_member (tmpl, "blockhashing_blob"));
  g_autoptr(GError) error = NULL;
  guint8 seed[32], hash[32], expected[32];
  Reference ref = { 0, };
  gint64 start, took;

  seed_from_hex (json_object_get_string_member (tmpl, "seed_hash"), seed);
  reference_init (&ref, seed);
  reference_hash (&ref, blob, expected);
  start = g_get_monotonic_time ();
  g_assert_true (shoal_validator_hash_sync (validator, blob, seed, hash, &error));
  g_assert_no_error (error);
  took = g_get_monotonic_time () - start;
  g_assert_cmpmem (hash, 32, expected, 32);
  g_test_message ("first hash on an unannounced seed %" G_GINT64_FORMAT " us "
                  "(cache build %" G_GINT64_FORMAT " us)", took, ref.init_us);
  g_assert_cmpint (took, >, ref.init_us / 2);
  g_assert_cmpuint (seed_waits (validator), ==, 1);
  g_assert_true (shoal_validator_is_seed_ready (validator, seed));
  reference_clear (&ref);
}

/* While the workers wait for a cache, requests pile up: past the limit
 * they are turned away at once, and counted. */
static void
test_queue_bound (void)
{
  const guint limit = 4, n = 20;
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT,
                                                             N_THREADS, limit);
  g_autoptr(GPtrArray) blocks = load_solved_blocks ();
  JsonObject *block = blocks->pdata[0];
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
    json_object_get_string_member (block, "hashing_blob"));
  g_autofree Result *results = g_new0 (Result, n);
  Batch batch = { validator, results, 0 };
  ShoalValidatorStats stats;
  guint accepted = 0, busy = 0;
  guint64 rejected_property = 0;
  guint8 seed[32];

  seed_from_hex (json_object_get_string_member (block, "seed_hash"), seed);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      if (submit (&batch, accepted, blob, seed, NULL, &error))
        {
          g_assert_no_error (error);
          accepted++;
          continue;
        }
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY);
      /* Turned away without a hash: far less than the cache build the
       * workers are waiting for. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
      busy++;
    }
  shoal_validator_get_stats (validator, &stats);
  g_assert_cmpuint (accepted, >=, limit);
  g_assert_cmpuint (accepted, <=, limit + N_THREADS);
  g_assert_cmpuint (busy, ==, n - accepted);
  g_assert_cmpuint (stats.rejected_busy, ==, busy);
  g_assert_cmpuint (stats.queue_limit, ==, limit);
  g_assert_cmpuint (stats.queue_depth, <=, limit);
  g_object_get (validator, "rejected-busy", &rejected_property, NULL);
  g_assert_cmpuint (rejected_property, ==, busy);

  /* The ones let in are all answered, right. */
  wait_done (&batch, accepted);
  for (guint i = 0; i < accepted; i++)
    {
      g_assert_no_error (results[i].error);
      assert_hash_hex (results[i].hash, json_object_get_string_member (block, "pow_hash"));
    }
  shoal_validator_get_stats (validator, &stats);
  g_assert_cmpuint (stats.queue_depth, ==, 0);
  g_assert_cmpuint (stats.hashes_total, ==, accepted);
}

static void
assert_cancelled_or_right (Result     *results,
                           guint       n,
                           const char *pow_hash,
                           guint      *n_cancelled)
{
  *n_cancelled = 0;
  for (guint i = 0; i < n; i++)
    {
      if (results[i].error != NULL)
        {
          g_assert_error (results[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_clear_error (&results[i].error);
          (*n_cancelled)++;
        }
      else
        assert_hash_hex (results[i].hash, pow_hash);
    }
}

/* Shut down with hashes queued, being hashed and waiting for a cache:
 * each callback runs once, with a hash or CANCELLED, and then the
 * validator goes away. */
static void
shutdown_with_work (gboolean wait_first)
{
  const guint n = 32;
  ShoalValidator *validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT, N_THREADS, n);
  g_autoptr(GPtrArray) blocks = load_solved_blocks ();
  JsonObject *block = blocks->pdata[1];
  const char *pow_hash = json_object_get_string_member (block, "pow_hash");
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
    json_object_get_string_member (block, "hashing_blob"));
  g_autofree Result *results = g_new0 (Result, n + 1);
  Batch batch = { validator, results, 0 };
  g_autoptr(GError) error = NULL;
  guint8 seed[32];
  guint n_cancelled;

  seed_from_hex (json_object_get_string_member (block, "seed_hash"), seed);
  g_object_add_weak_pointer (G_OBJECT (validator), (gpointer *) &validator);
  for (guint i = 0; i < n; i++)
    g_assert_true (submit (&batch, i, blob, seed, NULL, &error));
  if (wait_first)
    wait_done (&batch, 1);
  shoal_validator_shutdown (validator);
  g_assert_cmpuint (batch.n_done, <, n);

  /* After shutdown a request is still answered, with CANCELLED. */
  g_assert_true (submit (&batch, n, blob, seed, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (validator);
  g_assert_nonnull (validator);     /* the pending tasks hold it */
  wait_done (&batch, n + 1);
  assert_cancelled_or_right (results, n + 1, pow_hash, &n_cancelled);
  g_assert_cmpuint (n_cancelled, >, 0);
  g_test_message ("%u of %u cancelled", n_cancelled, n + 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (validator);
}

static void
test_shutdown_while_building (void)
{
  shutdown_with_work (FALSE);
}

static void
test_shutdown_while_hashing (void)
{
  shutdown_with_work (TRUE);
}

typedef struct
{
  ShoalValidator *validator;
  GBytes         *blob;
  const guint8   *seed;
  Result          result;
  gboolean        main_done;
} ThreadData;

static void
thread_result_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ThreadData *data = user_data;

  shoal_validator_hash_finish (data->validator, result, data->result.hash, &data->result.error);
  data->result.thread = g_thread_self ();
}

/* A thread of its own with its own context, like the stratum server's. */
static gpointer
caller_thread (gpointer user_data)
{
  ThreadData *data = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  g_assert_true (shoal_validator_hash_async (data->validator, data->blob, data->seed, NULL,
                                             thread_result_cb, data, &error));
  while (data->result.thread == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return g_thread_self ();
}

static void
test_caller_context (void)
{
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT,
                                                             N_THREADS, 0);
  g_autoptr(GPtrArray) blocks = load_solved_blocks ();
  JsonObject *block = blocks->pdata[0];
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
    json_object_get_string_member (block, "hashing_blob"));
  ThreadData data = { validator, blob, NULL, { { 0, }, NULL, NULL, 0 }, FALSE };
  guint8 seed[32];
  GThread *thread;
  gpointer self;

  seed_from_hex (json_object_get_string_member (block, "seed_hash"), seed);
  data.seed = seed;
  thread = g_thread_new ("caller", caller_thread, &data);
  self = g_thread_join (thread);
  g_assert_no_error (data.result.error);
  g_assert_true (data.result.thread == self);
  assert_hash_hex (data.result.hash, json_object_get_string_member (block, "pow_hash"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pow/validator/solved-blocks", test_solved_blocks);
  g_test_add_func ("/pow/validator/seed-switch", test_seed_switch);
  g_test_add_func ("/pow/validator/unannounced-seed-waits", test_unannounced_seed_waits);
  g_test_add_func ("/pow/validator/queue-bound", test_queue_bound);
  g_test_add_func ("/pow/validator/shutdown-while-building", test_shutdown_while_building);
  g_test_add_func ("/pow/validator/shutdown-while-hashing", test_shutdown_while_hashing);
  g_test_add_func ("/pow/validator/caller-context", test_caller_context);
  return g_test_run ();
}
