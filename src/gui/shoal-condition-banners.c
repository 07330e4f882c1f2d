/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-condition-banners.h"

struct _ShoalConditionBanners
{
  GtkWidget  parent_instance;
  GtkWidget *box;
  ShoalPool *pool;
};

G_DEFINE_FINAL_TYPE (ShoalConditionBanners, shoal_condition_banners, GTK_TYPE_WIDGET)

static const char *
level_class (ShoalConditionLevel level)
{
  switch (level)
    {
    case SHOAL_CONDITION_STOPPED:
      return "shoal-banner-stopped";
    case SHOAL_CONDITION_DEGRADED:
      return "shoal-banner-degraded";
    case SHOAL_CONDITION_NOTICE:
    default:
      return "shoal-banner-notice";
    }
}

static const char *
level_icon (ShoalConditionLevel level)
{
  return level == SHOAL_CONDITION_NOTICE ? "dialog-information-symbolic"
                                         : "dialog-warning-symbolic";
}

static GtkWidget *
banner_new (const ShoalCondition *condition)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name (level_icon (condition->level));
  GtkWidget *label = gtk_label_new (condition->sentence);

  gtk_widget_add_css_class (row, "shoal-banner");
  gtk_widget_add_css_class (row, level_class (condition->level));
  gtk_widget_set_name (row, condition->id);
  /* Taller than one line of text: GTK 4.8 otherwise measures a wrapping
   * label a pixel differently for height-for-width and warns. */
  gtk_widget_set_size_request (row, -1, 44);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), icon);
  gtk_box_append (GTK_BOX (row), label);
  if (condition->action != NULL && condition->action_name != NULL)
    {
      GtkWidget *button = gtk_button_new_with_label (condition->action);

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), condition->action_name);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (row), button);
    }
  return row;
}

static void
rebuild (ShoalConditionBanners *self)
{
  GPtrArray *conditions = shoal_pool_get_conditions (self->pool);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->box)) != NULL)
    gtk_box_remove (GTK_BOX (self->box), child);
  for (guint i = 0; i < conditions->len; i++)
    gtk_box_append (GTK_BOX (self->box), banner_new (g_ptr_array_index (conditions, i)));
  gtk_widget_set_visible (self->box, conditions->len > 0);
}

static void
shoal_condition_banners_dispose (GObject *object)
{
  ShoalConditionBanners *self = SHOAL_CONDITION_BANNERS (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (shoal_condition_banners_parent_class)->dispose (object);
}

static void
shoal_condition_banners_class_init (ShoalConditionBannersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_condition_banners_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "shoal-condition-banners");
}

static void
shoal_condition_banners_init (ShoalConditionBanners *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_visible (self->box, FALSE);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

GtkWidget *
shoal_condition_banners_new (void)
{
  return g_object_new (SHOAL_TYPE_CONDITION_BANNERS, NULL);
}

void
shoal_condition_banners_set_pool (ShoalConditionBanners *self,
                                  ShoalPool             *pool)
{
  g_return_if_fail (SHOAL_IS_CONDITION_BANNERS (self));
  g_return_if_fail (SHOAL_IS_POOL (pool));

  g_set_object (&self->pool, pool);
  g_signal_connect_object (pool, "conditions-changed", G_CALLBACK (rebuild), self,
                           G_CONNECT_SWAPPED);
  rebuild (self);
}
