/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-chart.h"
#include "shoal-format.h"
#include "shoal-label.h"
#include "shoal-overview-page.h"

#define HISTORY_REFRESH_S 300
#define LIVE_POINT_US (10 * G_USEC_PER_SEC)

struct _ShoalOverviewPage
{
  AdwBin        parent_instance;
  ShoalPool    *pool;
  GCancellable *cancellable;
  guint         history_id;
  gint64        last_point_us;

  GtkLabel        *hashrate_label;
  GtkLabel        *hashrate_detail_label;
  ShoalChart      *chart;
  GtkToggleButton *hour_button;
  GtkToggleButton *day_button;
  GtkLabel        *miners_label;
  GtkWidget       *effort_row;
  GtkLabel        *effort_label;
  GtkWidget       *expected_row;
  GtkLabel        *expected_label;
  GtkLabel        *last_block_label;
  GtkLabel        *height_label;
  GtkLabel        *difficulty_label;
  GtkLabel        *node_label;
  GtkLabel        *synced_label;
};

G_DEFINE_FINAL_TYPE (ShoalOverviewPage, shoal_overview_page, ADW_TYPE_BIN)

static void
update_hashrate (ShoalOverviewPage       *self,
                 const ShoalPoolSnapshot *snap)
{
  g_autofree char *m10 = shoal_format_hashrate (snap->pool_hashrate_10m);
  g_autofree char *h1 = shoal_format_hashrate (snap->pool_hashrate_1h);

  shoal_label_take (self->hashrate_label, shoal_format_hashrate (snap->pool_hashrate_1m));
  /* Translators: averages of the pool hashrate over 10 minutes and 1 hour */
  shoal_label_take (self->hashrate_detail_label,
             g_strdup_printf (_("10 min average %s · 1 hour average %s"), m10, h1));
  shoal_label_take (self->miners_label, g_strdup_printf ("%u", snap->miners_online));
}

static char *
format_effort (const ShoalPoolSnapshot *snap)
{
  if (snap->network_difficulty == 0)
    return g_strdup ("—");
  /* A display ratio, not money. */
  return g_strdup_printf ("%.1f %%", 100.0 * (double) snap->round_shares /
                                     (double) snap->network_difficulty);
}

static char *
format_expected (const ShoalPoolSnapshot *snap)
{
  guint64 rate = snap->pool_hashrate_10m != 0 ? snap->pool_hashrate_10m : snap->pool_hashrate_1m;

  if (snap->network_difficulty == 0 || rate == 0)
    return g_strdup ("—");
  return shoal_format_duration (snap->network_difficulty / rate);
}

static char *
format_last_block (const ShoalPoolSnapshot *snap)
{
  g_autofree char *ago = NULL;
  g_autofree char *height = NULL;

  if (snap->last_block_height == 0)
    return g_strdup (_("None yet"));
  ago = shoal_format_ago (snap->last_block_us, snap->time_us);
  height = g_strdup_printf ("%" G_GUINT64_FORMAT, snap->last_block_height);
  /* Translators: a block height, then how long ago, e.g. "Block 1234, 5 min ago" */
  return g_strdup_printf (_("Block %s, %s"), height, ago);
}

static void
update_round (ShoalOverviewPage       *self,
              const ShoalPoolSnapshot *snap)
{
  shoal_label_take (self->effort_label, format_effort (snap));
  shoal_label_take (self->expected_label, format_expected (snap));
  shoal_label_take (self->last_block_label, format_last_block (snap));
}

static char *
format_sync (const ShoalPoolSnapshot *snap)
{
  if (snap->node_synced)
    return g_strdup (_("Synced"));
  /* Translators: sync progress of the Monero node, e.g. "Node syncing, 73 %" */
  return g_strdup_printf (_("Node syncing, %u %%"), snap->node_sync_percent);
}

static void
update_node (ShoalOverviewPage       *self,
             const ShoalPoolSnapshot *snap)
{
  if (snap->node_reachable)
    {
      shoal_label_take (self->height_label,
                        g_strdup_printf ("%" G_GUINT64_FORMAT, snap->node_height));
      shoal_label_take (self->difficulty_label, snap->network_difficulty != 0
                 ? shoal_format_difficulty (snap->network_difficulty) : g_strdup ("—"));
      shoal_label_set (self->node_label, _("Node reachable"));
      shoal_label_take (self->synced_label, format_sync (snap));
      return;
    }
  shoal_label_set (self->height_label, "—");
  shoal_label_set (self->difficulty_label, "—");
  if (g_strcmp0 (snap->status, "not running") == 0)
    shoal_label_set (self->node_label, _("Not running"));
  else
    shoal_label_set (self->node_label,
                     snap->status == NULL || g_strcmp0 (snap->status, "starting") == 0
                     ? _("Starting…") : _("Node unreachable"));
  shoal_label_set (self->synced_label, "—");
}

static void
on_snapshot_changed (ShoalOverviewPage *self)
{
  const ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);

  update_hashrate (self, snap);
  update_round (self, snap);
  update_node (self, snap);
  if (snap->time_us - self->last_point_us >= LIVE_POINT_US)
    {
      self->last_point_us = snap->time_us;
      shoal_chart_add_point (self->chart, snap->time_us, snap->pool_hashrate_1m);
    }
}

/* A new block shows at once, not on the next snapshot. */
static void
on_node_height (ShoalOverviewPage *self)
{
  if (shoal_pool_get_node_reachable (self->pool))
    shoal_label_take (self->height_label,
               g_strdup_printf ("%" G_GUINT64_FORMAT, shoal_pool_get_node_height (self->pool)));
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = shoal_pool_get_history_finish (SHOAL_POOL (source), result, &error);
  ShoalOverviewPage *self = user_data;

  if (points == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot read the hashrate history: %s", error->message);
      return;
    }
  shoal_chart_set_points (self->chart, points);
}

static void
load_history (ShoalOverviewPage *self)
{
  gint64 span = shoal_chart_get_span (self->chart);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* The callback runs only if not cancelled, and dispose cancels: SELF is alive then. */
  shoal_pool_get_history_async (self->pool, NULL, g_get_real_time () - span, self->cancellable,
                                on_history, self);
}

static gboolean
on_history_timeout (gpointer user_data)
{
  load_history (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_range_toggled (ShoalOverviewPage *self,
                  GtkToggleButton   *button)
{
  gint64 hours = button == self->day_button ? 24 : 1;

  if (!gtk_toggle_button_get_active (button))
    return;
  shoal_chart_set_span (self->chart, hours * 3600 * G_USEC_PER_SEC);
  if (self->pool != NULL)
    load_history (self);
}

static void
shoal_overview_page_dispose (GObject *object)
{
  ShoalOverviewPage *self = SHOAL_OVERVIEW_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->history_id, g_source_remove);
  g_clear_object (&self->pool);
  /* The bin's child is a template child: let the bin drop it first, or
   * both unparent it and GTK warns. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_OVERVIEW_PAGE);
  G_OBJECT_CLASS (shoal_overview_page_parent_class)->dispose (object);
}

static void
shoal_overview_page_class_init (ShoalOverviewPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_overview_page_dispose;

  g_type_ensure (SHOAL_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, hashrate_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, hashrate_detail_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, chart);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, hour_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, day_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, miners_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, effort_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, effort_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, expected_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, expected_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, last_block_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, height_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, difficulty_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, node_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalOverviewPage, synced_label);
  gtk_widget_class_bind_template_callback (widget_class, on_range_toggled);
}

static void
shoal_overview_page_init (ShoalOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
shoal_overview_page_set_pool (ShoalOverviewPage *self,
                              ShoalPool         *pool)
{
  g_return_if_fail (SHOAL_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  /* Upstream mode's shares go to another pool's blocks: a round against
   * Monero's difficulty would only grow.  The Upstream page has what
   * counts there. */
  if (shoal_pool_get_mode (pool) == SHOAL_MODE_UPSTREAM)
    {
      gtk_widget_set_visible (self->effort_row, FALSE);
      gtk_widget_set_visible (self->expected_row, FALSE);
    }
  g_signal_connect_object (pool, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (pool, "notify::node-height", G_CALLBACK (on_node_height), self,
                           G_CONNECT_SWAPPED);
  on_snapshot_changed (self);
  load_history (self);
  self->history_id = g_timeout_add_seconds (HISTORY_REFRESH_S, on_history_timeout, self);
}
