/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-pool-private.h"

/* The read side of the pool: store rows turned into the pool-info types
 * the window and the LAN API show.  Every query runs on the store's
 * reader threads; nothing here waits on SQLite. */

typedef GPtrArray *(*ConvertFunc) (GPtrArray *rows);

static ShoalBlockState
block_state_from_store (ShoalStoreBlockState state)
{
  switch (state)
    {
    case SHOAL_STORE_BLOCK_ORPHANED:
      return SHOAL_BLOCK_STATE_ORPHANED;
    case SHOAL_STORE_BLOCK_UNLOCKED:
    case SHOAL_STORE_BLOCK_CREDITED:
      return SHOAL_BLOCK_STATE_UNLOCKED;
    case SHOAL_STORE_BLOCK_PENDING:
    default:
      return SHOAL_BLOCK_STATE_PENDING;
    }
}

static GPtrArray *
convert_blocks (GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_block_info_free);

  for (guint i = 0; i < rows->len; i++)
    {
      const ShoalStoreBlock *row = g_ptr_array_index (rows, i);
      ShoalBlockInfo *info = g_new0 (ShoalBlockInfo, 1);

      info->height = row->height;
      info->id = g_strdup (row->hash);
      info->found_us = row->found_us;
      info->reward = row->reward;
      info->state = block_state_from_store (row->state);
      info->confirmations = row->confirmations;
      /* Effort in whole percent; integers only, and no overflow for any
       * realistic work (work < 2^64 / 100 holds for every pool). */
      info->effort_percent = row->difficulty > 0 ? row->work / row->difficulty * 100 +
                                                   (row->work % row->difficulty) * 100 / row->difficulty
                                                 : 0;
      g_ptr_array_add (out, info);
    }
  return out;
}

static GPtrArray *
convert_balances (GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_balance_info_free);

  for (guint i = 0; i < rows->len; i++)
    {
      const ShoalStoreBalance *row = g_ptr_array_index (rows, i);
      ShoalBalanceInfo *info = g_new0 (ShoalBalanceInfo, 1);

      info->address = g_strdup (row->address);
      info->balance = row->amount + row->reserved;
      info->reserved = row->reserved;
      info->paid = row->paid;
      g_ptr_array_add (out, info);
    }
  return out;
}

static GPtrArray *
convert_payments (GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_payment_info_free);

  for (guint i = 0; i < rows->len; i++)
    {
      const ShoalStorePayment *row = g_ptr_array_index (rows, i);
      ShoalPaymentInfo *info = g_new0 (ShoalPaymentInfo, 1);

      info->batch_id = row->batch_id;
      info->state = g_strdup (shoal_batch_state_to_string (row->state));
      info->time_us = row->created_us;
      info->address = g_strdup (row->address);
      info->amount = row->amount;
      info->tx_hash = g_strdup (row->tx_hash);
      g_ptr_array_add (out, info);
    }
  return out;
}

static ShoalIncomeInfo *
income_from_report (const ShoalStoreIncomeReport *report)
{
  ShoalIncomeInfo *info = g_new0 (ShoalIncomeInfo, 1);

  info->txid = g_strdup (report->income->txid);
  info->height = report->income->height;
  info->amount = report->income->amount;
  info->fee = report->income->fee;
  info->sidechain = g_strdup (report->income->sidechain);
  info->time_us = report->income->credited_us;
  /* The store writes an income with its credits, together; a payout on
   * its way has neither yet. */
  info->credited = report->income->credited_us != 0;
  info->unlocks_in = report->income->unlocks_in;
  info->credits = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_income_credit_free);
  for (guint i = 0; i < report->credits->len; i++)
    {
      const ShoalCredit *c = g_ptr_array_index (report->credits, i);
      ShoalIncomeCredit *credit = g_new0 (ShoalIncomeCredit, 1);

      credit->address = g_strdup (c->address);
      credit->amount = c->amount;
      g_ptr_array_add (info->credits, credit);
    }
  return info;
}

static GPtrArray *
convert_incomes (GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_income_info_free);

  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (out, income_from_report (g_ptr_array_index (rows, i)));
  return out;
}

static GPtrArray *
convert_sidechain_shares (GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
    (GDestroyNotify) shoal_sidechain_share_info_free);

  for (guint i = 0; i < rows->len; i++)
    {
      const ShoalStoreSidechainShare *row = g_ptr_array_index (rows, i);
      ShoalSidechainShareInfo *info = g_new0 (ShoalSidechainShareInfo, 1);

      info->time_us = row->time_us;
      info->address = g_strdup (row->address);
      info->worker = g_strdup (row->worker);
      info->height = row->height;
      info->difficulty = row->difficulty;
      info->sidechain_difficulty = row->sidechain_difficulty;
      info->fed_txid = g_strdup (row->fed_txid);
      g_ptr_array_add (out, info);
    }
  return out;
}

static void
on_query (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConvertFunc convert = g_task_get_task_data (task);
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;

  rows = shoal_store_query_finish (SHOAL_STORE (source), result, &error);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, convert (rows), (GDestroyNotify) g_ptr_array_unref);
}

static void
query (ShoalPool           *self,
       gpointer             tag,
       ShoalStoreQuery      what,
       gint64               arg,
       ConvertFunc          convert,
       GDestroyNotify       free_func,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ShoalStore *store = _shoal_pool_get_store (self);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, convert, NULL);
  /* Before the store is open nothing has been recorded yet. */
  if (store == NULL)
    g_task_return_pointer (task, g_ptr_array_new_with_free_func (free_func),
                           (GDestroyNotify) g_ptr_array_unref);
  else
    shoal_store_query_async (store, what, arg, cancellable, on_query, g_steal_pointer (&task));
}

void
shoal_pool_list_blocks_async (ShoalPool           *self,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  query (self, shoal_pool_list_blocks_async, SHOAL_STORE_QUERY_BLOCKS, limit ? limit : 100,
         convert_blocks, (GDestroyNotify) shoal_block_info_free, cancellable, callback, user_data);
}

GPtrArray *
shoal_pool_list_blocks_finish (ShoalPool     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_list_balances_async (ShoalPool           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  query (self, shoal_pool_list_balances_async, SHOAL_STORE_QUERY_BALANCES, 0,
         convert_balances, (GDestroyNotify) shoal_balance_info_free, cancellable, callback,
         user_data);
}

GPtrArray *
shoal_pool_list_balances_finish (ShoalPool     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_list_payments_async (ShoalPool           *self,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  query (self, shoal_pool_list_payments_async, SHOAL_STORE_QUERY_PAYMENTS, limit ? limit : 500,
         convert_payments, (GDestroyNotify) shoal_payment_info_free, cancellable, callback,
         user_data);
}

GPtrArray *
shoal_pool_list_payments_finish (ShoalPool     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
shoal_pool_list_incomes_async (ShoalPool           *self,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  query (self, shoal_pool_list_incomes_async, SHOAL_STORE_QUERY_INCOME_REPORTS,
         limit ? limit : 100, convert_incomes, (GDestroyNotify) shoal_income_info_free,
         cancellable, callback, user_data);
}

void
shoal_pool_list_sidechain_shares_async (ShoalPool           *self,
                                        guint                limit,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_POOL (self));
  query (self, shoal_pool_list_sidechain_shares_async, SHOAL_STORE_QUERY_SIDECHAIN_SHARES,
         limit ? limit : 100, convert_sidechain_shares,
         (GDestroyNotify) shoal_sidechain_share_info_free, cancellable, callback, user_data);
}

/* Finishes any of the list queries above and in shoal_pool_list_*_async. */
GPtrArray *
shoal_pool_list_finish (ShoalPool     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  GArray *points;
  GError *error = NULL;

  rows = shoal_store_query_finish (SHOAL_STORE (source), result, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  points = g_array_sized_new (FALSE, FALSE, sizeof (ShoalHashratePoint), rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      const ShoalStoreStats *row = g_ptr_array_index (rows, i);
      ShoalHashratePoint point = { row->time_us, row->hashrate };

      g_array_append_val (points, point);
    }
  g_task_return_pointer (task, points, (GDestroyNotify) g_array_unref);
}

void
shoal_pool_get_history_async (ShoalPool           *self,
                              const char          *worker,
                              gint64               since_us,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ShoalStore *store;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_get_history_async);
  store = _shoal_pool_get_store (self);
  /* Only the pool's history is kept; a worker's chart starts empty and
   * fills from the live snapshots the window sees. */
  if (store == NULL || worker != NULL)
    g_task_return_pointer (task, g_array_new (FALSE, FALSE, sizeof (ShoalHashratePoint)),
                           (GDestroyNotify) g_array_unref);
  else
    shoal_store_query_async (store, SHOAL_STORE_QUERY_STATS, since_us, cancellable, on_history,
                             g_steal_pointer (&task));
}

GArray *
shoal_pool_get_history_finish (ShoalPool     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
