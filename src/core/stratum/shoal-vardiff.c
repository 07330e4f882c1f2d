/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "shoal-vardiff.h"

#define WINDOW_SHARES   8     /* close a window after this many shares... */
#define WINDOW_TIMES    4     /* ...or this many intervals with at least one */
#define MEMORY_SHARES   16    /* a window of n shares weighs n / (n + 16) */
#define JUMP_RATIO      3.0   /* a window this far off is believed at once */
#define MAX_STEP        4.0
#define DEADBAND        1.15
#define QUIET_TIMES     6     /* no share for this many intervals: halve */

guint64
shoal_vardiff_clamp (const ShoalVardiffParams *params,
                     guint64                   difficulty)
{
  difficulty = MAX (difficulty, MAX (params->min_difficulty, 1));
  if (params->max_difficulty > 0)
    difficulty = MIN (difficulty, params->max_difficulty);
  return difficulty;
}

static void
open_window (ShoalVardiff *vardiff,
             gint64        now_us)
{
  vardiff->window_start_us = now_us;
  vardiff->window_shares = 0;
  vardiff->window_work = 0;
}

void
shoal_vardiff_init (ShoalVardiff             *vardiff,
                    const ShoalVardiffParams *params,
                    guint64                   start_difficulty,
                    gint64                    now_us)
{
  vardiff->difficulty = shoal_vardiff_clamp (params, start_difficulty);
  vardiff->hashrate = (double) vardiff->difficulty / params->interval_s;
  vardiff->calibrated = FALSE;
  vardiff->far_off = 0;
  open_window (vardiff, now_us);
}

static guint64
to_difficulty (double value)
{
  return value >= 1.8e19 ? G_MAXUINT64 : (guint64) MAX (value + 0.5, 1.0);
}

static gboolean
follow_estimate (ShoalVardiff             *vardiff,
                 const ShoalVardiffParams *params)
{
  double current = (double) vardiff->difficulty;
  double wanted = CLAMP (vardiff->hashrate * params->interval_s,
                         current / MAX_STEP, current * MAX_STEP);
  guint64 next = shoal_vardiff_clamp (params, to_difficulty (wanted));

  if (next == vardiff->difficulty
      || (wanted < current * DEADBAND && wanted > current / DEADBAND))
    return FALSE;
  vardiff->difficulty = next;
  return TRUE;
}

static gboolean
retarget (ShoalVardiff             *vardiff,
          const ShoalVardiffParams *params,
          double                    elapsed_s,
          gint64                    now_us)
{
  double n = vardiff->window_shares;
  double seen = vardiff->window_work / elapsed_s;
  double ratio = seen / vardiff->hashrate;

  int far_off = ratio > JUMP_RATIO ? 1 : ratio < 1 / JUMP_RATIO ? -1 : 0;

  if (!vardiff->calibrated || (n >= WINDOW_SHARES && far_off != 0 && far_off == vardiff->far_off))
    vardiff->hashrate = seen;
  else
    vardiff->hashrate *= exp (log (ratio) * n / (n + MEMORY_SHARES));
  if (n >= WINDOW_SHARES)
    vardiff->far_off = far_off;
  vardiff->calibrated = TRUE;
  open_window (vardiff, now_us);
  return follow_estimate (vardiff, params);
}

gboolean
shoal_vardiff_share (ShoalVardiff             *vardiff,
                     const ShoalVardiffParams *params,
                     guint64                   share_difficulty,
                     gint64                    now_us)
{
  double elapsed_s = (now_us - vardiff->window_start_us) / 1e6;

  vardiff->window_shares++;
  vardiff->window_work += (double) share_difficulty;
  if (elapsed_s <= 0.001)
    return FALSE;
  if (vardiff->window_shares >= WINDOW_SHARES
      || elapsed_s >= WINDOW_TIMES * params->interval_s)
    return retarget (vardiff, params, elapsed_s, now_us);
  return FALSE;
}

gboolean
shoal_vardiff_tick (ShoalVardiff             *vardiff,
                    const ShoalVardiffParams *params,
                    gint64                    now_us)
{
  double elapsed_s = (now_us - vardiff->window_start_us) / 1e6;
  guint64 old = vardiff->difficulty;

  if (vardiff->window_shares > 0 && elapsed_s >= WINDOW_TIMES * params->interval_s)
    return retarget (vardiff, params, elapsed_s, now_us);
  if (vardiff->window_shares > 0 || elapsed_s < QUIET_TIMES * params->interval_s)
    return FALSE;
  open_window (vardiff, now_us);
  vardiff->difficulty = shoal_vardiff_clamp (params, MAX (vardiff->difficulty / 2, 1));
  vardiff->hashrate = MIN (vardiff->hashrate, (double) vardiff->difficulty / params->interval_s);
  return vardiff->difficulty != old;
}

gint64
shoal_vardiff_next_tick (const ShoalVardiff       *vardiff,
                         const ShoalVardiffParams *params)
{
  double times = vardiff->window_shares > 0 ? WINDOW_TIMES : QUIET_TIMES;

  return vardiff->window_start_us + (gint64) ceil (times * params->interval_s * G_USEC_PER_SEC);
}

static const double window_seconds[SHOAL_HASHRATE_N_WINDOWS] = { 60, 600, 3600 };

void
shoal_hashrate_init (ShoalHashrate *rate,
                     gint64         now_us)
{
  for (guint i = 0; i < SHOAL_HASHRATE_N_WINDOWS; i++)
    rate->sums[i] = 0;
  rate->last_us = now_us;
  rate->start_us = now_us;
}

void
shoal_hashrate_add (ShoalHashrate *rate,
                    double         work,
                    gint64         now_us)
{
  double dt = MAX (now_us - rate->last_us, 0) / 1e6;

  for (guint i = 0; i < SHOAL_HASHRATE_N_WINDOWS; i++)
    rate->sums[i] = rate->sums[i] * exp (-dt / window_seconds[i]) + work;
  rate->last_us = MAX (now_us, rate->last_us);
}

/* The decaying sum divided by its window, corrected for a worker younger
 * than the window (otherwise a new rig would read low for an hour). */
double
shoal_hashrate_get (const ShoalHashrate *rate,
                    ShoalHashrateWindow  window,
                    gint64               now_us)
{
  double tau = window_seconds[window];
  double dt = MAX (now_us - rate->last_us, 0) / 1e6;
  double age = MAX ((now_us - rate->start_us) / 1e6, 1.0);

  return rate->sums[window] * exp (-dt / tau) / (tau * (1 - exp (-age / tau)));
}
