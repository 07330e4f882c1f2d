/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-label.h"
#include "shoal-managed-node.h"
#include "shoal-node-page.h"

/* Lives on the GTK thread; reads the pool's snapshot once a second. */
struct _ShoalNodePage
{
  AdwBin          parent_instance;
  ShoalPool      *pool;
  gboolean        has_node;

  GtkLabel       *state_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *progress_label;
  GtkLabel       *height_label;
  GtkLabel       *rate_label;
  GtkLabel       *left_label;
  GtkLabel       *peers_label;
  GtkLabel       *disk_label;
  GtkLabel       *about_label;
};

G_DEFINE_FINAL_TYPE (ShoalNodePage, shoal_node_page, ADW_TYPE_BIN)

enum { PROP_0, PROP_HAS_NODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static char *
format_state (const ShoalPoolSnapshot *snap)
{
  if (g_str_has_prefix (snap->managed_state, "restarting"))
    /* Translators: the node stopped by itself; %s is e.g. "restarting in 4 s" */
    return g_strdup_printf (_("The node stopped unexpectedly, %s"), snap->managed_state);
  if (g_strcmp0 (snap->managed_state, "stopped") == 0)
    return g_strdup (_("Stopped"));
  if (snap->managed_progress >= 1.0)
    return g_strdup (_("Synced: mining"));
  if (snap->managed_target_height == 0)
    return g_strdup (_("Looking for peers…"));
  return g_strdup (_("Syncing: mining starts when it is done"));
}

static char *
format_left (const ShoalPoolSnapshot *snap)
{
  if (snap->managed_progress >= 1.0)
    return g_strdup (_("Done"));
  if (snap->managed_seconds_left < 0)
    return g_strdup ("—");
  return shoal_format_duration ((guint64) snap->managed_seconds_left);
}

static void
update (ShoalNodePage           *self,
        const ShoalPoolSnapshot *snap)
{
  guint64 target = MAX (snap->managed_target_height, snap->managed_height);

  shoal_label_take (self->state_label, format_state (snap));
  gtk_progress_bar_set_fraction (self->progress_bar, snap->managed_progress);
  shoal_label_take (self->progress_label,
                    g_strdup_printf ("%.1f %%", snap->managed_progress * 100));
  shoal_label_take (self->height_label,
                    g_strdup_printf ("%" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT,
                                     snap->managed_height, target));
  shoal_label_take (self->rate_label,
                    g_strdup_printf ("%.0f", snap->managed_blocks_per_minute));
  shoal_label_take (self->left_label, format_left (snap));
  shoal_label_take (self->peers_label, g_strdup_printf ("%u", snap->managed_peers));
  shoal_label_take (self->disk_label, g_format_size (snap->managed_disk_used));
}

static void
on_snapshot_changed (ShoalNodePage *self)
{
  const ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);
  gboolean has_node = snap->managed_state != NULL;

  if (has_node)
    update (self, snap);
  if (has_node != self->has_node)
    {
      self->has_node = has_node;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_NODE]);
    }
}

static void
shoal_node_page_dispose (GObject *object)
{
  ShoalNodePage *self = SHOAL_NODE_PAGE (object);

  g_clear_object (&self->pool);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_NODE_PAGE);
  G_OBJECT_CLASS (shoal_node_page_parent_class)->dispose (object);
}

static void
shoal_node_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_HAS_NODE:
      g_value_set_boolean (value, SHOAL_NODE_PAGE (object)->has_node);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_page_class_init (ShoalNodePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_node_page_dispose;
  object_class->get_property = shoal_node_page_get_property;
  /* TRUE when the pool runs a node of its own: the page is worth showing. */
  properties[PROP_HAS_NODE] =
    g_param_spec_boolean ("has-node", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-node-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, state_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, height_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, rate_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, left_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, peers_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, disk_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalNodePage, about_label);
}

static void
shoal_node_page_init (ShoalNodePage *self)
{
  g_autofree char *about = shoal_managed_node_describe_sync ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_label_set_label (self->about_label, about);
}

void
shoal_node_page_set_pool (ShoalNodePage *self,
                          ShoalPool     *pool)
{
  g_return_if_fail (SHOAL_IS_NODE_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  g_signal_connect_object (pool, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self,
                           G_CONNECT_SWAPPED);
  on_snapshot_changed (self);
}

gboolean
shoal_node_page_has_node (ShoalNodePage *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE_PAGE (self), FALSE);
  return self->has_node;
}
