/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "shoal-api-cache.h"

G_BEGIN_DECLS

/* The pool's figures in the Prometheus text exposition format (0.0.4),
 * for people who scrape /metrics into Grafana. */
#define SHOAL_API_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

char *shoal_api_metrics_render          (ShoalApiCache *cache);
/* The server's own counter, appended to the cached rendering per request. */
char *shoal_api_metrics_render_requests (guint64        api_requests);

G_END_DECLS
