/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-label.h"

void
shoal_label_set (GtkLabel   *label,
                 const char *text)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  if (g_strcmp0 (gtk_label_get_text (label), text) != 0)
    gtk_label_set_text (label, text);
}

void
shoal_label_take (GtkLabel *label,
                  char     *text)
{
  shoal_label_set (label, text);
  g_free (text);
}
