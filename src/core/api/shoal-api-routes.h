/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "shoal-address.h"
#include "shoal-api-cache.h"

G_BEGIN_DECLS

/* Request routing for ShoalApiServer, on its thread.  Plain functions:
 * everything a request needs is in the context it is handed. */

#define SHOAL_API_MAX_URI_LENGTH 2048

typedef struct
{
  ShoalApiCache *cache;
  guint64        requests;        /* answered so far, this one included */
} ShoalApiRequestContext;

/* Called once the headers are in: refuses what we never read (request
 * bodies, over-long URIs) before the body is taken in. */
void shoal_api_routes_check_headers (SoupServerMessage            *msg);
void shoal_api_routes_refuse_busy   (SoupServerMessage            *msg,
                                     guint                         max_connections);
void shoal_api_routes_handle        (SoupServerMessage            *msg,
                                     const char                   *path,
                                     GHashTable                   *query,
                                     const ShoalApiRequestContext *context);

G_END_DECLS
