/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-difficulty.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "shoal-varint.h"
#include "shoal-test-harness.h"

static void
assert_hash (const guint8 *hash,
             const char   *expected_hex)
{
  g_autofree char *hex = shoal_hex_encode (hash, SHOAL_HASH_SIZE);

  g_assert_cmpstr (hex, ==, expected_hex);
}

static void
test_keccak_vectors (void)
{
  const char *fox = "The quick brown fox jumps over the lazy dog";
  guint8 hash[SHOAL_HASH_SIZE];

  shoal_keccak256 ("", 0, hash);
  assert_hash (hash, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  shoal_keccak256 (fox, strlen (fox), hash);
  assert_hash (hash, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

/* Around the 136-byte rate every length must give a different hash, and
 * the same input the same hash (the multi-block path is checked against
 * monerod in the integration test, with a 162-byte miner tx extra). */
static void
test_keccak_block_boundaries (void)
{
  guint8 data[300];
  guint8 seen[8][SHOAL_HASH_SIZE];
  const gsize lengths[] = { 134, 135, 136, 137, 271, 272, 273, 300 };

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = i * 7;
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      guint8 again[SHOAL_HASH_SIZE];

      shoal_keccak256 (data, lengths[i], seen[i]);
      shoal_keccak256 (data, lengths[i], again);
      g_assert_cmpmem (seen[i], SHOAL_HASH_SIZE, again, SHOAL_HASH_SIZE);
      for (guint j = 0; j < i; j++)
        g_assert_true (memcmp (seen[i], seen[j], SHOAL_HASH_SIZE) != 0);
    }
}

static void
test_varint_round_trip (void)
{
  const guint64 values[] = {
    0, 1, 127, 128, 255, 300, 16383, 16384, G_MAXUINT32, G_GUINT64_CONSTANT (1) << 56,
    (G_GUINT64_CONSTANT (1) << 63) - 1, G_GUINT64_CONSTANT (1) << 63, G_MAXUINT64,
  };
  const gsize sizes[] = { 1, 1, 1, 2, 2, 2, 2, 3, 5, 9, 9, 10, 10 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      guint64 back = 0;
      gsize pos = 0;

      shoal_varint_write (out, values[i]);
      g_assert_cmpuint (out->len, ==, sizes[i]);
      g_assert_cmpuint (shoal_varint_size (values[i]), ==, sizes[i]);
      g_assert_true (shoal_varint_read (out->data, out->len, &pos, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (back, ==, values[i]);
      g_assert_cmpuint (pos, ==, out->len);

      /* Every shorter read is a truncation, and never touches past LEN. */
      for (gsize len = 0; len < out->len; len++)
        {
          g_autoptr(GError) short_error = NULL;
          g_autofree guint8 *exact = g_memdup2 (out->data, len);

          pos = 0;
          g_assert_false (shoal_varint_read (exact, len, &pos, &back, &short_error));
          g_assert_error (short_error, SHOAL_ERROR, SHOAL_ERROR_TRUNCATED);
          g_assert_cmpuint (pos, ==, 0);
        }
    }
  {
    const guint8 max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    guint64 v = 0;
    gsize pos = 0;

    g_assert_true (shoal_varint_read (max, sizeof max, &pos, &v, NULL));
    g_assert_cmpuint (v, ==, G_MAXUINT64);
  }
}

static void
assert_varint_fails (const guint8 *data,
                     gsize         len,
                     const char   *message_part)
{
  g_autoptr(GError) error = NULL;
  gsize pos = 0;
  guint64 v;

  g_assert_false (shoal_varint_read (data, len, &pos, &v, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, message_part));
  g_assert_cmpuint (pos, ==, 0);
}

static void
test_varint_rejects (void)
{
  const guint8 overflow[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
  const guint8 too_long[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00 };
  const guint8 padded[] = { 0x81, 0x00 };
  const guint8 zero_padded[] = { 0x80, 0x80, 0x00 };

  assert_varint_fails (overflow, sizeof overflow, "overflows");
  assert_varint_fails (too_long, sizeof too_long, "overflows");
  assert_varint_fails (padded, sizeof padded, "shortest form");
  assert_varint_fails (zero_padded, sizeof zero_padded, "shortest form");
}

static void
test_hex (void)
{
  const guint8 data[] = { 0x00, 0xab, 0xCD, 0xff };
  g_autofree char *hex = shoal_hex_encode (data, sizeof data);
  g_autoptr(GBytes) back = shoal_hex_decode ("00ABcdFF", NULL);
  g_autoptr(GBytes) empty = shoal_hex_decode ("", NULL);
  g_autoptr(GError) odd = NULL;
  g_autoptr(GError) bad = NULL;
  g_autoptr(GError) short_error = NULL;
  guint8 out[4];

  g_assert_cmpstr (hex, ==, "00abcdff");
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, sizeof data);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  g_assert_null (shoal_hex_decode ("abc", &odd));
  g_assert_error (odd, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_assert_null (shoal_hex_decode ("0g", &bad));
  g_assert_error (bad, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_assert_true (shoal_hex_decode_into ("00abcdff", out, 4, NULL));
  g_assert_cmpmem (out, 4, data, 4);
  g_assert_false (shoal_hex_decode_into ("00abcd", out, 4, &short_error));
  g_assert_nonnull (strstr (short_error->message, "Expected 4 bytes of hex, got 3"));
}

static void
test_difficulty_parse (void)
{
  const char *bad[] = { "", "0x", "0x0", "0", "0xg1", "0x100000000000000000000000000000000" };
  ShoalDifficulty d;
  g_autofree char *one = NULL;
  g_autofree char *big = NULL;
  g_autofree char *max = NULL;

  g_assert_true (shoal_difficulty_parse ("0x1", &d, NULL));
  one = shoal_difficulty_to_string (&d);
  g_assert_cmpstr (one, ==, "1");
  g_assert_true (shoal_difficulty_parse ("0x10000000000000000", &d, NULL));
  g_assert_cmpuint (d.hi, ==, 1);
  g_assert_cmpuint (d.lo, ==, 0);
  big = shoal_difficulty_to_string (&d);
  g_assert_cmpstr (big, ==, "18446744073709551616");
  g_assert_true (shoal_difficulty_parse ("0x000ffffffffffffffffffffffffffffffff", &d, NULL));
  max = shoal_difficulty_to_string (&d);
  g_assert_cmpstr (max, ==, "340282366920938463463374607431768211455");
  g_assert_true (shoal_difficulty_parse ("2a", &d, NULL));
  g_assert_cmpuint (d.lo, ==, 42);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_difficulty_parse (bad[i], &d, &error));
      g_assert_error (error, SHOAL_ERROR, error->code);
      g_test_message ("%s: %s", bad[i], error->message);
    }
}

/* For each D: H = floor ((2^256 - 1) / D) is the largest valid hash and
 * H + 1 the smallest invalid one (little-endian; from Python). */
static const struct
{
  const char *difficulty;
  const char *last_valid;
  const char *first_invalid;
} check_hash_edges[] = {
  { "0x1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", NULL },
  { "0x64", "8fc2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8f02",
    "90c2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8fc2f5285c8f02" },
  { "0xffffffffffffffff", "0100000000000000010000000000000001000000000000000100000000000000",
    "0200000000000000010000000000000001000000000000000100000000000000" },
  { "0x10000000000000000", "ffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000",
    "0000000000000000000000000000000000000000000000000100000000000000" },
  { "0x10000000000000001", "ffffffffffffffff0000000000000000ffffffffffffffff0000000000000000",
    "00000000000000000100000000000000ffffffffffffffff0000000000000000" },
  { "0x80000000000000000000000000003039",
    "1c3fffffffffffffffffffffffffffff01000000000000000000000000000000",
    "1d3fffffffffffffffffffffffffffff01000000000000000000000000000000" },
  { "0xffffffffffffffffffffffffffffffff",
    "0100000000000000000000000000000001000000000000000000000000000000",
    "0200000000000000000000000000000001000000000000000000000000000000" },
};

static void
test_difficulty_check_hash_edges (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (check_hash_edges); i++)
    {
      ShoalDifficulty d;
      guint8 hash[32];
      guint8 zero[32] = { 0 };

      g_assert_true (shoal_difficulty_parse (check_hash_edges[i].difficulty, &d, NULL));
      g_assert_true (shoal_hex_decode_into (check_hash_edges[i].last_valid, hash, 32, NULL));
      g_assert_true (shoal_difficulty_check_hash (hash, &d));
      g_assert_true (shoal_difficulty_check_hash (zero, &d));
      if (check_hash_edges[i].first_invalid == NULL)
        continue;
      g_assert_true (shoal_hex_decode_into (check_hash_edges[i].first_invalid, hash, 32, NULL));
      g_assert_false (shoal_difficulty_check_hash (hash, &d));
    }
}

static void
test_target_known (void)
{
  g_autofree char *t10000 = shoal_target_hex_for_difficulty (10000, NULL);
  g_autofree char *t1 = shoal_target_hex_for_difficulty (1, NULL);
  g_autofree char *t_big = shoal_target_hex_for_difficulty (G_GUINT64_CONSTANT (1) << 32, NULL);
  const char *bad[] = { "", "b88d06", "b88d0600ff", "zz8d0600", "00000000", "0000000000000000" };
  guint64 target = 0;

  g_assert_cmpstr (t10000, ==, "b88d0600");
  g_assert_cmpuint (shoal_target32_from_difficulty (10000), ==, 0x00068db8);
  g_assert_cmpstr (t1, ==, "ffffffff");
  g_assert_cmpstr (t_big, ==, "ffffffff00000000");
  g_assert_true (shoal_target_hex_parse ("b88d0600", &target, NULL));
  g_assert_cmpuint (target, ==, G_MAXUINT64 / (G_MAXUINT32 / 0x00068db8));
  g_assert_cmpuint (shoal_difficulty_from_target64 (target), ==, 10000);
  g_assert_cmpuint (shoal_target64_from_difficulty (1), ==, G_MAXUINT64);
  g_assert_cmpuint (shoal_target32_from_difficulty (G_MAXUINT64), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_target_hex_parse (bad[i], &target, &error));
      g_assert_nonnull (error);
    }
}

/* XMRig's Job::setTarget, written again from its definition: what the
 * miner believes its target is. */
static guint64
xmrig_reads (const char *hex)
{
  g_autoptr(GBytes) raw = shoal_hex_decode (hex, NULL);
  const guint8 *b = g_bytes_get_data (raw, NULL);
  guint64 value = 0;

  for (gsize i = g_bytes_get_size (raw); i > 0; i--)
    value = (value << 8) | b[i - 1];
  if (g_bytes_get_size (raw) == 4)
    return 0xFFFFFFFFFFFFFFFFULL / (0xFFFFFFFFULL / value);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, 8);
  return value;
}

static void
hash_with_top (guint64 top,
               guint8  hash[32])
{
  memset (hash, 0x5a, 32);
  for (guint i = 0; i < 8; i++)
    hash[24 + i] = top >> (8 * i);
}

static void
check_target_round_trip (guint64 difficulty)
{
  guint64 effective = 0, parsed = 0, told;
  g_autofree char *hex = shoal_target_hex_for_difficulty (difficulty, &effective);
  guint8 hash[32];

  g_assert_true (shoal_target_hex_parse (hex, &parsed, NULL));
  g_assert_cmpuint (parsed, ==, effective);
  g_assert_cmpuint (xmrig_reads (hex), ==, effective);
  g_assert_cmpuint (strlen (hex), ==, difficulty <= (1 << 22) ? 8 : 16);
  /* Never easier than asked, and the 4-byte rounding stays under 0.1%. */
  told = shoal_difficulty_from_target64 (effective);
  g_assert_cmpuint (effective, <=, G_MAXUINT64 / difficulty);
  g_assert_cmpuint (told, >=, difficulty);
  if (difficulty <= (1 << 22))
    g_assert_cmpuint (told - difficulty, <=, difficulty / 1000 + 1);
  else if (difficulty < G_GUINT64_CONSTANT (1) << 32)
    g_assert_cmpuint (told, ==, difficulty);
  /* The share check agrees with the miner's own. */
  hash_with_top (effective - 1, hash);
  g_assert_true (shoal_hash_meets_target (hash, effective));
  hash_with_top (effective, hash);
  g_assert_false (shoal_hash_meets_target (hash, effective));
}

static void
test_target_round_trips (void)
{
  const guint64 edges[] = {
    1, 2, 3, 255, 256, 1000, 10000, 65535, 65536, (1 << 22) - 1, 1 << 22, (1 << 22) + 1,
    G_MAXUINT32 - 1, G_MAXUINT32, G_GUINT64_CONSTANT (1) << 32,
    (G_GUINT64_CONSTANT (1) << 32) + 1, G_GUINT64_CONSTANT (1) << 63,
    (G_GUINT64_CONSTANT (1) << 63) + 1, G_MAXUINT64 - 1, G_MAXUINT64,
  };

  for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
    check_target_round_trip (edges[i]);
  /* Log-uniform samples over the whole range, reproducible via --seed. */
  for (guint i = 0; i < 200000; i++)
    {
      guint bits = g_test_rand_int_range (1, 65);
      guint64 v = ((guint64) g_test_rand_int () << 32) | (guint32) g_test_rand_int ();

      v = bits == 64 ? v : v & ((G_GUINT64_CONSTANT (1) << bits) - 1);
      check_target_round_trip (MAX (v, 1));
    }
  for (guint64 d = 1; d <= 70000; d++)
    check_target_round_trip (d);
}

static void
test_hash_difficulty (void)
{
  guint8 hash[32];

  hash_with_top (0, hash);
  g_assert_cmpuint (shoal_hash_difficulty (hash), ==, G_MAXUINT64);
  hash_with_top (G_MAXUINT64, hash);
  g_assert_cmpuint (shoal_hash_difficulty (hash), ==, 1);
  hash_with_top (shoal_target64_from_difficulty (10000), hash);
  g_assert_cmpuint (shoal_hash_difficulty (hash), ==, 10000);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monero/keccak/vectors", test_keccak_vectors);
  g_test_add_func ("/monero/keccak/block-boundaries", test_keccak_block_boundaries);
  g_test_add_func ("/monero/varint/round-trip", test_varint_round_trip);
  g_test_add_func ("/monero/varint/rejects", test_varint_rejects);
  g_test_add_func ("/monero/hex", test_hex);
  g_test_add_func ("/monero/difficulty/parse", test_difficulty_parse);
  g_test_add_func ("/monero/difficulty/check-hash-edges", test_difficulty_check_hash_edges);
  g_test_add_func ("/monero/target/known", test_target_known);
  g_test_add_func ("/monero/target/round-trips", test_target_round_trips);
  g_test_add_func ("/monero/target/hash-difficulty", test_hash_difficulty);
  return g_test_run ();
}
