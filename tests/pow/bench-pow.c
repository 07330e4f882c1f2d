/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <randomx.h>

#include "shoal-bench.h"
#include "shoal-validator.h"

/* shoal-bench pow: RandomX hashes/s straight from librandomx with T
 * threads, against verifications/s through ShoalValidator's async API
 * with T workers, in light and full mode.  The gap is what the queue,
 * the tasks and the main-context round trips cost. */

#define BLOB_SIZE    76
#define NONCE_OFFSET 39
#define WARMUP_US    (2 * G_USEC_PER_SEC)

static const guint8 bench_seed[32] = "shoal-bench-pow-seed-0123456789";

typedef struct _Raw Raw;

typedef struct
{
  Raw        *raw;
  randomx_vm *vm;
  guint       id;
  gint        count;       /* atomic */
} RawThread;

/* T threads, a VM each, on one cache (or dataset), as a miner or monerod
 * would set up; they live across rounds, like the validator's workers,
 * and hash while RUNNING is set. */
struct _Raw
{
  randomx_cache   *cache;
  randomx_dataset *dataset;
  RawThread       *threads;
  GThread        **handles;
  guint            n_threads;
  GMutex           lock;
  GCond            cond;
  gint             running;     /* atomic */
  gboolean         quit;
  guint            parked;
};

static void
fill_blob (guint8  blob[BLOB_SIZE],
           guint   id,
           guint32 nonce)
{
  memset (blob, 0x5a, BLOB_SIZE);
  memcpy (blob, &id, sizeof id);
  memcpy (blob + NONCE_OFFSET, &nonce, sizeof nonce);
}

/* FALSE when the thread is to end. */
static gboolean
raw_park (Raw *raw)
{
  gboolean quit;

  g_mutex_lock (&raw->lock);
  raw->parked++;
  g_cond_broadcast (&raw->cond);
  while (!g_atomic_int_get (&raw->running) && !raw->quit)
    g_cond_wait (&raw->cond, &raw->lock);
  raw->parked--;
  quit = raw->quit;
  g_mutex_unlock (&raw->lock);
  return !quit;
}

static gpointer
raw_thread (gpointer data)
{
  RawThread *t = data;
  guint8 blob[BLOB_SIZE], hash[32];

  for (guint32 nonce = 0;; nonce++)
    {
      if (!g_atomic_int_get (&t->raw->running) && !raw_park (t->raw))
        break;
      fill_blob (blob, t->id, nonce);
      randomx_calculate_hash (t->vm, blob, sizeof blob, hash);
      g_atomic_int_inc (&t->count);
    }
  return NULL;
}

typedef struct
{
  randomx_dataset *dataset;
  randomx_cache   *cache;
  gulong           start;
  gulong           count;
} InitSlice;

static gpointer
init_slice (gpointer data)
{
  InitSlice *s = data;

  randomx_init_dataset (s->dataset, s->cache, s->start, s->count);
  return NULL;
}

static randomx_dataset *
raw_dataset (randomx_cache *cache,
             guint          n_threads)
{
  randomx_dataset *dataset = randomx_alloc_dataset (RANDOMX_FLAG_LARGE_PAGES);
  gulong items = randomx_dataset_item_count ();
  g_autofree InitSlice *slices = g_new0 (InitSlice, n_threads);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);

  if (dataset == NULL)
    dataset = randomx_alloc_dataset (RANDOMX_FLAG_DEFAULT);
  g_assert (dataset != NULL);
  for (guint i = 0; i < n_threads; i++)
    {
      slices[i] = (InitSlice) { dataset, cache, items * i / n_threads,
                                items * (i + 1) / n_threads - items * i / n_threads };
      threads[i] = g_thread_new ("init", init_slice, &slices[i]);
    }
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  return dataset;
}

/* CPU time this process has used, all threads: on a shared machine,
 * hashes per CPU second show the cost of the path apart from how much
 * of the machine we were given. */
static gint64
process_cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static randomx_vm *
create_vm (randomx_flags    flags,
           randomx_cache   *cache,
           randomx_dataset *dataset)
{
  randomx_vm *vm = randomx_create_vm (flags | RANDOMX_FLAG_LARGE_PAGES, cache, dataset);

  return vm != NULL ? vm : randomx_create_vm (flags, cache, dataset);
}

static void
raw_init (Raw      *raw,
          gboolean  full,
          guint     n_threads)
{
  randomx_flags flags = randomx_get_flags () | (full ? RANDOMX_FLAG_FULL_MEM : 0);
  gint64 start = g_get_monotonic_time ();

  raw->cache = randomx_alloc_cache (randomx_get_flags () | RANDOMX_FLAG_LARGE_PAGES);
  if (raw->cache == NULL)
    raw->cache = randomx_alloc_cache (randomx_get_flags ());
  randomx_init_cache (raw->cache, bench_seed, sizeof bench_seed);
  if (full)
    raw->dataset = raw_dataset (raw->cache, n_threads);
  raw->n_threads = n_threads;
  raw->threads = g_new0 (RawThread, n_threads);
  raw->handles = g_new0 (GThread *, n_threads);
  g_mutex_init (&raw->lock);
  g_cond_init (&raw->cond);
  for (guint i = 0; i < n_threads; i++)
    {
      raw->threads[i].raw = raw;
      raw->threads[i].id = i;
      raw->threads[i].vm = create_vm (flags, full ? NULL : raw->cache, raw->dataset);
      g_assert (raw->threads[i].vm != NULL);
      raw->handles[i] = g_thread_new ("raw", raw_thread, &raw->threads[i]);
    }
  g_print ("  raw %s ready after %.1f s\n", full ? "dataset" : "cache",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

static void
raw_clear (Raw *raw)
{
  g_mutex_lock (&raw->lock);
  raw->quit = TRUE;
  g_cond_broadcast (&raw->cond);
  g_mutex_unlock (&raw->lock);
  for (guint i = 0; i < raw->n_threads; i++)
    {
      g_thread_join (raw->handles[i]);
      randomx_destroy_vm (raw->threads[i].vm);
    }
  g_clear_pointer (&raw->handles, g_free);
  g_mutex_clear (&raw->lock);
  g_cond_clear (&raw->cond);
  g_clear_pointer (&raw->threads, g_free);
  g_clear_pointer (&raw->dataset, randomx_release_dataset);
  g_clear_pointer (&raw->cache, randomx_release_cache);
}

static guint64
raw_count (Raw *raw)
{
  guint64 total = 0;

  for (guint i = 0; i < raw->n_threads; i++)
    total += (guint64) g_atomic_int_get (&raw->threads[i].count);
  return total;
}

/* Hashes completed by T threads in DURATION_US; ALL_OUT also counts the
 * last ones, finished after it. */
static guint64
raw_round (Raw     *raw,
           gint64   duration_us,
           guint64 *all_out)
{
  guint64 start = raw_count (raw), done;

  g_mutex_lock (&raw->lock);
  g_atomic_int_set (&raw->running, 1);
  g_cond_broadcast (&raw->cond);
  g_mutex_unlock (&raw->lock);
  g_usleep (duration_us);
  done = raw_count (raw) - start;
  g_mutex_lock (&raw->lock);
  g_atomic_int_set (&raw->running, 0);
  while (raw->parked < raw->n_threads)
    g_cond_wait (&raw->cond, &raw->lock);
  g_mutex_unlock (&raw->lock);
  *all_out += raw_count (raw) - start;
  return done;
}

typedef struct
{
  ShoalValidator *validator;
  guint           id;
  guint           in_flight;
  guint           target;
  gboolean        stop;
  guint64         done;
} Feeder;

static void feed (Feeder *feeder);

static void
hashed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Feeder *feeder = user_data;
  g_autoptr(GError) error = NULL;
  guint8 hash[32];

  if (!shoal_validator_hash_finish (feeder->validator, result, hash, &error))
    g_error ("validator: %s", error->message);
  feeder->done++;
  feeder->in_flight--;
  feed (feeder);
}

/* Keeps TARGET requests queued or being hashed, each on a new blob. */
static void
feed (Feeder *feeder)
{
  while (!feeder->stop && feeder->in_flight < feeder->target)
    {
      guint8 blob[BLOB_SIZE];
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;

      fill_blob (blob, 1000, feeder->id++);
      bytes = g_bytes_new (blob, sizeof blob);
      if (!shoal_validator_hash_async (feeder->validator, bytes, bench_seed, NULL,
                                       hashed_cb, feeder, &error))
        g_error ("validator: %s", error->message);
      feeder->in_flight++;
    }
}

/* Verifications answered in DURATION_US with the queue kept full; what
 * is still in flight then is drained and not counted, as the raw
 * threads' last hashes are not. */
static guint64
validator_round (Feeder *feeder,
                 gint64  duration_us)
{
  gint64 deadline = g_get_monotonic_time () + duration_us;
  guint64 start = feeder->done, done;


  feeder->stop = FALSE;
  feed (feeder);
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  done = feeder->done - start;
  feeder->stop = TRUE;
  while (feeder->in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  return done;
}

static void
wait_ready (ShoalValidator *validator,
            gboolean        full)
{
  ShoalValidatorStats stats;
  gint64 start = g_get_monotonic_time ();

  shoal_validator_set_seed (validator, bench_seed);
  for (;;)
    {
      shoal_validator_get_stats (validator, &stats);
      if (full ? stats.full_mode_active : shoal_validator_is_seed_ready (validator, bench_seed))
        break;
      g_usleep (50 * 1000);
    }
  g_print ("  validator %s ready after %.1f s\n", full ? "dataset" : "cache",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

/* The validator and a raw VM agree on a hash, in this mode too. */
static gboolean
same_hash (Raw            *raw,
           ShoalValidator *validator)
{
  guint8 blob[BLOB_SIZE], expected[32], hash[32];
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  fill_blob (blob, 7, 7);
  bytes = g_bytes_new (blob, sizeof blob);
  randomx_calculate_hash (raw->threads[0].vm, blob, sizeof blob, expected);
  if (!shoal_validator_hash_sync (validator, bytes, bench_seed, hash, &error))
    g_error ("validator: %s", error->message);
  return memcmp (hash, expected, sizeof hash) == 0;
}

/* Raw and validator take turns, a round each, so that other work on the
 * machine weighs on both alike. */
static void
run_mode (gboolean full,
          guint    n_threads,
          guint    seconds)
{
  const char *name = full ? "full" : "light";
  g_autoptr(ShoalValidator) validator = NULL;
  Feeder feeder = { NULL, 0, 0, 4 * n_threads, FALSE, 0 };
  guint rounds = MAX (1, seconds / 2);
  gint64 round_us = (gint64) seconds * G_USEC_PER_SEC / rounds;
  guint64 raw_done = 0, validator_done = 0, raw_all = 0, validator_all;
  gint64 raw_cpu = 0, validator_cpu = 0, cpu;
  ShoalValidatorStats stats;
  Raw raw = { 0, };
  double raw_rate, validator_rate;

  g_print ("%s mode:\n", name);
  raw_init (&raw, full, n_threads);
  validator = shoal_validator_new (full ? SHOAL_VALIDATOR_MODE_FULL : SHOAL_VALIDATOR_MODE_LIGHT,
                                   n_threads, 0);
  feeder.validator = validator;
  wait_ready (validator, full);
  raw_round (&raw, WARMUP_US / 2, &raw_all);
  validator_round (&feeder, WARMUP_US / 2);
  raw_all = 0;
  validator_all = feeder.done;
  for (guint r = 0; r < rounds; r++)
    {
      cpu = process_cpu_us ();
      raw_done += raw_round (&raw, round_us, &raw_all);
      raw_cpu += process_cpu_us () - cpu;
      cpu = process_cpu_us ();
      validator_done += validator_round (&feeder, round_us);
      validator_cpu += process_cpu_us () - cpu;
    }
  validator_all = feeder.done - validator_all;
  shoal_validator_get_stats (validator, &stats);
  g_print ("  validator and raw VM agree on a hash: %s\n",
           same_hash (&raw, validator) ? "yes" : "NO");
  raw_clear (&raw);
  raw_rate = raw_done * (double) G_USEC_PER_SEC / (double) (rounds * round_us);
  validator_rate = validator_done * (double) G_USEC_PER_SEC / (double) (rounds * round_us);
  g_print ("  raw randomx_calculate_hash: %" G_GUINT64_FORMAT " hashes, %.1f H/s\n",
           raw_done, raw_rate);
  g_print ("  validator (async API): %" G_GUINT64_FORMAT " verifications, %.1f /s; "
           "its stats: latency p50 %" G_GUINT64_FORMAT " us, p99 %" G_GUINT64_FORMAT
           " us, full mode %s\n", validator_done, validator_rate, stats.latency_p50_us,
           stats.latency_p99_us, stats.full_mode_active ? "yes" : "no");
  g_print ("  hashes per CPU second of this process: raw %.1f, validator %.1f, ratio %.3f\n",
           raw_all * 1e6 / raw_cpu, validator_all * 1e6 / validator_cpu,
           (validator_all / (double) validator_cpu) / (raw_all / (double) raw_cpu));
  g_print ("RESULT %-5s threads=%u raw=%.1f H/s validator=%.1f H/s ratio=%.3f\n",
           name, n_threads, raw_rate, validator_rate, validator_rate / raw_rate);
}

static int
bench_pow (int    argc,
           char **argv)
{
  gboolean light_only = FALSE;
  int threads = 2, seconds = 10;
  const GOptionEntry entries[] = {
    { "light-only", 0, 0, G_OPTION_ARG_NONE, &light_only, "Skip full mode (2 GiB dataset)", NULL },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads and workers (default 2)", "T" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Seconds per measure (default 10)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- RandomX: raw against ShoalValidator");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || threads < 1 || seconds < 1)
    {
      g_printerr ("pow: %s\n", error != NULL ? error->message : "threads and seconds must be >= 1");
      return 2;
    }
  g_print ("shoal-bench pow: %d threads, %d s per side in alternating rounds after %d s warm-up, RandomX flags 0x%x\n",
           threads, seconds, (int) (WARMUP_US / G_USEC_PER_SEC), (guint) randomx_get_flags ());
  run_mode (FALSE, threads, seconds);
  if (!light_only)
    run_mode (TRUE, threads, seconds);
  return 0;
}

SHOAL_BENCH_REGISTER ("pow", "RandomX hashes/s: raw against the validator's API", bench_pow)
