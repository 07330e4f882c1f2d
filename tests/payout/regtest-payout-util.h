/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-node-client.h"
#include "shoal-playground.h"
#include "shoal-store.h"
#include "shoal-wallet-client.h"

G_BEGIN_DECLS

/* What the payout tests against real daemons share: a regtest monerod,
 * the pool's monero-wallet-rpc and one per member (alice, bob), and the
 * checks they make the same way. */

typedef struct
{
  ShoalPlayground       *playground;
  ShoalPlaygroundWallet *pool;
  ShoalPlaygroundWallet *alice;
  ShoalPlaygroundWallet *bob;
  ShoalWalletClient     *wallet;   /* the pool's, as Shoal talks to it */
  ShoalNodeClient       *node;
  char                  *db;       /* the pool database's path */
} PayoutWorld;

void    payout_world_start         (PayoutWorld           *world);
void    payout_world_stop          (PayoutWorld           *world);

/* ADDRESS's available balance in the store; 0 when it has none. */
guint64 payout_test_balance        (ShoalStore            *store,
                                    const char            *address);
/* The documented PPLNS rule for weights 3 (ALICE) : 1 (BOB), worked out
 * here independently of the code under test. */
void    payout_test_expected_split (guint64                reward,
                                    guint                  fee_bps,
                                    const char            *alice,
                                    const char            *bob,
                                    guint64               *alice_amount,
                                    guint64               *bob_amount);
/* Everything WALLET received (after a refresh); BY_TX (optional) gets
 * txid -> amount. */
guint64 payout_test_received       (ShoalPlaygroundWallet *wallet,
                                    GHashTable            *by_tx);
/* shoal --check's own code on DB against the wallet and the node: passes. */
void    payout_test_ledger_check   (const char            *db,
                                    ShoalWalletClient     *wallet,
                                    ShoalNodeClient       *node);

G_END_DECLS
