/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Starts a page's query; FALSE when there is nothing to query (no pool
 * yet), so no answer will come. */
typedef gboolean (*ShoalPageLoadFunc) (gpointer page);

/* Keeps a list page fresh: one query at a time (a request while one runs
 * asks for one more after it), a load when the page is shown, and another
 * every few seconds while it shows, since block states and balances
 * change a moment after the height that caused them.  Owned by its page,
 * on the main thread. */
#define SHOAL_TYPE_PAGE_LOADER (shoal_page_loader_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPageLoader, shoal_page_loader, SHOAL, PAGE_LOADER, GObject)

ShoalPageLoader *shoal_page_loader_new     (GtkWidget         *page,
                                            guint              refresh_s,
                                            ShoalPageLoadFunc  start);
/* Load now, or once the query under way has answered. */
void             shoal_page_loader_request (ShoalPageLoader   *self);
/* The page's query has answered (whatever it said). */
void             shoal_page_loader_done    (ShoalPageLoader   *self);

G_END_DECLS
