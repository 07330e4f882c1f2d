/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-pool-info.h"
#include "shoal-chart.h"

#define PAD_TOP 22.0
#define PAD_BOTTOM 4.0

struct _ShoalChart
{
  GtkWidget  parent_instance;
  GArray    *points;   /* ShoalHashratePoint, oldest first */
  gint64     span_us;
};

G_DEFINE_FINAL_TYPE (ShoalChart, shoal_chart, GTK_TYPE_WIDGET)

static void
shoal_chart_finalize (GObject *object)
{
  ShoalChart *self = SHOAL_CHART (object);

  g_clear_pointer (&self->points, g_array_unref);
  G_OBJECT_CLASS (shoal_chart_parent_class)->finalize (object);
}

static void
get_colors (ShoalChart *self,
            GdkRGBA    *line,
            GdkRGBA    *text)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (context, text);
  if (!gtk_style_context_lookup_color (context, "accent_color", line))
    *line = *text;
}

static guint64
visible_max (ShoalChart *self,
             gint64      start_us)
{
  guint64 max = 0;

  for (guint i = 0; i < self->points->len; i++)
    {
      const ShoalHashratePoint *p = &g_array_index (self->points, ShoalHashratePoint, i);
      if (p->time_us >= start_us)
        max = MAX (max, p->hashrate);
    }
  return max;
}

static void
draw_text (ShoalChart    *self,
           cairo_t       *cr,
           const GdkRGBA *color,
           const char    *text,
           double         x,
           double         y)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Returns the x of the first and last points drawn, to close the area under the line. */
static void
trace_line (ShoalChart *self,
            cairo_t    *cr,
            gint64      start_us,
            double      width,
            double      height,
            guint64     max,
            double     *first_x,
            double     *last_x)
{
  gboolean first = TRUE;

  for (guint i = 0; i < self->points->len; i++)
    {
      const ShoalHashratePoint *p = &g_array_index (self->points, ShoalHashratePoint, i);
      double x = (double) (p->time_us - start_us) / (double) self->span_us * width;
      double y = PAD_TOP + (height - PAD_TOP - PAD_BOTTOM) * (1.0 - (double) p->hashrate / max);

      if (p->time_us < start_us)
        continue;
      if (first)
        {
          cairo_move_to (cr, x, y);
          *first_x = x;
        }
      else
        cairo_line_to (cr, x, y);
      *last_x = x;
      first = FALSE;
    }
}

static void
draw_chart (ShoalChart *self,
            cairo_t    *cr,
            double      width,
            double      height)
{
  gint64 start_us = g_get_real_time () - self->span_us;
  guint64 max = visible_max (self, start_us);
  g_autofree char *top = NULL;
  GdkRGBA line, text, grid;
  double first_x = 0, last_x = 0;

  get_colors (self, &line, &text);
  grid = text;
  grid.alpha *= 0.15;
  text.alpha *= 0.6;
  cairo_set_line_width (cr, 1.0);
  gdk_cairo_set_source_rgba (cr, &grid);
  for (int i = 0; i <= 4; i++)
    {
      double y = PAD_TOP + (height - PAD_TOP - PAD_BOTTOM) * i / 4.0;
      cairo_move_to (cr, 0, (int) y + 0.5);
      cairo_line_to (cr, width, (int) y + 0.5);
    }
  cairo_stroke (cr);

  if (max == 0)
    {
      draw_text (self, cr, &text, _("No hashrate recorded in this period"), 4, 0);
      return;
    }
  trace_line (self, cr, start_us, width, height, max, &first_x, &last_x);
  gdk_cairo_set_source_rgba (cr, &line);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke_preserve (cr);
  cairo_line_to (cr, last_x, height);
  cairo_line_to (cr, first_x, height);
  line.alpha = 0.2;
  gdk_cairo_set_source_rgba (cr, &line);
  cairo_fill (cr);

  top = shoal_format_hashrate (max);
  draw_text (self, cr, &text, top, 4, 0);
}

static void
shoal_chart_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  ShoalChart *self = SHOAL_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_chart (self, cr, width, height);
  cairo_destroy (cr);
}

static void
shoal_chart_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 120 : 80;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 160;
}

static void
shoal_chart_class_init (ShoalChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = shoal_chart_finalize;
  widget_class->snapshot = shoal_chart_snapshot;
  widget_class->measure = shoal_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "shoalchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
shoal_chart_init (ShoalChart *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (ShoalHashratePoint));
  self->span_us = (gint64) G_USEC_PER_SEC * 3600;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Hashrate chart"), -1);
}

GtkWidget *
shoal_chart_new (void)
{
  return g_object_new (SHOAL_TYPE_CHART, NULL);
}

void
shoal_chart_set_points (ShoalChart *self,
                        GArray     *points)
{
  g_return_if_fail (SHOAL_IS_CHART (self));
  g_return_if_fail (points != NULL);

  g_clear_pointer (&self->points, g_array_unref);
  self->points = g_array_ref (points);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Live points from snapshots between two history reads; old ones fall off. */
void
shoal_chart_add_point (ShoalChart *self,
                       gint64      time_us,
                       guint64     hashrate)
{
  ShoalHashratePoint point = { time_us, hashrate };
  g_autoptr(GArray) copy = NULL;
  gint64 oldest = time_us - self->span_us;
  guint drop = 0;

  g_return_if_fail (SHOAL_IS_CHART (self));

  while (drop < self->points->len &&
         g_array_index (self->points, ShoalHashratePoint, drop).time_us < oldest)
    drop++;
  copy = g_array_sized_new (FALSE, FALSE, sizeof (ShoalHashratePoint), self->points->len + 1);
  g_array_append_vals (copy, self->points->data + drop * sizeof (ShoalHashratePoint),
                       self->points->len - drop);
  g_array_append_val (copy, point);
  shoal_chart_set_points (self, copy);
}

void
shoal_chart_set_span (ShoalChart *self,
                      gint64      span_us)
{
  g_return_if_fail (SHOAL_IS_CHART (self));
  g_return_if_fail (span_us > 0);

  self->span_us = span_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gint64
shoal_chart_get_span (ShoalChart *self)
{
  g_return_val_if_fail (SHOAL_IS_CHART (self), 0);
  return self->span_us;
}
