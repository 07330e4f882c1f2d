/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-address.h"

/* Addresses come from miners' login lines: any bytes at all.  Whatever
 * parses must print back to exactly the same text (one address, one
 * spelling), and base58 must round-trip both ways. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
check_address (const char *text)
{
  ShoalAddress address;
  g_autofree char *back = NULL;

  if (!shoal_address_parse (text, &address, NULL))
    return;
  back = shoal_address_to_string (&address);
  if (g_strcmp0 (back, text) != 0)
    abort ();
  if (!shoal_address_check (text, address.network, NULL, NULL))
    abort ();
}

static void
check_base58_text (const char *text)
{
  g_autoptr(GBytes) decoded = shoal_base58_decode (text, NULL);
  g_autofree char *again = NULL;

  if (decoded == NULL)
    return;
  again = shoal_base58_encode (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded));
  if (g_strcmp0 (again, text) != 0)
    abort ();
}

static void
check_base58_bytes (const guint8 *data,
                    size_t        size)
{
  g_autofree char *text = shoal_base58_encode (data, size);
  g_autoptr(GBytes) back = shoal_base58_decode (text, NULL);

  if (back == NULL || g_bytes_get_size (back) != size ||
      (size > 0 && memcmp (g_bytes_get_data (back, NULL), data, size) != 0))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);

  check_address (text);
  check_base58_text (text);
  check_base58_bytes (data, size);
  return 0;
}
