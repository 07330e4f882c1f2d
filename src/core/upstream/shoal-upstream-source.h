/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-job-source.h"
#include "shoal-upstream-client.h"

G_BEGIN_DECLS

/* Work from an upstream pool (P2Pool first) for the stratum server, and
 * the shares that meet the upstream's target sent back up.
 *
 * Nonce splitting: a job whose 4 nonce bytes are all zero has 1 unique
 * byte, the top nonce byte (blob byte 42), which the server makes
 * different for each rig, as xmrig-proxy does: up to 256 rigs share one
 * upstream connection without mining the same nonces.  A job whose nonce
 * is already partly fixed upstream is never split again (no unique bytes).
 *
 * Lanes (see ShoalLanes): the source's own connection is lane 0; the
 * stratum server opens more.  In per-rig relay (the default on a LAN)
 * each rig gets a connection of its own, logged in under the rig's name,
 * with its own upstream work and difficulty and the whole nonce; it
 * mines lane 0's split work only until its connection has a job.  In
 * split relay, 255 rigs share a connection by the top nonce byte, and
 * each further 255 get another.
 *
 * It reconnects by itself with backoff; each connection is a new epoch,
 * since the old connection's job ids mean nothing to the new one.  A
 * solution is forwarded only when its hash meets the upstream job's
 * target and it has not been sent before.
 *
 * Lives on the thread-default main context of start(); signals there:
 *   "share-verdict" (gpointer share, gboolean accepted, GError *error):
 *       what the upstream said of a share of ours (ShoalShare, plain data),
 *       or why it never went up */
typedef enum
{
  SHOAL_UPSTREAM_RELAY_SPLIT,
  SHOAL_UPSTREAM_RELAY_PER_RIG,
} ShoalUpstreamRelay;

#define SHOAL_TYPE_UPSTREAM_SOURCE (shoal_upstream_source_get_type ())
G_DECLARE_FINAL_TYPE (ShoalUpstreamSource, shoal_upstream_source, SHOAL, UPSTREAM_SOURCE, GObject)

ShoalUpstreamSource *shoal_upstream_source_new            (const ShoalUpstreamEndpoint *endpoint);
/* Before start(); SHOAL_UPSTREAM_RELAY_SPLIT unless set. */
void                 shoal_upstream_source_set_relay      (ShoalUpstreamSource *self,
                                                           ShoalUpstreamRelay   relay);
void                 shoal_upstream_source_start          (ShoalUpstreamSource *self);
/* Connections upward open now, lane 0's included. */
guint                shoal_upstream_source_get_n_connected (ShoalUpstreamSource *self);
void                 shoal_upstream_source_stop           (ShoalUpstreamSource *self);
/* Property "connected". */
gboolean             shoal_upstream_source_is_connected   (ShoalUpstreamSource *self);
/* Why the last connection ended or failed; NULL while none has. */
const GError        *shoal_upstream_source_get_last_error (ShoalUpstreamSource *self);
guint64              shoal_upstream_source_get_accepted   (ShoalUpstreamSource *self);
guint64              shoal_upstream_source_get_rejected   (ShoalUpstreamSource *self);
/* The current job's share difficulty; 0 before the first job. */
guint64              shoal_upstream_source_get_difficulty (ShoalUpstreamSource *self);
/* Before start(): one more connection, that learns the P2Pool sidechain's
 * difficulty (ShoalSidechainProbe); off unless set. */
void                 shoal_upstream_source_set_probe_sidechain (ShoalUpstreamSource *self,
                                                                gboolean             probe);
/* The P2Pool sidechain's difficulty; 0 while not known, or not P2Pool. */
guint64              shoal_upstream_source_get_sidechain_difficulty (ShoalUpstreamSource *self);
/* "stratum+tcp://HOST:PORT" (or stratum+ssl), without the login. */
char                *shoal_upstream_source_dup_name       (ShoalUpstreamSource *self);

G_END_DECLS
