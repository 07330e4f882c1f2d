/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* The node Shoal runs for the user (node-managed): how far its sync has
 * come (height against the network's, blocks per minute, time left),
 * its peers and the disk it uses, from the pool's snapshot. */

#define SHOAL_TYPE_NODE_PAGE (shoal_node_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalNodePage, shoal_node_page, SHOAL, NODE_PAGE, AdwBin)

void     shoal_node_page_set_pool   (ShoalNodePage *self,
                                     ShoalPool     *pool);
/* TRUE when the pool runs a node of its own: the page is worth showing
 * (property "has-node"). */
gboolean shoal_node_page_has_node   (ShoalNodePage *self);

G_END_DECLS
