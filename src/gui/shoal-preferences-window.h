/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Every user setting, bound to GSettings (which the application binds
 * onto the pool's ShoalConfig). */

#define SHOAL_TYPE_PREFERENCES_WINDOW (shoal_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPreferencesWindow, shoal_preferences_window, SHOAL, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWindow *shoal_preferences_window_new (GtkWindow *parent,
                                         GSettings *settings);

G_END_DECLS
