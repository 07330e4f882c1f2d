/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Measures main-loop stalls: a high-priority 10 ms timeout notes how late
 * it runs, and every 10 s the worst lateness is logged as
 * "main-loop probe: max latency N ms over 10 s (M ticks)".
 * Turned on with SHOAL_MAINLOOP_PROBE=1; it wakes the loop 100 times a
 * second, so leave it off when measuring idle CPU. */
void shoal_probe_start_if_wanted (void);

G_END_DECLS
