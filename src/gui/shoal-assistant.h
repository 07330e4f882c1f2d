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

/* "Run a Node for Me": until Shoal runs a node itself this page says it
 * is coming.  The managed node puts its own page here, and moves on to
 * the pool page with shoal_assistant_show_pool_page() once its node is
 * set up (node-url written to the settings). */
void            shoal_assistant_set_managed_node_page (ShoalAssistant *self,
                                                       GtkWidget      *page);
void            shoal_assistant_show_pool_page        (ShoalAssistant *self);

G_END_DECLS
