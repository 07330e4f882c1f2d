/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-varint.h"

/* 64 bits in 7-bit groups: at most 10 bytes, and the tenth may only
 * carry the single top bit. */
#define VARINT_MAX_BYTES 10

gboolean
shoal_varint_read (const guint8  *data,
                   gsize          len,
                   gsize         *pos,
                   guint64       *value,
                   GError       **error)
{
  guint64 result = 0;
  gsize at;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (pos != NULL, FALSE);

  at = *pos;
  for (guint i = 0; i < VARINT_MAX_BYTES; i++, at++)
    {
      guint8 byte;

      if (at >= len)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TRUNCATED,
                       "Varint at byte %" G_GSIZE_FORMAT " runs past the end of the data", *pos);
          return FALSE;
        }
      byte = data[at];
      if (i == VARINT_MAX_BYTES - 1 && byte > 1)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Varint at byte %" G_GSIZE_FORMAT " overflows 64 bits", *pos);
          return FALSE;
        }
      /* Monero refuses encodings padded with a trailing zero group: one
       * value, one encoding, or hashes of the "same" blob would differ. */
      if (byte == 0 && i > 0)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Varint at byte %" G_GSIZE_FORMAT " is not in its shortest form", *pos);
          return FALSE;
        }
      result |= (guint64) (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0)
        {
          *pos = at + 1;
          if (value != NULL)
            *value = result;
          return TRUE;
        }
    }
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
               "Varint at byte %" G_GSIZE_FORMAT " is longer than 10 bytes", *pos);
  return FALSE;
}

void
shoal_varint_write (GByteArray *out,
                    guint64     value)
{
  g_return_if_fail (out != NULL);

  while (value >= 0x80)
    {
      guint8 byte = (value & 0x7f) | 0x80;

      g_byte_array_append (out, &byte, 1);
      value >>= 7;
    }
  {
    guint8 last = value;

    g_byte_array_append (out, &last, 1);
  }
}

gsize
shoal_varint_size (guint64 value)
{
  gsize size = 1;

  for (; value >= 0x80; value >>= 7)
    size++;
  return size;
}
