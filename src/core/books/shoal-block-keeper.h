/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-block-tracker.h"
#include "shoal-bookkeeper.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* A found block's life: written to the store first (a block the node
 * takes is never missing from it), then announced once the tracker sees
 * it on the main chain ("block-found") or never there ("block-orphaned");
 * every change of state goes to accounting, which credits unlocked ones.
 * Blocks found before a restart are followed again from the store. */

#define SHOAL_TYPE_BLOCK_KEEPER (shoal_block_keeper_get_type ())
G_DECLARE_FINAL_TYPE (ShoalBlockKeeper, shoal_block_keeper, SHOAL, BLOCK_KEEPER, GObject)

ShoalBlockKeeper *shoal_block_keeper_new     (ShoalBookkeeper       *books);
void              shoal_block_keeper_found   (ShoalBlockKeeper      *self,
                                              const char            *block_id,
                                              guint64                height,
                                              guint64                reward,
                                              guint64                difficulty,
                                              gint64                 found_us,
                                              const ShoalBlockTerms *terms);
void              shoal_block_keeper_changed (ShoalBlockKeeper      *self,
                                              const char            *block_id,
                                              ShoalBlockState        state,
                                              guint64                confirmations);
void              shoal_block_keeper_follow  (ShoalBlockKeeper      *self,
                                              ShoalBlockTracker     *tracker);

G_END_DECLS
