/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One row of a list the window shows: a key (worker name, block id, ...)
 * and a plain struct from the pool's API that the item owns.  Rows are
 * updated in place ("changed"), so sorting, selection and scrolling
 * survive the once-a-second refresh. */

#define SHOAL_TYPE_ROW_ITEM (shoal_row_item_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRowItem, shoal_row_item, SHOAL, ROW_ITEM, GObject)

typedef char *(*ShoalRowKeyFunc) (gconstpointer data);

ShoalRowItem  *shoal_row_item_new      (const char     *key,
                                        gpointer        data,
                                        GDestroyNotify  free_func);
const char    *shoal_row_item_get_key  (ShoalRowItem   *self);
gconstpointer  shoal_row_item_get_data (ShoalRowItem   *self);
void           shoal_row_item_set_data (ShoalRowItem   *self,
                                        gpointer        data);

/* Makes STORE hold one item per element of INFOS (matched by key),
 * taking the elements: INFOS is left empty. */
void           shoal_row_item_sync     (GListStore     *store,
                                        GPtrArray      *infos,
                                        ShoalRowKeyFunc key_func,
                                        GDestroyNotify  free_func);

G_END_DECLS
