/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-stratum-stats.h"

struct _ShoalStratumStats
{
  gatomicrefcount          ref_count;
  ShoalStratumTotals       totals;
  guint                    n_workers;
  ShoalStratumWorkerStats *workers;
};

G_DEFINE_BOXED_TYPE (ShoalStratumStats, shoal_stratum_stats,
                     shoal_stratum_stats_ref, shoal_stratum_stats_unref)

ShoalStratumStats *
shoal_stratum_stats_new (const ShoalStratumTotals *totals,
                         GArray                   *workers)
{
  ShoalStratumStats *self = g_new0 (ShoalStratumStats, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->totals = *totals;
  /* Moved: a copy would double the server's peak memory per rig.  The
   * array grew in powers of two: its unused tail goes back. */
  self->n_workers = workers->len;
  self->workers = g_realloc (g_array_steal (workers, NULL),
                             sizeof (ShoalStratumWorkerStats) * self->n_workers);
  return self;
}

ShoalStratumStats *
shoal_stratum_stats_ref (ShoalStratumStats *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_stratum_stats_unref (ShoalStratumStats *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  for (guint i = 0; i < self->n_workers; i++)
    {
      g_clear_pointer (&self->workers[i].address, g_ref_string_release);
      g_clear_pointer (&self->workers[i].worker, g_ref_string_release);
      g_clear_pointer (&self->workers[i].ip, g_ref_string_release);
      g_clear_pointer (&self->workers[i].agent, g_ref_string_release);
    }
  g_free (self->workers);
  g_free (self);
}

const ShoalStratumTotals *
shoal_stratum_stats_get_totals (ShoalStratumStats *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->totals;
}

guint
shoal_stratum_stats_get_n_workers (ShoalStratumStats *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_workers;
}

const ShoalStratumWorkerStats *
shoal_stratum_stats_get_worker (ShoalStratumStats *self,
                                guint              index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_workers, NULL);

  return &self->workers[index];
}

const ShoalStratumWorkerStats *
shoal_stratum_stats_find_worker (ShoalStratumStats *self,
                                 const char        *worker)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->n_workers; i++)
    if (g_strcmp0 (self->workers[i].worker, worker) == 0)
      return &self->workers[i];
  return NULL;
}
