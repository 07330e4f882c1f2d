/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-nonce-splits.h"

static gboolean
is_taken (const ShoalNonceSplits *self,
          guint8                  byte)
{
  return (self->taken[byte / 64] >> (byte % 64) & 1) != 0;
}

/* Round robin rather than the lowest free byte: a rig that just left may
 * still have shares on their way up for its byte, and a newcomer given
 * the same byte at once would have its identical ones refused there as
 * repeats. */
guint8
shoal_nonce_splits_take (ShoalNonceSplits *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->n_taken >= SHOAL_NONCE_SPLITS_MAX)
    return 0;
  for (guint i = 0; i < 256; i++)
    {
      guint8 byte = (guint8) (self->next + i);

      if (byte == 0 || is_taken (self, byte))
        continue;
      self->taken[byte / 64] |= G_GUINT64_CONSTANT (1) << (byte % 64);
      self->n_taken++;
      self->next = (guint8) (byte + 1);
      return byte;
    }
  g_assert_not_reached ();
}

void
shoal_nonce_splits_release (ShoalNonceSplits *self,
                            guint8            byte)
{
  g_return_if_fail (self != NULL);

  if (byte == 0 || !is_taken (self, byte))
    return;
  self->taken[byte / 64] &= ~(G_GUINT64_CONSTANT (1) << (byte % 64));
  self->n_taken--;
}
