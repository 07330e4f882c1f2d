/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-block-tracker.h"
#include "shoal-config.h"
#include "shoal-sidechain.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* Turns unlocked blocks into balances.  Solo mode only marks them
 * unlocked (the coinbase already paid the user; no wallet needed).
 * PPLNS mode splits each block's reward over the last N x network
 * difficulty of share work, minus the pool fee, exactly once per block.
 * Blocks' states come from ShoalBlockTracker, the one place that asks
 * monerod about them.  The *_sync calls block on the store: call them
 * off the UI thread (the pool's bookkeeper thread). */

#define SHOAL_TYPE_ACCOUNTING (shoal_accounting_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAccounting, shoal_accounting, SHOAL, ACCOUNTING, GObject)

#define SHOAL_PPLNS_DEFAULT_WINDOW_FACTOR 2

ShoalAccounting *shoal_accounting_new                (ShoalStore       *store,
                                                      ShoalMode         mode,
                                                      guint             fee_bps,
                                                      guint             window_factor);
ShoalMode        shoal_accounting_get_mode           (ShoalAccounting  *self);
GPtrArray       *shoal_accounting_preview_sync       (ShoalAccounting  *self,
                                                      const char       *block_hash,
                                                      guint64          *fee,
                                                      GError          **error);
gboolean         shoal_accounting_credit_block_sync  (ShoalAccounting  *self,
                                                      const char       *block_hash,
                                                      GError          **error);
guint            shoal_accounting_process_sync       (ShoalAccounting  *self,
                                                      GError          **error);
guint            shoal_accounting_block_changed_sync (ShoalAccounting  *self,
                                                      const char       *block_hash,
                                                      ShoalBlockState   state,
                                                      guint64           confirmations,
                                                      GError          **error);
gboolean         shoal_accounting_credit_income_sync (ShoalAccounting  *self,
                                                      const char       *txid,
                                                      guint64           height,
                                                      guint64           amount,
                                                      gint64            paid_us,
                                                      ShoalSidechain    sidechain,
                                                      gboolean         *credited,
                                                      GError          **error);
void             shoal_accounting_prune_terms        (ShoalAccounting  *self,
                                                      guint64           network_difficulty,
                                                      gint64            before_us,
                                                      ShoalSharePrune  *prune);

G_END_DECLS
