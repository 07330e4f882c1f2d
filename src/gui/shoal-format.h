/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text for numbers the window shows.  GTK-free so that unit tests run
 * without a display.  Money stays integer: atomic units in, digits out. */

#define SHOAL_ATOMIC_PER_XMR G_GUINT64_CONSTANT (1000000000000)

char     *shoal_format_hashrate      (guint64      hashes_per_second);
char     *shoal_format_xmr           (guint64      atomic);
gboolean  shoal_parse_xmr            (const char  *text,
                                      guint64     *atomic,
                                      GError     **error);
char     *shoal_format_address_short (const char  *address);
char     *shoal_format_duration      (guint64      seconds);
char     *shoal_format_ago           (gint64       then_us,
                                      gint64       now_us);
char     *shoal_format_time          (gint64       time_us);
char     *shoal_format_difficulty    (guint64      difficulty);

G_END_DECLS
