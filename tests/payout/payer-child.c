/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "shoal-payer.h"

/* shoal-payer-child DB WALLET_URI USER PASSWORD THRESHOLD STEP
 *
 * Runs one payout and SIGKILLs itself right after STEP (a name from
 * shoal_payer_step_to_string), the way a power cut or an OOM kill would
 * stop Shoal.  Exit 0: the payout finished without reaching STEP;
 * exit 2: bad arguments or an error. */

static void
on_step (ShoalPayer     *payer,
         gint64          batch_id,
         ShoalPayerStep  step,
         gpointer        user_data)
{
  if (g_str_equal (shoal_payer_step_to_string (step), user_data))
    raise (SIGKILL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStore) store = NULL;
  g_autoptr(ShoalWalletClient) wallet = NULL;
  g_autoptr(ShoalPayer) payer = NULL;

  if (argc != 7)
    {
      g_printerr ("usage: %s DB WALLET_URI USER PASSWORD THRESHOLD STEP\n", argv[0]);
      return 2;
    }
  store = shoal_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  wallet = shoal_wallet_client_new (argv[2], *argv[3] ? argv[3] : NULL, argv[4]);
  /* Signing with ring size 16 on a loaded 2-core machine can be slow. */
  shoal_wallet_client_set_timeout (wallet, 300);
  payer = shoal_payer_new (store, wallet, g_ascii_strtoull (argv[5], NULL, 10));
  shoal_payer_set_step_func (payer, on_step, argv[6]);
  if (shoal_payer_pay_out_sync (payer, NULL, &error) < 0)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  return 0;
}
