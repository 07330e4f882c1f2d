/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-stratum-timers.h"

/* 512 slots of half a second cover 256 s: a login deadline or a vardiff
 * window lands in its slot directly; the 15-minute idle timeout of a
 * quiet rig is looked at (and left) every lap, a few times in all. */
#define N_SLOTS 512   /* a power of two */

struct _ShoalStratumTimers
{
  gint64            tick_us;
  gint64            done_tick;   /* the last tick advanced over */
  ShoalStratumTimer slots[N_SLOTS];   /* list heads, circular */
};

static void
list_init (ShoalStratumTimer *head)
{
  head->prev = head->next = head;
}

static void
list_append (ShoalStratumTimer *head,
             ShoalStratumTimer *timer)
{
  timer->prev = head->prev;
  timer->next = head;
  head->prev->next = timer;
  head->prev = timer;
}

ShoalStratumTimers *
shoal_stratum_timers_new (guint  tick_ms,
                          gint64 now_us)
{
  ShoalStratumTimers *self;

  g_return_val_if_fail (tick_ms > 0, NULL);

  self = g_new0 (ShoalStratumTimers, 1);
  self->tick_us = (gint64) tick_ms * 1000;
  self->done_tick = now_us / self->tick_us;
  for (guint i = 0; i < N_SLOTS; i++)
    list_init (&self->slots[i]);
  return self;
}

void
shoal_stratum_timers_free (ShoalStratumTimers *self)
{
  if (self == NULL)
    return;
  /* Timers still in it keep pointers to its slots: unhook them. */
  for (guint i = 0; i < N_SLOTS; i++)
    while (self->slots[i].next != &self->slots[i])
      shoal_stratum_timer_cancel (self->slots[i].next);
  g_free (self);
}

void
shoal_stratum_timer_cancel (ShoalStratumTimer *timer)
{
  if (timer->next == NULL)
    return;
  timer->prev->next = timer->next;
  timer->next->prev = timer->prev;
  timer->prev = timer->next = NULL;
}

void
shoal_stratum_timers_schedule (ShoalStratumTimers *self,
                               ShoalStratumTimer  *timer,
                               gint64              deadline_us)
{
  /* Far enough for any deadline, small enough not to overflow below. */
  gint64 tick = MIN (MAX (deadline_us, 0), G_MAXINT64 / 2) / self->tick_us;

  if (tick * self->tick_us < deadline_us)
    tick++;
  tick = MAX (tick, self->done_tick + 1);
  if (timer->next != NULL && timer->tick == tick)
    return;
  shoal_stratum_timer_cancel (timer);
  timer->tick = tick;
  list_append (&self->slots[tick & (N_SLOTS - 1)], timer);
}

/* The slot is moved to a list of its own first: what FUNC schedules
 * lands after the tick being advanced over, never in the walk. */
static void
advance_slot (ShoalStratumTimers    *self,
              ShoalStratumTimer     *slot,
              gint64                 now_tick,
              gint64                 now_us,
              ShoalStratumTimerFunc  func,
              gpointer               user_data)
{
  ShoalStratumTimer walk;

  if (slot->next == slot)
    return;
  walk.next = slot->next;
  walk.prev = slot->prev;
  walk.next->prev = walk.prev->next = &walk;
  list_init (slot);
  while (walk.next != &walk)
    {
      ShoalStratumTimer *timer = walk.next;

      shoal_stratum_timer_cancel (timer);
      if (timer->tick > now_tick)
        list_append (slot, timer);   /* a later lap */
      else
        func (timer, now_us, user_data);
    }
}

void
shoal_stratum_timers_advance (ShoalStratumTimers    *self,
                              gint64                 now_us,
                              ShoalStratumTimerFunc  func,
                              gpointer               user_data)
{
  gint64 now_tick = now_us / self->tick_us;
  gint64 from = self->done_tick + 1;

  if (now_tick < from)
    return;
  self->done_tick = now_tick;
  /* Late by more than a lap: every slot once is every timer once. */
  from = MAX (from, now_tick - N_SLOTS + 1);
  for (gint64 tick = from; tick <= now_tick; tick++)
    advance_slot (self, &self->slots[tick & (N_SLOTS - 1)], now_tick, now_us, func,
                  user_data);
}
