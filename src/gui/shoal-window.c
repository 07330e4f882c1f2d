/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-window.h"

struct _ShoalWindow
{
  AdwApplicationWindow  parent_instance;
  ShoalPool            *pool;
  GtkLabel             *height_label;
  GtkLabel             *node_label;
};

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_POOL, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update_node (ShoalWindow *self)
{
  g_autofree char *height = NULL;

  if (shoal_pool_get_node_reachable (self->pool))
    {
      height = g_strdup_printf ("%" G_GUINT64_FORMAT, shoal_pool_get_node_height (self->pool));
      gtk_label_set_text (self->height_label, height);
      gtk_label_set_text (self->node_label, _("Node reachable"));
    }
  else
    {
      gtk_label_set_text (self->height_label, "—");
      gtk_label_set_text (self->node_label, shoal_pool_get_status_message (self->pool)
                                            ? _("Node unreachable") : _("Starting…"));
    }
}

static void
shoal_window_constructed (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  G_OBJECT_CLASS (shoal_window_parent_class)->constructed (object);
  g_signal_connect_object (self->pool, "notify::node-height", G_CALLBACK (update_node), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pool, "notify::node-reachable", G_CALLBACK (update_node), self,
                           G_CONNECT_SWAPPED);
  update_node (self);
}

static void
shoal_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_POOL:
      self->pool = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_window_dispose (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WINDOW);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (shoal_window_parent_class)->dispose (object);
}

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = shoal_window_constructed;
  object_class->set_property = shoal_window_set_property;
  object_class->dispose = shoal_window_dispose;

  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, SHOAL_TYPE_POOL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/shoalpool/Shoal/shoal-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, height_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, node_label);
}

static void
shoal_window_init (ShoalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ShoalWindow *
shoal_window_new (ShoalApplication *application,
                  ShoalPool        *pool)
{
  return g_object_new (SHOAL_TYPE_WINDOW, "application", application, "pool", pool, NULL);
}
