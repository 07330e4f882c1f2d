/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-sidechain.h"

/* Per sidechain: the target time between its blocks and the length of
 * P2Pool's PPLNS window in sidechain blocks.  Main and mini aim at a
 * block every 10 s, nano every 30 s; the window is 2160 blocks on all
 * three (P2Pool's PPLNS_WINDOW), so it covers about 6 h on main and mini
 * and about 18 h on nano.  Shoal is no P2Pool node and never sees the
 * sidechain itself: a payout is credited over that span of time before
 * the Monero block that paid it, the nominal length of the window that
 * P2Pool split it by. */
typedef struct
{
  const char *name;
  guint       block_seconds;
  guint       window_blocks;
} Sidechain;

static const Sidechain sidechains[] = {
  [SHOAL_SIDECHAIN_MAIN] = { "main", 10, 2160 },
  [SHOAL_SIDECHAIN_MINI] = { "mini", 10, 2160 },
  [SHOAL_SIDECHAIN_NANO] = { "nano", 30, 2160 },
};

gboolean
shoal_sidechain_parse (const char     *name,
                       ShoalSidechain *sidechain)
{
  g_return_val_if_fail (sidechain != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (sidechains); i++)
    if (g_str_equal (name, sidechains[i].name))
      {
        *sidechain = (ShoalSidechain) i;
        return TRUE;
      }
  return FALSE;
}

const char *
shoal_sidechain_to_string (ShoalSidechain sidechain)
{
  g_return_val_if_fail ((guint) sidechain < G_N_ELEMENTS (sidechains), NULL);
  return sidechains[sidechain].name;
}

gint64
shoal_sidechain_window_us (ShoalSidechain sidechain)
{
  g_return_val_if_fail ((guint) sidechain < G_N_ELEMENTS (sidechains), 0);
  return (gint64) sidechains[sidechain].block_seconds * sidechains[sidechain].window_blocks *
         G_USEC_PER_SEC;
}
