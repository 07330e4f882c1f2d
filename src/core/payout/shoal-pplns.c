/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-pplns.h"

/* The rounding rule, exactly:
 *
 *   fee   = floor (reward * fee_bps / 10000)
 *   rest  = reward - fee
 *   W     = sum of the weights (share difficulty in the window)
 *   base_i = floor (rest * w_i / W), with the product in 128 bits
 *
 * The flooring leaves `rest - sum (base_i)` atomic units over, always
 * fewer than the number of miners.  They go one each to the miners with
 * the largest remainders `(rest * w_i) mod W` (largest remainder method),
 * ties broken by address in ascending byte order.  So the credits sum to
 * exactly `reward - fee`, no miner is off by more than one atomic unit
 * from their exact share, and the result does not depend on the order of
 * the input.  The fee account gets exactly `fee`.  A window with no
 * weight (no shares at all) credits nobody: the whole reward goes to the
 * fee account. */

typedef struct
{
  ShoalCredit *credit;
  guint64      remainder;
} Share;

static gint
compare_remainders (gconstpointer a,
                    gconstpointer b)
{
  const Share *sa = a;
  const Share *sb = b;

  if (sa->remainder != sb->remainder)
    return sa->remainder > sb->remainder ? -1 : 1;
  return strcmp (sa->credit->address, sb->credit->address);
}

static unsigned __int128
total_weight (GPtrArray *credits)
{
  unsigned __int128 total = 0;

  for (guint i = 0; i < credits->len; i++)
    total += ((ShoalCredit *) g_ptr_array_index (credits, i))->weight;
  return total;
}

/* Fills in each credit's amount; returns the fee in *FEE. */
gboolean
shoal_pplns_split (guint64     reward,
                   guint       fee_bps,
                   GPtrArray  *credits,
                   guint64    *fee,
                   GError    **error)
{
  unsigned __int128 weight;
  g_autoptr(GArray) shares = NULL;
  guint64 rest, given = 0;

  g_return_val_if_fail (credits != NULL && fee != NULL, FALSE);

  if (fee_bps > SHOAL_PPLNS_MAX_FEE_BPS)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "The pool fee %u bps is over 100%%", fee_bps);
      return FALSE;
    }
  *fee = (guint64) ((unsigned __int128) reward * fee_bps / SHOAL_PPLNS_MAX_FEE_BPS);
  rest = reward - *fee;
  weight = total_weight (credits);
  if (weight == 0)
    {
      for (guint i = 0; i < credits->len; i++)
        ((ShoalCredit *) g_ptr_array_index (credits, i))->amount = 0;
      *fee = reward;
      return TRUE;
    }

  shares = g_array_sized_new (FALSE, FALSE, sizeof (Share), credits->len);
  for (guint i = 0; i < credits->len; i++)
    {
      ShoalCredit *c = g_ptr_array_index (credits, i);
      unsigned __int128 product = (unsigned __int128) rest * c->weight;
      Share s = { c, (guint64) (product % weight) };

      c->amount = (guint64) (product / weight);
      given += c->amount;
      g_array_append_val (shares, s);
    }
  g_array_sort (shares, compare_remainders);
  for (guint i = 0; given < rest; i++)
    {
      g_array_index (shares, Share, i).credit->amount++;
      given++;
    }
  return TRUE;
}

/* N x the network difficulty of the found block, saturating. */
guint64
shoal_pplns_window (guint64 network_difficulty,
                    guint   window_factor)
{
  guint64 window;

  if (!g_uint64_checked_mul (&window, network_difficulty, window_factor))
    return G_MAXUINT64;
  return window;
}
