/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-accounting.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* Store writes and accounting, run one at a time and in the order they
 * were queued on a thread of their own, so the main loop never waits on
 * SQLite.  A chore's WORK runs on that thread; its DONE (optional) runs
 * back on the context that queued it, and only while OWNER is alive. */

typedef void (*ShoalChoreWork) (ShoalStore      *store,
                                ShoalAccounting *accounting,
                                gpointer         data,
                                GError         **error);
typedef void (*ShoalChoreDone) (gpointer         owner,
                                gpointer         data,
                                GError          *error);

#define SHOAL_TYPE_BOOKKEEPER (shoal_bookkeeper_get_type ())
G_DECLARE_FINAL_TYPE (ShoalBookkeeper, shoal_bookkeeper, SHOAL, BOOKKEEPER, GObject)

ShoalBookkeeper *shoal_bookkeeper_new      (ShoalStore      *store,
                                            ShoalAccounting *accounting);
ShoalStore      *shoal_bookkeeper_get_store (ShoalBookkeeper *self);
void             shoal_bookkeeper_queue    (ShoalBookkeeper *self,
                                            gpointer         owner,
                                            ShoalChoreWork   work,
                                            ShoalChoreDone   done,
                                            gpointer         data,
                                            GDestroyNotify   free_data);
void             shoal_bookkeeper_shutdown (ShoalBookkeeper *self);

G_END_DECLS
