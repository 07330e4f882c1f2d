/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A small hashrate chart: points (time, hashes per second) over a span
 * of time ending now, drawn with cairo. */

#define SHOAL_TYPE_CHART (shoal_chart_get_type ())
G_DECLARE_FINAL_TYPE (ShoalChart, shoal_chart, SHOAL, CHART, GtkWidget)

GtkWidget *shoal_chart_new        (void);
/* POINTS: ShoalHashratePoint, oldest first; the chart keeps a reference. */
void       shoal_chart_set_points (ShoalChart *self,
                                   GArray     *points);
void       shoal_chart_add_point  (ShoalChart *self,
                                   gint64      time_us,
                                   guint64     hashrate);
void       shoal_chart_set_span   (ShoalChart *self,
                                   gint64      span_us);
gint64     shoal_chart_get_span   (ShoalChart *self);

G_END_DECLS
