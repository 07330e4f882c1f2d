/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The enums that are GTypes (properties and signals carry them), in one
 * place so that glib-mkenums registers them all in shoal-enum-types.h:
 * nothing here is registered by hand. */

/* How the validator holds RandomX: a cache only (LIGHT), a full dataset
 * (FULL), or a dataset where one can be had and the cache meanwhile (AUTO). */
typedef enum
{
  SHOAL_VALIDATOR_MODE_AUTO,
  SHOAL_VALIDATOR_MODE_LIGHT,
  SHOAL_VALIDATOR_MODE_FULL,
} ShoalValidatorMode;

/* The life of a block the pool found.  SUBMITTED: handed to monerod, not
 * yet confirmed.  PENDING: on the main chain, confirmations growing.
 * UNLOCKED: "unlock-depth" (60) blocks on top and still on the main chain;
 * final, the only state whose reward may be credited.  ORPHANED: not on
 * the main chain, on a definitive answer only (orphan_status, or another
 * block on the main chain at its height; a node error is no answer);
 * re-checked until the main chain is unlock-depth past it,
 * since a reorg can bring it back.  REJECTED: monerod refused it; final. */
typedef enum
{
  SHOAL_BLOCK_STATE_SUBMITTED,
  SHOAL_BLOCK_STATE_PENDING,
  SHOAL_BLOCK_STATE_UNLOCKED,
  SHOAL_BLOCK_STATE_ORPHANED,
  SHOAL_BLOCK_STATE_REJECTED,
} ShoalBlockState;

G_END_DECLS
