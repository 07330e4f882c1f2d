/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "shoal-store-types.h"

G_BEGIN_DECLS

/* The PPLNS split, pure integer arithmetic (see shoal-pplns.c for the
 * exact rounding rule). */

#define SHOAL_PPLNS_MAX_FEE_BPS 10000

gboolean shoal_pplns_split  (guint64     reward,
                             guint       fee_bps,
                             GPtrArray  *credits,
                             guint64    *fee,
                             GError    **error);
guint64  shoal_pplns_window (guint64     network_difficulty,
                             guint       window_factor);

G_END_DECLS
