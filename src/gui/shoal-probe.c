/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-probe.h"

#define TICK_MS 10
#define REPORT_US (10 * G_USEC_PER_SEC)

typedef struct
{
  gint64 expected_us;
  gint64 window_start_us;
  gint64 max_late_us;
  guint  ticks;
} Probe;

static gboolean
on_tick (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - probe->expected_us;

  probe->max_late_us = MAX (probe->max_late_us, late);
  probe->ticks++;
  if (now - probe->window_start_us >= REPORT_US)
    {
      g_message ("main-loop probe: max latency %" G_GINT64_FORMAT " ms over 10 s (%u ticks)",
                 probe->max_late_us / 1000, probe->ticks);
      probe->window_start_us = now;
      probe->max_late_us = 0;
      probe->ticks = 0;
    }
  probe->expected_us = now + TICK_MS * 1000;
  return G_SOURCE_CONTINUE;
}

void
shoal_probe_start_if_wanted (void)
{
  Probe *probe;

  if (g_strcmp0 (g_getenv ("SHOAL_MAINLOOP_PROBE"), "1") != 0)
    return;
  probe = g_new0 (Probe, 1);
  probe->window_start_us = g_get_monotonic_time ();
  probe->expected_us = probe->window_start_us + TICK_MS * 1000;
  /* Lives as long as the process: the probe has no off switch. */
  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, on_tick, probe, g_free);
}
