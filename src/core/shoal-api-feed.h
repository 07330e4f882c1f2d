/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-api-server.h"
#include "shoal-pool.h"

G_BEGIN_DECLS

/* Feeds the LAN API server from a pool.  About once a second, on the
 * thread that made it (the pool's), it gathers the pool's snapshot and
 * the store's lists into an immutable ShoalApiCache and publishes it to
 * the server.  The first cache (the snapshot alone) is published by
 * new(), so a server started after it has something to serve at once.
 *
 * It keeps the server alive and only a weak reference to the pool, so
 * the pool can own it without a cycle; with the pool gone it publishes
 * nothing more.  Dropping the last reference stops it; a round still in
 * flight finishes and is thrown away. */

#define SHOAL_TYPE_API_FEED (shoal_api_feed_get_type ())
G_DECLARE_FINAL_TYPE (ShoalApiFeed, shoal_api_feed, SHOAL, API_FEED, GObject)

ShoalApiFeed *shoal_api_feed_new (ShoalPool      *pool,
                                  ShoalApiServer *server);

G_END_DECLS
