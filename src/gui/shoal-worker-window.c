/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-chart.h"
#include "shoal-format.h"
#include "shoal-label.h"
#include "shoal-worker-window.h"

struct _ShoalWorkerWindow
{
  AdwWindow       parent_instance;
  ShoalPool      *pool;
  GCancellable   *cancellable;
  char           *address;
  char           *worker;

  AdwWindowTitle *window_title;
  ShoalChart     *chart;
  GtkLabel       *rate_1m_label;
  GtkLabel       *rate_10m_label;
  GtkLabel       *rate_1h_label;
  GtkLabel       *difficulty_label;
  GtkLabel       *accepted_label;
  GtkLabel       *rejected_label;
  GtkLabel       *stale_label;
  GtkLabel       *invalid_label;
  GtkLabel       *last_share_label;
  AdwActionRow   *address_row;
  GtkLabel       *ip_label;
  GtkLabel       *connected_label;
};

G_DEFINE_FINAL_TYPE (ShoalWorkerWindow, shoal_worker_window, ADW_TYPE_WINDOW)

static char *
count (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

static const ShoalWorkerInfo *
find_worker (ShoalWorkerWindow       *self,
             const ShoalPoolSnapshot *snap)
{
  for (guint i = 0; snap->workers != NULL && i < snap->workers->len; i++)
    {
      const ShoalWorkerInfo *info = g_ptr_array_index (snap->workers, i);

      if (g_strcmp0 (info->worker, self->worker) == 0 &&
          g_strcmp0 (info->address, self->address) == 0)
        return info;
    }
  return NULL;
}

static void
show_info (ShoalWorkerWindow     *self,
           const ShoalWorkerInfo *info,
           gint64                 now_us)
{
  shoal_label_take (self->rate_1m_label, shoal_format_hashrate (info->hashrate_1m));
  shoal_label_take (self->rate_10m_label, shoal_format_hashrate (info->hashrate_10m));
  shoal_label_take (self->rate_1h_label, shoal_format_hashrate (info->hashrate_1h));
  shoal_label_take (self->difficulty_label, shoal_format_difficulty (info->difficulty));
  shoal_label_take (self->accepted_label, count (info->accepted));
  shoal_label_take (self->rejected_label, count (info->rejected));
  shoal_label_take (self->stale_label, count (info->stale));
  shoal_label_take (self->invalid_label, count (info->invalid));
  shoal_label_take (self->last_share_label, shoal_format_ago (info->last_share_us, now_us));
  shoal_label_set (self->ip_label, info->ip != NULL ? info->ip : "—");
  shoal_label_take (self->connected_label, info->online
                    ? shoal_format_ago (info->connected_us, now_us) : g_strdup (_("Offline")));
}

static void
on_snapshot_changed (ShoalWorkerWindow *self)
{
  const ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);
  const ShoalWorkerInfo *info = find_worker (self, snap);

  adw_window_title_set_subtitle (self->window_title,
                                 info != NULL && info->online ? _("Online") : _("Offline"));
  if (info != NULL)
    show_info (self, info, snap->time_us);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = shoal_pool_get_history_finish (SHOAL_POOL (source), result, &error);
  ShoalWorkerWindow *self = user_data;

  if (points == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot read the history of %s: %s", self->worker, error->message);
      return;
    }
  shoal_chart_set_points (self->chart, points);
}

static void
on_copy_address (ShoalWorkerWindow *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->address);
}

static void
shoal_worker_window_dispose (GObject *object)
{
  ShoalWorkerWindow *self = SHOAL_WORKER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WORKER_WINDOW);
  G_OBJECT_CLASS (shoal_worker_window_parent_class)->dispose (object);
}

static void
shoal_worker_window_finalize (GObject *object)
{
  ShoalWorkerWindow *self = SHOAL_WORKER_WINDOW (object);

  g_free (self->address);
  g_free (self->worker);
  G_OBJECT_CLASS (shoal_worker_window_parent_class)->finalize (object);
}

static void
shoal_worker_window_class_init (ShoalWorkerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_worker_window_dispose;
  object_class->finalize = shoal_worker_window_finalize;

  g_type_ensure (SHOAL_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-worker-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, chart);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, rate_1m_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, rate_10m_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, rate_1h_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, difficulty_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, accepted_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, rejected_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, stale_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, invalid_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, last_share_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, ip_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWorkerWindow, connected_label);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_address);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_worker_window_init (ShoalWorkerWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
shoal_worker_window_new (GtkWindow  *parent,
                         ShoalPool  *pool,
                         const char *address,
                         const char *worker)
{
  ShoalWorkerWindow *self;

  g_return_val_if_fail (SHOAL_IS_POOL (pool), NULL);

  self = g_object_new (SHOAL_TYPE_WORKER_WINDOW, "transient-for", parent, "title", worker, NULL);
  self->pool = g_object_ref (pool);
  self->address = g_strdup (address);
  self->worker = g_strdup (worker);
  adw_window_title_set_title (self->window_title, worker);
  adw_action_row_set_subtitle (self->address_row, address);
  g_signal_connect_object (pool, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self,
                           G_CONNECT_SWAPPED);
  on_snapshot_changed (self);
  shoal_pool_get_history_async (pool, worker, g_get_real_time () - (gint64) G_USEC_PER_SEC * 3600,
                                self->cancellable, on_history, self);
  return GTK_WINDOW (self);
}
