/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-enum-types.h"
#include "shoal-enums.h"
#include "shoal-node-client.h"

G_BEGIN_DECLS

/* ShoalBlockState (shoal-enums.h) as a word: "submitted", "pending",
 * "unlocked", "orphaned", "rejected". */
const char *shoal_block_state_to_string (ShoalBlockState state);

/* Confirms blocks against monerod with get_block_header_by_hash and
 * _by_height; never on the word of submit_block.  Lives on the main
 * context that was the thread default when it was made.
 *
 * Signal "block-changed" (const char *block_id, ShoalBlockState state,
 *   guint64 confirmations): emitted when a block's state or confirmations
 *   change.  CONFIRMATIONS is the number of blocks on top of it (monerod's
 *   depth: 0 while it is the tip).
 * Property "unlock-depth" (guint, default 60). */
#define SHOAL_TYPE_BLOCK_TRACKER (shoal_block_tracker_get_type ())
G_DECLARE_FINAL_TYPE (ShoalBlockTracker, shoal_block_tracker, SHOAL, BLOCK_TRACKER, GObject)

ShoalBlockTracker *shoal_block_tracker_new     (ShoalNodeClient    *node);
/* Starts tracking a block monerod accepted (or one restored from the
 * store after a restart) and checks it right away.  REWARD may be 0 when
 * unknown: the header's reward replaces it once the node confirms it. */
void               shoal_block_tracker_track   (ShoalBlockTracker  *self,
                                                const char         *block_id,
                                                guint64             height,
                                                guint64             reward);
/* Follows again a block stored as orphaned (after a restart), until the
 * main chain is unlock-depth past it: it may turn out on the main chain. */
void               shoal_block_tracker_recheck (ShoalBlockTracker  *self,
                                                const char         *block_id,
                                                guint64             height,
                                                guint64             reward);
/* Records a block monerod refused: REJECTED, final. */
void               shoal_block_tracker_reject  (ShoalBlockTracker  *self,
                                                const char         *block_id,
                                                guint64             height,
                                                const char         *reason);
/* Checks every block not final yet (call it on every new tip). */
void               shoal_block_tracker_refresh (ShoalBlockTracker  *self);
/* FALSE when BLOCK_ID is not tracked. */
gboolean           shoal_block_tracker_lookup  (ShoalBlockTracker  *self,
                                                const char         *block_id,
                                                ShoalBlockState    *state,
                                                guint64            *confirmations,
                                                guint64            *reward);
/* Blocks still being checked. */
guint              shoal_block_tracker_get_n_active (ShoalBlockTracker *self);

G_END_DECLS
