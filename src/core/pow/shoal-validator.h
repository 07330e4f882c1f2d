/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-enum-types.h"
#include "shoal-enums.h"

G_BEGIN_DECLS

/* RandomX share validation on a pool of worker threads, one VM each, over
 * a shared cache (light) or dataset (full) per seed.  Hashes come back on
 * the GMainContext that was thread-default when the hash was asked for. */
/* Read-only properties for the UI, the figures of get_stats: queue-depth,
 * queue-limit, hashes-total, rejected-busy, hashes-per-second,
 * latency-p50, latency-p99 (us), full-mode-active; notified at most once a
 * second on the context the validator was created in.  seed-waits (hashes
 * that waited for a cache build) is read on demand. */


typedef struct
{
  guint   queue_depth;
  guint   queue_limit;
  guint64 hashes_total;
  guint64 rejected_busy;
  double  hashes_per_second;   /* over the last few seconds */
  guint64 latency_p50_us;      /* submit to result, recent window */
  guint64 latency_p99_us;
  guint   n_threads;
  gboolean full_mode_active;   /* dataset ready and in use */
} ShoalValidatorStats;

#define SHOAL_TYPE_VALIDATOR (shoal_validator_get_type ())
G_DECLARE_FINAL_TYPE (ShoalValidator, shoal_validator, SHOAL, VALIDATOR, GObject)

/* N_THREADS 0 = one per core; QUEUE_LIMIT 0 = a default. */
ShoalValidator *shoal_validator_new          (ShoalValidatorMode   mode,
                                              guint                n_threads,
                                              guint                queue_limit);
/* The seed shares are currently checked with; building its cache is done
 * off the calling thread.  Thread-safe. */
void            shoal_validator_set_seed     (ShoalValidator      *self,
                                              const guint8         seed_hash[32]);
/* Prepare the cache (or dataset) for a seed announced as next, so the
 * switch never stalls verification.  Thread-safe. */
void            shoal_validator_prepare_seed (ShoalValidator      *self,
                                              const guint8         seed_hash[32]);
/* Queues one hash.  When the queue is full, returns FALSE at once with
 * SHOAL_ERROR_BUSY and CALLBACK is never called; otherwise TRUE and
 * CALLBACK runs later on the caller's thread-default context. */
gboolean        shoal_validator_hash_async   (ShoalValidator      *self,
                                              GBytes              *hashing_blob,
                                              const guint8         seed_hash[32],
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data,
                                              GError             **error);
gboolean        shoal_validator_hash_finish  (ShoalValidator      *self,
                                              GAsyncResult        *result,
                                              guint8               hash_out[32],
                                              GError             **error);
/* Blocks the calling thread; for tools and tests. */
gboolean        shoal_validator_hash_sync    (ShoalValidator      *self,
                                              GBytes              *hashing_blob,
                                              const guint8         seed_hash[32],
                                              guint8               hash_out[32],
                                              GError             **error);
void            shoal_validator_get_stats    (ShoalValidator      *self,
                                              ShoalValidatorStats *out);
/* Whether the cache for SEED_HASH is built, so that a hash on it starts
 * at once (it was set or prepared, or asked for, in time).  Thread-safe. */
gboolean        shoal_validator_is_seed_ready (ShoalValidator     *self,
                                              const guint8         seed_hash[32]);
/* Cancels queued work and joins the workers; pending callbacks get
 * G_IO_ERROR_CANCELLED. */
void            shoal_validator_shutdown     (ShoalValidator      *self);

G_END_DECLS
