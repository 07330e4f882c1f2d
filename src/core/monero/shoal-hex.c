/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-hex.h"

char *
shoal_hex_encode (const guint8 *data,
                  gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_malloc (len * 2 + 1);
  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0x0f];
    }
  out[len * 2] = '\0';
  return out;
}

/* Checks HEX and returns its length in characters, or -1. */
static gssize
hex_check (const char  *hex,
           GError     **error)
{
  gsize len = strlen (hex);

  if (len % 2 != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Hex string has an odd number of digits (%" G_GSIZE_FORMAT ")", len);
      return -1;
    }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (hex[i]))
      {
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                     "Hex string has a non-hex character at position %" G_GSIZE_FORMAT, i);
        return -1;
      }
  return len;
}

static void
hex_to_bytes (const char *hex,
              guint8     *out,
              gsize       out_len)
{
  for (gsize i = 0; i < out_len; i++)
    out[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]);
}

GBytes *
shoal_hex_decode (const char  *hex,
                  GError     **error)
{
  gssize len;
  guint8 *data;

  g_return_val_if_fail (hex != NULL, NULL);

  len = hex_check (hex, error);
  if (len < 0)
    return NULL;
  data = g_malloc (len / 2 + 1);
  hex_to_bytes (hex, data, len / 2);
  return g_bytes_new_take (data, len / 2);
}

gboolean
shoal_hex_decode_into (const char  *hex,
                       guint8      *out,
                       gsize        out_len,
                       GError     **error)
{
  gssize len;

  g_return_val_if_fail (hex != NULL, FALSE);
  g_return_val_if_fail (out != NULL || out_len == 0, FALSE);

  len = hex_check (hex, error);
  if (len < 0)
    return FALSE;
  if ((gsize) len != out_len * 2)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Expected %" G_GSIZE_FORMAT " bytes of hex, got %" G_GSIZE_FORMAT,
                   out_len, (gsize) len / 2);
      return FALSE;
    }
  hex_to_bytes (hex, out, out_len);
  return TRUE;
}
