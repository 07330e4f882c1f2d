/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-api-metrics.h"

static void
family (GString    *out,
        const char *name,
        const char *type,
        const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample (GString    *out,
        const char *name,
        guint64     value)
{
  g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", name, value);
}

/* Label values are peer data (worker names): escape what the format
 * gives meaning to, so a name cannot forge samples. */
static void
append_label_value (GString    *out,
                    const char *value)
{
  for (const char *p = value != NULL ? value : ""; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
labelled (GString    *out,
          const char *name,
          const char *label,
          const char *value,
          guint64     number)
{
  g_string_append_printf (out, "%s{%s=\"", name, label);
  append_label_value (out, value);
  g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", number);
}

static void
render_pool (GString           *out,
             ShoalPoolSnapshot *s)
{
  family (out, "shoal_pool_hashrate", "gauge",
          "Pool hashrate in hashes per second, from accepted share difficulty.");
  labelled (out, "shoal_pool_hashrate", "window", "1m", s->pool_hashrate_1m);
  labelled (out, "shoal_pool_hashrate", "window", "10m", s->pool_hashrate_10m);
  labelled (out, "shoal_pool_hashrate", "window", "1h", s->pool_hashrate_1h);
  family (out, "shoal_miners_online", "gauge", "Miners (addresses) with a connected worker.");
  sample (out, "shoal_miners_online", s->miners_online);
  family (out, "shoal_round_shares", "gauge",
          "Sum of share difficulty since the pool's last block.");
  sample (out, "shoal_round_shares", s->round_shares);
  family (out, "shoal_last_block_height", "gauge", "Height of the pool's last block, 0 if none.");
  sample (out, "shoal_last_block_height", s->last_block_height);
  family (out, "shoal_validator_queue", "gauge", "Shares waiting for RandomX verification.");
  sample (out, "shoal_validator_queue", s->validator_queue);
  family (out, "shoal_validator_hashes_per_second", "gauge",
          "RandomX hashes per second the validator computes.");
  g_string_append_printf (out, "shoal_validator_hashes_per_second %.3f\n",
                          s->validator_hashes_per_second);
}

static void
render_node (GString           *out,
             ShoalPoolSnapshot *s)
{
  family (out, "shoal_node_reachable", "gauge", "1 if monerod answered the last poll.");
  sample (out, "shoal_node_reachable", s->node_reachable ? 1 : 0);
  family (out, "shoal_node_synced", "gauge", "1 if monerod reports itself synchronised.");
  sample (out, "shoal_node_synced", s->node_synced ? 1 : 0);
  family (out, "shoal_node_height", "gauge", "Chain height monerod reports.");
  sample (out, "shoal_node_height", s->node_height);
  family (out, "shoal_network_difficulty", "gauge", "Difficulty of the next block.");
  sample (out, "shoal_network_difficulty", s->network_difficulty);
  family (out, "shoal_network_hashrate", "gauge", "Network hashrate: difficulty / 120 s.");
  sample (out, "shoal_network_hashrate", s->network_hashrate);
}

typedef struct
{
  const char *name;
  const char *help;
  gsize       offset;
} ShareCounter;

static const ShareCounter share_counters[] = {
  { "shoal_shares_accepted_total", "Shares accepted, over the workers the pool knows.",
    G_STRUCT_OFFSET (ShoalWorkerInfo, accepted) },
  { "shoal_shares_rejected_total", "Shares rejected (low difficulty, bad job...).",
    G_STRUCT_OFFSET (ShoalWorkerInfo, rejected) },
  { "shoal_shares_stale_total", "Shares for a job that was no longer current.",
    G_STRUCT_OFFSET (ShoalWorkerInfo, stale) },
  { "shoal_shares_invalid_total", "Shares whose RandomX hash did not match.",
    G_STRUCT_OFFSET (ShoalWorkerInfo, invalid) },
};

static void
render_workers (GString           *out,
                ShoalPoolSnapshot *s)
{
  guint online = 0;

  for (guint c = 0; c < G_N_ELEMENTS (share_counters); c++)
    {
      guint64 total = 0;

      for (guint i = 0; i < s->workers->len; i++)
        total += G_STRUCT_MEMBER (guint64, g_ptr_array_index (s->workers, i),
                                  share_counters[c].offset);
      family (out, share_counters[c].name, "counter", share_counters[c].help);
      sample (out, share_counters[c].name, total);
    }
  family (out, "shoal_worker_hashrate", "gauge",
          "Worker hashrate over 10 minutes, hashes per second.");
  for (guint i = 0; i < s->workers->len; i++)
    {
      const ShoalWorkerInfo *w = g_ptr_array_index (s->workers, i);

      online += w->online ? 1 : 0;
      labelled (out, "shoal_worker_hashrate", "worker", w->worker, w->hashrate_10m);
    }
  family (out, "shoal_workers_online", "gauge", "Connected workers (rigs).");
  sample (out, "shoal_workers_online", online);
}

static void
render_blocks (GString       *out,
               ShoalApiCache *cache)
{
  guint64 by_state[SHOAL_BLOCK_STATE_REJECTED + 1] = { 0 };

  for (guint i = 0; i < cache->blocks->len; i++)
    {
      const ShoalBlockInfo *b = g_ptr_array_index (cache->blocks, i);

      if (b->state <= SHOAL_BLOCK_STATE_REJECTED)
        by_state[b->state]++;
    }
  family (out, "shoal_blocks", "gauge", "The pool's recent blocks (up to 100), by state.");
  for (guint st = 0; st <= SHOAL_BLOCK_STATE_REJECTED; st++)
    labelled (out, "shoal_blocks", "state", shoal_block_state_to_string (st), by_state[st]);
}

static void
render_balances (GString       *out,
                 ShoalApiCache *cache)
{
  guint64 owed = 0, paid = 0;

  for (guint i = 0; i < cache->balances->len; i++)
    {
      const ShoalBalanceInfo *b = g_ptr_array_index (cache->balances, i);

      owed += b->balance;
      paid += b->paid;
    }
  family (out, "shoal_balances_owed_atomic", "gauge",
          "Credited and not yet paid, over all members, in atomic units.");
  sample (out, "shoal_balances_owed_atomic", owed);
  family (out, "shoal_paid_atomic_total", "counter", "Paid to members in total, in atomic units.");
  sample (out, "shoal_paid_atomic_total", paid);
}

char *
shoal_api_metrics_render (ShoalApiCache *cache)
{
  GString *out = g_string_sized_new (4096);

  g_return_val_if_fail (cache != NULL, NULL);

  render_pool (out, cache->snapshot);
  render_node (out, cache->snapshot);
  render_workers (out, cache->snapshot);
  render_blocks (out, cache);
  render_balances (out, cache);
  return g_string_free (out, FALSE);
}

char *
shoal_api_metrics_render_requests (guint64 api_requests)
{
  GString *out = g_string_new (NULL);

  family (out, "shoal_api_requests_total", "counter", "Requests this API server has answered.");
  sample (out, "shoal_api_requests_total", api_requests);
  return g_string_free (out, FALSE);
}
