/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* How to point a rig at this computer: its LAN addresses and the stratum
 * port, a ready XMRig command line and config.json section, copy buttons. */

#define SHOAL_TYPE_CONNECT_WINDOW (shoal_connect_window_get_type ())
G_DECLARE_FINAL_TYPE (ShoalConnectWindow, shoal_connect_window, SHOAL, CONNECT_WINDOW, AdwWindow)

GtkWindow *shoal_connect_window_new           (GtkWindow *parent,
                                               ShoalPool *pool);
/* IPv4 addresses of this machine's interfaces that are up, loopback
 * left out; "127.0.0.1" alone when there is none. */
GStrv      shoal_connect_window_lan_addresses (void);

G_END_DECLS
