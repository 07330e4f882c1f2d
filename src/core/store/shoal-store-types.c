/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-store-types.h"

static const char *block_states[] = { "pending", "orphaned", "unlocked", "credited" };
static const char *batch_states[] = { "planned", "built", "relayed", "confirmed", "failed" };

static gboolean
parse_state (const char  *text,
             const char **names,
             guint        n_names,
             guint       *out)
{
  for (guint i = 0; text != NULL && i < n_names; i++)
    if (g_str_equal (text, names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *
shoal_store_block_state_to_string (ShoalStoreBlockState state)
{
  g_return_val_if_fail (state <= SHOAL_STORE_BLOCK_CREDITED, NULL);
  return block_states[state];
}

gboolean
shoal_store_block_state_parse (const char      *text,
                         ShoalStoreBlockState *state)
{
  guint value;

  if (!parse_state (text, block_states, G_N_ELEMENTS (block_states), &value))
    return FALSE;
  *state = value;
  return TRUE;
}

const char *
shoal_batch_state_to_string (ShoalBatchState state)
{
  g_return_val_if_fail (state <= SHOAL_BATCH_FAILED, NULL);
  return batch_states[state];
}

gboolean
shoal_batch_state_parse (const char      *text,
                         ShoalBatchState *state)
{
  guint value;

  if (!parse_state (text, batch_states, G_N_ELEMENTS (batch_states), &value))
    return FALSE;
  *state = value;
  return TRUE;
}

void
shoal_store_block_free (ShoalStoreBlock *info)
{
  if (info == NULL)
    return;
  g_free (info->hash);
  g_free (info);
}

void
shoal_store_worker_free (ShoalStoreWorker *info)
{
  if (info == NULL)
    return;
  g_free (info->address);
  g_free (info->worker);
  g_free (info);
}

void
shoal_store_balance_free (ShoalStoreBalance *info)
{
  if (info == NULL)
    return;
  g_free (info->address);
  g_free (info);
}

void
shoal_store_payment_free (ShoalStorePayment *info)
{
  if (info == NULL)
    return;
  g_free (info->address);
  g_free (info->tx_hash);
  g_free (info);
}

void
shoal_store_batch_free (ShoalStoreBatch *info)
{
  if (info == NULL)
    return;
  g_strfreev (info->tx_hashes);
  g_strfreev (info->tx_metadata);
  g_strfreev (info->key_images);
  g_free (info->note);
  g_free (info);
}

ShoalCredit *
shoal_credit_new (const char *address,
                  guint64     weight)
{
  ShoalCredit *credit = g_new0 (ShoalCredit, 1);

  credit->address = g_strdup (address);
  credit->weight = weight;
  return credit;
}

void
shoal_credit_free (ShoalCredit *credit)
{
  if (credit == NULL)
    return;
  g_free (credit->address);
  g_free (credit);
}

void
shoal_store_income_report_free (ShoalStoreIncomeReport *report)
{
  if (report == NULL)
    return;
  shoal_store_income_free (report->income);
  g_clear_pointer (&report->credits, g_ptr_array_unref);
  g_free (report);
}

void
shoal_store_sidechain_share_free (ShoalStoreSidechainShare *share)
{
  if (share == NULL)
    return;
  g_free (share->address);
  g_free (share->worker);
  g_free (share->fed_txid);
  g_free (share);
}
