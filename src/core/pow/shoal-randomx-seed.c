/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-randomx-seed.h"

/* Dataset items per unit of work: small enough that a cancelled build
 * stops within a few tens of milliseconds. */
#define DATASET_CHUNK_ITEMS 16384
/* What full mode must leave free for everything else (auto mode). */
#define MEMORY_MARGIN_BYTES (G_GUINT64_CONSTANT (1) << 30)

struct _ShoalRandomxDataset
{
  randomx_dataset *dataset;
};

struct _ShoalRandomxSeed
{
  GObject              parent_instance;
  guint8               hash[32];
  randomx_flags        flags;
  guint                init_threads;

  GMutex               lock;
  GCond                cond;
  gboolean             building;        /* a build thread runs */
  randomx_cache       *cache;
  GError              *error;           /* the cache could not be made */
  gboolean             cancelled;
  gboolean             want_dataset;
  gboolean             check_memory;
  gint                 stop_dataset;    /* atomic */
  ShoalRandomxDataset *dataset;
};

G_DEFINE_FINAL_TYPE (ShoalRandomxSeed, shoal_randomx_seed, G_TYPE_OBJECT)

static void
dataset_clear (ShoalRandomxDataset *dataset)
{
  randomx_release_dataset (dataset->dataset);
}

ShoalRandomxDataset *
shoal_randomx_dataset_ref (ShoalRandomxDataset *dataset)
{
  return g_atomic_rc_box_acquire (dataset);
}

void
shoal_randomx_dataset_unref (ShoalRandomxDataset *dataset)
{
  g_atomic_rc_box_release_full (dataset, (GDestroyNotify) dataset_clear);
}

randomx_dataset *
shoal_randomx_dataset_get (ShoalRandomxDataset *dataset)
{
  return dataset->dataset;
}

/* Large pages need a reserved pool most systems do not have: ask, and
 * quietly do without.  librandomx 1.1.10 leaks a little on each failed
 * large-page cache, so it is asked once per process, not per cache. */
static gint large_page_caches = -1;     /* atomic: -1 not known yet */
static GMutex large_page_probe;

static randomx_cache *
alloc_cache (randomx_flags flags)
{
  randomx_cache *cache = NULL;

  if (g_atomic_int_get (&large_page_caches) < 0)
    {
      g_mutex_lock (&large_page_probe);
      if (g_atomic_int_get (&large_page_caches) < 0)
        {
          cache = randomx_alloc_cache (flags | RANDOMX_FLAG_LARGE_PAGES);
          g_atomic_int_set (&large_page_caches, cache != NULL);
        }
      g_mutex_unlock (&large_page_probe);
    }
  else if (g_atomic_int_get (&large_page_caches) > 0)
    cache = randomx_alloc_cache (flags | RANDOMX_FLAG_LARGE_PAGES);
  if (cache == NULL)
    cache = randomx_alloc_cache (flags);
  return cache;
}

static randomx_dataset *
alloc_dataset (randomx_flags flags)
{
  randomx_dataset *dataset = randomx_alloc_dataset (flags | RANDOMX_FLAG_LARGE_PAGES);

  if (dataset == NULL)
    dataset = randomx_alloc_dataset (flags);
  return dataset;
}

static guint64
memory_available (void)
{
  g_autofree char *meminfo = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    return 0;
  line = strstr (meminfo, "MemAvailable:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

static gboolean
full_mode_fits (void)
{
  guint64 needed = (guint64) randomx_dataset_item_count () * RANDOMX_DATASET_ITEM_SIZE;

  return memory_available () >= needed + MEMORY_MARGIN_BYTES;
}

typedef struct
{
  ShoalRandomxSeed *seed;
  randomx_dataset  *dataset;
  gulong            items;
  gint              next_chunk;        /* atomic */
} DatasetFill;

static gpointer
dataset_fill_worker (gpointer data)
{
  DatasetFill *fill = data;

  while (!g_atomic_int_get (&fill->seed->stop_dataset))
    {
      gulong start = (gulong) g_atomic_int_add (&fill->next_chunk, 1) * DATASET_CHUNK_ITEMS;

      if (start >= fill->items)
        break;
      randomx_init_dataset (fill->dataset, fill->seed->cache, start,
                            MIN (DATASET_CHUNK_ITEMS, fill->items - start));
    }
  return NULL;
}

/* Fills DATASET with init_threads threads, this one among them.  FALSE
 * when it was stopped before the end. */
static gboolean
dataset_fill (ShoalRandomxSeed *self,
              randomx_dataset  *dataset)
{
  DatasetFill fill = { self, dataset, randomx_dataset_item_count (), 0 };
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  for (guint i = 1; i < self->init_threads; i++)
    g_ptr_array_add (threads, g_thread_new ("shoal-rx-dataset", dataset_fill_worker, &fill));
  dataset_fill_worker (&fill);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  return !g_atomic_int_get (&self->stop_dataset);
}

static void
build_cache (ShoalRandomxSeed *self)
{
  randomx_cache *cache = alloc_cache (self->flags);

  if (cache != NULL)
    randomx_init_cache (cache, self->hash, sizeof self->hash);

  g_mutex_lock (&self->lock);
  if (cache != NULL)
    self->cache = cache;
  else
    self->error = g_error_new (SHOAL_ERROR, SHOAL_ERROR_FAILED,
                               "Could not allocate a RandomX cache (256 MiB)");
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Takes the pending dataset request, if there is one to act on. */
static gboolean
take_dataset_request (ShoalRandomxSeed *self,
                      gboolean         *check_memory)
{
  gboolean wanted;

  g_mutex_lock (&self->lock);
  wanted = self->want_dataset && self->cache != NULL && self->dataset == NULL && !self->cancelled;
  *check_memory = self->check_memory;
  self->want_dataset = FALSE;
  g_mutex_unlock (&self->lock);
  return wanted;
}

/* One dataset build; TRUE when another request may be waiting. */
static gboolean
build_dataset (ShoalRandomxSeed *self)
{
  randomx_dataset *dataset;
  gboolean check_memory;
  gboolean complete;

  if (!take_dataset_request (self, &check_memory))
    return FALSE;
  if (check_memory && !full_mode_fits ())
    {
      g_message ("Not enough free memory for the RandomX dataset: staying in light mode");
      return FALSE;
    }
  dataset = alloc_dataset (self->flags);
  if (dataset == NULL)
    {
      g_message ("Could not allocate the RandomX dataset: staying in light mode");
      return FALSE;
    }
  complete = dataset_fill (self, dataset);

  g_mutex_lock (&self->lock);
  if (complete && !g_atomic_int_get (&self->stop_dataset) && self->dataset == NULL)
    {
      self->dataset = g_atomic_rc_box_new0 (ShoalRandomxDataset);
      self->dataset->dataset = g_steal_pointer (&dataset);
    }
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&dataset, randomx_release_dataset);
  return TRUE;
}

static gpointer
build_thread (gpointer data)
{
  g_autoptr(ShoalRandomxSeed) self = data;

  gboolean more;

  if (self->cache == NULL)
    build_cache (self);
  do
    {
      while (build_dataset (self))
        ;
      /* A request that came in after the last look, while this thread
       * still counted as building, must not be lost. */
      g_mutex_lock (&self->lock);
      more = self->want_dataset && self->cache != NULL && !self->cancelled;
      if (!more)
        {
          self->building = FALSE;
          g_cond_broadcast (&self->cond);
        }
      g_mutex_unlock (&self->lock);
    }
  while (more);
  return NULL;
}

/* Called with the lock held.  The thread holds a reference until it ends;
 * nobody joins it (shoal_randomx_seed_join waits on the flag instead), so
 * it is detached right away. */
static void
start_build_locked (ShoalRandomxSeed *self)
{
  if (self->building)
    return;
  self->building = TRUE;
  g_thread_unref (g_thread_new ("shoal-rx-seed", build_thread, g_object_ref (self)));
}

static void
shoal_randomx_seed_finalize (GObject *object)
{
  ShoalRandomxSeed *self = SHOAL_RANDOMX_SEED (object);

  g_clear_pointer (&self->dataset, shoal_randomx_dataset_unref);
  g_clear_pointer (&self->cache, randomx_release_cache);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (shoal_randomx_seed_parent_class)->finalize (object);
}

static void
shoal_randomx_seed_class_init (ShoalRandomxSeedClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_randomx_seed_finalize;
}

static void
shoal_randomx_seed_init (ShoalRandomxSeed *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

ShoalRandomxSeed *
shoal_randomx_seed_new (const guint8  seed_hash[32],
                        randomx_flags flags,
                        guint         init_threads)
{
  ShoalRandomxSeed *self;

  g_return_val_if_fail (seed_hash != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_RANDOMX_SEED, NULL);
  memcpy (self->hash, seed_hash, sizeof self->hash);
  self->flags = flags & ~RANDOMX_FLAG_LARGE_PAGES;
  self->init_threads = MAX (init_threads, 1);
  g_mutex_lock (&self->lock);
  start_build_locked (self);
  g_mutex_unlock (&self->lock);
  return self;
}

const guint8 *
shoal_randomx_seed_get_hash (ShoalRandomxSeed *self)
{
  g_return_val_if_fail (SHOAL_IS_RANDOMX_SEED (self), NULL);
  return self->hash;
}

gboolean
shoal_randomx_seed_has_hash (ShoalRandomxSeed *self,
                             const guint8      seed_hash[32])
{
  g_return_val_if_fail (SHOAL_IS_RANDOMX_SEED (self), FALSE);
  return memcmp (self->hash, seed_hash, sizeof self->hash) == 0;
}

void
shoal_randomx_seed_request_dataset (ShoalRandomxSeed *self,
                                    gboolean          check_memory)
{
  g_return_if_fail (SHOAL_IS_RANDOMX_SEED (self));

  g_mutex_lock (&self->lock);
  if (self->dataset == NULL && !self->cancelled)
    {
      self->want_dataset = TRUE;
      self->check_memory = check_memory;
      g_atomic_int_set (&self->stop_dataset, 0);
      start_build_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

void
shoal_randomx_seed_release_dataset (ShoalRandomxSeed *self)
{
  ShoalRandomxDataset *dataset;

  g_return_if_fail (SHOAL_IS_RANDOMX_SEED (self));

  g_mutex_lock (&self->lock);
  self->want_dataset = FALSE;
  g_atomic_int_set (&self->stop_dataset, 1);
  dataset = g_steal_pointer (&self->dataset);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&dataset, shoal_randomx_dataset_unref);
}

gboolean
shoal_randomx_seed_is_ready (ShoalRandomxSeed *self)
{
  gboolean ready;

  g_return_val_if_fail (SHOAL_IS_RANDOMX_SEED (self), FALSE);

  g_mutex_lock (&self->lock);
  ready = self->cache != NULL;
  g_mutex_unlock (&self->lock);
  return ready;
}

randomx_cache *
shoal_randomx_seed_wait_cache (ShoalRandomxSeed  *self,
                               GError           **error)
{
  randomx_cache *cache;

  g_return_val_if_fail (SHOAL_IS_RANDOMX_SEED (self), NULL);

  g_mutex_lock (&self->lock);
  while (self->cache == NULL && self->error == NULL && !self->cancelled)
    g_cond_wait (&self->cond, &self->lock);
  cache = self->cache;
  if (self->cancelled && cache == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 "The RandomX cache build was cancelled");
  else if (cache == NULL)
    g_propagate_error (error, g_error_copy (self->error));
  g_mutex_unlock (&self->lock);
  return cache;
}

ShoalRandomxDataset *
shoal_randomx_seed_dup_dataset (ShoalRandomxSeed *self)
{
  ShoalRandomxDataset *dataset = NULL;

  g_return_val_if_fail (SHOAL_IS_RANDOMX_SEED (self), NULL);

  g_mutex_lock (&self->lock);
  if (self->dataset != NULL)
    dataset = shoal_randomx_dataset_ref (self->dataset);
  g_mutex_unlock (&self->lock);
  return dataset;
}

void
shoal_randomx_seed_cancel (ShoalRandomxSeed *self)
{
  g_return_if_fail (SHOAL_IS_RANDOMX_SEED (self));

  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  self->want_dataset = FALSE;
  g_atomic_int_set (&self->stop_dataset, 1);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
shoal_randomx_seed_join (ShoalRandomxSeed *self)
{
  g_return_if_fail (SHOAL_IS_RANDOMX_SEED (self));

  g_mutex_lock (&self->lock);
  while (self->building)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}
