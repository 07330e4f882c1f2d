/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-config.h"
#include "shoal-playground.h"

G_BEGIN_DECLS

/* The orchestrator: owns the parts of a running pool (node watcher,
 * stratum server, validator, store, payer) and wires them together on
 * the thread that created it.  The GUI and headless mode both drive it. */

#define SHOAL_TYPE_POOL (shoal_pool_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPool, shoal_pool, SHOAL, POOL, GObject)

ShoalPool   *shoal_pool_new                (ShoalConfig      *config);
ShoalConfig *shoal_pool_get_config         (ShoalPool        *self);
void         shoal_pool_start_async        (ShoalPool        *self,
                                            GCancellable     *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer          user_data);
gboolean     shoal_pool_start_finish       (ShoalPool        *self,
                                            GAsyncResult     *result,
                                            GError          **error);
void         shoal_pool_stop               (ShoalPool        *self);
ShoalPlayground *shoal_pool_get_playground (ShoalPool        *self);
guint64      shoal_pool_get_node_height    (ShoalPool        *self);
gboolean     shoal_pool_get_node_reachable (ShoalPool        *self);
const char  *shoal_pool_get_status_message (ShoalPool        *self);

G_END_DECLS
