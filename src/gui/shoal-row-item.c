/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-row-item.h"

struct _ShoalRowItem
{
  GObject         parent_instance;
  char           *key;
  gpointer        data;
  GDestroyNotify  free_func;
};

G_DEFINE_FINAL_TYPE (ShoalRowItem, shoal_row_item, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
shoal_row_item_finalize (GObject *object)
{
  ShoalRowItem *self = SHOAL_ROW_ITEM (object);

  if (self->free_func != NULL)
    g_clear_pointer (&self->data, self->free_func);
  g_free (self->key);
  G_OBJECT_CLASS (shoal_row_item_parent_class)->finalize (object);
}

static void
shoal_row_item_class_init (ShoalRowItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_row_item_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_row_item_init (ShoalRowItem *self)
{
}

ShoalRowItem *
shoal_row_item_new (const char     *key,
                    gpointer        data,
                    GDestroyNotify  free_func)
{
  ShoalRowItem *self = g_object_new (SHOAL_TYPE_ROW_ITEM, NULL);

  self->key = g_strdup (key);
  self->data = data;
  self->free_func = free_func;
  return self;
}

const char *
shoal_row_item_get_key (ShoalRowItem *self)
{
  g_return_val_if_fail (SHOAL_IS_ROW_ITEM (self), NULL);
  return self->key;
}

gconstpointer
shoal_row_item_get_data (ShoalRowItem *self)
{
  g_return_val_if_fail (SHOAL_IS_ROW_ITEM (self), NULL);
  return self->data;
}

void
shoal_row_item_set_data (ShoalRowItem *self,
                         gpointer      data)
{
  g_return_if_fail (SHOAL_IS_ROW_ITEM (self));

  if (self->free_func != NULL && self->data != NULL)
    self->free_func (self->data);
  self->data = data;
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
remove_missing (GListStore *store,
                GHashTable *wanted)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (store)); i > 0; i--)
    {
      g_autoptr(ShoalRowItem) item = g_list_model_get_item (G_LIST_MODEL (store), i - 1);

      if (!g_hash_table_contains (wanted, item->key))
        g_list_store_remove (store, i - 1);
    }
}

void
shoal_row_item_sync (GListStore      *store,
                     GPtrArray       *infos,
                     ShoalRowKeyFunc  key_func,
                     GDestroyNotify   free_func)
{
  g_autoptr(GHashTable) existing = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gsize len = 0;
  g_autofree gpointer *elements = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalRowItem) item = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_hash_table_insert (existing, item->key, item);
    }
  elements = g_ptr_array_steal (infos, &len);
  for (gsize i = 0; i < len; i++)
    {
      char *key = key_func (elements[i]);
      ShoalRowItem *item = g_hash_table_lookup (existing, key);

      if (item != NULL)
        shoal_row_item_set_data (item, elements[i]);
      else
        g_ptr_array_add (added, shoal_row_item_new (key, elements[i], free_func));
      g_hash_table_add (wanted, key);
    }
  remove_missing (store, wanted);
  g_list_store_splice (store, g_list_model_get_n_items (G_LIST_MODEL (store)), 0,
                       added->pdata, added->len);
}
