/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_BLOCKS_PAGE (shoal_blocks_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalBlocksPage, shoal_blocks_page, SHOAL, BLOCKS_PAGE, AdwBin)

void shoal_blocks_page_set_pool (ShoalBlocksPage *self,
                                 ShoalPool       *pool);

G_END_DECLS
