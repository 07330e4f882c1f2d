/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Labels refreshed once a second change only when their text does: no
 * relayout, redraw or accessibility event for an unchanged figure. */
void shoal_label_set  (GtkLabel   *label,
                       const char *text);
void shoal_label_take (GtkLabel   *label,
                       char       *text);

G_END_DECLS
