/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-pool-info.h"

G_DEFINE_BOXED_TYPE (ShoalPoolSnapshot, shoal_pool_snapshot,
                     shoal_pool_snapshot_ref, shoal_pool_snapshot_unref)

ShoalPoolSnapshot *
shoal_pool_snapshot_new (void)
{
  ShoalPoolSnapshot *self = g_new0 (ShoalPoolSnapshot, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_worker_info_free);
  return self;
}

ShoalPoolSnapshot *
shoal_pool_snapshot_ref (ShoalPoolSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_pool_snapshot_unref (ShoalPoolSnapshot *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->workers);
  g_free (self->status);
  g_free (self->managed_state);
  g_free (self);
}

ShoalWorkerInfo *
shoal_worker_info_copy (const ShoalWorkerInfo *info)
{
  ShoalWorkerInfo *copy = g_memdup2 (info, sizeof *info);

  copy->worker = g_strdup (info->worker);
  copy->address = g_strdup (info->address);
  copy->ip = g_strdup (info->ip);
  return copy;
}

void
shoal_worker_info_free (ShoalWorkerInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->worker);
  g_free (info->address);
  g_free (info->ip);
  g_free (info);
}

void
shoal_block_info_free (ShoalBlockInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info);
}

void
shoal_balance_info_free (ShoalBalanceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->address);
  g_free (info);
}

void
shoal_payment_info_free (ShoalPaymentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->state);
  g_free (info->address);
  g_free (info->tx_hash);
  g_free (info);
}

void
shoal_upstream_info_free (ShoalUpstreamInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->trouble);
  g_free (info);
}

void
shoal_income_credit_free (ShoalIncomeCredit *credit)
{
  if (credit == NULL)
    return;
  g_free (credit->address);
  g_free (credit);
}

void
shoal_income_info_free (ShoalIncomeInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->txid);
  g_free (info->sidechain);
  g_clear_pointer (&info->credits, g_ptr_array_unref);
  g_free (info);
}

void
shoal_sidechain_share_info_free (ShoalSidechainShareInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->address);
  g_free (info->worker);
  g_free (info->fed_txid);
  g_free (info);
}
