/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-columns.h"
#include "shoal-format.h"
#include "shoal-page-loader.h"
#include "shoal-row-item.h"
#include "shoal-blocks-page.h"

#define REFRESH_S 5
#define BLOCK_LIMIT 500
#define UNLOCK_CONFIRMATIONS 60

struct _ShoalBlocksPage
{
  AdwBin         parent_instance;
  ShoalPool     *pool;
  GCancellable  *cancellable;
  GListStore    *store;
  ShoalPageLoader *loader;
  GtkStack      *stack;
  GtkColumnView *view;
};

G_DEFINE_FINAL_TYPE (ShoalBlocksPage, shoal_blocks_page, ADW_TYPE_BIN)

#define B(p) ((const ShoalBlockInfo *) (p))

static int
cmp_u64 (guint64 a,
         guint64 b)
{
  return a < b ? -1 : a > b;
}

static char *
text_height (gconstpointer p)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, B (p)->height);
}

static int
cmp_height (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (B (a)->height, B (b)->height);
}

static char *
text_time (gconstpointer p)
{
  return shoal_format_time (B (p)->found_us);
}

static int
cmp_time (gconstpointer a, gconstpointer b)
{
  return cmp_u64 ((guint64) B (a)->found_us, (guint64) B (b)->found_us);
}

static char *
text_reward (gconstpointer p)
{
  return B (p)->reward != 0 ? shoal_format_xmr (B (p)->reward) : g_strdup ("—");
}

static int
cmp_reward (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (B (a)->reward, B (b)->reward);
}

static char *
text_status (gconstpointer p)
{
  g_autofree char *confirmations = NULL;

  switch (B (p)->state)
    {
    case SHOAL_BLOCK_STATE_SUBMITTED:
      return g_strdup (_("Submitted"));
    case SHOAL_BLOCK_STATE_PENDING:
      confirmations = g_strdup_printf ("%" G_GUINT64_FORMAT, B (p)->confirmations);
      /* Translators: a block waiting to unlock: confirmations so far, and needed */
      return g_strdup_printf (_("Pending, %s of %u confirmations"), confirmations,
                              UNLOCK_CONFIRMATIONS);
    case SHOAL_BLOCK_STATE_UNLOCKED:
      return g_strdup (_("Unlocked"));
    case SHOAL_BLOCK_STATE_ORPHANED:
      return g_strdup (_("Orphaned"));
    case SHOAL_BLOCK_STATE_REJECTED:
      return g_strdup (_("Rejected by the node"));
    default:
      return g_strdup ("—");
    }
}

static int
cmp_status (gconstpointer a, gconstpointer b)
{
  int c = cmp_u64 (B (a)->state, B (b)->state);

  return c != 0 ? c : cmp_u64 (B (a)->confirmations, B (b)->confirmations);
}

static char *
text_effort (gconstpointer p)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %%", B (p)->effort_percent);
}

static int
cmp_effort (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (B (a)->effort_percent, B (b)->effort_percent);
}

static char *
text_id (gconstpointer p)
{
  return shoal_format_address_short (B (p)->id);
}

static void
add_columns (ShoalBlocksPage *self)
{
  GtkColumnView *v = self->view;
  GtkColumnViewColumn *height;

  height = shoal_columns_add (v, _("Height"), text_height, cmp_height, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Found"), text_time, cmp_time, SHOAL_COLUMN_TEXT);
  shoal_columns_add (v, _("Reward"), text_reward, cmp_reward, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Status"), text_status, cmp_status, SHOAL_COLUMN_EXPAND);
  shoal_columns_add (v, _("Effort"), text_effort, cmp_effort, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Block ID"), text_id, NULL, SHOAL_COLUMN_MONO);
  shoal_columns_set_model (v, G_LIST_MODEL (self->store));
  gtk_column_view_sort_by_column (v, height, GTK_SORT_DESCENDING);
}

static char *
block_key (gconstpointer p)
{
  return B (p)->id != NULL ? g_strdup (B (p)->id)
                           : g_strdup_printf ("%" G_GUINT64_FORMAT, B (p)->height);
}

static void
on_blocks (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = shoal_pool_list_blocks_finish (SHOAL_POOL (source), result, &error);
  ShoalBlocksPage *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (blocks == NULL)
    g_warning ("cannot list blocks: %s", error->message);
  else
    {
      shoal_row_item_sync (self->store, blocks, block_key, (GDestroyNotify) shoal_block_info_free);
      shoal_columns_resort (self->view);
      gtk_stack_set_visible_child_name (self->stack,
                                        g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0
                                        ? "list" : "empty");
    }
  shoal_page_loader_done (self->loader);
}

static gboolean
start_load (gpointer page)
{
  ShoalBlocksPage *self = page;

  if (self->pool == NULL)
    return FALSE;
  shoal_pool_list_blocks_async (self->pool, BLOCK_LIMIT, self->cancellable, on_blocks, self);
  return TRUE;
}

static void
shoal_blocks_page_dispose (GObject *object)
{
  ShoalBlocksPage *self = SHOAL_BLOCKS_PAGE (object);

  g_clear_object (&self->loader);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  /* The bin's child is a template child: let the bin drop it first, or
   * both unparent it and GTK warns. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_BLOCKS_PAGE);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (shoal_blocks_page_parent_class)->dispose (object);
}

static void
shoal_blocks_page_class_init (ShoalBlocksPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_blocks_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-blocks-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalBlocksPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalBlocksPage, view);
}

static void
shoal_blocks_page_init (ShoalBlocksPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->loader = shoal_page_loader_new (GTK_WIDGET (self), REFRESH_S, start_load);
  self->cancellable = g_cancellable_new ();
  self->store = g_list_store_new (SHOAL_TYPE_ROW_ITEM);
  add_columns (self);
}

void
shoal_blocks_page_set_pool (ShoalBlocksPage *self,
                            ShoalPool       *pool)
{
  g_return_if_fail (SHOAL_IS_BLOCKS_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  /* Confirmations count up with the chain; new and orphaned blocks come by signal. */
  g_signal_connect_object (pool, "notify::node-height", G_CALLBACK (shoal_page_loader_request),
                           self->loader, G_CONNECT_SWAPPED);
  g_signal_connect_object (pool, "block-found", G_CALLBACK (shoal_page_loader_request),
                           self->loader, G_CONNECT_SWAPPED);
  g_signal_connect_object (pool, "block-orphaned", G_CALLBACK (shoal_page_loader_request),
                           self->loader, G_CONNECT_SWAPPED);
  shoal_page_loader_request (self->loader);
}
