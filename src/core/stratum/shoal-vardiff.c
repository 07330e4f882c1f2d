/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "shoal-vardiff.h"

#define WINDOW_SHARES   8     /* close a window after this many shares... */
#define WINDOW_TIMES    4     /* ...or this many intervals with at least one */
#define MAX_STEP        4.0
#define DEADBAND        0.10
#define QUIET_TIMES     4     /* no share for this many intervals: halve */

guint64
shoal_vardiff_clamp (const ShoalVardiffParams *params,
                     guint64                   difficulty)
{
  difficulty = MAX (difficulty, MAX (params->min_difficulty, 1));
  if (params->max_difficulty > 0)
    difficulty = MIN (difficulty, params->max_difficulty);
  return difficulty;
}

void
shoal_vardiff_init (ShoalVardiff             *vardiff,
                    const ShoalVardiffParams *params,
                    guint64                   start_difficulty,
                    gint64                    now_us)
{
  vardiff->difficulty = shoal_vardiff_clamp (params, start_difficulty);
  vardiff->window_start_us = now_us;
  vardiff->window_shares = 0;
  vardiff->window_work = 0;
}

static gboolean
set_difficulty (ShoalVardiff             *vardiff,
                const ShoalVardiffParams *params,
                double                    wanted,
                gint64                    now_us)
{
  guint64 old = vardiff->difficulty;
  guint64 next;

  vardiff->window_start_us = now_us;
  vardiff->window_shares = 0;
  vardiff->window_work = 0;
  next = wanted >= 1.8e19 ? G_MAXUINT64 : (guint64) MAX (wanted, 1.0);
  vardiff->difficulty = shoal_vardiff_clamp (params, next);
  return vardiff->difficulty != old;
}

/* Moves in log space by a fraction n / (n + 2) of the way: one share is
 * weak evidence (Poisson), eight are fairly strong. */
static gboolean
retarget (ShoalVardiff             *vardiff,
          const ShoalVardiffParams *params,
          double                    elapsed_s,
          gint64                    now_us)
{
  double n = vardiff->window_shares;
  double wanted = vardiff->window_work / elapsed_s * params->interval_s;
  double ratio = wanted / (double) vardiff->difficulty;
  double step;

  ratio = CLAMP (ratio, 1.0 / MAX_STEP, MAX_STEP);
  step = exp (log (ratio) * n / (n + 2));
  if (fabs (step - 1.0) < DEADBAND)
    {
      vardiff->window_start_us = now_us;
      vardiff->window_shares = 0;
      vardiff->window_work = 0;
      return FALSE;
    }
  return set_difficulty (vardiff, params, (double) vardiff->difficulty * step, now_us);
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

  if (elapsed_s < QUIET_TIMES * params->interval_s)
    return FALSE;
  if (vardiff->window_shares == 0)
    return set_difficulty (vardiff, params, vardiff->difficulty / 2.0, now_us);
  return retarget (vardiff, params, elapsed_s, now_us);
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
