/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "shoal-address.h"
#include "shoal-pool-info.h"

G_BEGIN_DECLS

/* Everything the LAN API serves, gathered on the pool's thread about once
 * a second and then never changed: the API thread renders requests from
 * it without touching the pool.  Refcounted so a request can keep the
 * one it started with while a newer one is published. */
typedef struct
{
  /*< private >*/
  gatomicrefcount    ref_count;
  /*< public >*/
  gint64             time_us;
  ShoalPoolSnapshot *snapshot;
  GPtrArray         *blocks;       /* ShoalBlockInfo, newest first */
  GPtrArray         *balances;     /* ShoalBalanceInfo */
  GPtrArray         *payments;     /* ShoalPaymentInfo, newest first */
  GArray            *history_1h;   /* ShoalHashratePoint, oldest first */
  GArray            *history_24h;
  GPtrArray         *upstreams;    /* ShoalUpstreamInfo, in order; empty unless upstream mode */
  GPtrArray         *incomes;      /* ShoalIncomeInfo, newest first; upstream mode's payouts */
  GPtrArray         *sidechain_shares; /* ShoalSidechainShareInfo, newest first */
  char              *mode;         /* "solo", "pplns" or "upstream" */
  gboolean           network_known; /* the pool's own address told us */
  ShoalNetwork       network;       /* members' addresses must be on it */
  /*< private >*/
  GHashTable        *documents;    /* rendered bodies, by name: API thread only */
} ShoalApiCache;

ShoalApiCache *shoal_api_cache_new   (ShoalPoolSnapshot *snapshot,
                                      const char        *mode);
ShoalApiCache *shoal_api_cache_ref   (ShoalApiCache     *self);
void           shoal_api_cache_unref (ShoalApiCache     *self);
/* The body rendered for NAME (a static string) from this cache, rendered
 * on first use: a second's worth of requests shares one rendering.  Call
 * from one thread only (the API thread). */
GBytes        *shoal_api_cache_lookup (ShoalApiCache    *self,
                                       const char       *name,
                                       GBytes         *(*render) (ShoalApiCache *cache));

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalApiCache, shoal_api_cache_unref)

G_END_DECLS
