/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Monero varints: 7 bits a byte, little-endian, high bit = more.
 * Reading never goes past LEN; over-long or overflowing encodings fail. */
gboolean shoal_varint_read  (const guint8  *data,
                             gsize          len,
                             gsize         *pos,
                             guint64       *value,
                             GError       **error);
void     shoal_varint_write (GByteArray    *out,
                             guint64        value);
gsize    shoal_varint_size  (guint64        value);

G_END_DECLS
