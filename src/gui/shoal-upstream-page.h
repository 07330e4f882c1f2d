/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* Upstream mode: where the rigs mine (which upstream pool, or solo on
 * the node while none answers), each upstream's state, difficulty and
 * verdicts, the expected time to a share for the household's hashrate,
 * and each rig's shares accepted and rejected upstream. */

#define SHOAL_TYPE_UPSTREAM_PAGE (shoal_upstream_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalUpstreamPage, shoal_upstream_page, SHOAL, UPSTREAM_PAGE, AdwBin)

void shoal_upstream_page_set_pool (ShoalUpstreamPage *self,
                                   ShoalPool         *pool);

G_END_DECLS
