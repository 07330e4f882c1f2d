/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-api-cache.h"

ShoalApiCache *
shoal_api_cache_new (ShoalPoolSnapshot *snapshot,
                     const char        *mode)
{
  ShoalApiCache *self = g_new0 (ShoalApiCache, 1);

  g_return_val_if_fail (snapshot != NULL, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->time_us = g_get_real_time ();
  self->snapshot = shoal_pool_snapshot_ref (snapshot);
  self->mode = g_strdup (mode != NULL ? mode : "solo");
  /* Empty until the store answers: a fresh pool has recorded nothing. */
  self->blocks = g_ptr_array_new ();
  self->balances = g_ptr_array_new ();
  self->payments = g_ptr_array_new ();
  self->upstreams = g_ptr_array_new ();
  self->incomes = g_ptr_array_new ();
  self->sidechain_shares = g_ptr_array_new ();
  self->history_1h = g_array_new (FALSE, FALSE, sizeof (ShoalHashratePoint));
  self->history_24h = g_array_new (FALSE, FALSE, sizeof (ShoalHashratePoint));
  self->documents = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) g_bytes_unref);
  return self;
}

ShoalApiCache *
shoal_api_cache_ref (ShoalApiCache *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_api_cache_unref (ShoalApiCache *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  shoal_pool_snapshot_unref (self->snapshot);
  g_ptr_array_unref (self->blocks);
  g_ptr_array_unref (self->balances);
  g_ptr_array_unref (self->payments);
  g_ptr_array_unref (self->upstreams);
  g_ptr_array_unref (self->incomes);
  g_ptr_array_unref (self->sidechain_shares);
  g_array_unref (self->history_1h);
  g_array_unref (self->history_24h);
  g_free (self->mode);
  g_hash_table_unref (self->documents);
  g_free (self);
}

GBytes *
shoal_api_cache_lookup (ShoalApiCache  *self,
                        const char     *name,
                        GBytes       *(*render) (ShoalApiCache *cache))
{
  GBytes *bytes = g_hash_table_lookup (self->documents, name);

  if (bytes == NULL)
    {
      bytes = render (self);
      g_hash_table_insert (self->documents, (gpointer) name, bytes);
    }
  return g_bytes_ref (bytes);
}
