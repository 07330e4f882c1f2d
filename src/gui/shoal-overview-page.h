/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_OVERVIEW_PAGE (shoal_overview_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalOverviewPage, shoal_overview_page, SHOAL, OVERVIEW_PAGE, AdwBin)

void shoal_overview_page_set_pool (ShoalOverviewPage *self,
                                   ShoalPool         *pool);

G_END_DECLS
