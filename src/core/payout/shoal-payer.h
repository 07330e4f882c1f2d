/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-node-client.h"
#include "shoal-store.h"
#include "shoal-wallet-client.h"

G_BEGIN_DECLS

/* Pays balances through monero-wallet-rpc, crash-safe.  Each payout is a
 * batch that moves planned -> built -> relayed -> confirmed (or failed),
 * one store transaction per step; the wallet is only asked to relay a
 * transaction whose hash and metadata are already stored.  Before any new
 * payout, every unfinished batch is reconciled with the wallet.  Network
 * fees are paid by the pool wallet on top of the amounts: members get
 * exactly their balance.  All work runs in a worker thread, one run at a
 * time. */

#define SHOAL_TYPE_PAYER (shoal_payer_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPayer, shoal_payer, SHOAL, PAYER, GObject)

/* How deep on the node's chain the spend of a batch's inputs by other
 * transactions must be before its balances are released. */
#define SHOAL_PAYER_RELEASE_DEPTH 10

/* One transaction takes at most 15 destinations (16 is "too large"). */
#define SHOAL_PAYER_MAX_PAYMENTS 15

/* Points where a batch's fate changed, in order.  The _WALLET_ steps are
 * the moments the wallet acted but the store does not know yet. */
typedef enum
{
  SHOAL_PAYER_STEP_PLANNED,
  SHOAL_PAYER_STEP_WALLET_BUILT,
  SHOAL_PAYER_STEP_BUILT,
  SHOAL_PAYER_STEP_WALLET_RELAYED,
  SHOAL_PAYER_STEP_RELAYED,
  SHOAL_PAYER_STEP_CONFIRMED,
  SHOAL_PAYER_STEP_FAILED,
} ShoalPayerStep;

/* Called on the payer's worker thread right after each step (logs, tests
 * that crash the process at a given step). */
typedef void (*ShoalPayerStepFunc) (ShoalPayer     *payer,
                                    gint64          batch_id,
                                    ShoalPayerStep  step,
                                    gpointer        user_data);

ShoalPayer *shoal_payer_new             (ShoalStore          *store,
                                         ShoalWalletClient   *wallet,
                                         guint64              threshold);
void        shoal_payer_set_node        (ShoalPayer          *self,
                                         ShoalNodeClient     *node);
void        shoal_payer_shutdown        (ShoalPayer          *self);
void        shoal_payer_set_threshold   (ShoalPayer          *self,
                                         guint64              threshold);
void        shoal_payer_set_step_func   (ShoalPayer          *self,
                                         ShoalPayerStepFunc   func,
                                         gpointer             user_data);
void        shoal_payer_set_interval    (ShoalPayer          *self,
                                         guint                seconds);
const char *shoal_payer_step_to_string  (ShoalPayerStep       step);

gboolean    shoal_payer_reconcile_sync  (ShoalPayer          *self,
                                         GCancellable        *cancellable,
                                         GError             **error);
void        shoal_payer_reconcile_async (ShoalPayer          *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    shoal_payer_reconcile_finish (ShoalPayer         *self,
                                         GAsyncResult        *result,
                                         GError             **error);

gint64      shoal_payer_pay_out_sync    (ShoalPayer          *self,
                                         GCancellable        *cancellable,
                                         GError             **error);
void        shoal_payer_pay_out_async   (ShoalPayer          *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GPtrArray  *shoal_payer_preview_sync    (ShoalPayer          *self,
                                         guint64              threshold,
                                         GError             **error);
gboolean    shoal_payer_estimate_fee_sync (ShoalPayer        *self,
                                         GPtrArray           *payments,
                                         guint64             *fee,
                                         GCancellable        *cancellable,
                                         GError             **error);
gint64      shoal_payer_pay_out_confirmed_sync  (ShoalPayer    *self,
                                         guint64              threshold,
                                         GPtrArray           *expected,
                                         GCancellable        *cancellable,
                                         GError             **error);
/* Finished with shoal_payer_pay_out_finish. */
void        shoal_payer_pay_out_confirmed_async (ShoalPayer    *self,
                                         guint64              threshold,
                                         GPtrArray           *expected,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gint64      shoal_payer_pay_out_finish  (ShoalPayer          *self,
                                         GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
