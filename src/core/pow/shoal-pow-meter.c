/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "shoal-pow-meter.h"

#define SLOT_US        (100 * 1000)
#define N_SLOTS        50                      /* the rate covers 5 s */
#define N_LATENCIES    1024
#define LATENCY_MAX_AGE_US (10 * G_USEC_PER_SEC)

typedef struct
{
  gint64 slot;
  guint  count;
} RateSlot;

typedef struct
{
  gint64 done_us;
  gint64 latency_us;
} Latency;

struct _ShoalPowMeter
{
  gint64   created_us;
  RateSlot slots[N_SLOTS];
  Latency  latencies[N_LATENCIES];
  guint    next_latency;
};

ShoalPowMeter *
shoal_pow_meter_new (void)
{
  ShoalPowMeter *meter = g_new0 (ShoalPowMeter, 1);

  meter->created_us = g_get_monotonic_time ();
  return meter;
}

void
shoal_pow_meter_free (ShoalPowMeter *meter)
{
  g_free (meter);
}

void
shoal_pow_meter_record (ShoalPowMeter *meter,
                        gint64         now_us,
                        gint64         latency_us)
{
  gint64 slot = now_us / SLOT_US;
  RateSlot *rate = &meter->slots[slot % N_SLOTS];

  if (rate->slot != slot)
    {
      rate->slot = slot;
      rate->count = 0;
    }
  rate->count++;
  meter->latencies[meter->next_latency] = (Latency) { now_us, MAX (latency_us, 0) };
  meter->next_latency = (meter->next_latency + 1) % N_LATENCIES;
}

double
shoal_pow_meter_rate (ShoalPowMeter *meter,
                      gint64         now_us)
{
  gint64 now_slot = now_us / SLOT_US;
  gint64 window_us = CLAMP (now_us - meter->created_us, SLOT_US, (gint64) N_SLOTS * SLOT_US);
  guint64 count = 0;

  for (guint i = 0; i < N_SLOTS; i++)
    if (meter->slots[i].count > 0 && meter->slots[i].slot > now_slot - N_SLOTS)
      count += meter->slots[i].count;
  return (double) count * G_USEC_PER_SEC / (double) window_us;
}

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

void
shoal_pow_meter_latencies (ShoalPowMeter *meter,
                           gint64         now_us,
                           guint64       *p50_us,
                           guint64       *p99_us)
{
  g_autofree gint64 *recent = g_new (gint64, N_LATENCIES);
  guint n = 0;

  for (guint i = 0; i < N_LATENCIES; i++)
    {
      const Latency *l = &meter->latencies[i];

      if (l->done_us != 0 && now_us - l->done_us <= LATENCY_MAX_AGE_US)
        recent[n++] = l->latency_us;
    }
  *p50_us = *p99_us = 0;
  if (n == 0)
    return;
  qsort (recent, n, sizeof *recent, compare_gint64);
  *p50_us = recent[n / 2];
  *p99_us = recent[MIN (n * 99 / 100, n - 1)];
}
