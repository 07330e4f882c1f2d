/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a payout transaction spends.  A wallet's "failed" only means that
 * its own node's pool stopped showing the transaction; the transaction
 * can never be mined only once one of the key images it spends is spent
 * on chain by another transaction, which the node tells
 * (shoal_node_client_key_images_spent_sync). */

char **shoal_tx_key_images (const char  *tx_hex,
                            GError     **error);

G_END_DECLS
