/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-difficulty.h"
#include "shoal-error.h"
#include "shoal-source-chain.h"
#include "shoal-upstream-source.h"
#include "shoal-pool-private.h"

/* Upstream mode: rigs mine an upstream pool's work (P2Pool first), each
 * share checked here with RandomX before the ones that meet the
 * upstream's target go up.  One upstream source per upstream-urls entry,
 * in order, and the node's templates last, behind one source chain. */

/* Where the upstream's verdicts go: the rigs' figures, and the store. */
typedef struct
{
  ShoalStatsCollector *stats;
  ShoalBookkeeper     *books;
} VerdictSink;

static void
verdict_sink_free (gpointer  data,
                   GClosure *closure)
{
  VerdictSink *sink = data;

  g_object_unref (sink->stats);
  g_object_unref (sink->books);
  g_free (sink);
}

static void
record_sidechain_share (ShoalStore      *store,
                        ShoalAccounting *accounting,
                        gpointer         data,
                        GError         **error)
{
  shoal_store_add_sidechain_share_sync (store, data, error);
}

/* A share the upstream accepted whose hash reached the sidechain's
 * difficulty is one P2Pool put on its sidechain.  Only with the probe's
 * reading of the moment: an upstream that is not P2Pool, or one not read
 * yet, says 0, and nothing is recorded.  Written on the bookkeeper's
 * thread: the stratum side never waits on SQLite. */
static void
record_if_sidechain (ShoalUpstreamSource *source,
                     const ShoalShare    *share,
                     ShoalBookkeeper     *books)
{
  guint64 sidechain = shoal_upstream_source_get_sidechain_difficulty (source);
  guint64 reached = shoal_hash_difficulty (share->hash);
  ShoalStoreSidechainShare *row;

  if (sidechain == 0 || reached < sidechain)
    return;
  row = g_new0 (ShoalStoreSidechainShare, 1);
  row->time_us = share->timestamp_us;
  row->address = g_strdup (share->address);
  row->worker = g_strdup (share->worker);
  row->height = share->height;
  row->difficulty = reached;
  row->sidechain_difficulty = sidechain;
  shoal_bookkeeper_queue (books, source, record_sidechain_share, NULL, row,
                          (GDestroyNotify) shoal_store_sidechain_share_free);
}

static void
on_verdict (ShoalUpstreamSource *source,
            const ShoalShare    *share,
            gboolean             accepted,
            const GError        *error,
            VerdictSink         *sink)
{
  shoal_stats_collector_upstream_verdict (sink->stats, share, accepted);
  if (accepted)
    record_if_sidechain (source, share, sink->books);
}

/* The login there: the URL's own ("LOGIN@HOST:PORT"), else upstream-user,
 * else none configured (login_set FALSE) and Shoal's own connection uses
 * the pool address, which P2Pool reads as a name only: then rigs' own
 * connections log in as the rigs (see ShoalUpstreamSource). */
static ShoalUpstreamSource *
start_source (const char           *url,
              const char           *user,
              const char           *pool_address,
              ShoalUpstreamRelay    relay,
              VerdictSink          *sink,
              GError              **error)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint = shoal_upstream_endpoint_parse (url, user, error);
  ShoalUpstreamSource *source;
  VerdictSink *own;

  if (endpoint == NULL)
    return NULL;
  if (!endpoint->login_set)
    {
      g_free (endpoint->login);
      endpoint->login = g_strdup (pool_address);
    }
  source = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_set_probe_sidechain (source, TRUE);
  shoal_upstream_source_set_relay (source, relay);
  own = g_memdup2 (sink, sizeof *sink);
  g_object_ref (own->stats);
  g_object_ref (own->books);
  g_signal_connect_data (source, "share-verdict", G_CALLBACK (on_verdict), own,
                         verdict_sink_free, 0);
  shoal_upstream_source_start (source);
  return source;
}

ShoalSourceChain *
_shoal_pool_upstream_chain (ShoalConfig          *config,
                            const char           *pool_address,
                            ShoalJobSource       *templates,
                            ShoalStatsCollector  *stats,
                            ShoalBookkeeper      *books,
                            GPtrArray           **upstreams,
                            GError              **error)
{
  const char * const *urls = shoal_config_get_strv (config, "upstream-urls");
  const char *user = shoal_config_get_string (config, "upstream-user");
  ShoalUpstreamRelay relay = g_strcmp0 (shoal_config_get_string (config, "upstream-relay"), "split")
                             == 0 ? SHOAL_UPSTREAM_RELAY_SPLIT : SHOAL_UPSTREAM_RELAY_PER_RIG;
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(ShoalSourceChain) chain = shoal_source_chain_new ();
  VerdictSink sink = { stats, books };

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
      ShoalUpstreamSource *source = start_source (urls[i], user, pool_address, relay, &sink,
                                                  error);

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

/* What the "upstream" condition needs to say where the rigs are. */
typedef struct
{
  ShoalPool *pool;        /* owns the chain, so outlives the handler */
  ShoalSourceChain *chain;  /* unowned: the watch lives as long as its handler */
  GPtrArray *upstreams;   /* ShoalUpstreamSource, in order */
  GSource   *tick;        /* the first upstream's trouble is known only after a try */
} UpstreamWatch;

static void
upstream_watch_free (gpointer data)
{
  UpstreamWatch *watch = data;

  g_source_destroy (watch->tick);
  g_source_unref (watch->tick);
  g_ptr_array_unref (watch->upstreams);
  g_free (watch);
}

/* An upstream as the window's Upstream page names it too. */
static char *
upstream_name (UpstreamWatch *watch,
               guint          index)
{
  return shoal_upstream_source_dup_name (g_ptr_array_index (watch->upstreams, index));
}

static const char *
upstream_trouble (UpstreamWatch *watch,
                  guint          index)
{
  const GError *error = shoal_upstream_source_get_last_error (
    g_ptr_array_index (watch->upstreams, index));

  return error != NULL ? error->message : NULL;
}

/* Whenever rigs are not on the first upstream the window says so: a
 * household that chose P2Pool and mines solo without knowing it would
 * wait years for a share of nothing.  Not while the first upstream is
 * still on its first try (the node's work is often ready before it). */
static void
update_condition (UpstreamWatch *watch)
{
  int active = shoal_source_chain_get_active_index (watch->chain);
  const char *trouble = upstream_trouble (watch, 0);
  g_autofree char *first = upstream_name (watch, 0);
  g_autofree char *now = NULL;

  if (active <= 0 || trouble == NULL)
    {
      _shoal_pool_clear_condition (watch->pool, "upstream");
      return;
    }
  if ((guint) active < watch->upstreams->len)
    {
      now = upstream_name (watch, active);
      _shoal_pool_set_condition (watch->pool, shoal_condition_new (
        "upstream", SHOAL_CONDITION_DEGRADED, "Check the Upstream", "app.preferences",
        "Upstream pool %s cannot be reached (%s). Rigs mine on %s until it is back.",
        first, trouble, now));
      return;
    }
  _shoal_pool_set_condition (watch->pool, shoal_condition_new (
    "upstream", SHOAL_CONDITION_DEGRADED, "Check the Upstream", "app.preferences",
    "No upstream pool can be reached (%s: %s). Rigs mine solo on your node's blocks "
    "until one is back.", first, trouble));
}

static void
on_active_index (ShoalSourceChain *chain,
                 GParamSpec       *pspec,
                 UpstreamWatch    *watch)
{
  update_condition (watch);
}

static gboolean
on_tick (gpointer data)
{
  update_condition (data);
  return G_SOURCE_CONTINUE;
}

void
_shoal_pool_watch_upstreams (ShoalPool        *pool,
                             ShoalSourceChain *chain,
                             GPtrArray        *upstreams)
{
  UpstreamWatch *watch = g_new0 (UpstreamWatch, 1);

  watch->pool = pool;
  watch->chain = chain;
  watch->upstreams = g_ptr_array_ref (upstreams);
  watch->tick = g_timeout_source_new_seconds (1);
  g_source_set_callback (watch->tick, on_tick, watch, NULL);
  g_source_set_static_name (watch->tick, "Upstream condition");
  g_source_attach (watch->tick, g_main_context_get_thread_default ());
  g_signal_connect_data (chain, "notify::active-index", G_CALLBACK (on_active_index), watch,
                         (GClosureNotify) (void (*) (void)) upstream_watch_free, 0);
}

static ShoalUpstreamInfo *
upstream_info (ShoalUpstreamSource *source,
               gboolean             in_use)
{
  ShoalUpstreamInfo *info = g_new0 (ShoalUpstreamInfo, 1);
  const GError *trouble = shoal_upstream_source_get_last_error (source);

  info->name = shoal_upstream_source_dup_name (source);
  info->in_use = in_use;
  info->connected = shoal_upstream_source_is_connected (source);
  info->connections = shoal_upstream_source_get_n_connected (source);
  info->trouble = trouble != NULL ? g_strdup (trouble->message) : NULL;
  info->difficulty = shoal_upstream_source_get_difficulty (source);
  info->sidechain_difficulty = shoal_upstream_source_get_sidechain_difficulty (source);
  info->accepted = shoal_upstream_source_get_accepted (source);
  info->rejected = shoal_upstream_source_get_rejected (source);
  return info;
}

GPtrArray *
shoal_pool_list_upstreams (ShoalPool *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_upstream_info_free);
  ShoalPoolParts *parts;
  GPtrArray *upstreams;
  int active;

  g_return_val_if_fail (SHOAL_IS_POOL (self), list);
  parts = _shoal_pool_get_parts (self);
  upstreams = parts->upstreams;
  if (upstreams == NULL)
    return list;
  active = shoal_source_chain_get_active_index (parts->chain);
  for (guint i = 0; i < upstreams->len; i++)
    g_ptr_array_add (list, upstream_info (g_ptr_array_index (upstreams, i), (int) i == active));
  return list;
}
