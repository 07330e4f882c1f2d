/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-address.h"
#include "shoal-block-template.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "shoal-varint.h"
#include "shoal-bench.h"

/* shoal-bench monero: what a new job costs (a hashing blob for a fresh
 * extra nonce) at several pool sizes, and the raw primitives. */

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* A regtest template (height 12, 8 reserved bytes at 126) with N made-up
 * pool transactions. */
static GBytes *
template_blob (guint n)
{
  static const char *hex =
    "1010c9b283d806eab06f2f59aa534c7a397bf777ffa7375377f6128056fe72a9e3b26e7a0558840000000002"
    "4801ff0c01bfbc8090fdff07039fcf9ba291347331b176b1d79381bddfcd90135e70e81927c153742ecad029"
    "32382b01b31c6271a873c7bbb527f126089f682f30d30a9f3842cc025ebded2938828db70208000000000000"
    "00000000";
  g_autoptr(GBytes) base = shoal_hex_decode (hex, NULL);
  g_autoptr(GByteArray) blob = g_byte_array_new ();

  g_byte_array_append (blob, g_bytes_get_data (base, NULL), g_bytes_get_size (base) - 1);
  shoal_varint_write (blob, n);
  for (guint i = 0; i < n; i++)
    {
      guint8 hash[32];

      shoal_keccak256 (&i, sizeof i, hash);
      g_byte_array_append (blob, hash, 32);
    }
  return g_bytes_new (blob->data, blob->len);
}

static void
bench_jobs (guint n_tx)
{
  g_autoptr(GBytes) blob = template_blob (n_tx);
  g_autoptr(ShoalBlockTemplate) tmpl = shoal_block_template_new_from_blob (blob, 126, 8, NULL);
  guint64 extra = 0;
  guint count = 0;
  gint64 start = g_get_monotonic_time ();
  gint64 parse_start;
  guint parses = 0;

  while (g_get_monotonic_time () - start < G_USEC_PER_SEC / 2)
    for (guint i = 0; i < 1000; i++, count++, extra++)
      g_bytes_unref (shoal_block_template_make_hashing_blob (tmpl, (guint8 *) &extra, 8, NULL));
  g_print ("hashing blob, %5u pool txs: %9.0f jobs/s", n_tx, count / seconds_since (start));

  parse_start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - parse_start < G_USEC_PER_SEC / 2)
    for (guint i = 0; i < 10; i++, parses++)
      shoal_block_template_unref (shoal_block_template_new_from_blob (blob, 126, 8, NULL));
  g_print ("   parse (with Merkle branch): %8.0f /s\n", parses / seconds_since (parse_start));
}

static int
bench_monero (int argc, char **argv)
{
  const guint sizes[] = { 0, 9, 100, 1000, 5000 };
  const char *address = "4594RFjuYCVSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQvrGW46";
  guint8 data[76] = { 0 }, out[32];
  guint count = 0;
  gint64 start;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_jobs (sizes[i]);

  start = g_get_monotonic_time ();
  for (; count < 1000000; count++)
    shoal_keccak256 (data, sizeof data, out);
  g_print ("keccak256, 76 bytes: %.0f hashes/s\n", count / seconds_since (start));

  start = g_get_monotonic_time ();
  for (count = 0; count < 100000; count++)
    shoal_address_parse (address, NULL, NULL);
  g_print ("address parse: %.0f /s\n", count / seconds_since (start));
  return 0;
}

SHOAL_BENCH_REGISTER ("monero", "hashing blobs per second by pool size, keccak, addresses",
                      bench_monero)
