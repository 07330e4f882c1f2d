/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_MINERS_PAGE (shoal_miners_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMinersPage, shoal_miners_page, SHOAL, MINERS_PAGE, AdwBin)

void shoal_miners_page_set_pool (ShoalMinersPage *self,
                                 ShoalPool       *pool);

G_END_DECLS
