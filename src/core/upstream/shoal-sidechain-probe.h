/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-upstream-client.h"

G_BEGIN_DECLS

/* Learns a P2Pool upstream's sidechain difficulty, which its stratum
 * port never states: a connection of its own logs in asking for a fixed
 * difficulty far above any sidechain's ("NAME+DIFF"), and P2Pool caps
 * what a login asks at its ceiling, the lower of Monero's difficulty and
 * the sidechain's.  So each job on it carries the sidechain's difficulty.
 * It never submits.  An upstream that hands back what was asked is no
 * P2Pool: the probe says so and closes for good.
 *
 * Lives on the thread-default main context it was started on. */

/* What the probe asks for: above any sidechain's difficulty, below
 * Monero's for a long while yet, and what no pool would cap a miner at. */
#define SHOAL_SIDECHAIN_PROBE_DIFFICULTY G_GUINT64_CONSTANT (1000000000000000)

#define SHOAL_TYPE_SIDECHAIN_PROBE (shoal_sidechain_probe_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSidechainProbe, shoal_sidechain_probe, SHOAL, SIDECHAIN_PROBE, GObject)

ShoalSidechainProbe *shoal_sidechain_probe_new            (const ShoalUpstreamEndpoint *endpoint);
void                 shoal_sidechain_probe_start          (ShoalSidechainProbe         *self);
void                 shoal_sidechain_probe_stop           (ShoalSidechainProbe         *self);
/* The sidechain's difficulty at the latest job; 0 while not known. */
guint64              shoal_sidechain_probe_get_difficulty (ShoalSidechainProbe         *self);
/* TRUE once the upstream has shown it is not P2Pool (no ceiling). */
gboolean             shoal_sidechain_probe_is_uncapped    (ShoalSidechainProbe         *self);

G_END_DECLS
