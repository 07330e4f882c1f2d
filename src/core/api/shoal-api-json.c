/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-api-json.h"

#define SHORT_ADDRESS_KEEP 6

char *
shoal_api_short_address (const char *address)
{
  gsize len;

  if (address == NULL)
    return NULL;
  len = strlen (address);
  if (len <= 2 * SHORT_ADDRESS_KEEP + 3)
    return g_strdup (address);
  return g_strdup_printf ("%.*s...%s", SHORT_ADDRESS_KEEP, address,
                          address + len - SHORT_ADDRESS_KEEP);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         guint64      value)
{
  json_builder_set_member_name (builder, name);
  /* JSON integers are signed 64-bit in json-glib; no figure we serve
   * comes near 2^63, but clamp rather than wrap if one ever does. */
  json_builder_add_int_value (builder, (gint64) MIN (value, (guint64) G_MAXINT64));
}

/* Wall-clock microseconds as Unix seconds, or null for "never". */
static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       time_us)
{
  json_builder_set_member_name (builder, name);
  if (time_us <= 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, time_us / G_USEC_PER_SEC);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

static void
add_hashrates (JsonBuilder *builder,
               guint64      h1m,
               guint64      h10m,
               guint64      h1h)
{
  json_builder_set_member_name (builder, "hashrate");
  json_builder_begin_object (builder);
  add_int (builder, "1m", h1m);
  add_int (builder, "10m", h10m);
  add_int (builder, "1h", h1h);
  json_builder_end_object (builder);
}

static void
add_pool (JsonBuilder       *builder,
          ShoalApiCache     *cache)
{
  ShoalPoolSnapshot *s = cache->snapshot;

  json_builder_set_member_name (builder, "pool");
  json_builder_begin_object (builder);
  add_string (builder, "mode", cache->mode);
  add_hashrates (builder, s->pool_hashrate_1m, s->pool_hashrate_10m, s->pool_hashrate_1h);
  add_int (builder, "miners_online", s->miners_online);
  add_int (builder, "round_shares", s->round_shares);
  json_builder_set_member_name (builder, "round_effort_percent");
  if (s->network_difficulty == 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, 100.0 * (double) s->round_shares /
                                            (double) s->network_difficulty);
  json_builder_end_object (builder);
}

static void
add_node (JsonBuilder       *builder,
          ShoalPoolSnapshot *s)
{
  json_builder_set_member_name (builder, "node");
  json_builder_begin_object (builder);
  add_bool (builder, "reachable", s->node_reachable);
  add_bool (builder, "synced", s->node_synced);
  add_int (builder, "height", s->node_height);
  add_int (builder, "difficulty", s->network_difficulty);
  add_int (builder, "hashrate", s->network_hashrate);
  json_builder_end_object (builder);
}

static void
add_last_block (JsonBuilder   *builder,
                ShoalApiCache *cache)
{
  ShoalPoolSnapshot *s = cache->snapshot;
  ShoalBlockInfo *newest = cache->blocks->len > 0 ? g_ptr_array_index (cache->blocks, 0) : NULL;

  json_builder_set_member_name (builder, "last_block");
  if (s->last_block_height == 0)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  add_int (builder, "height", s->last_block_height);
  add_time (builder, "time", s->last_block_us);
  /* The reward and id come from the store, when it already has the block. */
  if (newest != NULL && newest->height == s->last_block_height)
    {
      add_string (builder, "id", newest->id);
      add_int (builder, "reward", newest->reward);
      add_string (builder, "state", shoal_block_state_to_string (newest->state));
    }
  json_builder_end_object (builder);
}

/* The node Shoal runs itself, when it runs one: its sync as the Node
 * page shows it ("progress_percent" reaches 100 once synchronised). */
static void
add_managed_node (JsonBuilder       *builder,
                  ShoalPoolSnapshot *s)
{
  if (s->managed_state == NULL)
    return;
  json_builder_set_member_name (builder, "managed_node");
  json_builder_begin_object (builder);
  add_string (builder, "state", s->managed_state);
  add_int (builder, "height", s->managed_height);
  add_int (builder, "target_height", s->managed_target_height);
  json_builder_set_member_name (builder, "progress_percent");
  json_builder_add_double_value (builder, s->managed_progress * 100);
  add_int (builder, "peers", s->managed_peers);
  add_int (builder, "disk_used", s->managed_disk_used);
  json_builder_set_member_name (builder, "blocks_per_minute");
  json_builder_add_double_value (builder, s->managed_blocks_per_minute);
  json_builder_set_member_name (builder, "seconds_left");
  json_builder_add_int_value (builder, s->managed_seconds_left);
  json_builder_end_object (builder);
}

JsonNode *
shoal_api_json_summary (ShoalApiCache *cache)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "status", cache->snapshot->status);
  add_time (builder, "time", cache->snapshot->time_us);
  add_pool (builder, cache);
  add_node (builder, cache->snapshot);
  add_last_block (builder, cache);
  add_managed_node (builder, cache->snapshot);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_worker (JsonBuilder           *builder,
            const ShoalWorkerInfo *w,
            gboolean               full_address)
{
  g_autofree char *shortened = shoal_api_short_address (w->address);

  json_builder_begin_object (builder);
  add_string (builder, "name", w->worker);
  add_string (builder, "address", full_address ? w->address : shortened);
  add_hashrates (builder, w->hashrate_1m, w->hashrate_10m, w->hashrate_1h);
  add_int (builder, "difficulty", w->difficulty);
  add_int (builder, "accepted", w->accepted);
  add_int (builder, "rejected", w->rejected);
  add_int (builder, "stale", w->stale);
  add_int (builder, "invalid", w->invalid);
  add_int (builder, "upstream_accepted", w->upstream_accepted);
  add_int (builder, "upstream_rejected", w->upstream_rejected);
  add_time (builder, "last_share", w->last_share_us);
  add_time (builder, "connected", w->connected_us);
  add_bool (builder, "online", w->online);
  json_builder_end_object (builder);
}

typedef void (*AddItem) (JsonBuilder *builder, gconstpointer item);

/* {"MEMBER": [ITEMS, each written by ADD]} */
static JsonNode *
list_document (const char *member,
               GPtrArray  *items,
               AddItem     add)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    add (builder, g_ptr_array_index (items, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The public lists shorten addresses; a miner's own view does not. */
static void
add_public_worker (JsonBuilder   *builder,
                   gconstpointer  item)
{
  add_worker (builder, item, FALSE);
}

JsonNode *
shoal_api_json_workers (ShoalApiCache *cache)
{
  return list_document ("workers", cache->snapshot->workers, add_public_worker);
}

static void
add_block (JsonBuilder   *builder,
           gconstpointer  item)
{
  const ShoalBlockInfo *b = item;

  json_builder_begin_object (builder);
  add_int (builder, "height", b->height);
  add_string (builder, "id", b->id);
  add_time (builder, "time", b->found_us);
  add_int (builder, "reward", b->reward);
  add_string (builder, "state", shoal_block_state_to_string (b->state));
  add_int (builder, "confirmations", b->confirmations);
  add_int (builder, "effort_percent", b->effort_percent);
  json_builder_end_object (builder);
}

JsonNode *
shoal_api_json_blocks (ShoalApiCache *cache)
{
  return list_document ("blocks", cache->blocks, add_block);
}

static void
add_payment (JsonBuilder            *builder,
             const ShoalPaymentInfo *p,
             gboolean                full_address)
{
  g_autofree char *shortened = shoal_api_short_address (p->address);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "batch");
  json_builder_add_int_value (builder, p->batch_id);
  add_string (builder, "state", p->state);
  add_time (builder, "time", p->time_us);
  add_string (builder, "address", full_address ? p->address : shortened);
  add_int (builder, "amount", p->amount);
  add_string (builder, "tx_hash", p->tx_hash);
  json_builder_end_object (builder);
}

static void
add_public_payment (JsonBuilder   *builder,
                    gconstpointer  item)
{
  add_payment (builder, item, FALSE);
}

JsonNode *
shoal_api_json_payments (ShoalApiCache *cache)
{
  return list_document ("payments", cache->payments, add_public_payment);
}

static void
add_upstream (JsonBuilder   *builder,
              gconstpointer  item)
{
  const ShoalUpstreamInfo *u = item;

  json_builder_begin_object (builder);
  add_string (builder, "url", u->name);
  add_bool (builder, "in_use", u->in_use);
  add_bool (builder, "connected", u->connected);
  add_int (builder, "connections", u->connections);
  add_string (builder, "trouble", u->trouble);
  add_int (builder, "difficulty", u->difficulty);
  add_int (builder, "sidechain_difficulty", u->sidechain_difficulty);
  add_int (builder, "accepted", u->accepted);
  add_int (builder, "rejected", u->rejected);
  json_builder_end_object (builder);
}

/* Upstream mode's pools in order; an empty list in the other modes. */
JsonNode *
shoal_api_json_upstreams (ShoalApiCache *cache)
{
  return list_document ("upstreams", cache->upstreams, add_upstream);
}

/* One payout from the upstream; CREDITS (the member's own only in a
 * miner's view, with the address in full) under "credits". */
static void
add_income (JsonBuilder           *builder,
            const ShoalIncomeInfo *income,
            const char            *member)
{
  json_builder_begin_object (builder);
  add_string (builder, "txid", income->txid);
  add_int (builder, "height", income->height);
  add_int (builder, "amount", income->amount);
  add_int (builder, "fee", income->fee);
  add_string (builder, "sidechain", income->sidechain);
  add_time (builder, "time", income->time_us);
  add_bool (builder, "credited", income->credited);
  if (!income->credited)
    add_int (builder, "unlocks_in", income->unlocks_in);
  json_builder_set_member_name (builder, "credits");
  json_builder_begin_array (builder);
  for (guint i = 0; i < income->credits->len; i++)
    {
      const ShoalIncomeCredit *c = g_ptr_array_index (income->credits, i);
      g_autofree char *shortened = shoal_api_short_address (c->address);

      if (member != NULL && g_strcmp0 (c->address, member) != 0)
        continue;
      json_builder_begin_object (builder);
      add_string (builder, "address", member != NULL ? c->address : shortened);
      add_int (builder, "amount", c->amount);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
add_sidechain_share (JsonBuilder                   *builder,
                     const ShoalSidechainShareInfo *share,
                     gboolean                       full_address)
{
  g_autofree char *shortened = shoal_api_short_address (share->address);

  json_builder_begin_object (builder);
  add_string (builder, "worker", share->worker);
  add_string (builder, "address", full_address ? share->address : shortened);
  add_time (builder, "time", share->time_us);
  add_int (builder, "height", share->height);
  add_int (builder, "difficulty", share->difficulty);
  add_int (builder, "sidechain_difficulty", share->sidechain_difficulty);
  add_string (builder, "fed_txid", share->fed_txid);
  json_builder_end_object (builder);
}

static gboolean
income_credits (const ShoalIncomeInfo *income,
                const char            *member)
{
  for (guint i = 0; i < income->credits->len; i++)
    if (g_strcmp0 (((ShoalIncomeCredit *) g_ptr_array_index (income->credits, i))->address,
                   member) == 0)
      return TRUE;
  return FALSE;
}

/* "incomes" and "sidechain_shares": everyone's (MEMBER NULL, addresses
 * shortened), or only MEMBER's, in full. */
static void
add_incomes (JsonBuilder   *builder,
             ShoalApiCache *cache,
             const char    *member)
{
  json_builder_set_member_name (builder, "incomes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < cache->incomes->len; i++)
    {
      const ShoalIncomeInfo *income = g_ptr_array_index (cache->incomes, i);

      /* A payout on its way is every member's until its split is known. */
      if (member == NULL || !income->credited || income_credits (income, member))
        add_income (builder, income, member);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sidechain_shares");
  json_builder_begin_array (builder);
  for (guint i = 0; i < cache->sidechain_shares->len; i++)
    {
      const ShoalSidechainShareInfo *share = g_ptr_array_index (cache->sidechain_shares, i);

      if (member == NULL || g_strcmp0 (share->address, member) == 0)
        add_sidechain_share (builder, share, member != NULL);
    }
  json_builder_end_array (builder);
}

/* Upstream mode: each payout P2Pool sent the pool wallet with what it
 * credited each member, and the rigs' recent sidechain shares. */
JsonNode *
shoal_api_json_incomes (ShoalApiCache *cache)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_incomes (builder, cache, NULL);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_miner_workers (JsonBuilder   *builder,
                   ShoalApiCache *cache,
                   const char    *address)
{
  GPtrArray *workers = cache->snapshot->workers;
  guint64 h1m = 0, h10m = 0, h1h = 0;

  json_builder_set_member_name (builder, "workers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < workers->len; i++)
    {
      const ShoalWorkerInfo *w = g_ptr_array_index (workers, i);

      if (g_strcmp0 (w->address, address) != 0)
        continue;
      add_worker (builder, w, TRUE);
      h1m += w->hashrate_1m;
      h10m += w->hashrate_10m;
      h1h += w->hashrate_1h;
    }
  json_builder_end_array (builder);
  add_hashrates (builder, h1m, h10m, h1h);
}

static const ShoalBalanceInfo *
find_balance (ShoalApiCache *cache,
              const char    *address)
{
  for (guint i = 0; i < cache->balances->len; i++)
    {
      const ShoalBalanceInfo *b = g_ptr_array_index (cache->balances, i);

      if (g_strcmp0 (b->address, address) == 0)
        return b;
    }
  return NULL;
}

static void
add_miner_balance (JsonBuilder   *builder,
                   ShoalApiCache *cache,
                   const char    *address)
{
  const ShoalBalanceInfo *b = find_balance (cache, address);

  json_builder_set_member_name (builder, "balance");
  json_builder_begin_object (builder);
  add_int (builder, "balance", b != NULL ? b->balance : 0);
  add_int (builder, "reserved", b != NULL ? b->reserved : 0);
  add_int (builder, "paid", b != NULL ? b->paid : 0);
  json_builder_end_object (builder);
}

static void
add_miner_payments (JsonBuilder   *builder,
                    ShoalApiCache *cache,
                    const char    *address)
{
  json_builder_set_member_name (builder, "payments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < cache->payments->len; i++)
    {
      const ShoalPaymentInfo *p = g_ptr_array_index (cache->payments, i);

      if (g_strcmp0 (p->address, address) == 0)
        add_payment (builder, p, TRUE);
    }
  json_builder_end_array (builder);
}

static gboolean
miner_known (ShoalApiCache *cache,
             const char    *address)
{
  GPtrArray *workers = cache->snapshot->workers;

  if (find_balance (cache, address) != NULL)
    return TRUE;
  for (guint i = 0; i < workers->len; i++)
    if (g_strcmp0 (((ShoalWorkerInfo *) g_ptr_array_index (workers, i))->address, address) == 0)
      return TRUE;
  return FALSE;
}

/* ADDRESS has been parsed already.  An address the pool has never seen
 * is not an error: a member may look before their first share. */
JsonNode *
shoal_api_json_miner (ShoalApiCache *cache,
                      const char    *address)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "address", address);
  add_bool (builder, "known", miner_known (cache, address));
  add_miner_workers (builder, cache, address);
  add_miner_balance (builder, cache, address);
  add_miner_payments (builder, cache, address);
  add_incomes (builder, cache, address);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
shoal_api_json_history (ShoalApiCache *cache,
                        const char    *range)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GArray *points = g_str_equal (range, "24h") ? cache->history_24h : cache->history_1h;

  json_builder_begin_object (builder);
  add_string (builder, "range", range);
  json_builder_set_member_name (builder, "points");
  json_builder_begin_array (builder);
  for (guint i = 0; i < points->len; i++)
    {
      const ShoalHashratePoint *p = &g_array_index (points, ShoalHashratePoint, i);

      json_builder_begin_object (builder);
      add_time (builder, "time", p->time_us);
      add_int (builder, "hashrate", p->hashrate);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
shoal_api_json_error (guint       code,
                      const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  add_int (builder, "code", code);
  add_string (builder, "message", message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
