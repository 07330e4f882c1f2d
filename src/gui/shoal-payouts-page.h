/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* Small-pool mode: members' balances, "Pay out" with a confirmation that
 * lists what will be sent, and the history of payments. */

#define SHOAL_TYPE_PAYOUTS_PAGE (shoal_payouts_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPayoutsPage, shoal_payouts_page, SHOAL, PAYOUTS_PAGE, AdwBin)

void shoal_payouts_page_set_pool (ShoalPayoutsPage *self,
                                  ShoalPool        *pool);

G_END_DECLS
