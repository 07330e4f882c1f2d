/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "shoal-api-cache.h"

G_BEGIN_DECLS

/* The documents of /api/v1/, rendered from one cache.  Amounts are
 * integers in atomic units, times are Unix seconds, hashrates hashes per
 * second.  Lists that name members show a shortened address: anyone on
 * the LAN can read them, and only /miner/ADDRESS, asked for by someone
 * who already knows the address, repeats it in full. */

JsonNode *shoal_api_json_summary       (ShoalApiCache *cache);
JsonNode *shoal_api_json_workers       (ShoalApiCache *cache);
JsonNode *shoal_api_json_blocks        (ShoalApiCache *cache);
JsonNode *shoal_api_json_payments      (ShoalApiCache *cache);
JsonNode *shoal_api_json_upstreams     (ShoalApiCache *cache);
JsonNode *shoal_api_json_incomes       (ShoalApiCache *cache);
JsonNode *shoal_api_json_miner         (ShoalApiCache *cache,
                                        const char    *address);
JsonNode *shoal_api_json_history       (ShoalApiCache *cache,
                                        const char    *range);
JsonNode *shoal_api_json_error         (guint          code,
                                        const char    *message);
char     *shoal_api_short_address      (const char    *address);

G_END_DECLS
