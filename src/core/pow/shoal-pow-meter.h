/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Recent verification figures: rate over the last seconds and latency
 * percentiles over the last hashes.  Not locked: its owner locks. */
typedef struct _ShoalPowMeter ShoalPowMeter;

ShoalPowMeter *shoal_pow_meter_new         (void);
void           shoal_pow_meter_free        (ShoalPowMeter *meter);
void           shoal_pow_meter_record      (ShoalPowMeter *meter,
                                            gint64         now_us,
                                            gint64         latency_us);
double         shoal_pow_meter_rate        (ShoalPowMeter *meter,
                                            gint64         now_us);
/* Median and 99th percentile latency; 0 when nothing was recorded
 * recently. */
void           shoal_pow_meter_latencies   (ShoalPowMeter *meter,
                                            gint64         now_us,
                                            guint64       *p50_us,
                                            guint64       *p99_us);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPowMeter, shoal_pow_meter_free)

G_END_DECLS
