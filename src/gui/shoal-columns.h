/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Text columns over ShoalRowItem rows.  GTK 4.8 renders empty rows when
 * a column's factory is set after the model: add every column first,
 * then call shoal_columns_set_model(). */

typedef char *(*ShoalColumnText)    (gconstpointer data);
typedef int   (*ShoalColumnCompare) (gconstpointer a,
                                     gconstpointer b);

typedef enum
{
  SHOAL_COLUMN_TEXT    = 0,
  SHOAL_COLUMN_NUMERIC = 1 << 0,  /* right-aligned, tabular figures */
  SHOAL_COLUMN_EXPAND  = 1 << 1,
  SHOAL_COLUMN_MONO    = 1 << 2,
} ShoalColumnFlags;

GtkColumnViewColumn *shoal_columns_add       (GtkColumnView      *view,
                                              const char         *title,
                                              ShoalColumnText     text_func,
                                              ShoalColumnCompare  compare_func,
                                              ShoalColumnFlags    flags);
void                 shoal_columns_set_model (GtkColumnView      *view,
                                              GListModel         *model);
void                 shoal_columns_resort    (GtkColumnView      *view);

G_END_DECLS
