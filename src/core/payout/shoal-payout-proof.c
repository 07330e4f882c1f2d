/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-payout-proof.h"
#include "shoal-varint.h"

#define TXIN_GEN    0xff
#define TXIN_TO_KEY 0x02
#define KEY_IMAGE_BYTES 32
/* Far more inputs than a transaction monerod relays can hold. */
#define MAX_INPUTS 4096

static gboolean
read_varint (GBytes   *blob,
             gsize    *pos,
             guint64  *value,
             GError  **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);

  return shoal_varint_read (data, len, pos, value, error);
}

/* One txin_to_key: amount, ring member offsets, key image. */
static char *
read_to_key (GBytes   *blob,
             gsize    *pos,
             GError  **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);
  guint64 amount, n_offsets, offset;

  if (!read_varint (blob, pos, &amount, error) || !read_varint (blob, pos, &n_offsets, error))
    return NULL;
  for (guint64 i = 0; i < n_offsets; i++)
    if (!read_varint (blob, pos, &offset, error))
      return NULL;
  if (len - *pos < KEY_IMAGE_BYTES)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "transaction: truncated key image");
      return NULL;
    }
  *pos += KEY_IMAGE_BYTES;
  return shoal_hex_encode (data + *pos - KEY_IMAGE_BYTES, KEY_IMAGE_BYTES);
}

/* The key images a signed transaction (TX_HEX, as transfer_split's
 * tx_blob_list gives it) spends, read from its prefix: version,
 * unlock_time, then the inputs. */
char **
shoal_tx_key_images (const char  *tx_hex,
                     GError     **error)
{
  g_autoptr(GBytes) blob = shoal_hex_decode (tx_hex, error);
  g_autoptr(GStrvBuilder) images = g_strv_builder_new ();
  const guint8 *data;
  gsize pos = 0, len;
  guint64 version, unlock_time, n_inputs;

  if (blob == NULL)
    return NULL;
  data = g_bytes_get_data (blob, &len);
  if (!read_varint (blob, &pos, &version, error) || !read_varint (blob, &pos, &unlock_time, error) ||
      !read_varint (blob, &pos, &n_inputs, error))
    return NULL;
  if (n_inputs == 0 || n_inputs > MAX_INPUTS)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "transaction: %" G_GUINT64_FORMAT
                   " inputs", n_inputs);
      return NULL;
    }
  for (guint64 i = 0; i < n_inputs; i++)
    {
      char *image;

      if (pos >= len || data[pos] != TXIN_TO_KEY)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "transaction: input %" G_GUINT64_FORMAT " is not a key input", i);
          return NULL;
        }
      pos++;
      if ((image = read_to_key (blob, &pos, error)) == NULL)
        return NULL;
      g_strv_builder_add (images, image);
      g_free (image);
    }
  return g_strv_builder_end (images);
}
