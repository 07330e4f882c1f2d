/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-node-client.h"
#include "shoal-payout-proof.h"
#include "shoal-wallet-client.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

/* A real monero-wallet-rpc with --disable-rpc-login (the pool's) and a
 * second one with --rpc-login (digest), on a real regtest chain. */

#define PAYMENT 1234567890123ull   /* 1.234567890123 XMR: every digit counts */

static ShoalPlayground *pg;
static ShoalPlaygroundWallet *member;   /* started with --rpc-login shoal:s3cret */

static ShoalWalletClient *
pool_wallet (void)
{
  return shoal_wallet_client_new (shoal_playground_get_wallet (pg)->uri, NULL, NULL);
}

static ShoalWalletClient *
member_wallet (void)
{
  return shoal_wallet_client_new (member->uri, "shoal", "s3cret");
}

static void
test_without_login (void)
{
  g_autoptr(ShoalWalletClient) wallet = pool_wallet ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = shoal_wallet_client_get_address_sync (wallet, NULL, &error);
  gboolean valid = FALSE, subaddress = TRUE;
  guint major = 0, minor = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, shoal_playground_get_wallet (pg)->address);

  /* wallet-rpc 0.18 speaks interface 1.x. */
  g_assert_true (shoal_wallet_client_get_version_sync (wallet, &major, &minor, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (major, ==, 1);
  g_assert_cmpuint (minor, >, 0);
  g_test_message ("wallet-rpc interface %u.%u", major, minor);

  g_assert_true (shoal_wallet_client_validate_address_sync (wallet, address, &valid, &subaddress,
                                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_true (valid);
  g_assert_false (subaddress);

  /* One character changed breaks the checksum. */
  address[10] = address[10] == 'A' ? 'B' : 'A';
  g_assert_true (shoal_wallet_client_validate_address_sync (wallet, address, &valid, NULL, NULL,
                                                            &error));
  g_assert_no_error (error);
  g_assert_false (valid);
}

static void
on_address (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = shoal_wallet_client_get_address_finish (SHOAL_WALLET_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
on_version (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  guint *major = user_data;

  /* The login was refused: the probe's answer. */
  g_assert_false (shoal_wallet_client_get_version_finish (SHOAL_WALLET_CLIENT (source), result,
                                                          major, NULL, NULL));
  *major = G_MAXUINT;
}

static gboolean
is_max (gpointer data)
{
  return *(guint *) data == G_MAXUINT;
}

static void
test_digest_login (void)
{
  g_autoptr(ShoalWalletClient) wallet = member_wallet ();
  g_autoptr(ShoalWalletClient) wrong = shoal_wallet_client_new (member->uri, "shoal", "guess");
  g_autoptr(ShoalWalletClient) anonymous = shoal_wallet_client_new (member->uri, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *again = NULL;
  g_autofree char *refused = NULL;
  gboolean valid = FALSE;
  guint major = 0;

  address = shoal_wallet_client_get_address_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, member->address);

  /* Calls with a body after the challenge (the libsoup 3.2 restart), and
   * again on the same connection, asynchronously. */
  g_assert_true (shoal_wallet_client_validate_address_sync (
    wallet, shoal_playground_get_wallet (pg)->address, &valid, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (valid);
  shoal_wallet_client_get_address_async (wallet, NULL, on_address, &again);
  g_assert_cmpint (node_test_wait_until (is_set, &again, 10000), >=, 0);
  g_assert_cmpstr (again, ==, member->address);

  refused = shoal_wallet_client_get_address_sync (wrong, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "get_address"));
  g_assert_nonnull (strstr (error->message, "refused the login"));
  g_test_message ("wrong password: %s", error->message);
  g_clear_error (&error);

  refused = shoal_wallet_client_get_address_sync (anonymous, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_AUTH);
  g_clear_error (&error);

  /* The pool's probe, asynchronously, with a wrong password. */
  g_assert_false (shoal_wallet_client_get_version_sync (wrong, NULL, NULL, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_AUTH);
  shoal_wallet_client_get_version_async (wrong, NULL, on_version, &major);
  g_assert_cmpint (node_test_wait_until (is_max, &major, 10000), >=, 0);
}

static ShoalWalletTransfer *
find_transfer (GPtrArray  *transfers,
               const char *txid)
{
  for (guint i = 0; i < transfers->len; i++)
    {
      ShoalWalletTransfer *transfer = g_ptr_array_index (transfers, i);

      if (g_strcmp0 (transfer->txid, txid) == 0)
        return transfer;
    }
  return NULL;
}

static void
test_bad_transfers (void)
{
  g_autoptr(ShoalWalletClient) wallet = pool_wallet ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) txs = NULL;
  ShoalWalletDestination bad = { (char *) "4notanaddress", PAYMENT };
  ShoalWalletDestination huge = { member->address, G_MAXUINT64 };

  txs = shoal_wallet_client_transfer_split_sync (wallet, &bad, 1, TRUE, NULL, &error);
  g_assert_null (txs);
  g_assert_error (error, SHOAL_RPC_ERROR, -2);
  g_assert_nonnull (strstr (error->message, "transfer_split"));
  g_test_message ("bad address: %s", error->message);
  g_clear_error (&error);

  txs = shoal_wallet_client_transfer_split_sync (wallet, &huge, 1, TRUE, NULL, &error);
  g_assert_null (txs);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
}

/* Mines a block at a time until RECIPIENT sees TX_HASH come in.  monerod
 * may leave a transaction it was just handed out of the next block (it
 * waits to spread it first), so one block is not always enough. */
static ShoalWalletTransfer *
mine_until_received (ShoalWalletClient  *recipient,
                     const char         *tx_hash,
                     GPtrArray         **incoming)
{
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(GError) error = NULL;
      ShoalWalletTransfer *in;

      g_assert_true (shoal_playground_generate_blocks (pg, 1, NULL, &error));
      g_assert_true (shoal_wallet_client_refresh_sync (recipient, NULL, &error));
      g_assert_no_error (error);
      g_clear_pointer (incoming, g_ptr_array_unref);
      *incoming = shoal_wallet_client_get_transfers_sync (recipient, SHOAL_TRANSFER_IN, NULL,
                                                          &error);
      g_assert_no_error (error);
      if ((in = find_transfer (*incoming, tx_hash)) != NULL)
        return in;
      g_usleep (G_USEC_PER_SEC);
    }
  return NULL;
}

/* What monerod says about TX and the key images it spends. */
static void
assert_node_sees (const ShoalWalletTx  *tx,
                  ShoalTxWhere          where,
                  ShoalKeyImagesState   spent)
{
  g_autoptr(ShoalNodeClient) node = shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL,
                                                           NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) images = shoal_tx_key_images (tx->tx_blob, &error);
  ShoalTxWhere seen = where == SHOAL_TX_MISSING ? SHOAL_TX_IN_CHAIN : SHOAL_TX_MISSING;
  ShoalKeyImagesState state = spent == SHOAL_KEY_IMAGES_UNSPENT ? SHOAL_KEY_IMAGES_SPENT_ON_CHAIN
                                                                : SHOAL_KEY_IMAGES_UNSPENT;

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (images), >, 0);
  g_assert_true (shoal_node_client_find_transaction_sync (node, tx->tx_hash, &seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen, ==, where);
  g_assert_true (shoal_node_client_key_images_spent_sync (node, (const char * const *) images,
                                                          &state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, spent);
}

/* Built without relaying, relayed from its metadata, mined: the member
 * wallet sees the exact amount, and monerod sees the transaction and the
 * outputs it spends go from nowhere, to its pool, to its chain. */
static void
test_transfer_relay_receive (void)
{
  g_autoptr(ShoalWalletClient) wallet = pool_wallet ();
  g_autoptr(ShoalWalletClient) recipient = member_wallet ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) txs = NULL;
  g_autoptr(GPtrArray) incoming = NULL;
  g_autoptr(ShoalWalletTransfer) sent = NULL;
  g_autoptr(ShoalWalletTransfer) unknown = NULL;
  g_autoptr(ShoalWalletTransfer) received = NULL;
  g_autofree char *relayed = NULL;
  ShoalWalletDestination dest = { member->address, PAYMENT };
  ShoalWalletTransfer *in;
  ShoalWalletTx *tx;
  guint64 balance = 0, unlocked = 0;

  /* Ring size 16 needs 16 unlocked outputs: 75 blocks. */
  g_assert_true (shoal_playground_generate_blocks (pg, 75, NULL, &error));
  g_assert_true (shoal_wallet_client_refresh_sync (wallet, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_wallet_client_get_balance_sync (wallet, &balance, &unlocked, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unlocked, >, PAYMENT);
  g_assert_cmpuint (balance, >=, unlocked);

  txs = shoal_wallet_client_transfer_split_sync (wallet, &dest, 1, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txs->len, ==, 1);
  tx = g_ptr_array_index (txs, 0);
  g_assert_cmpuint (strlen (tx->tx_hash), ==, 64);
  g_assert_cmpuint (tx->amount, ==, PAYMENT);
  g_assert_cmpuint (tx->fee, >, 0);
  g_assert_cmpuint (strlen (tx->tx_blob), >, 100);
  g_assert_cmpuint (strlen (tx->tx_metadata), >, 100);

  /* Not relayed: the wallet does not know it as a transfer yet. */
  unknown = shoal_wallet_client_get_transfer_by_txid_sync (wallet, tx->tx_hash, NULL, &error);
  g_assert_null (unknown);
  g_assert_nonnull (error);
  g_test_message ("before relay: %s", error->message);
  g_clear_error (&error);
  assert_node_sees (tx, SHOAL_TX_MISSING, SHOAL_KEY_IMAGES_UNSPENT);

  relayed = shoal_wallet_client_relay_tx_sync (wallet, tx->tx_metadata, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (relayed, ==, tx->tx_hash);
  assert_node_sees (tx, SHOAL_TX_IN_POOL, SHOAL_KEY_IMAGES_SPENT_IN_POOL);

  in = mine_until_received (recipient, tx->tx_hash, &incoming);
  g_assert_nonnull (in);
  assert_node_sees (tx, SHOAL_TX_IN_CHAIN, SHOAL_KEY_IMAGES_SPENT_ON_CHAIN);
  g_assert_cmpstr (in->type, ==, "in");
  g_assert_cmpuint (in->amount, ==, PAYMENT);
  g_assert_cmpuint (in->confirmations, >=, 1);
  g_assert_true (shoal_wallet_client_get_balance_sync (recipient, &balance, &unlocked, NULL,
                                                       &error));
  g_assert_cmpuint (balance, ==, PAYMENT);

  received = shoal_wallet_client_get_transfer_by_txid_sync (recipient, tx->tx_hash, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (received->amount, ==, PAYMENT);

  g_assert_true (shoal_wallet_client_refresh_sync (wallet, NULL, &error));
  sent = shoal_wallet_client_get_transfer_by_txid_sync (wallet, tx->tx_hash, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sent->type, ==, "out");
  g_assert_cmpuint (sent->amount, ==, PAYMENT);
  g_assert_cmpuint (sent->fee, ==, tx->fee);
  g_assert_cmpuint (sent->height, ==, shoal_test_node_height (pg) - 1);
  g_assert_cmpuint (sent->destinations->len, ==, 1);
  g_assert_cmpstr (((ShoalWalletDestination *) g_ptr_array_index (sent->destinations, 0))->address,
                   ==, member->address);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wallet/client/without-login", test_without_login);
  g_test_add_func ("/wallet/client/digest-login", test_digest_login);
  g_test_add_func ("/wallet/client/bad-transfers", test_bad_transfers);
  g_test_add_func ("/wallet/client/transfer-relay-receive", test_transfer_relay_receive);

  pg = shoal_test_harness_start (1);
  member = shoal_playground_add_wallet_sync (pg, "member", "shoal:s3cret", NULL, &error);
  g_assert_no_error (error);
  result = g_test_run ();
  shoal_test_harness_stop (pg);
  return result;
}
