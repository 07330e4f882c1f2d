/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-upstream-source.h"
#include "shoal-pool-private.h"

/* Upstream mode: rigs mine an upstream pool's work (P2Pool first), each
 * share checked here with RandomX before the ones that meet the
 * upstream's target go up.  One upstream source per upstream-urls entry,
 * in order, and the node's templates last, behind one source chain. */

static void
on_verdict (ShoalUpstreamSource *source,
            const ShoalShare    *share,
            gboolean             accepted,
            const GError        *error,
            ShoalStatsCollector *stats)
{
  shoal_stats_collector_upstream_verdict (stats, share, accepted);
}

static ShoalUpstreamSource *
start_source (const char           *url,
              const char           *login,
              ShoalStatsCollector  *stats,
              GError              **error)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint = shoal_upstream_endpoint_parse (url, login, error);
  ShoalUpstreamSource *source;

  if (endpoint == NULL)
    return NULL;
  source = shoal_upstream_source_new (endpoint);
  g_signal_connect_object (source, "share-verdict", G_CALLBACK (on_verdict), stats, 0);
  shoal_upstream_source_start (source);
  return source;
}

ShoalSourceChain *
_shoal_pool_upstream_chain (ShoalConfig          *config,
                            const char           *pool_address,
                            ShoalJobSource       *templates,
                            ShoalStatsCollector  *stats,
                            GPtrArray           **upstreams,
                            GError              **error)
{
  const char * const *urls = shoal_config_get_strv (config, "upstream-urls");
  const char *user = shoal_config_get_string (config, "upstream-user");
  const char *login = user != NULL && *user != '\0' ? user : pool_address;
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(ShoalSourceChain) chain = shoal_source_chain_new ();

  /* Without an upstream the rigs would mine solo while the user thinks
   * they are on P2Pool: said now rather than found out in a year. */
  if (urls[0] == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                           "Upstream mode needs at least one upstream pool in upstream-urls "
                           "(stratum+tcp://HOST:PORT)");
      return NULL;
    }
  for (guint i = 0; urls[i] != NULL; i++)
    {
      ShoalUpstreamSource *source = start_source (urls[i], login, stats, error);

      if (source == NULL)
        {
          _shoal_pool_stop_upstreams (sources);
          return NULL;
        }
      g_ptr_array_add (sources, source);
      shoal_source_chain_append (chain, SHOAL_JOB_SOURCE (source));
    }
  shoal_source_chain_append (chain, templates);
  *upstreams = g_steal_pointer (&sources);
  return g_steal_pointer (&chain);
}

void
_shoal_pool_stop_upstreams (GPtrArray *upstreams)
{
  for (guint i = 0; upstreams != NULL && i < upstreams->len; i++)
    shoal_upstream_source_stop (g_ptr_array_index (upstreams, i));
}
