/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-node-client.h"   /* ShoalTxWhere, ShoalKeyImagesState */
#include "shoal-rpc-client.h"

G_BEGIN_DECLS

/* What the node, not the wallet, says about a payout transaction: the
 * facts that decide whether a batch may ever be released.  A wallet's
 * "failed" only means that its own node's pool stopped showing the
 * transaction; the transaction can never be mined only once one of the
 * key images it spends is spent on chain by another transaction.  All
 * calls block: the payer's worker thread only. */

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
