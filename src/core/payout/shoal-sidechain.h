/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* P2Pool's sidechains, and the span of time its PPLNS window covers on
 * each: what a household split over P2Pool credits an income by. */
typedef enum
{
  SHOAL_SIDECHAIN_MAIN,
  SHOAL_SIDECHAIN_MINI,
  SHOAL_SIDECHAIN_NANO,
} ShoalSidechain;

gboolean    shoal_sidechain_parse     (const char      *name,
                                       ShoalSidechain  *sidechain);
const char *shoal_sidechain_to_string (ShoalSidechain   sidechain);
gint64      shoal_sidechain_window_us (ShoalSidechain   sidechain);

G_END_DECLS
