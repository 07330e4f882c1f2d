/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-address.h"
#include "shoal-api-cache.h"
#include "shoal-api-feed.h"

#define REFRESH_SECONDS 1
#define LIST_LIMIT 100
#define PAYMENT_LIMIT 500
#define SIDECHAIN_SHARE_LIMIT 200

typedef struct _Refresh Refresh;

/* Everything here lives on the thread that made the feed. */
struct _ShoalApiFeed
{
  GObject         parent_instance;
  GWeakRef        pool;
  ShoalApiServer *server;
  GCancellable   *cancellable;
  guint           refresh_id;
  Refresh        *refresh;     /* the round in flight, or NULL */
  ShoalApiCache  *published;   /* the last cache handed to the server */
};

G_DEFINE_FINAL_TYPE (ShoalApiFeed, shoal_api_feed, G_TYPE_OBJECT)

/* One round of gathering.  It does not keep the feed alive: a round
 * whose feed is gone, or has given up on it, is dropped when its last
 * answer comes (cancelled ones come too). */
struct _Refresh
{
  GWeakRef       feed;
  ShoalApiCache *cache;
  ShoalApiCache *previous;  /* what the feed had published when it began */
  guint          pending;
};

static void
publish (ShoalApiFeed  *self,
         ShoalApiCache *cache)
{
  g_clear_pointer (&self->published, shoal_api_cache_unref);
  self->published = shoal_api_cache_ref (cache);
  shoal_api_server_publish (self->server, cache);
}

static void
refresh_step_done (Refresh *refresh)
{
  g_autoptr(ShoalApiFeed) self = NULL;

  if (--refresh->pending > 0)
    return;
  self = g_weak_ref_get (&refresh->feed);
  if (self != NULL && self->refresh == refresh)
    {
      publish (self, refresh->cache);
      self->refresh = NULL;
    }
  g_weak_ref_clear (&refresh->feed);
  shoal_api_cache_unref (refresh->cache);
  g_clear_pointer (&refresh->previous, shoal_api_cache_unref);
  g_free (refresh);
}

/* A failed read keeps what the previous cache had: a busy store must not
 * blank the page. */
static void
refresh_failed (GError *error)
{
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("API refresh: %s", error->message);
}

static void
replace_list (GPtrArray **slot,
              GPtrArray  *list,
              GPtrArray  *previous)
{
  g_ptr_array_unref (*slot);
  *slot = list != NULL ? list : g_ptr_array_ref (previous);
}

static void
replace_history (GArray **slot,
                 GArray  *points,
                 GArray  *previous)
{
  g_array_unref (*slot);
  *slot = points != NULL ? points : g_array_ref (previous);
}

/* One answer of a round: which list it fills, and how to read it. */
typedef GPtrArray *(*ListFinish)    (ShoalPool *pool, GAsyncResult *result, GError **error);

typedef struct
{
  Refresh    *refresh;
  gsize       offset;    /* of the GPtrArray or GArray in ShoalApiCache */
  ListFinish  finish;    /* NULL: a history, read with get_history_finish */
} Step;

static Step *
step_new (Refresh    *refresh,
          gsize       offset,
          ListFinish  finish)
{
  Step *step = g_new0 (Step, 1);

  step->refresh = refresh;
  step->offset = offset;
  step->finish = finish;
  return step;
}

#define SLOT(cache, offset) G_STRUCT_MEMBER_P ((cache), (offset))

static void
on_step (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree Step *step = user_data;
  Refresh *refresh = step->refresh;
  ShoalApiCache *previous = refresh->previous != NULL ? refresh->previous : refresh->cache;
  g_autoptr(GError) error = NULL;

  if (step->finish != NULL)
    replace_list (SLOT (refresh->cache, step->offset),
                  step->finish (SHOAL_POOL (source), result, &error),
                  *(GPtrArray **) SLOT (previous, step->offset));
  else
    replace_history (SLOT (refresh->cache, step->offset),
                     shoal_pool_get_history_finish (SHOAL_POOL (source), result, &error),
                     *(GArray **) SLOT (previous, step->offset));
  refresh_failed (error);
  refresh_step_done (refresh);
}

/* The pool's figures and settings of the moment; the store's lists are
 * filled in by the round that follows. */
static ShoalApiCache *
new_cache (ShoalPool *pool)
{
  ShoalConfig *config = shoal_pool_get_config (pool);
  const char *own = shoal_config_get_string (config, "pool-address");
  ShoalApiCache *cache = shoal_api_cache_new (shoal_pool_get_snapshot (pool),
                                              shoal_config_get_string (config, "mode"));
  ShoalAddress parsed;

  /* Members' addresses must be on the network the pool pays on. */
  cache->network_known = own != NULL && *own != '\0' && shoal_address_parse (own, &parsed, NULL);
  if (cache->network_known)
    cache->network = parsed.network;
  g_ptr_array_unref (cache->upstreams);
  cache->upstreams = shoal_pool_list_upstreams (pool);
  return cache;
}

static void
start_refresh (ShoalApiFeed *self,
               ShoalPool    *pool)
{
  gint64 now = g_get_real_time ();
  gint64 hour_ago = now - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  gint64 day_ago = now - G_GINT64_CONSTANT (24 * 3600) * G_USEC_PER_SEC;
  Refresh *refresh;

  /* One round at a time: a slow store must not pile reads up. */
  if (self->refresh != NULL)
    return;
  refresh = g_new0 (Refresh, 1);
  g_weak_ref_init (&refresh->feed, self);
  refresh->cache = new_cache (pool);
  if (self->published != NULL)
    refresh->previous = shoal_api_cache_ref (self->published);
  refresh->pending = 7;
  self->refresh = refresh;
  shoal_pool_list_blocks_async (pool, LIST_LIMIT, self->cancellable, on_step,
                                step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, blocks),
                                          shoal_pool_list_blocks_finish));
  shoal_pool_list_balances_async (pool, self->cancellable, on_step,
                                  step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, balances),
                                            shoal_pool_list_balances_finish));
  shoal_pool_list_payments_async (pool, PAYMENT_LIMIT, self->cancellable, on_step,
                                  step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, payments),
                                            shoal_pool_list_payments_finish));
  shoal_pool_list_incomes_async (pool, LIST_LIMIT, self->cancellable, on_step,
                                 step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, incomes),
                                           shoal_pool_list_finish));
  shoal_pool_list_sidechain_shares_async (pool, SIDECHAIN_SHARE_LIMIT, self->cancellable, on_step,
                                          step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache,
                                                                              sidechain_shares),
                                                    shoal_pool_list_finish));
  shoal_pool_get_history_async (pool, NULL, hour_ago, self->cancellable, on_step,
                                step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, history_1h),
                                          NULL));
  shoal_pool_get_history_async (pool, NULL, day_ago, self->cancellable, on_step,
                                step_new (refresh, G_STRUCT_OFFSET (ShoalApiCache, history_24h),
                                          NULL));
}

static gboolean
on_refresh_tick (gpointer user_data)
{
  ShoalApiFeed *self = user_data;
  g_autoptr(ShoalPool) pool = g_weak_ref_get (&self->pool);

  if (pool == NULL)
    {
      self->refresh_id = 0;
      return G_SOURCE_REMOVE;
    }
  start_refresh (self, pool);
  return G_SOURCE_CONTINUE;
}

static void
shoal_api_feed_dispose (GObject *object)
{
  ShoalApiFeed *self = SHOAL_API_FEED (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->refresh = NULL;  /* a round in flight finishes and drops itself */
  G_OBJECT_CLASS (shoal_api_feed_parent_class)->dispose (object);
}

static void
shoal_api_feed_finalize (GObject *object)
{
  ShoalApiFeed *self = SHOAL_API_FEED (object);

  g_weak_ref_clear (&self->pool);
  g_clear_object (&self->server);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->published, shoal_api_cache_unref);
  G_OBJECT_CLASS (shoal_api_feed_parent_class)->finalize (object);
}

static void
shoal_api_feed_class_init (ShoalApiFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_api_feed_dispose;
  object_class->finalize = shoal_api_feed_finalize;
}

static void
shoal_api_feed_init (ShoalApiFeed *self)
{
  g_weak_ref_init (&self->pool, NULL);
  self->cancellable = g_cancellable_new ();
}

ShoalApiFeed *
shoal_api_feed_new (ShoalPool      *pool,
                    ShoalApiServer *server)
{
  ShoalApiFeed *self;
  g_autoptr(ShoalApiCache) first = NULL;

  g_return_val_if_fail (SHOAL_IS_POOL (pool), NULL);
  g_return_val_if_fail (SHOAL_IS_API_SERVER (server), NULL);

  self = g_object_new (SHOAL_TYPE_API_FEED, NULL);
  g_weak_ref_set (&self->pool, pool);
  self->server = g_object_ref (server);
  first = new_cache (pool);
  publish (self, first);
  start_refresh (self, pool);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, on_refresh_tick, self);
  return self;
}
