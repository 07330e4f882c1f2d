/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char    *shoal_hex_encode      (const guint8  *data,
                                gsize          len);
/* Lower- or upper-case; odd length or non-hex characters fail. */
GBytes  *shoal_hex_decode      (const char    *hex,
                                GError       **error);
/* Exactly OUT_LEN bytes, or an error that says how many there were. */
gboolean shoal_hex_decode_into (const char    *hex,
                                guint8        *out,
                                gsize          out_len,
                                GError       **error);

G_END_DECLS
