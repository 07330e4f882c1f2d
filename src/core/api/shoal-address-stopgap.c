/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-address.h"

/* Built only while src/core/monero/ has no shoal_address_parse() of its
 * own (see meson.build): enough for the API to tell a Monero address from
 * rubbish by its shape, without the checksum or the keys.  The real
 * decoder replaces it as soon as it lands; nothing else calls this. */

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

gboolean
shoal_address_parse (const char    *text,
                     ShoalAddress  *out,
                     GError       **error)
{
  gsize len = strlen (text);

  for (gsize i = 0; i < len; i++)
    if (strchr (alphabet, text[i]) == NULL)
      {
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                     "character %" G_GSIZE_FORMAT " is not base58", i + 1);
        return FALSE;
      }
  if (len != 95 && len != 106)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "%" G_GSIZE_FORMAT " characters long; a Monero address has 95 (106 integrated)",
                   len);
      return FALSE;
    }
  memset (out, 0, sizeof *out);
  out->network = SHOAL_NETWORK_MAINNET;
  out->kind = text[0] == '8' ? SHOAL_ADDRESS_SUBADDRESS :
              len == 106 ? SHOAL_ADDRESS_INTEGRATED : SHOAL_ADDRESS_STANDARD;
  return TRUE;
}

gboolean
shoal_address_check (const char    *text,
                     ShoalNetwork   network,
                     ShoalAddress  *out,
                     GError       **error)
{
  return shoal_address_parse (text, out, error);
}
