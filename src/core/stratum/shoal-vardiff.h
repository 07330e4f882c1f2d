/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Per-miner variable difficulty aiming at one share every INTERVAL.
 * Shares are counted in windows (8 shares, or 4 intervals).  The first
 * window sets the hashrate estimate outright (the start difficulty is a
 * guess); later ones move it by n / (n + 16) of the way in log terms, so
 * Poisson luck averages out over ~40 shares, except that two full windows
 * in a row more than 3x off the same way are believed (the rig changed).  The difficulty
 * follows the estimate x interval, at most x4 a step, and only when it is
 * more than 15% off, so a steady rig keeps its job.  A rig with no share
 * for 6 intervals has its difficulty halved. */
typedef struct
{
  guint64 min_difficulty;
  guint64 max_difficulty;   /* the network difficulty: a share above it is a block anyway */
  double  interval_s;
} ShoalVardiffParams;

typedef struct
{
  guint64 difficulty;
  gint64  window_start_us;
  guint32 window_shares;
  double  window_work;      /* sum of accepted share difficulties */
  double  hashrate;         /* running estimate, hashes per second */
  gboolean calibrated;      /* a first window has set the estimate */
  int      far_off;         /* last full window: +1 more than 3x above, -1 below */
} ShoalVardiff;

guint64  shoal_vardiff_clamp (const ShoalVardiffParams *params,
                              guint64                   difficulty);
void     shoal_vardiff_init  (ShoalVardiff             *vardiff,
                              const ShoalVardiffParams *params,
                              guint64                   start_difficulty,
                              gint64                    now_us);
/* An accepted share at SHARE_DIFFICULTY.  TRUE when the difficulty changed. */
gboolean shoal_vardiff_share (ShoalVardiff             *vardiff,
                              const ShoalVardiffParams *params,
                              guint64                   share_difficulty,
                              gint64                    now_us);
/* Called about once a second: lowers the difficulty of a miner that has
 * gone quiet.  TRUE when the difficulty changed. */
gboolean shoal_vardiff_tick  (ShoalVardiff             *vardiff,
                              const ShoalVardiffParams *params,
                              gint64                    now_us);
/* The first time at which a tick may change anything: a timer for it
 * needs no ticks before. */
gint64   shoal_vardiff_next_tick (const ShoalVardiff       *vardiff,
                                  const ShoalVardiffParams *params);

/* Hashrate over sliding windows of 1 min, 10 min and 1 h, kept as three
 * exponentially decaying sums (24 bytes a worker, not a share list). */
typedef enum
{
  SHOAL_HASHRATE_1M,
  SHOAL_HASHRATE_10M,
  SHOAL_HASHRATE_1H,
  SHOAL_HASHRATE_N_WINDOWS,
} ShoalHashrateWindow;

typedef struct
{
  double sums[SHOAL_HASHRATE_N_WINDOWS];
  gint64 last_us;
  gint64 start_us;
} ShoalHashrate;

void   shoal_hashrate_init (ShoalHashrate       *rate,
                            gint64               now_us);
void   shoal_hashrate_add  (ShoalHashrate       *rate,
                            double               work,
                            gint64               now_us);
/* Hashes per second. */
double shoal_hashrate_get  (const ShoalHashrate *rate,
                            ShoalHashrateWindow  window,
                            gint64               now_us);

G_END_DECLS
