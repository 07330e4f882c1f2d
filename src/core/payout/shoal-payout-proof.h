/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-rpc-client.h"

G_BEGIN_DECLS

/* What the node, not the wallet, says about a payout transaction: the
 * facts that decide whether a batch may ever be released.  A wallet's
 * "failed" only means that its own node's pool stopped showing the
 * transaction; the transaction can never be mined only once one of the
 * key images it spends is spent on chain by another transaction.  All
 * calls block: the payer's worker thread only. */

typedef enum
{
  SHOAL_TX_MISSING,    /* neither in the node's pool nor on its chain */
  SHOAL_TX_IN_POOL,
  SHOAL_TX_IN_CHAIN,
} ShoalTxWhere;

typedef enum
{
  SHOAL_KEY_IMAGES_UNSPENT,       /* none spent: the transaction may still be mined */
  SHOAL_KEY_IMAGES_SPENT_IN_POOL, /* one spent by a pool transaction: wait */
  SHOAL_KEY_IMAGES_SPENT_ON_CHAIN,/* one spent on chain */
} ShoalKeyImagesState;

char   **shoal_tx_key_images        (const char           *tx_hex,
                                     GError              **error);
gboolean shoal_node_find_tx_sync    (ShoalRpcClient       *node,
                                     const char           *txid,
                                     ShoalTxWhere         *where,
                                     GCancellable         *cancellable,
                                     GError              **error);
gboolean shoal_node_key_images_sync (ShoalRpcClient       *node,
                                     const char           *key_images,
                                     ShoalKeyImagesState  *state,
                                     GCancellable         *cancellable,
                                     GError              **error);
gboolean shoal_node_height_sync     (ShoalRpcClient       *node,
                                     guint64              *height,
                                     GCancellable         *cancellable,
                                     GError              **error);

G_END_DECLS
