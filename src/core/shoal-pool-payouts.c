/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-ledger-check.h"
#include "shoal-payer.h"
#include "shoal-pool-private.h"

/* Payouts as the window asks for them: a preview with the wallet's own
 * fee estimate, then one batch run to its end by the crash-safe payer;
 * both through the payer, which alone talks to the wallet about money. */

/* The mode, fee and PPLNS window in force when SHARE found a block: the
 * block is credited with these, whatever the settings are when it
 * unlocks. */
void
_shoal_pool_block_terms (ShoalPool        *self,
                         const ShoalShare *share,
                         ShoalBlockTerms  *terms)
{
  ShoalConfig *config = shoal_pool_get_config (self);

  /* The mode the pool runs in; fee and window apply live, and each block
   * keeps the ones it was found under.  Not pool terms in upstream mode,
   * even when splitting: a block of the solo fallback pays the pool
   * wallet, and the income watcher credits its coinbase, once. */
  terms->pplns = shoal_pool_get_mode (self) == SHOAL_MODE_PPLNS;
  terms->fee_bps = (guint) shoal_config_get_uint64 (config, "pool-fee-bps");
  terms->window_factor = (guint) shoal_config_get_uint64 (config, "pplns-window");
  terms->has_share = share != NULL;
  if (share != NULL)
    memcpy (terms->share_hash, share->hash, sizeof terms->share_hash);
}

/* Pool mode, and upstream mode splitting P2Pool's payouts, keep balances
 * and pay them; solo and plain upstream mode run no payer. */
static gboolean
pays_members (ShoalConfig *config,
              ShoalMode    mode)
{
  return mode == SHOAL_MODE_PPLNS ||
         (mode == SHOAL_MODE_UPSTREAM && shoal_config_get_boolean (config, "upstream-split"));
}

/* Whether members log in with their own addresses and have balances, in
 * the mode the pool was started in. */
gboolean
shoal_pool_pays_members (ShoalPool *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL (self), FALSE);
  return pays_members (shoal_pool_get_config (self), shoal_pool_get_mode (self));
}

/* Looks at the pool wallet for P2Pool's payouts now, rather than at the
 * next regular look; does nothing unless the pool splits them. */
void
shoal_pool_check_incomes (ShoalPool *self)
{
  ShoalPoolParts *p;

  g_return_if_fail (SHOAL_IS_POOL (self));

  p = _shoal_pool_get_parts (self);
  if (p->incomes != NULL)
    shoal_income_watcher_poll (p->incomes);
}

/* A switch to a mode without a payer is refused while pool-mode work is
 * unfinished: open batches would freeze. */
gboolean
_shoal_pool_check_mode (ShoalPool  *self,
                        GError    **error)
{
  ShoalMode mode = shoal_config_get_mode (shoal_pool_get_config (self));
  guint64 batches = 0, blocks = 0;

  if (pays_members (shoal_pool_get_config (self), mode))
    return TRUE;
  if (!shoal_store_count_unfinished_sync (_shoal_pool_get_store (self), &batches, &blocks, error))
    return FALSE;
  if (batches == 0 && blocks == 0)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "%s mode is refused for now: %" G_GUINT64_FORMAT " payout batches are unfinished "
               "and %" G_GUINT64_FORMAT " blocks found in pool mode are not credited yet. Switch "
               "back to pool mode until they are paid, then switch again",
               mode == SHOAL_MODE_UPSTREAM ? "Upstream" : "Solo",
               batches, blocks);
  return FALSE;
}

static void
on_paid (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 id = shoal_payer_pay_out_finish (SHOAL_PAYER (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, id);
}

void
shoal_pool_pay_out_async (ShoalPool           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_pay_out_async);
  if (_shoal_pool_get_payer (self) == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                               "Payouts need small-pool mode and a wallet");
      return;
    }
  shoal_payer_pay_out_async (_shoal_pool_get_payer (self), cancellable, on_paid, g_steal_pointer (&task));
}

/* Pays exactly PREVIEW (ShoalPaymentInfo rows from
 * shoal_pool_preview_payout_finish), or nothing: if the balances changed
 * since it was shown, the payout is refused and the person asked to look
 * again.  Finished with shoal_pool_pay_out_finish. */
void
shoal_pool_pay_out_confirmed_async (ShoalPool           *self,
                                    GPtrArray           *preview,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) expected = NULL;

  g_return_if_fail (SHOAL_IS_POOL (self));
  g_return_if_fail (preview != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_pay_out_async);
  if (_shoal_pool_get_payer (self) == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                               "Payouts need small-pool mode and a wallet");
      return;
    }
  expected = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_payment_free);
  for (guint i = 0; i < preview->len; i++)
    {
      const ShoalPaymentInfo *p = g_ptr_array_index (preview, i);
      ShoalStorePayment *row = g_new0 (ShoalStorePayment, 1);

      row->address = g_strdup (p->address);
      row->amount = p->amount;
      g_ptr_array_add (expected, row);
    }
  shoal_payer_pay_out_confirmed_async (_shoal_pool_get_payer (self),
                                       shoal_config_get_uint64 (shoal_pool_get_config (self),
                                                                "payout-threshold"),
                                       expected, cancellable, on_paid, g_steal_pointer (&task));
}

gint64
shoal_pool_pay_out_finish (ShoalPool     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  GError *local_error = NULL;
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  id = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return -1;
    }
  return id;
}

typedef struct
{
  guint64    threshold;
  GPtrArray *payments;
  guint64    fee;
} Preview;

static void
preview_free (Preview *preview)
{
  g_clear_pointer (&preview->payments, g_ptr_array_unref);
  g_free (preview);
}

static void
preview_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ShoalPool *self = source_object;
  Preview *preview = task_data;
  g_autoptr(GPtrArray) due = NULL;
  GError *error = NULL;

  /* The payer's own planner: the list confirmed is the list paid. */
  due = shoal_payer_preview_sync (_shoal_pool_get_payer (self), preview->threshold, &error);
  if (due == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  preview->payments = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_payment_info_free);
  for (guint i = 0; i < due->len; i++)
    {
      const ShoalStorePayment *row = g_ptr_array_index (due, i);
      ShoalPaymentInfo *p = g_new0 (ShoalPaymentInfo, 1);

      p->state = g_strdup ("preview");
      p->time_us = g_get_real_time ();
      p->address = g_strdup (row->address);
      p->amount = row->amount;
      g_ptr_array_add (preview->payments, p);
    }
  if (due->len > 0 && !shoal_payer_estimate_fee_sync (_shoal_pool_get_payer (self), due,
                                                      &preview->fee, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
shoal_pool_preview_payout_async (ShoalPool           *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Preview *preview;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_preview_payout_async);
  if (_shoal_pool_get_payer (self) == NULL || _shoal_pool_get_store (self) == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                               "Payouts need small-pool mode and a wallet");
      return;
    }
  preview = g_new0 (Preview, 1);
  preview->threshold = shoal_config_get_uint64 (shoal_pool_get_config (self), "payout-threshold");
  g_task_set_task_data (task, preview, (GDestroyNotify) preview_free);
  g_task_run_in_thread (task, preview_thread);
}

GPtrArray *
shoal_pool_preview_payout_finish (ShoalPool     *self,
                                  GAsyncResult  *result,
                                  guint64       *fee_estimate,
                                  GError       **error)
{
  Preview *preview;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  preview = g_task_get_task_data (G_TASK (result));
  if (fee_estimate != NULL)
    *fee_estimate = preview->fee;
  return g_ptr_array_ref (preview->payments);
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *report = shoal_ledger_check_finish (result, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, g_free);
}

/* shoal --check for the window: the books of the running pool against
 * its wallet and node, read-only. */
void
shoal_pool_check_books_async (ShoalPool           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ShoalNodeClient) node = NULL;

  g_return_if_fail (SHOAL_IS_POOL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_pool_check_books_async);
  if (_shoal_pool_get_store (self) == NULL || _shoal_pool_get_node (self) == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                               "The books can be checked once the pool runs");
      return;
    }
  node = shoal_node_client_dup (_shoal_pool_get_node (self));
  shoal_ledger_check_async (shoal_store_get_path (_shoal_pool_get_store (self)),
                            _shoal_pool_get_wallet (self), node, cancellable, on_checked,
                            g_steal_pointer (&task));
}

/* The report (one line per fact checked), or NULL and the first
 * discrepancy. */
char *
shoal_pool_check_books_finish (ShoalPool     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
