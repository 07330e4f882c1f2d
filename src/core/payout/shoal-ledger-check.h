/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-config.h"
#include "shoal-node-client.h"
#include "shoal-wallet-client.h"

G_BEGIN_DECLS

/* A read-only check of the pool's books against the wallet and the node,
 * for anyone to run (shoal --check, and the window's Check button):
 *  - per member: credited = balance + reserved + paid;
 *  - per credited block: credits + pool fee = reward;
 *  - every payment of a confirmed batch: its transaction is in the
 *    wallet, sent ("out"), with the same amounts to the same addresses;
 *  - every credited or unlocked block: on the node's main chain, with
 *    the reward the node reports.
 * It opens the database read-only (the pool may run meanwhile) and stops
 * at the first discrepancy, which the error names.  REPORT (may be NULL)
 * gets one line per fact checked.  WALLET NULL skips the payments (solo
 * mode pays nobody).  Blocks: call it off the UI thread. */

gboolean shoal_ledger_check_sync   (const char          *db_path,
                                    ShoalWalletClient   *wallet,
                                    ShoalNodeClient     *node,
                                    GString             *report,
                                    GCancellable        *cancellable,
                                    GError             **error);
void     shoal_ledger_check_async  (const char          *db_path,
                                    ShoalWalletClient   *wallet,
                                    ShoalNodeClient     *node,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
/* The report on success; NULL and the discrepancy on failure. */
char    *shoal_ledger_check_finish (GAsyncResult        *result,
                                    GError             **error);

/* shoal --check: the database, wallet and node CONFIG names; prints the
 * report; returns the process exit status (0: the books match). */
int      shoal_ledger_check_run    (ShoalConfig         *config);

G_END_DECLS
