/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <randomx.h>

#include "shoal-error.h"
#include "shoal-pow-meter.h"
#include "shoal-randomx-seed.h"
#include "shoal-validator.h"

#define DEFAULT_QUEUE_PER_THREAD 128
/* Seeds asked for in a hash but never set nor prepared are kept too, a
 * few of them. */
#define MAX_UNANNOUNCED_SEEDS 2
/* Seeds no longer kept are found again while a VM or a job still uses
 * them; this many are looked for. */
#define MAX_RECENT_SEEDS 8
/* After a switch, shares for jobs on the old seed keep coming for a
 * while: its cache is kept that long, its dataset is not. */
#define PREVIOUS_SEED_GRACE_US (60 * G_USEC_PER_SEC)

typedef struct
{
  GTask            *task;
  GBytes           *blob;
  ShoalRandomxSeed *seed;
  gint64            submitted_us;
  guint8            hash[32];
  GError           *error;
} Job;

typedef struct
{
  ShoalValidator      *validator;
  GThread             *thread;
  randomx_vm          *vm;
  gboolean             vm_full;
  ShoalRandomxSeed    *seed;        /* the seed the VM is set to */
  ShoalRandomxDataset *dataset;     /* the dataset a full VM reads */
  ShoalRandomxSeed    *job_seed;    /* the seed of the job at hand */
} Worker;

struct _ShoalValidator
{
  GObject              parent_instance;
  ShoalValidatorMode   mode;
  guint                n_threads;
  guint                queue_limit;
  randomx_flags        flags;

  GMutex               lock;        /* guards everything below */
  GCond                work_cond;
  GQueue               pending;     /* Job */
  gboolean             shut_down;
  GPtrArray           *workers;     /* Worker */
  ShoalRandomxSeed    *current;
  ShoalRandomxSeed    *next;
  ShoalRandomxSeed    *previous;    /* the current one before the switch */
  gint64               previous_since;
  GPtrArray           *unannounced; /* ShoalRandomxSeed, newest last */
  GPtrArray           *recent;      /* GWeakRef to ShoalRandomxSeed */
  ShoalPowMeter       *meter;
  guint64              hashes_total;
  guint64              rejected_busy;
  guint64              seed_waits;

  /* Owned by the creating thread's context. */
  GSource             *notify_source;
  ShoalValidatorStats  notified;
};

G_DEFINE_FINAL_TYPE (ShoalValidator, shoal_validator, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODE,
  PROP_N_THREADS,
  PROP_QUEUE_LIMIT,
  PROP_QUEUE_DEPTH,
  PROP_HASHES_TOTAL,
  PROP_REJECTED_BUSY,
  PROP_HASHES_PER_SECOND,
  PROP_LATENCY_P50,
  PROP_LATENCY_P99,
  PROP_FULL_MODE_ACTIVE,
  PROP_SEED_WAITS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->blob, g_bytes_unref);
  g_clear_object (&job->seed);
  g_clear_error (&job->error);
  g_free (job);
}

static gboolean
job_complete_cb (gpointer data)
{
  Job *job = data;

  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (job->task, g_memdup2 (job->hash, sizeof job->hash), g_free);
  return G_SOURCE_REMOVE;
}

/* Always through a source on the caller's context, never a direct call:
 * g_main_context_invoke() would run the callback right here when this
 * thread can acquire that context.  The job, and so its task, is freed
 * there too, so the last reference to the validator never drops on a
 * worker. */
static void
job_deliver (Job *job)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, job_complete_cb, job, (GDestroyNotify) job_free);
  g_source_set_static_name (source, "[shoal] validator result");
  g_source_attach (source, g_task_get_context (job->task));
  g_source_unref (source);
}

static void
job_cancel (Job *job)
{
  g_clear_error (&job->error);
  job->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            "The share validator was shut down");
  job_deliver (job);
}

/* Large pages need a reserved pool that most systems lack: ask, and do
 * quietly without. */
static randomx_vm *
create_vm (randomx_flags    flags,
           randomx_cache   *cache,
           randomx_dataset *dataset)
{
  randomx_vm *vm = randomx_create_vm (flags | RANDOMX_FLAG_LARGE_PAGES, cache, dataset);

  if (vm == NULL)
    vm = randomx_create_vm (flags, cache, dataset);
  return vm;
}

/* Points the worker's VM at CACHE, or at DATASET when there is one; a
 * light VM cannot read a dataset (nor the reverse), so it is remade. */
static gboolean
worker_point_vm (Worker               *w,
                 randomx_cache        *cache,
                 ShoalRandomxDataset  *dataset,
                 GError              **error)
{
  gboolean full = dataset != NULL;
  randomx_dataset *rx_dataset = full ? shoal_randomx_dataset_get (dataset) : NULL;

  if (w->vm != NULL && w->vm_full == full)
    {
      if (full)
        randomx_vm_set_dataset (w->vm, rx_dataset);
      else
        randomx_vm_set_cache (w->vm, cache);
      return TRUE;
    }
  g_clear_pointer (&w->vm, randomx_destroy_vm);
  w->vm = create_vm (w->validator->flags | (full ? RANDOMX_FLAG_FULL_MEM : 0),
                     full ? NULL : cache, rx_dataset);
  w->vm_full = full;
  if (w->vm == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                   "Could not create a RandomX virtual machine");
      return FALSE;
    }
  return TRUE;
}

static void
count_seed_wait (ShoalValidator *self)
{
  g_mutex_lock (&self->lock);
  self->seed_waits++;
  g_mutex_unlock (&self->lock);
}

/* Readies the VM for SEED.  Waits only if its cache is still being
 * built, which happens for a seed nobody announced in advance. */
static gboolean
worker_use_seed (Worker            *w,
                 ShoalRandomxSeed  *seed,
                 GError           **error)
{
  randomx_cache *cache;
  g_autoptr(ShoalRandomxDataset) dataset = NULL;

  if (!shoal_randomx_seed_is_ready (seed))
    count_seed_wait (w->validator);
  cache = shoal_randomx_seed_wait_cache (seed, error);
  if (cache == NULL)
    return FALSE;
  dataset = shoal_randomx_seed_dup_dataset (seed);
  if (w->vm != NULL && w->seed == seed && w->dataset == dataset)
    return TRUE;
  if (!worker_point_vm (w, cache, dataset, error))
    {
      g_clear_object (&w->seed);
      g_clear_pointer (&w->dataset, shoal_randomx_dataset_unref);
      return FALSE;
    }
  g_set_object (&w->seed, seed);
  g_clear_pointer (&w->dataset, shoal_randomx_dataset_unref);
  w->dataset = g_steal_pointer (&dataset);
  return TRUE;
}

static void
record_hash (ShoalValidator *self,
             Job            *job)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  self->hashes_total++;
  shoal_pow_meter_record (self->meter, now, now - job->submitted_us);
  g_mutex_unlock (&self->lock);
}

static void
worker_run (Worker *w,
            Job    *job)
{
  gsize len;
  const guint8 *data;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (job->task), &job->error))
    return;
  if (!worker_use_seed (w, job->seed, &job->error))
    return;
  data = g_bytes_get_data (job->blob, &len);
  randomx_calculate_hash (w->vm, data, len, job->hash);
  record_hash (w->validator, job);
}

/* Current, next, previous and unannounced seeds are kept.  A VM left on
 * any other holds its cache or dataset alive: an idle worker lets go of
 * it.  Only the worker's own thread writes w->seed. */
static gboolean
is_kept_locked (ShoalValidator   *self,
                ShoalRandomxSeed *seed)
{
  return seed == self->current || seed == self->next || seed == self->previous
         || g_ptr_array_find (self->unannounced, seed, NULL);
}

static gboolean
worker_is_stale_locked (Worker *w)
{
  return w->seed != NULL && !is_kept_locked (w->validator, w->seed);
}

static void
worker_release_vm (Worker *w)
{
  g_clear_pointer (&w->vm, randomx_destroy_vm);
  g_clear_pointer (&w->dataset, shoal_randomx_dataset_unref);
  g_clear_object (&w->seed);
}

/* Blocks until there is work; NULL once the validator is shut down, or
 * with *STALE set when the worker should first drop its VM. */
static Job *
take_job (Worker   *w,
          gboolean *stale)
{
  ShoalValidator *self = w->validator;
  g_autoptr(ShoalRandomxSeed) done_seed = NULL;
  Job *job = NULL;

  g_mutex_lock (&self->lock);
  done_seed = g_steal_pointer (&w->job_seed);
  while (!self->shut_down && g_queue_is_empty (&self->pending) && !worker_is_stale_locked (w))
    g_cond_wait (&self->work_cond, &self->lock);
  *stale = !self->shut_down && g_queue_is_empty (&self->pending);
  if (!self->shut_down && !*stale)
    {
      job = g_queue_pop_head (&self->pending);
      w->job_seed = g_object_ref (job->seed);
    }
  g_mutex_unlock (&self->lock);
  return job;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  gboolean stale;
  Job *job;

  while ((job = take_job (w, &stale)) != NULL || stale)
    {
      if (stale)
        {
          worker_release_vm (w);
          continue;
        }
      worker_run (w, job);
      job_deliver (job);
    }
  worker_release_vm (w);
  return NULL;
}

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

/* Keeps a weak hold on SEED: found again while a VM or a job uses it. */
static void
remember_seed_locked (ShoalValidator   *self,
                      ShoalRandomxSeed *seed)
{
  GWeakRef *ref;

  for (guint i = self->recent->len; i > 0; i--)
    {
      g_autoptr(ShoalRandomxSeed) known = g_weak_ref_get (self->recent->pdata[i - 1]);

      if (known == NULL)
        g_ptr_array_remove_index (self->recent, i - 1);
      else if (known == seed)
        return;
    }
  if (self->recent->len >= MAX_RECENT_SEEDS)
    g_ptr_array_remove_index (self->recent, 0);
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, seed);
  g_ptr_array_add (self->recent, ref);
}

static ShoalRandomxSeed *
find_seed_locked (ShoalValidator *self,
                  const guint8    seed_hash[32])
{
  if (self->current != NULL && shoal_randomx_seed_has_hash (self->current, seed_hash))
    return g_object_ref (self->current);
  if (self->next != NULL && shoal_randomx_seed_has_hash (self->next, seed_hash))
    return g_object_ref (self->next);
  if (self->previous != NULL && shoal_randomx_seed_has_hash (self->previous, seed_hash))
    return g_object_ref (self->previous);
  for (guint i = 0; i < self->unannounced->len; i++)
    if (shoal_randomx_seed_has_hash (self->unannounced->pdata[i], seed_hash))
      return g_object_ref (self->unannounced->pdata[i]);
  for (guint i = 0; i < self->recent->len; i++)
    {
      g_autoptr(ShoalRandomxSeed) seed = g_weak_ref_get (self->recent->pdata[i]);

      if (seed != NULL && shoal_randomx_seed_has_hash (seed, seed_hash))
        return g_steal_pointer (&seed);
    }
  return NULL;
}

static void retire_seed_locked (ShoalValidator   *self,
                                ShoalRandomxSeed *seed);

static void
keep_unannounced_locked (ShoalValidator   *self,
                         ShoalRandomxSeed *seed)
{
  g_ptr_array_add (self->unannounced, g_object_ref (seed));
  if (self->unannounced->len > MAX_UNANNOUNCED_SEEDS)
    {
      g_autoptr(ShoalRandomxSeed) oldest = g_ptr_array_steal_index (self->unannounced, 0);

      retire_seed_locked (self, oldest);
    }
}

/* The seed for SEED_HASH, its cache build started if it is new. */
static ShoalRandomxSeed *
obtain_seed_locked (ShoalValidator *self,
                    const guint8    seed_hash[32])
{
  ShoalRandomxSeed *seed = find_seed_locked (self, seed_hash);

  if (seed == NULL)
    {
      seed = shoal_randomx_seed_new (seed_hash, self->flags, self->n_threads);
      keep_unannounced_locked (self, seed);
    }
  return seed;
}

static void
want_dataset_locked (ShoalValidator   *self,
                     ShoalRandomxSeed *seed)
{
  if (self->mode != SHOAL_VALIDATOR_MODE_LIGHT)
    shoal_randomx_seed_request_dataset (seed, self->mode == SHOAL_VALIDATOR_MODE_AUTO);
}

/* SEED is kept no more: its dataset goes once the VMs on it move on, its
 * cache once nothing uses it. */
static void
retire_seed_locked (ShoalValidator   *self,
                    ShoalRandomxSeed *seed)
{
  if (seed == NULL || is_kept_locked (self, seed))
    return;
  shoal_randomx_seed_release_dataset (seed);
  remember_seed_locked (self, seed);
  /* Idle workers still on it let go (see take_job). */
  g_cond_broadcast (&self->work_cond);
}

static void
expire_previous_locked (ShoalValidator *self)
{
  g_autoptr(ShoalRandomxSeed) old = NULL;

  if (self->previous == NULL
      || g_get_monotonic_time () - self->previous_since < PREVIOUS_SEED_GRACE_US)
    return;
  old = g_steal_pointer (&self->previous);
  retire_seed_locked (self, old);
}

/* The current seed steps down to previous, without its dataset. */
static void
demote_current_locked (ShoalValidator *self)
{
  g_autoptr(ShoalRandomxSeed) older = g_steal_pointer (&self->previous);

  self->previous = g_steal_pointer (&self->current);
  self->previous_since = g_get_monotonic_time ();
  if (self->previous != NULL)
    shoal_randomx_seed_release_dataset (self->previous);
  retire_seed_locked (self, older);
}

void
shoal_validator_set_seed (ShoalValidator *self,
                          const guint8    seed_hash[32])
{
  g_autoptr(ShoalRandomxSeed) seed = NULL;

  g_return_if_fail (SHOAL_IS_VALIDATOR (self));
  g_return_if_fail (seed_hash != NULL);

  g_mutex_lock (&self->lock);
  if (!self->shut_down)
    {
      expire_previous_locked (self);
      seed = obtain_seed_locked (self, seed_hash);
      g_ptr_array_remove (self->unannounced, seed);
      if (seed != self->current)
        {
          if (self->next == seed)
            g_clear_object (&self->next);
          if (self->previous == seed)
            g_clear_object (&self->previous);
          demote_current_locked (self);
          self->current = g_object_ref (seed);
          want_dataset_locked (self, seed);
        }
    }
  g_mutex_unlock (&self->lock);
}

void
shoal_validator_prepare_seed (ShoalValidator *self,
                              const guint8    seed_hash[32])
{
  g_autoptr(ShoalRandomxSeed) seed = NULL;
  g_autoptr(ShoalRandomxSeed) old = NULL;

  g_return_if_fail (SHOAL_IS_VALIDATOR (self));
  g_return_if_fail (seed_hash != NULL);

  g_mutex_lock (&self->lock);
  if (!self->shut_down)
    {
      expire_previous_locked (self);
      seed = obtain_seed_locked (self, seed_hash);
      g_ptr_array_remove (self->unannounced, seed);
      if (seed != self->current && seed != self->next)
        {
          old = g_steal_pointer (&self->next);
          self->next = g_object_ref (seed);
          want_dataset_locked (self, seed);
          retire_seed_locked (self, old);
        }
    }
  g_mutex_unlock (&self->lock);
}

gboolean
shoal_validator_is_seed_ready (ShoalValidator *self,
                               const guint8    seed_hash[32])
{
  g_autoptr(ShoalRandomxSeed) seed = NULL;

  g_return_val_if_fail (SHOAL_IS_VALIDATOR (self), FALSE);
  g_return_val_if_fail (seed_hash != NULL, FALSE);

  g_mutex_lock (&self->lock);
  seed = find_seed_locked (self, seed_hash);
  g_mutex_unlock (&self->lock);
  return seed != NULL && shoal_randomx_seed_is_ready (seed);
}

static Job *
job_new (ShoalValidator      *self,
         GBytes              *hashing_blob,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, shoal_validator_hash_async);
  job->blob = g_bytes_ref (hashing_blob);
  job->submitted_us = g_get_monotonic_time ();
  return job;
}

gboolean
shoal_validator_hash_async (ShoalValidator       *self,
                            GBytes               *hashing_blob,
                            const guint8          seed_hash[32],
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data,
                            GError              **error)
{
  Job *job;

  g_return_val_if_fail (SHOAL_IS_VALIDATOR (self), FALSE);
  g_return_val_if_fail (hashing_blob != NULL, FALSE);
  g_return_val_if_fail (seed_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (!self->shut_down && self->pending.length >= self->queue_limit)
    {
      self->rejected_busy++;
      g_mutex_unlock (&self->lock);
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY,
                   "The share validation queue is full (%u waiting)", self->queue_limit);
      return FALSE;
    }
  job = job_new (self, hashing_blob, cancellable, callback, user_data);
  if (self->shut_down)
    {
      g_mutex_unlock (&self->lock);
      job_cancel (job);
      return TRUE;
    }
  job->seed = obtain_seed_locked (self, seed_hash);
  g_queue_push_tail (&self->pending, job);
  g_cond_signal (&self->work_cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
shoal_validator_hash_finish (ShoalValidator  *self,
                             GAsyncResult    *result,
                             guint8           hash_out[32],
                             GError         **error)
{
  g_autofree guint8 *hash = NULL;

  g_return_val_if_fail (SHOAL_IS_VALIDATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_validator_hash_async,
                        FALSE);
  g_return_val_if_fail (hash_out != NULL, FALSE);

  hash = g_task_propagate_pointer (G_TASK (result), error);
  if (hash == NULL)
    return FALSE;
  memcpy (hash_out, hash, 32);
  return TRUE;
}

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

gboolean
shoal_validator_hash_sync (ShoalValidator  *self,
                           GBytes          *hashing_blob,
                           const guint8     seed_hash[32],
                           guint8           hash_out[32],
                           GError         **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gboolean queued;

  g_return_val_if_fail (SHOAL_IS_VALIDATOR (self), FALSE);

  g_main_context_push_thread_default (context);
  queued = shoal_validator_hash_async (self, hashing_blob, seed_hash, NULL,
                                       sync_done_cb, &result, error);
  while (queued && result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return queued && shoal_validator_hash_finish (self, result, hash_out, error);
}

void
shoal_validator_get_stats (ShoalValidator      *self,
                           ShoalValidatorStats *out)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(ShoalRandomxDataset) dataset = NULL;

  g_return_if_fail (SHOAL_IS_VALIDATOR (self));
  g_return_if_fail (out != NULL);

  g_mutex_lock (&self->lock);
  out->queue_depth = self->pending.length;
  out->queue_limit = self->queue_limit;
  out->hashes_total = self->hashes_total;
  out->rejected_busy = self->rejected_busy;
  out->hashes_per_second = shoal_pow_meter_rate (self->meter, now);
  shoal_pow_meter_latencies (self->meter, now, &out->latency_p50_us, &out->latency_p99_us);
  out->n_threads = self->n_threads;
  if (self->current != NULL)
    dataset = shoal_randomx_seed_dup_dataset (self->current);
  out->full_mode_active = dataset != NULL;
  g_mutex_unlock (&self->lock);
}

/* Every seed a build may run for or a worker may wait on, referenced. */
static GPtrArray *
collect_seeds_locked (ShoalValidator *self)
{
  GPtrArray *seeds = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->current != NULL)
    g_ptr_array_add (seeds, g_object_ref (self->current));
  if (self->next != NULL)
    g_ptr_array_add (seeds, g_object_ref (self->next));
  if (self->previous != NULL)
    g_ptr_array_add (seeds, g_object_ref (self->previous));
  for (guint i = 0; i < self->unannounced->len; i++)
    g_ptr_array_add (seeds, g_object_ref (self->unannounced->pdata[i]));
  for (guint i = 0; i < self->recent->len; i++)
    {
      ShoalRandomxSeed *seed = g_weak_ref_get (self->recent->pdata[i]);

      if (seed != NULL)
        g_ptr_array_add (seeds, seed);
    }
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *w = self->workers->pdata[i];

      if (w->job_seed != NULL)
        g_ptr_array_add (seeds, g_object_ref (w->job_seed));
    }
  return seeds;
}

void
shoal_validator_shutdown (ShoalValidator *self)
{
  g_autoptr(GPtrArray) seeds = NULL;
  g_autoptr(ShoalRandomxSeed) current = NULL;
  g_autoptr(ShoalRandomxSeed) next = NULL;
  g_autoptr(ShoalRandomxSeed) previous = NULL;
  GQueue stolen;
  Job *job;

  g_return_if_fail (SHOAL_IS_VALIDATOR (self));

  g_mutex_lock (&self->lock);
  if (self->shut_down)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->shut_down = TRUE;
  stolen = self->pending;
  g_queue_init (&self->pending);
  seeds = collect_seeds_locked (self);
  g_cond_broadcast (&self->work_cond);
  g_mutex_unlock (&self->lock);

  /* Wakes workers waiting on a cache; they answer CANCELLED. */
  for (guint i = 0; i < seeds->len; i++)
    shoal_randomx_seed_cancel (seeds->pdata[i]);
  while ((job = g_queue_pop_head (&stolen)) != NULL)
    job_cancel (job);
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *w = self->workers->pdata[i];

      g_clear_pointer (&w->thread, g_thread_join);
    }
  for (guint i = 0; i < seeds->len; i++)
    shoal_randomx_seed_join (seeds->pdata[i]);

  g_mutex_lock (&self->lock);
  current = g_steal_pointer (&self->current);
  next = g_steal_pointer (&self->next);
  previous = g_steal_pointer (&self->previous);
  g_ptr_array_set_size (self->unannounced, 0);
  g_ptr_array_set_size (self->recent, 0);
  g_mutex_unlock (&self->lock);
}

#define NOTIFY_IF_CHANGED(field, prop) \
  if (old->field != now->field) \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop])

static void
notify_changes (ShoalValidator            *self,
                const ShoalValidatorStats *old,
                const ShoalValidatorStats *now)
{
  NOTIFY_IF_CHANGED (queue_depth, PROP_QUEUE_DEPTH);
  NOTIFY_IF_CHANGED (hashes_total, PROP_HASHES_TOTAL);
  NOTIFY_IF_CHANGED (rejected_busy, PROP_REJECTED_BUSY);
  NOTIFY_IF_CHANGED (hashes_per_second, PROP_HASHES_PER_SECOND);
  NOTIFY_IF_CHANGED (latency_p50_us, PROP_LATENCY_P50);
  NOTIFY_IF_CHANGED (latency_p99_us, PROP_LATENCY_P99);
  NOTIFY_IF_CHANGED (full_mode_active, PROP_FULL_MODE_ACTIVE);
}

/* Figures move on every share; the UI hears about them once a second. */
static gboolean
notify_tick_cb (gpointer data)
{
  g_autoptr(ShoalValidator) self = g_weak_ref_get (data);
  ShoalValidatorStats now;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&self->lock);
  expire_previous_locked (self);
  g_mutex_unlock (&self->lock);
  shoal_validator_get_stats (self, &now);
  g_object_freeze_notify (G_OBJECT (self));
  notify_changes (self, &self->notified, &now);
  self->notified = now;
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_CONTINUE;
}

static void
start_notify_tick (ShoalValidator *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  self->notify_source = g_timeout_source_new_seconds (1);
  g_source_set_static_name (self->notify_source, "ShoalValidator stats");
  g_source_set_callback (self->notify_source, notify_tick_cb, ref,
                         (GDestroyNotify) weak_ref_free);
  g_source_attach (self->notify_source, g_main_context_get_thread_default ());
}

static void
start_workers (ShoalValidator *self)
{
  for (guint i = 0; i < self->n_threads; i++)
    {
      Worker *w = g_new0 (Worker, 1);

      w->validator = self;
      g_ptr_array_add (self->workers, w);
      w->thread = g_thread_new ("shoal-rx-worker", worker_main, w);
    }
}

static void
shoal_validator_constructed (GObject *object)
{
  ShoalValidator *self = SHOAL_VALIDATOR (object);

  G_OBJECT_CLASS (shoal_validator_parent_class)->constructed (object);

  if (self->n_threads == 0)
    self->n_threads = g_get_num_processors ();
  if (self->queue_limit == 0)
    self->queue_limit = DEFAULT_QUEUE_PER_THREAD * self->n_threads;
  self->flags = randomx_get_flags ();
  start_workers (self);
  start_notify_tick (self);
}

static void
shoal_validator_dispose (GObject *object)
{
  ShoalValidator *self = SHOAL_VALIDATOR (object);

  shoal_validator_shutdown (self);
  if (self->notify_source != NULL)
    g_source_destroy (self->notify_source);
  g_clear_pointer (&self->notify_source, g_source_unref);
  G_OBJECT_CLASS (shoal_validator_parent_class)->dispose (object);
}

static void
shoal_validator_finalize (GObject *object)
{
  ShoalValidator *self = SHOAL_VALIDATOR (object);

  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_pointer (&self->unannounced, g_ptr_array_unref);
  g_clear_pointer (&self->recent, g_ptr_array_unref);
  g_clear_pointer (&self->meter, shoal_pow_meter_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work_cond);
  G_OBJECT_CLASS (shoal_validator_parent_class)->finalize (object);
}

static void
shoal_validator_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalValidator *self = SHOAL_VALIDATOR (object);
  ShoalValidatorStats stats;

  shoal_validator_get_stats (self, &stats);
  switch (prop_id)
    {
    case PROP_SEED_WAITS:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, self->seed_waits);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_N_THREADS:
      g_value_set_uint (value, stats.n_threads);
      break;
    case PROP_QUEUE_LIMIT:
      g_value_set_uint (value, stats.queue_limit);
      break;
    case PROP_QUEUE_DEPTH:
      g_value_set_uint (value, stats.queue_depth);
      break;
    case PROP_HASHES_TOTAL:
      g_value_set_uint64 (value, stats.hashes_total);
      break;
    case PROP_REJECTED_BUSY:
      g_value_set_uint64 (value, stats.rejected_busy);
      break;
    case PROP_HASHES_PER_SECOND:
      g_value_set_double (value, stats.hashes_per_second);
      break;
    case PROP_LATENCY_P50:
      g_value_set_uint64 (value, stats.latency_p50_us);
      break;
    case PROP_LATENCY_P99:
      g_value_set_uint64 (value, stats.latency_p99_us);
      break;
    case PROP_FULL_MODE_ACTIVE:
      g_value_set_boolean (value, stats.full_mode_active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_validator_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ShoalValidator *self = SHOAL_VALIDATOR (object);

  switch (prop_id)
    {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_N_THREADS:
      self->n_threads = g_value_get_uint (value);
      break;
    case PROP_QUEUE_LIMIT:
      self->queue_limit = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define CONSTRUCT_FLAGS (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)
#define STAT_FLAGS (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
install_properties (GObjectClass *object_class)
{
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, SHOAL_TYPE_VALIDATOR_MODE,
                       SHOAL_VALIDATOR_MODE_AUTO, CONSTRUCT_FLAGS);
  properties[PROP_N_THREADS] =
    g_param_spec_uint ("n-threads", NULL, NULL, 0, 1024, 0, CONSTRUCT_FLAGS);
  properties[PROP_QUEUE_LIMIT] =
    g_param_spec_uint ("queue-limit", NULL, NULL, 0, G_MAXUINT, 0, CONSTRUCT_FLAGS);
  properties[PROP_QUEUE_DEPTH] =
    g_param_spec_uint ("queue-depth", NULL, NULL, 0, G_MAXUINT, 0, STAT_FLAGS);
  properties[PROP_HASHES_TOTAL] =
    g_param_spec_uint64 ("hashes-total", NULL, NULL, 0, G_MAXUINT64, 0, STAT_FLAGS);
  properties[PROP_REJECTED_BUSY] =
    g_param_spec_uint64 ("rejected-busy", NULL, NULL, 0, G_MAXUINT64, 0, STAT_FLAGS);
  properties[PROP_HASHES_PER_SECOND] =
    g_param_spec_double ("hashes-per-second", NULL, NULL, 0, G_MAXDOUBLE, 0, STAT_FLAGS);
  properties[PROP_LATENCY_P50] =
    g_param_spec_uint64 ("latency-p50", NULL, NULL, 0, G_MAXUINT64, 0, STAT_FLAGS);
  properties[PROP_LATENCY_P99] =
    g_param_spec_uint64 ("latency-p99", NULL, NULL, 0, G_MAXUINT64, 0, STAT_FLAGS);
  properties[PROP_FULL_MODE_ACTIVE] =
    g_param_spec_boolean ("full-mode-active", NULL, NULL, FALSE, STAT_FLAGS);
  /* Hashes that had to wait for their seed's cache to be built: only
   * seeds nobody set or prepared in time should show here.  Read on
   * demand, never notified. */
  properties[PROP_SEED_WAITS] =
    g_param_spec_uint64 ("seed-waits", NULL, NULL, 0, G_MAXUINT64, 0, STAT_FLAGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_validator_class_init (ShoalValidatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = shoal_validator_constructed;
  object_class->dispose = shoal_validator_dispose;
  object_class->finalize = shoal_validator_finalize;
  object_class->get_property = shoal_validator_get_property;
  object_class->set_property = shoal_validator_set_property;
  install_properties (object_class);
}

static void
shoal_validator_init (ShoalValidator *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->work_cond);
  g_queue_init (&self->pending);
  self->workers = g_ptr_array_new_with_free_func (g_free);
  self->unannounced = g_ptr_array_new_with_free_func (g_object_unref);
  self->recent = g_ptr_array_new_with_free_func ((GDestroyNotify) weak_ref_free);
  self->meter = shoal_pow_meter_new ();
}

ShoalValidator *
shoal_validator_new (ShoalValidatorMode mode,
                     guint              n_threads,
                     guint              queue_limit)
{
  return g_object_new (SHOAL_TYPE_VALIDATOR,
                       "mode", mode,
                       "n-threads", n_threads,
                       "queue-limit", queue_limit,
                       NULL);
}
