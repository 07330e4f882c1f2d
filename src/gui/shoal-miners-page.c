/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-columns.h"
#include "shoal-format.h"
#include "shoal-row-item.h"
#include "shoal-worker-window.h"
#include "shoal-miners-page.h"

struct _ShoalMinersPage
{
  AdwBin         parent_instance;
  ShoalPool     *pool;
  GListStore    *store;
  GtkStack      *stack;
  GtkColumnView *view;
  guint          ticks;
};

/* Resorting rebinds rows: do it when rows come or go, and otherwise now and then. */
#define RESORT_EVERY_TICKS 10

G_DEFINE_FINAL_TYPE (ShoalMinersPage, shoal_miners_page, ADW_TYPE_BIN)

#define W(p) ((const ShoalWorkerInfo *) (p))

static int
cmp_u64 (guint64 a,
         guint64 b)
{
  return a < b ? -1 : a > b;
}

static char *
text_worker (gconstpointer p)
{
  if (W (p)->stalled)
    /* Translators: a worker (rig) name, then its state */
    return g_strdup_printf (_("%s (stopped mining)"), W (p)->worker);
  if (W (p)->online)
    return g_strdup (W (p)->worker);
  /* Translators: a worker (rig) name, then its state */
  return g_strdup_printf (_("%s (offline)"), W (p)->worker);
}

static int
cmp_worker (gconstpointer a, gconstpointer b)
{
  return g_utf8_collate (W (a)->worker, W (b)->worker);
}

static char *
text_address (gconstpointer p)
{
  return shoal_format_address_short (W (p)->address);
}

static int
cmp_address (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (W (a)->address, W (b)->address);
}

#define NUMBER_COLUMN(name, field, format)                         \
  static char *text_##name (gconstpointer p)                        \
  { return format (W (p)->field); }                                 \
  static int cmp_##name (gconstpointer a, gconstpointer b)         \
  { return cmp_u64 (W (a)->field, W (b)->field); }

static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

NUMBER_COLUMN (rate_1m, hashrate_1m, shoal_format_hashrate)
NUMBER_COLUMN (rate_10m, hashrate_10m, shoal_format_hashrate)
NUMBER_COLUMN (rate_1h, hashrate_1h, shoal_format_hashrate)
NUMBER_COLUMN (difficulty, difficulty, shoal_format_difficulty)
NUMBER_COLUMN (accepted, accepted, format_count)
NUMBER_COLUMN (rejected, rejected, format_count)
NUMBER_COLUMN (stale, stale, format_count)

static char *
text_last_share (gconstpointer p)
{
  return shoal_format_ago (W (p)->last_share_us, g_get_real_time ());
}

static int
cmp_last_share (gconstpointer a, gconstpointer b)
{
  return cmp_u64 ((guint64) W (a)->last_share_us, (guint64) W (b)->last_share_us);
}

static char *
text_ip (gconstpointer p)
{
  return g_strdup (W (p)->ip != NULL ? W (p)->ip : "—");
}

static int
cmp_ip (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (W (a)->ip, W (b)->ip);
}

static void
add_columns (ShoalMinersPage *self)
{
  GtkColumnView *v = self->view;
  GtkColumnViewColumn *first;

  first = shoal_columns_add (v, _("Worker"), text_worker, cmp_worker, SHOAL_COLUMN_EXPAND);
  shoal_columns_add (v, _("Address"), text_address, cmp_address, SHOAL_COLUMN_MONO);
  shoal_columns_add (v, _("1 min"), text_rate_1m, cmp_rate_1m, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("10 min"), text_rate_10m, cmp_rate_10m, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("1 hour"), text_rate_1h, cmp_rate_1h, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Difficulty"), text_difficulty, cmp_difficulty, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Accepted"), text_accepted, cmp_accepted, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Rejected"), text_rejected, cmp_rejected, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Stale"), text_stale, cmp_stale, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Last share"), text_last_share, cmp_last_share, SHOAL_COLUMN_TEXT);
  shoal_columns_add (v, _("IP address"), text_ip, cmp_ip, SHOAL_COLUMN_MONO);
  /* Factories first, model second: GTK 4.8 draws empty rows otherwise. */
  shoal_columns_set_model (v, G_LIST_MODEL (self->store));
  gtk_column_view_sort_by_column (v, first, GTK_SORT_ASCENDING);
}

static char *
worker_key (gconstpointer p)
{
  return g_strdup_printf ("%s/%s", W (p)->address, W (p)->worker);
}

static void
on_snapshot_changed (ShoalMinersPage *self)
{
  const ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);
  g_autoptr(GPtrArray) copies =
    g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_worker_info_free);
  guint n = snap->workers != NULL ? snap->workers->len : 0;
  guint before = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (copies, shoal_worker_info_copy (g_ptr_array_index (snap->workers, i)));
  shoal_row_item_sync (self->store, copies, worker_key, (GDestroyNotify) shoal_worker_info_free);
  if (before != n || ++self->ticks % RESORT_EVERY_TICKS == 0)
    shoal_columns_resort (self->view);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
}

static void
on_row_activated (ShoalMinersPage *self,
                  guint            position)
{
  g_autoptr(ShoalRowItem) item =
    g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (self->view)), position);
  const ShoalWorkerInfo *info;
  GtkWindow *window;

  if (item == NULL)
    return;
  info = shoal_row_item_get_data (item);
  window = shoal_worker_window_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                    self->pool, info->address, info->worker);
  gtk_window_present (window);
}

static void
shoal_miners_page_dispose (GObject *object)
{
  ShoalMinersPage *self = SHOAL_MINERS_PAGE (object);

  g_clear_object (&self->pool);
  /* The bin's child is a template child: let the bin drop it first, or
   * both unparent it and GTK warns. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_MINERS_PAGE);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (shoal_miners_page_parent_class)->dispose (object);
}

static void
shoal_miners_page_class_init (ShoalMinersPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_miners_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-miners-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalMinersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalMinersPage, view);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
shoal_miners_page_init (ShoalMinersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->store = g_list_store_new (SHOAL_TYPE_ROW_ITEM);
  add_columns (self);
}

void
shoal_miners_page_set_pool (ShoalMinersPage *self,
                            ShoalPool       *pool)
{
  g_return_if_fail (SHOAL_IS_MINERS_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  g_signal_connect_object (pool, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self,
                           G_CONNECT_SWAPPED);
  on_snapshot_changed (self);
}
