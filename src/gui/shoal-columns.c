/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-label.h"
#include "shoal-row-item.h"
#include "shoal-columns.h"

typedef struct
{
  ShoalColumnText  text_func;
  ShoalColumnFlags flags;
} ColumnInfo;

static void
update_label (GtkLabel     *label,
              ShoalRowItem *item)
{
  ColumnInfo *info = g_object_get_data (G_OBJECT (label), "shoal-column");
  g_autofree char *text = info->text_func (shoal_row_item_get_data (item));

  shoal_label_set (label, text);
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          ColumnInfo               *info)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), info->flags & SHOAL_COLUMN_NUMERIC ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (info->flags & SHOAL_COLUMN_NUMERIC)
    gtk_widget_add_css_class (label, "numeric");
  if (info->flags & SHOAL_COLUMN_MONO)
    gtk_widget_add_css_class (label, "monospace");
  g_object_set_data (G_OBJECT (label), "shoal-column", info);
  gtk_list_item_set_child (list_item, label);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         ColumnInfo               *info)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  ShoalRowItem *item = gtk_list_item_get_item (list_item);
  gulong id;

  update_label (GTK_LABEL (label), item);
  id = g_signal_connect_object (item, "changed", G_CALLBACK (update_label), label,
                                G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (list_item), "shoal-changed-id", GSIZE_TO_POINTER (id));
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           ColumnInfo               *info)
{
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "shoal-changed-id"));

  if (id != 0)
    g_signal_handler_disconnect (gtk_list_item_get_item (list_item), id);
  g_object_set_data (G_OBJECT (list_item), "shoal-changed-id", NULL);
}

static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  ShoalColumnCompare compare = user_data;

  return compare (shoal_row_item_get_data ((ShoalRowItem *) a),
                  shoal_row_item_get_data ((ShoalRowItem *) b));
}

GtkColumnViewColumn *
shoal_columns_add (GtkColumnView      *view,
                   const char         *title,
                   ShoalColumnText     text_func,
                   ShoalColumnCompare  compare_func,
                   ShoalColumnFlags    flags)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  ColumnInfo *info = g_new0 (ColumnInfo, 1);
  GtkColumnViewColumn *column;

  g_return_val_if_fail (gtk_column_view_get_model (view) == NULL, NULL);

  info->text_func = text_func;
  info->flags = flags;
  g_object_set_data_full (G_OBJECT (factory), "shoal-column", info, g_free);
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), info);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), info);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), info);

  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, (flags & SHOAL_COLUMN_EXPAND) != 0);
  if (compare_func != NULL)
    {
      g_autoptr(GtkSorter) sorter =
        GTK_SORTER (gtk_custom_sorter_new (compare_items, compare_func, NULL));
      gtk_column_view_column_set_sorter (column, sorter);
    }
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
  return column;
}

void
shoal_columns_set_model (GtkColumnView *view,
                         GListModel    *model)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (view);
  GtkSortListModel *sorted = gtk_sort_list_model_new (g_object_ref (model),
                                                      g_object_ref (sorter));
  GtkSelectionModel *selection =
    GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (sorted)));

  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
  gtk_column_view_set_model (view, selection);
  g_object_unref (selection);
}

/* Rows change in place, which a sort model does not notice by itself. */
void
shoal_columns_resort (GtkColumnView *view)
{
  gtk_sorter_changed (gtk_column_view_get_sorter (view), GTK_SORTER_CHANGE_DIFFERENT);
}
