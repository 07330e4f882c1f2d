/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-payer.h"
#include "shoal-pool.h"
#include "shoal-rpc-client.h"
#include "shoal-share.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* For shoal-pool-queries.c: the store of a running pool, or NULL. */
ShoalStore     *_shoal_pool_get_store  (ShoalPool *self);
/* For shoal-pool-payouts.c: NULL unless small-pool mode with a wallet. */
ShoalPayer     *_shoal_pool_get_payer  (ShoalPool *self);
ShoalRpcClient *_shoal_pool_get_wallet (ShoalPool *self);
const char     *_shoal_pool_get_node_uri (ShoalPool *self);
/* From shoal-pool-payouts.c: what a block found now is credited with. */
void            _shoal_pool_block_terms (ShoalPool        *self,
                                         const ShoalShare *share,
                                         ShoalBlockTerms  *terms);
gboolean        _shoal_pool_check_mode  (ShoalPool        *self,
                                         GError          **error);

G_END_DECLS
