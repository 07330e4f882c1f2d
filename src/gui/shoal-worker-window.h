/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* One worker's details and its own hashrate chart, kept live from snapshots. */

#define SHOAL_TYPE_WORKER_WINDOW (shoal_worker_window_get_type ())
G_DECLARE_FINAL_TYPE (ShoalWorkerWindow, shoal_worker_window, SHOAL, WORKER_WINDOW, AdwWindow)

GtkWindow *shoal_worker_window_new (GtkWindow  *parent,
                                    ShoalPool  *pool,
                                    const char *address,
                                    const char *worker);

G_END_DECLS
