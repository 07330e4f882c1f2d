/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-bookkeeper.h"
#include "shoal-sidechain.h"
#include "shoal-wallet-client.h"

G_BEGIN_DECLS

/* The household split over P2Pool: watches the pool wallet for the
 * coinbase outputs P2Pool pays it and, once each is unlocked, has it
 * credited to the members (ShoalAccounting, on the bookkeeper's thread),
 * once.  Until then it lists them in the store as payouts on their way
 * (shoal_store_set_arrivals_sync), so the household sees a payout the
 * moment the wallet does.  Emits "income-credited" (txid, amount) for
 * each it credited, and "polled" after each look at the wallet. */

#define SHOAL_TYPE_INCOME_WATCHER (shoal_income_watcher_get_type ())
G_DECLARE_FINAL_TYPE (ShoalIncomeWatcher, shoal_income_watcher, SHOAL, INCOME_WATCHER, GObject)

ShoalIncomeWatcher *shoal_income_watcher_new   (ShoalBookkeeper    *books,
                                                ShoalWalletClient  *wallet,
                                                ShoalSidechain      sidechain);
void                shoal_income_watcher_start (ShoalIncomeWatcher *self,
                                                guint               interval_ms);
void                shoal_income_watcher_poll  (ShoalIncomeWatcher *self);
void                shoal_income_watcher_stop  (ShoalIncomeWatcher *self);
guint               shoal_income_watcher_get_credited (ShoalIncomeWatcher *self);

G_END_DECLS
