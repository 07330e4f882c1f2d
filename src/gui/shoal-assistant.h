/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The first-run assistant: where work comes from (the playground, the
 * user's node checked live, or a node Shoal runs), then the reward
 * address, the mode and the stratum port.  It writes SETTINGS and
 * restarts the pool (app.restart) when the user starts it.  Shown when
 * Shoal cannot run, and from the menu.  GTK main thread. */
#define SHOAL_TYPE_ASSISTANT (shoal_assistant_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAssistant, shoal_assistant, SHOAL, ASSISTANT, AdwWindow)

ShoalAssistant *shoal_assistant_new (GtkWindow *parent,
                                     GSettings *settings);


G_END_DECLS
