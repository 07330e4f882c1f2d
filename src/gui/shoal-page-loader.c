/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-page-loader.h"

/* Main thread only.  PAGE owns us, so it outlives us: no reference. */
struct _ShoalPageLoader
{
  GObject            parent_instance;
  GtkWidget         *page;
  ShoalPageLoadFunc  start;
  guint              refresh_s;
  gulong             map_id;
  gulong             unmap_id;
  guint              refresh_id;
  gboolean           loading;
  gboolean           again;
};

G_DEFINE_FINAL_TYPE (ShoalPageLoader, shoal_page_loader, G_TYPE_OBJECT)

void
shoal_page_loader_request (ShoalPageLoader *self)
{
  g_return_if_fail (SHOAL_IS_PAGE_LOADER (self));

  if (self->loading)
    {
      self->again = TRUE;
      return;
    }
  self->again = FALSE;
  self->loading = self->start (self->page);
}

void
shoal_page_loader_done (ShoalPageLoader *self)
{
  g_return_if_fail (SHOAL_IS_PAGE_LOADER (self));

  self->loading = FALSE;
  if (self->again)
    shoal_page_loader_request (self);
}

static gboolean
on_refresh_due (gpointer user_data)
{
  shoal_page_loader_request (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_map (ShoalPageLoader *self)
{
  shoal_page_loader_request (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (self->refresh_s, on_refresh_due, self);
}

static void
on_unmap (ShoalPageLoader *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
}

ShoalPageLoader *
shoal_page_loader_new (GtkWidget         *page,
                       guint              refresh_s,
                       ShoalPageLoadFunc  start)
{
  ShoalPageLoader *self = g_object_new (SHOAL_TYPE_PAGE_LOADER, NULL);

  self->page = page;
  self->start = start;
  self->refresh_s = refresh_s;
  self->map_id = g_signal_connect_swapped (page, "map", G_CALLBACK (on_map), self);
  self->unmap_id = g_signal_connect_swapped (page, "unmap", G_CALLBACK (on_unmap), self);
  return self;
}

static void
shoal_page_loader_dispose (GObject *object)
{
  ShoalPageLoader *self = SHOAL_PAGE_LOADER (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_signal_handler (&self->map_id, self->page);
  g_clear_signal_handler (&self->unmap_id, self->page);
  G_OBJECT_CLASS (shoal_page_loader_parent_class)->dispose (object);
}

static void
shoal_page_loader_class_init (ShoalPageLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_page_loader_dispose;
}

static void
shoal_page_loader_init (ShoalPageLoader *self)
{
}
