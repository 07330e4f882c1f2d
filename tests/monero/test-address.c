/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-address.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "shoal-test-harness.h"

/* Made by a real monero-wallet-rpc 0.18.0.0 (get_address, create_address,
 * make_integrated_address; the testnet and stagenet ones re-encoded from
 * the same keys and judged valid by that wallet's validate_address), and
 * two public mainnet addresses (the Monero general fund's). */
static const struct
{
  const char      *text;
  ShoalNetwork     network;
  ShoalAddressKind kind;
} real[] = {
  { "4594RFjuYCVSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQvrGW46",
    SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_STANDARD },
  { "82p8FTAeJ8vMs1H4wdtuVcakr7nFcZRRR6XHzV52Yr3CV4rhgQj6jDgbXJhoLoCKxL1XXhyhqtXyuPQfJ7i4GTksRBV75yy",
    SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_SUBADDRESS },
  { "4EqjS4ZQ9U1SV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mccqzQcrWD6UGUDJpdw",
    SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_INTEGRATED },
  { "9vgbuWQApZbSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQxM7uyz",
    SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_STANDARD },
  { "BbhL3ab6uEmSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQyXukub",
    SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_SUBADDRESS },
  { "A6PGvKDfRq7SV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mccqzQcrWD6UGVTvjiy",
    SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_INTEGRATED },
  { "55M6W6esBobSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQwKNgnf",
    SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_STANDARD },
  { "75mAfnUnV1oSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQy7nDG6",
    SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_SUBADDRESS },
  { "5F3mWuUMo57SV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mccqzQcrWD6UGWCjX84",
    SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_INTEGRATED },
  { "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
    SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_STANDARD },
  { "888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H",
    SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_SUBADDRESS },
};

static const char *primary = "4594RFjuYCVSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQvrGW46";

static void
test_base58_known (void)
{
  const guint8 ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  const guint8 zeros[8] = { 0 };
  const guint8 mixed[] = { 0xff, 0x01, 0x02, 0x03, 0x04, 0x05 };
  const guint8 two_blocks[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5 };
  g_autofree char *d = shoal_base58_encode (two_blocks, sizeof two_blocks);
  g_autofree char *a = shoal_base58_encode (ones, 8);
  g_autofree char *b = shoal_base58_encode (zeros, 8);
  g_autofree char *c = shoal_base58_encode (mixed, sizeof mixed);
  g_autofree char *empty = shoal_base58_encode (NULL, 0);

  g_assert_cmpstr (a, ==, "jpXCZedGfVQ");
  g_assert_cmpstr (b, ==, "11111111111");
  /* Values computed independently (Python): a 6-byte block is 9
   * characters; a full block then a 5-byte one. */
  g_assert_cmpstr (c, ==, "3Bz6uGF5n");
  g_assert_cmpstr (d, ==, "jpXCZedGfVQ17bWpTW");
  g_assert_cmpstr (empty, ==, "");
}

static void
test_base58_round_trip (void)
{
  static const guint last_block_chars[] = { 0, 2, 3, 5, 6, 7, 9, 10 };
  guint8 data[100];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = g_test_rand_int_range (0, 256);
  for (gsize len = 0; len <= sizeof data; len++)
    {
      g_autofree char *text = shoal_base58_encode (data, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) back = shoal_base58_decode (text, &error);

      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, len);
      g_assert_cmpuint (strlen (text), ==, len / 8 * 11 + last_block_chars[len % 8]);
    }
}

static void
assert_base58_rejected (const char *text,
                        const char *reason)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (shoal_base58_decode (text, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  if (strstr (error->message, reason) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, reason);
}

static void
test_base58_rejects (void)
{
  assert_base58_rejected ("1", "cannot be decoded");
  assert_base58_rejected ("1111", "cannot be decoded");
  assert_base58_rejected ("111111111111", "cannot be decoded");
  assert_base58_rejected ("zzzzzzzzzzz", "not a valid base58 block");   /* > 2^64 */
  assert_base58_rejected ("jpXCZedGfVR", "not a valid base58 block");   /* 2^64 */
  assert_base58_rejected ("5R", "not a valid base58 block");            /* 256 in one byte */
  assert_base58_rejected ("11111111111zz", "Characters 12 to 13");
  assert_base58_rejected ("0", "Character '0'");
  assert_base58_rejected ("1l", "Character 'l'");
}

static void
test_real_addresses (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (real); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *back = NULL;
      ShoalAddress a;

      g_assert_true (shoal_address_parse (real[i].text, &a, &error));
      g_assert_no_error (error);
      g_assert_cmpint (a.network, ==, real[i].network);
      g_assert_cmpint (a.kind, ==, real[i].kind);
      back = shoal_address_to_string (&a);
      g_assert_cmpstr (back, ==, real[i].text);
      g_assert_true (shoal_address_check (real[i].text, real[i].network, NULL, NULL));
    }
}

static void
assert_rejected (const char *text,
                 int         code,
                 const char *reason)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_address_parse (text, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, reason) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, reason);
}

/* The primary's payload with another tag and a checksum that fits. */
static char *
reencode (const char *text,
          guint8      tag,
          gsize       extra_bytes)
{
  g_autoptr(GBytes) raw = shoal_base58_decode (text, NULL);
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  guint8 hash[32];

  g_byte_array_append (payload, &tag, 1);
  g_byte_array_append (payload, (const guint8 *) g_bytes_get_data (raw, NULL) + 1, 64);
  for (gsize i = 0; i < extra_bytes; i++)
    g_byte_array_append (payload, (const guint8 *) "\x42", 1);
  shoal_keccak256 (payload->data, payload->len, hash);
  g_byte_array_append (payload, hash, 4);
  return shoal_base58_encode (payload->data, payload->len);
}

static void
test_corrupted (void)
{
  g_autofree char *bad_char = g_strdup (primary);
  g_autofree char *space = g_strdup_printf ("%s ", primary);
  g_autofree char *non_ascii = g_strdup_printf ("%.*s\xc3\xa9%s", 10, primary, primary + 12);
  g_autofree char *shorter = g_strndup (primary, 94);
  g_autofree char *longer = g_strdup_printf ("%s1", primary);
  g_autofree char *typo = g_strdup (primary);
  g_autofree char *sum = NULL;
  g_autofree char *unknown_tag = reencode (primary, 99, 0);
  g_autofree char *integrated_short = reencode (primary, 19, 0);
  g_autofree char *standard_long = reencode (primary, 18, 8);
  g_autoptr(GBytes) raw = shoal_base58_decode (primary, NULL);
  g_autofree guint8 *payload = g_memdup2 (g_bytes_get_data (raw, NULL), 69);
  g_autoptr(GError) wrong_net = NULL;

  bad_char[3] = 'O';
  typo[20] = typo[20] == 'z' ? 'y' : 'z';
  payload[66] ^= 0x80;
  sum = shoal_base58_encode (payload, 69);

  assert_rejected ("", SHOAL_ERROR_MALFORMED, "empty");
  assert_rejected (bad_char, SHOAL_ERROR_MALFORMED, "Character 'O' at position 4");
  assert_rejected (space, SHOAL_ERROR_MALFORMED, "Character ' ' at position 96");
  assert_rejected (non_ascii, SHOAL_ERROR_MALFORMED, "Byte 0xc3 at position 11");
  assert_rejected (shorter, SHOAL_ERROR_MALFORMED, "94 characters");
  assert_rejected (longer, SHOAL_ERROR_MALFORMED, "96 characters");
  assert_rejected (typo, SHOAL_ERROR_INVALID, "checksum");
  assert_rejected (sum, SHOAL_ERROR_INVALID, "checksum");
  assert_rejected (unknown_tag, SHOAL_ERROR_INVALID, "Unknown network tag 99");
  assert_rejected (integrated_short, SHOAL_ERROR_INVALID,
                   "Tag 19 marks a mainnet integrated address of 106 characters, but this "
                   "address has 95");
  assert_rejected (standard_long, SHOAL_ERROR_INVALID, "Tag 18 marks a mainnet standard address");
  assert_rejected ("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                   SHOAL_ERROR_MALFORMED, "not a valid base58 block");

  g_assert_false (shoal_address_check (primary, SHOAL_NETWORK_STAGENET, NULL, &wrong_net));
  g_assert_error (wrong_net, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_cmpstr (wrong_net->message, ==, "This is a mainnet address, but the node runs on stagenet");
}

/* Every single-character substitution of a real address is caught. */
static void
test_every_typo (void)
{
  static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  guint caught = 0;

  for (gsize pos = 0; pos < strlen (primary); pos++)
    for (guint c = 0; c < strlen (alphabet); c += 7)
      {
        g_autofree char *typo = g_strdup (primary);

        if (typo[pos] == alphabet[c])
          continue;
        typo[pos] = alphabet[c];
        g_assert_false (shoal_address_parse (typo, NULL, NULL));
        caught++;
      }
  g_test_message ("%u typos caught", caught);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monero/address/base58-known", test_base58_known);
  g_test_add_func ("/monero/address/base58-round-trip", test_base58_round_trip);
  g_test_add_func ("/monero/address/base58-rejects", test_base58_rejects);
  g_test_add_func ("/monero/address/real", test_real_addresses);
  g_test_add_func ("/monero/address/corrupted", test_corrupted);
  g_test_add_func ("/monero/address/every-typo", test_every_typo);
  return g_test_run ();
}
