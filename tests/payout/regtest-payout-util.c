/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-ledger-check.h"
#include "shoal-test-harness.h"
#include "regtest-payout-util.h"

void
payout_world_start (PayoutWorld *world)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  world->playground = shoal_test_harness_start (1);
  world->pool = shoal_playground_get_wallet (world->playground);
  /* Signing with ring size 16 on a loaded 2-core machine can be slow. */
  shoal_rpc_client_set_timeout (world->pool->client, 300);
  world->wallet = shoal_wallet_client_new (world->pool->uri, world->pool->username,
                                           world->pool->password);
  shoal_wallet_client_set_timeout (world->wallet, 300);
  world->node = shoal_node_client_new (shoal_playground_get_node_uri (world->playground), NULL,
                                       NULL);
  world->alice = shoal_playground_add_wallet_sync (world->playground, "alice", NULL, NULL, &error);
  g_assert_no_error (error);
  world->bob = shoal_playground_add_wallet_sync (world->playground, "bob", NULL, NULL, &error);
  g_assert_no_error (error);
  dir = g_build_filename (shoal_playground_get_data_dir (world->playground), "shoal", NULL);
  g_mkdir_with_parents (dir, 0700);
  world->db = g_build_filename (dir, "pool.db", NULL);
}

void
payout_world_stop (PayoutWorld *world)
{
  g_clear_object (&world->wallet);
  g_clear_object (&world->node);
  if (world->playground != NULL)
    shoal_test_harness_stop (world->playground);
  g_clear_pointer (&world->db, g_free);
}

guint64
payout_test_balance (ShoalStore *store,
                     const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStoreBalance) info = shoal_store_get_balance_sync (store, address, &error);

  g_assert_no_error (error);
  return info ? info->amount : 0;
}

void
payout_test_expected_split (guint64     reward,
                            guint       fee_bps,
                            const char *alice,
                            const char *bob,
                            guint64    *alice_amount,
                            guint64    *bob_amount)
{
  guint64 fee = reward / 10000 * fee_bps + reward % 10000 * fee_bps / 10000;
  guint64 rest = reward - fee;
  guint64 rem_alice = (rest % 4) * 3 % 4;
  guint64 rem_bob = rest % 4;

  *alice_amount = rest / 4 * 3 + (rest % 4) * 3 / 4;
  *bob_amount = rest / 4;
  if (*alice_amount + *bob_amount < rest)
    {
      /* At most one unit over here; ties go to the smaller address. */
      if (rem_alice > rem_bob || (rem_alice == rem_bob && strcmp (alice, bob) < 0))
        (*alice_amount)++;
      else
        (*bob_amount)++;
    }
  g_assert_cmpuint (*alice_amount + *bob_amount + fee, ==, reward);
}

guint64
payout_test_received (ShoalPlaygroundWallet *wallet,
                      GHashTable            *by_tx)
{
  g_autoptr(JsonNode) refreshed = shoal_test_rpc (wallet->client, "refresh", NULL);
  g_autoptr(JsonNode) answer = shoal_test_rpc (wallet->client, "get_transfers",
                                               "{\"in\":true,\"pool\":true}");
  JsonObject *object = json_node_get_object (answer);
  JsonArray *in;
  guint64 total = 0;

  g_assert_false (json_object_has_member (object, "pool"));
  if (!json_object_has_member (object, "in"))
    return 0;
  in = json_object_get_array_member (object, "in");
  for (guint i = 0; i < json_array_get_length (in); i++)
    {
      JsonObject *transfer = json_array_get_object_element (in, i);
      guint64 amount = json_object_get_int_member (transfer, "amount");

      total += amount;
      if (by_tx != NULL)
        g_hash_table_insert (by_tx, g_strdup (json_object_get_string_member (transfer, "txid")),
                             g_memdup2 (&amount, sizeof amount));
    }
  return total;
}

void
payout_test_ledger_check (const char        *db,
                          ShoalWalletClient *wallet,
                          ShoalNodeClient   *node)
{
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok = shoal_ledger_check_sync (db, wallet, node, report, NULL, &error);

  g_test_message ("ledger check:\n%s", report->str);
  g_assert_no_error (error);
  g_assert_true (ok);
}
