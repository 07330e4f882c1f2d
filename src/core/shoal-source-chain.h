/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-job-source.h"

G_BEGIN_DECLS

/* Job sources in order of preference (upstream pools first, Shoal's own
 * templates from the node last), seen by the stratum server as one job
 * source.  Rigs get the work of the first member that is ready: it has
 * work and, where it has a "connected" property, is connected.  When that
 * member loses its connection the next ready one's work goes out at once;
 * when an earlier one is ready again, the chain goes back to it.  Rigs
 * stay connected through a switch: they just get a new job.
 *
 * Its work wraps the member's: the epochs are the chain's own, so that a
 * switch makes the other member's jobs stale (members count epochs each
 * their own way), and a solution goes back to the member whose work it
 * was, even after a switch.
 *
 * Lives on the thread it was made on, with its members ("work-changed",
 * "epoch-closed" and "notify::active-index" are emitted there). */
#define SHOAL_TYPE_SOURCE_CHAIN (shoal_source_chain_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSourceChain, shoal_source_chain, SHOAL, SOURCE_CHAIN, GObject)

ShoalSourceChain *shoal_source_chain_new              (void);
/* MEMBER comes after those appended before it. */
void              shoal_source_chain_append           (ShoalSourceChain *self,
                                                       ShoalJobSource   *member);
/* Property "active-index": the member whose work rigs get, -1 before any
 * was ready. */
int               shoal_source_chain_get_active_index (ShoalSourceChain *self);

G_END_DECLS
