/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-job-source.h"

struct _ShoalWork
{
  gatomicrefcount    ref_count;
  char              *algorithm;
  guint64            height;
  guint64            epoch;
  guint8             seed_hash[32];
  guint8             next_seed_hash[32];
  gboolean           has_next_seed;
  ShoalDifficulty    ceiling;
  gsize              nonce_offset;
  gsize              unique_size;
  gboolean           ceiling_is_upstream;
  ShoalWorkBlobFunc  make_blob;
  gpointer           data;
  GDestroyNotify     data_free;
  gconstpointer      source_tag;
  guint              lane;
  ShoalLanes         lanes;
};

G_DEFINE_BOXED_TYPE (ShoalWork, shoal_work, shoal_work_ref, shoal_work_unref)

ShoalWork *
shoal_work_new (const ShoalWorkParams *params)
{
  ShoalWork *self;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->algorithm != NULL, NULL);
  g_return_val_if_fail (params->seed_hash != NULL, NULL);
  g_return_val_if_fail (params->make_blob != NULL, NULL);

  self = g_new0 (ShoalWork, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->algorithm = g_strdup (params->algorithm);
  self->height = params->height;
  self->epoch = params->epoch;
  memcpy (self->seed_hash, params->seed_hash, 32);
  self->has_next_seed = params->next_seed_hash != NULL;
  if (self->has_next_seed)
    memcpy (self->next_seed_hash, params->next_seed_hash, 32);
  self->ceiling = params->ceiling;
  self->nonce_offset = params->nonce_offset;
  self->unique_size = params->unique_size;
  self->ceiling_is_upstream = params->ceiling_is_upstream;
  self->make_blob = params->make_blob;
  self->data = params->data;
  self->data_free = params->data_free;
  self->source_tag = params->source_tag;
  self->lane = params->lane;
  self->lanes = params->lanes;
  return self;
}

ShoalWork *
shoal_work_ref (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_work_unref (ShoalWork *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->data_free != NULL)
    self->data_free (self->data);
  g_free (self->algorithm);
  g_free (self);
}

const char *
shoal_work_get_algorithm (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->algorithm;
}

guint64
shoal_work_get_height (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

guint64
shoal_work_get_epoch (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->epoch;
}

const guint8 *
shoal_work_get_seed_hash (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->seed_hash;
}

const guint8 *
shoal_work_get_next_seed_hash (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->has_next_seed ? self->next_seed_hash : NULL;
}

const ShoalDifficulty *
shoal_work_get_ceiling (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->ceiling;
}

gsize
shoal_work_get_nonce_offset (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->nonce_offset;
}

gboolean
shoal_work_get_ceiling_is_upstream (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->ceiling_is_upstream;
}

gsize
shoal_work_get_unique_size (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->unique_size;
}

gconstpointer
shoal_work_get_source_tag (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->source_tag;
}

guint
shoal_work_get_lane (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->lane;
}

ShoalLanes
shoal_work_get_lanes (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, SHOAL_LANES_ONE);
  return self->lanes;
}

gpointer
shoal_work_get_data (ShoalWork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->data;
}

GBytes *
shoal_work_make_blob (ShoalWork     *self,
                      const guint8  *unique,
                      gsize          unique_len,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (unique_len <= self->unique_size, NULL);

  return self->make_blob (self->data, unique, unique_len, error);
}

ShoalSolution *
shoal_solution_new (ShoalWork        *work,
                    const guint8     *unique,
                    gsize             unique_len,
                    guint32           nonce,
                    const guint8      hash[32],
                    const ShoalShare *share)
{
  ShoalSolution *solution;

  g_return_val_if_fail (work != NULL, NULL);
  g_return_val_if_fail (share != NULL, NULL);

  solution = g_new0 (ShoalSolution, 1);
  solution->work = shoal_work_ref (work);
  solution->unique = g_bytes_new (unique, unique_len);
  solution->nonce = nonce;
  memcpy (solution->hash, hash, 32);
  solution->share = shoal_share_copy (share);
  return solution;
}

void
shoal_solution_free (ShoalSolution *solution)
{
  if (solution == NULL)
    return;
  shoal_work_unref (solution->work);
  g_bytes_unref (solution->unique);
  shoal_share_free (solution->share);
  g_free (solution);
}

enum
{
  WORK_CHANGED,
  EPOCH_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_INTERFACE (ShoalJobSource, shoal_job_source, G_TYPE_OBJECT)

static void
shoal_job_source_default_init (ShoalJobSourceInterface *iface)
{
  signals[WORK_CHANGED] =
    g_signal_new ("work-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_WORK);
  signals[EPOCH_CLOSED] =
    g_signal_new ("epoch-closed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

ShoalWork *
shoal_job_source_dup_work (ShoalJobSource *self)
{
  g_return_val_if_fail (SHOAL_IS_JOB_SOURCE (self), NULL);
  return SHOAL_JOB_SOURCE_GET_IFACE (self)->dup_work (self);
}

void
shoal_job_source_submit_solution (ShoalJobSource      *self,
                                  const ShoalSolution *solution)
{
  g_return_if_fail (SHOAL_IS_JOB_SOURCE (self));
  g_return_if_fail (solution != NULL);
  SHOAL_JOB_SOURCE_GET_IFACE (self)->submit_solution (self, solution);
}

void
shoal_job_source_open_lane (ShoalJobSource *self,
                            guint           lane,
                            const char     *worker)
{
  ShoalJobSourceInterface *iface;

  g_return_if_fail (SHOAL_IS_JOB_SOURCE (self));
  g_return_if_fail (lane > 0);
  iface = SHOAL_JOB_SOURCE_GET_IFACE (self);
  if (iface->open_lane != NULL)
    iface->open_lane (self, lane, worker);
}

void
shoal_job_source_close_lane (ShoalJobSource *self,
                             guint           lane)
{
  ShoalJobSourceInterface *iface;

  g_return_if_fail (SHOAL_IS_JOB_SOURCE (self));
  iface = SHOAL_JOB_SOURCE_GET_IFACE (self);
  if (iface->close_lane != NULL)
    iface->close_lane (self, lane);
}

void
shoal_job_source_emit_work_changed (ShoalJobSource *self,
                                    ShoalWork      *work)
{
  g_return_if_fail (SHOAL_IS_JOB_SOURCE (self));
  g_return_if_fail (work != NULL);
  g_signal_emit (self, signals[WORK_CHANGED], 0, work);
}

void
shoal_job_source_emit_epoch_closed (ShoalJobSource *self,
                                    guint64         epoch)
{
  g_return_if_fail (SHOAL_IS_JOB_SOURCE (self));
  g_signal_emit (self, signals[EPOCH_CLOSED], 0, epoch);
}
