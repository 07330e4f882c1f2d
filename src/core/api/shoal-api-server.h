/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-api-cache.h"

G_BEGIN_DECLS

/* The LAN-facing, read-only HTTP server: the JSON API under /api/v1/, the
 * status page at /, Prometheus figures at /metrics.
 *
 * It runs its own thread and GMainContext and knows nothing of the pool:
 * whoever feeds it (ShoalApiFeed, on the pool's thread) publishes an
 * immutable ShoalApiCache about once a second, swapped in under a mutex,
 * and the API thread answers every request from the latest one.  A flood
 * of requests therefore costs the pool's thread nothing.  Until a cache
 * is published it serves an empty one.
 *
 * start() and stop() are called on one thread.  Properties:
 * "bind-address" (an IP address, default 0.0.0.0), "port" (default 8080;
 * 0 picks a free one), "max-connections" (default 256; requests beyond
 * get 503), all read at start(). */

#define SHOAL_TYPE_API_SERVER (shoal_api_server_get_type ())
G_DECLARE_FINAL_TYPE (ShoalApiServer, shoal_api_server, SHOAL, API_SERVER, GObject)

ShoalApiServer *shoal_api_server_new              (void);
void            shoal_api_server_publish          (ShoalApiServer  *self,
                                                   ShoalApiCache   *cache);
const char     *shoal_api_server_get_bind_address (ShoalApiServer  *self);
void            shoal_api_server_set_bind_address (ShoalApiServer  *self,
                                                   const char      *address);
/* The port asked for, or once started, the port bound (useful with 0). */
guint           shoal_api_server_get_port         (ShoalApiServer  *self);
void            shoal_api_server_set_port         (ShoalApiServer  *self,
                                                   guint            port);
gboolean        shoal_api_server_start            (ShoalApiServer  *self,
                                                   GError         **error);
void            shoal_api_server_stop             (ShoalApiServer  *self);
gboolean        shoal_api_server_get_running      (ShoalApiServer  *self);

G_END_DECLS
