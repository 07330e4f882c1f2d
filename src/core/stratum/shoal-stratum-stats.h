/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* An immutable, reference-counted picture of the stratum server, safe to
 * read on any thread.  "rejected" counts every share not accepted; "stale"
 * (job from before the current tip) and "invalid" (result that is not the
 * real RandomX hash) are the parts of it worth telling apart. */

typedef struct
{
  char    *address;          /* where its shares are credited */
  char    *worker;           /* rigid, ADDRESS.WORKER, pass or the solo login */
  char    *ip;               /* of its latest connection */
  char    *agent;            /* e.g. "XMRig/6.26.0 (Linux x86_64) ..." */
  guint64  difficulty;       /* current share difficulty of its latest connection */
  gint64   last_share_us;    /* wall clock (g_get_real_time), 0: none yet */
  gint64   connected_us;     /* wall clock of its first connection */
  /* Every logged-in rig has an entry in each live snapshot (two at most),
   * so it is kept to 88 bytes: hashrates are display figures (a float's
   * 24 bits are plenty), and counters saturate (2^32 shares is centuries
   * of one rig's work; the pool's totals stay 64-bit). */
  float    hashrate_1m;      /* hashes per second, from accepted share difficulty */
  float    hashrate_10m;
  float    hashrate_1h;
  guint32  accepted;
  guint32  rejected;
  guint32  stale;
  guint32  invalid;
  guint16  blocks;
  guint16  connections;      /* open connections now; 0: gone, still listed for a while */
} ShoalStratumWorkerStats;

typedef struct
{
  gint64   taken_us;         /* wall clock */
  guint    connections;      /* open TCP connections */
  guint    miners;           /* logged in */
  guint    banned_ips;
  guint64  accepted;
  guint64  rejected;
  guint64  stale;
  guint64  invalid;
  guint64  blocks;
  double   hashrate_1m;
  double   hashrate_10m;
  double   hashrate_1h;
  guint64  height;           /* of the current template, 0: none */
  guint64  jobs_sent;
  /* The last time new work went to every rig on it: from the work
   * reaching the stratum thread to the last line handed to the kernel.
   * What a rig on the LAN waits, less the wire. */
  guint64  fan_outs;
  guint    fan_out_rigs;
  gint64   fan_out_us;
} ShoalStratumTotals;

typedef struct _ShoalStratumStats ShoalStratumStats;

#define SHOAL_TYPE_STRATUM_STATS (shoal_stratum_stats_get_type ())
GType                          shoal_stratum_stats_get_type        (void) G_GNUC_CONST;
ShoalStratumStats             *shoal_stratum_stats_ref             (ShoalStratumStats *self);
void                           shoal_stratum_stats_unref           (ShoalStratumStats *self);
const ShoalStratumTotals      *shoal_stratum_stats_get_totals      (ShoalStratumStats *self);
guint                          shoal_stratum_stats_get_n_workers   (ShoalStratumStats *self);
const ShoalStratumWorkerStats *shoal_stratum_stats_get_worker      (ShoalStratumStats *self,
                                                                    guint              index);
/* The entry whose worker name is WORKER, NULL if none. */
const ShoalStratumWorkerStats *shoal_stratum_stats_find_worker     (ShoalStratumStats *self,
                                                                    const char        *worker);

/* For the server: builds a snapshot (takes TOTALS, and WORKERS's elements,
 * whose strings are GRefStrings: g_ref_string_new() or _acquire(); the
 * elements are moved, not copied, and WORKERS is left empty). */
ShoalStratumStats             *shoal_stratum_stats_new             (const ShoalStratumTotals *totals,
                                                                    GArray            *workers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStratumStats, shoal_stratum_stats_unref)

G_END_DECLS
