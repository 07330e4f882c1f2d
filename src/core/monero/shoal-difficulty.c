/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-difficulty.h"

/* Up to this difficulty jobs carry the 4-byte target that NiceHash and
 * rental services expect; its rounding stays under 0.1% here
 * (0xFFFFFFFF / 2^22 >= 1023). */
#define TARGET32_MAX_DIFFICULTY (G_GUINT64_CONSTANT (1) << 22)

/* 64 x 64 -> 128 bits from 32-bit halves, so that this builds where the
 * compiler has no 128-bit integer. */
static void
mul64 (guint64  a,
       guint64  b,
       guint64 *lo,
       guint64 *hi)
{
  guint64 a_lo = a & 0xffffffff, a_hi = a >> 32;
  guint64 b_lo = b & 0xffffffff, b_hi = b >> 32;
  guint64 ll = a_lo * b_lo;
  guint64 lh = a_lo * b_hi;
  guint64 hl = a_hi * b_lo;
  guint64 hh = a_hi * b_hi;
  guint64 mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);

  *lo = (mid << 32) | (ll & 0xffffffff);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static gboolean
parse_hex_digits (const char      *digits,
                  ShoalDifficulty *out,
                  GError         **error)
{
  ShoalDifficulty value = { 0, 0 };
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      int d = g_ascii_xdigit_value (digits[i]);

      if (d < 0)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Difficulty \"%s\" has a non-hex character", digits);
          return FALSE;
        }
      if (value.hi >> 60 != 0)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                       "Difficulty 0x%s does not fit in 128 bits", digits);
          return FALSE;
        }
      value.hi = (value.hi << 4) | (value.lo >> 60);
      value.lo = (value.lo << 4) | (guint64) d;
    }
  *out = value;
  return TRUE;
}

gboolean
shoal_difficulty_parse (const char       *wide_hex,
                        ShoalDifficulty  *out,
                        GError          **error)
{
  ShoalDifficulty value;
  const char *digits;

  g_return_val_if_fail (wide_hex != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  digits = wide_hex;
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits += 2;
  if (*digits == '\0')
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Difficulty \"%s\" has no digits", wide_hex);
      return FALSE;
    }
  if (!parse_hex_digits (digits, &value, error))
    return FALSE;
  if (value.lo == 0 && value.hi == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "Difficulty is zero");
      return FALSE;
    }
  *out = value;
  return TRUE;
}

ShoalDifficulty
shoal_difficulty_from_uint64 (guint64 value)
{
  ShoalDifficulty difficulty = { value, 0 };

  return difficulty;
}

/* Divides the 128-bit value in place by 10 and returns the remainder,
 * 32 bits at a time so that no step overflows. */
static guint
divmod10 (guint32 limbs[4])
{
  guint64 rem = 0;

  for (int i = 3; i >= 0; i--)
    {
      guint64 cur = (rem << 32) | limbs[i];

      limbs[i] = cur / 10;
      rem = cur % 10;
    }
  return rem;
}

char *
shoal_difficulty_to_string (const ShoalDifficulty *difficulty)
{
  guint32 limbs[4];
  GString *digits = g_string_new (NULL);

  g_return_val_if_fail (difficulty != NULL, NULL);

  limbs[0] = difficulty->lo;
  limbs[1] = difficulty->lo >> 32;
  limbs[2] = difficulty->hi;
  limbs[3] = difficulty->hi >> 32;
  do
    g_string_prepend_c (digits, '0' + divmod10 (limbs));
  while (limbs[0] | limbs[1] | limbs[2] | limbs[3]);
  return g_string_free (digits, FALSE);
}

static guint64
hash_limb (const guint8 hash[32],
           guint        i)
{
  guint64 v;

  memcpy (&v, hash + 8 * i, sizeof v);
  return GUINT64_FROM_LE (v);
}

/* H * D < 2^256 iff the two top limbs of the 6-limb product are zero. */
gboolean
shoal_difficulty_check_hash (const guint8           hash[32],
                             const ShoalDifficulty *difficulty)
{
  guint64 product[6] = { 0 };
  guint64 d[2];

  g_return_val_if_fail (hash != NULL && difficulty != NULL, FALSE);

  d[0] = difficulty->lo;
  d[1] = difficulty->hi;

  for (guint j = 0; j < 2; j++)
    {
      guint64 carry = 0;

      for (guint i = 0; i < 4; i++)
        {
          guint64 lo, hi;

          mul64 (hash_limb (hash, i), d[j], &lo, &hi);
          lo += carry;
          hi += lo < carry;
          product[i + j] += lo;
          hi += product[i + j] < lo;
          carry = hi;
        }
      product[4 + j] += carry;
    }
  return product[4] == 0 && product[5] == 0;
}

guint64
shoal_target64_from_difficulty (guint64 difficulty)
{
  g_return_val_if_fail (difficulty > 0, G_MAXUINT64);

  return G_MAXUINT64 / difficulty;
}

/* Never 0: XMRig divides by the 4-byte target. */
guint32
shoal_target32_from_difficulty (guint64 difficulty)
{
  g_return_val_if_fail (difficulty > 0, G_MAXUINT32);

  return MAX (G_MAXUINT32 / difficulty, 1);
}

/* What XMRig makes of a 4-byte target (Job::setTarget). */
guint64
shoal_target32_to_target64 (guint32 target32)
{
  g_return_val_if_fail (target32 > 0, 0);

  return G_MAXUINT64 / (G_MAXUINT32 / (guint64) target32);
}

guint64
shoal_difficulty_from_target64 (guint64 target64)
{
  if (target64 == 0)
    return G_MAXUINT64;
  return G_MAXUINT64 / target64;
}

static char *
le_hex (guint64 value,
        guint   n_bytes)
{
  GString *hex = g_string_sized_new (2 * n_bytes);

  for (guint i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", (guint) ((value >> (8 * i)) & 0xff));
  return g_string_free (hex, FALSE);
}

guint64
shoal_effective_target64 (guint64 difficulty)
{
  g_return_val_if_fail (difficulty > 0, 0);

  if (difficulty <= TARGET32_MAX_DIFFICULTY)
    return shoal_target32_to_target64 (shoal_target32_from_difficulty (difficulty));
  return shoal_target64_from_difficulty (difficulty);
}

char *
shoal_target_hex_for_difficulty (guint64  difficulty,
                                 guint64 *effective_target64)
{
  g_return_val_if_fail (difficulty > 0, NULL);

  if (effective_target64 != NULL)
    *effective_target64 = shoal_effective_target64 (difficulty);
  if (difficulty <= TARGET32_MAX_DIFFICULTY)
    return le_hex (shoal_target32_from_difficulty (difficulty), 4);
  return le_hex (shoal_target64_from_difficulty (difficulty), 8);
}

gboolean
shoal_target_hex_parse (const char  *hex,
                        guint64     *target64,
                        GError     **error)
{
  gsize len;
  guint64 value = 0;

  g_return_val_if_fail (hex != NULL, FALSE);

  len = strlen (hex);
  if (len != 8 && len != 16)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Target \"%s\" is neither 4 nor 8 bytes of hex", hex);
      return FALSE;
    }
  for (gsize i = 0; i < len; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Target \"%s\" has a non-hex character", hex);
          return FALSE;
        }
      value |= (guint64) ((hi << 4) | lo) << (4 * i);
    }
  if (value == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "Target is zero");
      return FALSE;
    }
  if (target64 != NULL)
    *target64 = len == 8 ? shoal_target32_to_target64 (value) : value;
  return TRUE;
}

gboolean
shoal_hash_meets_target (const guint8 hash[32],
                         guint64      target64)
{
  g_return_val_if_fail (hash != NULL, FALSE);

  return hash_limb (hash, 3) < target64;
}

guint64
shoal_hash_difficulty (const guint8 hash[32])
{
  guint64 top;

  g_return_val_if_fail (hash != NULL, 0);

  top = hash_limb (hash, 3);
  return top == 0 ? G_MAXUINT64 : G_MAXUINT64 / top;
}
