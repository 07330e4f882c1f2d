/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sessions' deadlines (login, idle, closing grace, vardiff, nonce
 * space) on one hashed timer wheel, advanced by one periodic GSource of
 * the stratum context: a tick costs work per deadline that came, not per
 * connected rig, and a rig costs no GSource of its own.  Deadlines are
 * rounded up to the next tick, so nothing fires early.  Owned by the
 * stratum thread, like the sessions whose timers it holds. */

typedef struct _ShoalStratumTimer ShoalStratumTimer;

/* Embedded in what it times; all zero is "not scheduled". */
struct _ShoalStratumTimer
{
  ShoalStratumTimer *prev, *next;
  gint64             tick;
};

typedef struct _ShoalStratumTimers ShoalStratumTimers;

/* TIMER's deadline came; it is no longer scheduled and may be again. */
typedef void (*ShoalStratumTimerFunc) (ShoalStratumTimer *timer,
                                       gint64             now_us,
                                       gpointer           user_data);

ShoalStratumTimers *shoal_stratum_timers_new      (guint                  tick_ms,
                                                   gint64                 now_us);
void                shoal_stratum_timers_free     (ShoalStratumTimers    *self);
/* (Re)schedules TIMER for the first tick at or after DEADLINE_US, and at
 * the earliest for the next tick to come. */
void                shoal_stratum_timers_schedule (ShoalStratumTimers    *self,
                                                   ShoalStratumTimer     *timer,
                                                   gint64                 deadline_us);
/* Calls FUNC for each timer whose tick has come by NOW_US.  FUNC may
 * schedule or cancel any timer, the one it was given included. */
void                shoal_stratum_timers_advance  (ShoalStratumTimers    *self,
                                                   gint64                 now_us,
                                                   ShoalStratumTimerFunc  func,
                                                   gpointer               user_data);
/* Needs no wheel: a timer only unlinks itself. */
void                shoal_stratum_timer_cancel    (ShoalStratumTimer     *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStratumTimers, shoal_stratum_timers_free)

G_END_DECLS
