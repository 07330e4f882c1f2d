/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* Tells the user, once, when a rig stops mining (it left, or it is
 * connected but sent no share for several share intervals) and once when
 * it is back, as desktop notifications of APPLICATION.  Rigs seen in the
 * first snapshot are taken as they are, not announced.  Main thread. */
#define SHOAL_TYPE_RIG_WATCH (shoal_rig_watch_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRigWatch, shoal_rig_watch, SHOAL, RIG_WATCH, GObject)

ShoalRigWatch *shoal_rig_watch_new      (GApplication  *application);
/* Follows POOL from now on (a restarted pool is a new one). */
void           shoal_rig_watch_set_pool (ShoalRigWatch *self,
                                         ShoalPool     *pool);

G_END_DECLS
