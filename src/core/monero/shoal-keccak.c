/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <nettle/sha3.h>

#include "shoal-keccak.h"

/* Keccak-256 as Monero uses it (cn_fast_hash): the original submission's
 * 0x01 padding, not FIPS 202's 0x06.  nettle only exposes SHA3 with the
 * FIPS padding, so we drive its permutation ourselves. */

#define KECCAK256_RATE 136

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

static void
absorb_full_block (struct sha3_state *state,
                   const guint8      *block)
{
  for (guint i = 0; i < KECCAK256_RATE / 8; i++)
    state->a[i] ^= load_le64 (block + 8 * i);
  sha3_permute (state);
}

/* The last, partial block is XORed byte by byte so that no copy of the
 * input is needed. */
static void
absorb_last_block (struct sha3_state *state,
                   const guint8      *data,
                   gsize              len)
{
  g_assert (len < KECCAK256_RATE);

  for (gsize i = 0; i < len; i++)
    state->a[i / 8] ^= (guint64) data[i] << (8 * (i % 8));
  state->a[len / 8] ^= (guint64) 0x01 << (8 * (len % 8));
  state->a[(KECCAK256_RATE - 1) / 8] ^= (guint64) 0x80 << (8 * ((KECCAK256_RATE - 1) % 8));
  sha3_permute (state);
}

void
shoal_keccak256 (const void *data,
                 gsize       len,
                 guint8      out[SHOAL_HASH_SIZE])
{
  struct sha3_state state;
  const guint8 *p = data;

  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);

  memset (&state, 0, sizeof state);
  for (; len >= KECCAK256_RATE; p += KECCAK256_RATE, len -= KECCAK256_RATE)
    absorb_full_block (&state, p);
  absorb_last_block (&state, p, len);

  for (guint i = 0; i < SHOAL_HASH_SIZE / 8; i++)
    {
      guint64 lane = GUINT64_TO_LE (state.a[i]);

      memcpy (out + 8 * i, &lane, sizeof lane);
    }
}
