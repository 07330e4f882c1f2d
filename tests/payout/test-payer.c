/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "shoal-accounting.h"
#include "shoal-block-tracker.h"
#include "shoal-error.h"
#include "shoal-ledger-check.h"
#include "shoal-payer.h"
#include "shoal-store.h"
#include "shoal-test-harness.h"
#include "fault-proxy.h"
#include "regtest-payout-util.h"
#include "store-test-util.h"

/* The payer against real daemons: a regtest monerod, the pool's
 * monero-wallet-rpc, and one wallet-rpc per member.  What counts is what
 * the members' own wallets received, not what the store says. */

#define FEE_BPS        100
#define WINDOW_FACTOR  4000   /* regtest difficulty is 1: a window of 4000 */
#define THRESHOLD      G_GUINT64_CONSTANT (100000000)

static PayoutWorld world;
static guint64 next_height;

static void
world_start (void)
{
  g_autoptr(GError) error = NULL;

  if (world.playground != NULL)
    return;
  payout_world_start (&world);
  /* Ring size 16 needs 16 unlocked outputs, and coinbase unlocks after 60. */
  g_assert_true (shoal_playground_generate_blocks (world.playground, 80, world.pool->address, &error));
  g_assert_no_error (error);
  next_height = 2;
}

static ShoalStore *
open_store (void)
{
  g_autoptr(GError) error = NULL;
  ShoalStore *store = shoal_store_open (world.db, &error);

  g_assert_no_error (error);
  return store;
}

static void
add_share (ShoalStore *store,
           const char *address,
           guint64     height,
           gboolean    is_block)
{
  store_test_record (store, address, 1000, height, is_block, g_get_real_time ());
}

/* What the pool's bookkeeper does with each of the tracker's reports. */
typedef struct
{
  ShoalAccounting *accounting;
  guint            credited;
  gboolean         settled;
} Confirming;

static void
on_block_changed (ShoalBlockTracker *tracker,
                  const char        *id,
                  ShoalBlockState    state,
                  guint64            confirmations,
                  gpointer           user_data)
{
  Confirming *confirming = user_data;
  g_autoptr(GError) error = NULL;

  confirming->credited += shoal_accounting_block_changed_sync (confirming->accounting, id, state,
                                                               confirmations, &error);
  g_assert_no_error (error);
  confirming->settled = state != SHOAL_BLOCK_STATE_SUBMITTED && state != SHOAL_BLOCK_STATE_PENDING;
}

/* The block tracker follows HASH on monerod until it is final; accounting
 * takes each of its reports.  Returns how many blocks were credited. */
static guint
confirm_block (ShoalAccounting *accounting,
               const char      *hash,
               guint64          height,
               guint64          reward)
{
  g_autoptr(ShoalBlockTracker) tracker = shoal_block_tracker_new (world.node);
  Confirming confirming = { accounting, 0, FALSE };

  g_signal_connect (tracker, "block-changed", G_CALLBACK (on_block_changed), &confirming);
  shoal_block_tracker_track (tracker, hash, height, reward);
  for (guint i = 0; i < 6000 && !confirming.settled; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10 * 1000);
    }
  g_assert_true (confirming.settled);
  g_signal_handlers_disconnect_by_data (tracker, &confirming);
  return confirming.credited;
}

/* A real block of the chain (mined to the pool wallet, unlocked), with
 * shares 3:1 for alice and bob, credited through the accounting code on
 * the block tracker's word, as the pool does. */
static void
credit_block_with_fee (guint fee_bps)
{
  g_autoptr(ShoalStore) store = open_store ();
  g_autoptr(ShoalAccounting) accounting = shoal_accounting_new (store, SHOAL_MODE_PPLNS, fee_bps,
                                                                WINDOW_FACTOR);
  g_autofree char *params = g_strdup_printf ("{\"height\":%" G_GUINT64_FORMAT "}", next_height);
  g_autoptr(JsonNode) answer = shoal_test_rpc (shoal_playground_get_node (world.playground),
                                               "get_block_header_by_height", params);
  JsonObject *header = json_object_get_object_member (json_node_get_object (answer), "block_header");
  guint64 reward = json_object_get_int_member (header, "reward");
  guint64 height = next_height++;
  guint64 alice_before = payout_test_balance (store, world.alice->address);
  guint64 bob_before = payout_test_balance (store, world.bob->address);
  guint64 alice, bob;
  g_autoptr(GError) error = NULL;

  add_share (store, world.alice->address, height, FALSE);
  add_share (store, world.bob->address, height, FALSE);
  add_share (store, world.alice->address, height, FALSE);
  add_share (store, world.alice->address, height, TRUE);
  g_assert_true (shoal_store_add_block_sync (store, json_object_get_string_member (header, "hash"),
                                             height, reward,
                                             json_object_get_int_member (header, "difficulty"),
                                             g_get_real_time (), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (confirm_block (accounting, json_object_get_string_member (header, "hash"), height,
                                   reward), ==, 1);

  payout_test_expected_split (reward, fee_bps, world.alice->address, world.bob->address,
                              &alice, &bob);
  g_assert_cmpuint (payout_test_balance (store, world.alice->address) - alice_before, ==, alice);
  g_assert_cmpuint (payout_test_balance (store, world.bob->address) - bob_before, ==, bob);
}

static void
credit_next_block (void)
{
  credit_block_with_fee (FEE_BPS);
}

static void
mine (guint n)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_playground_generate_blocks (world.playground, n, world.pool->address, &error));
  g_assert_no_error (error);
}

static void
reconcile (void)
{
  g_autoptr(ShoalStore) store = open_store ();
  g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);
  g_autoptr(GError) error = NULL;

  shoal_payer_set_node (payer, world.node);
  g_assert_true (shoal_payer_reconcile_sync (payer, NULL, &error));
  g_assert_no_error (error);
}

static gint64
raw_int (const char *sql)
{
  return store_test_int (world.db, sql);
}

/* What the members' wallets hold equals what the store says was paid,
 * transaction by transaction, and no credited atomic unit is missing. */
static void
assert_books_match_wallets (void)
{
  g_autoptr(ShoalStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payments = shoal_store_list_payments_sync (store, 0, 1000, &error);
  ShoalPlaygroundWallet *members[] = { world.alice, world.bob };

  g_assert_no_error (error);
  for (guint m = 0; m < G_N_ELEMENTS (members); m++)
    {
      g_autoptr(GHashTable) by_tx = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_autoptr(ShoalStoreBalance) info = shoal_store_get_balance_sync (store, members[m]->address, &error);
      guint64 got = payout_test_received (members[m], by_tx);
      guint64 confirmed = 0;

      for (guint i = 0; i < payments->len; i++)
        {
          ShoalStorePayment *p = g_ptr_array_index (payments, i);
          guint64 *seen;

          if (!g_str_equal (p->address, members[m]->address) || p->state != SHOAL_BATCH_CONFIRMED)
            continue;
          confirmed += p->amount;
          g_assert_nonnull (p->tx_hash);
          seen = g_hash_table_lookup (by_tx, p->tx_hash);
          g_assert_nonnull (seen);
          g_assert_cmpuint (*seen, ==, p->amount);
        }
      g_test_message ("%s: received %" G_GUINT64_FORMAT " in %u transactions, paid per store %"
                      G_GUINT64_FORMAT, members[m]->name, got, g_hash_table_size (by_tx), info->paid);
      g_assert_cmpuint (got, ==, confirmed);
      g_assert_cmpuint (got, ==, info->paid);
      g_assert_cmpuint (info->reserved, ==, 0);
    }
  g_assert_cmpint (raw_int ("SELECT count (*) FROM balances AS b WHERE b.amount + b.reserved + b.paid <>"
                            " (SELECT sum (amount) FROM credits WHERE address = b.address)"), ==, 0);
  g_assert_cmpint (raw_int ("SELECT count (*) FROM payout_batches WHERE state NOT IN"
                            " ('confirmed', 'failed')"), ==, 0);
  payout_test_ledger_check (world.db, world.wallet, world.node);
}

static void
test_pay_out (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStoreBatch) batch = NULL;
  g_autoptr(GPtrArray) payments = NULL;
  guint64 alice_due, bob_due;
  gint64 id;

  world_start ();
  credit_next_block ();
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    alice_due = payout_test_balance (store, world.alice->address);
    bob_due = payout_test_balance (store, world.bob->address);
    id = shoal_payer_pay_out_sync (payer, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
    batch = shoal_store_get_batch_sync (store, id, &error);
    g_assert_cmpint (batch->state, ==, SHOAL_BATCH_RELAYED);
    g_assert_cmpuint (batch->total, ==, alice_due + bob_due);
    g_assert_cmpuint (batch->fee, >, 0);
    g_assert_cmpuint (payout_test_balance (store, world.alice->address), ==, 0);
    /* Nothing more is due: a second payout plans nothing. */
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, 0);
    g_assert_no_error (error);
  }
  mine (1);
  reconcile ();
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalStoreBatch) done = shoal_store_get_batch_sync (store, id, &error);

    g_assert_cmpint (done->state, ==, SHOAL_BATCH_CONFIRMED);
    payments = shoal_store_list_payments_sync (store, id, 10, &error);
    g_assert_cmpuint (payments->len, ==, 2);
    for (guint i = 0; i < payments->len; i++)
      g_assert_cmpstr (((ShoalStorePayment *) payments->pdata[i])->tx_hash, ==, batch->tx_hashes[0]);
  }
  g_assert_cmpuint (payout_test_received (world.alice, NULL), ==, alice_due);
  g_assert_cmpuint (payout_test_received (world.bob, NULL), ==, bob_due);
  assert_books_match_wallets ();
}

/* --- what the wallet says that is not so ------------------------------ */

static GBytes *
replace_text (GBytes     *answer,
              const char *from,
              const char *to)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  g_auto(GStrv) parts = g_strsplit (text, from, -1);
  char *joined;

  if (g_strv_length (parts) < 2)
    return NULL;
  joined = g_strjoinv (to, parts);
  return g_bytes_new_take (joined, strlen (joined));
}

/* wallet2 calls a transaction "failed" once its own node's pool stops
 * showing it; other nodes may still mine it.  The real wallet cannot be
 * made to say so on demand, so the proxy turns "pending" into "failed". */
static GBytes *
say_failed (const char *key,
            GBytes     *request,
            GBytes     *answer,
            gpointer    user_data)
{
  GBytes *replaced;

  if (answer == NULL || g_strcmp0 (key, "get_transfer_by_txid") != 0)
    return NULL;
  replaced = replace_text (answer, "\"type\": \"pending\"", "\"type\": \"failed\"");
  if (replaced != NULL)
    g_atomic_int_inc ((int *) user_data);
  return replaced;
}

static ShoalPayer *
payer_through (ShoalStore     *store,
               FaultProxy     *proxy)
{
  g_autoptr(ShoalWalletClient) wallet = shoal_wallet_client_new (fault_proxy_get_uri (proxy), NULL,
                                                                 NULL);
  ShoalPayer *payer = shoal_payer_new (store, wallet, THRESHOLD);

  shoal_wallet_client_set_timeout (wallet, 300);
  shoal_payer_set_node (payer, world.node);
  return payer;
}

static ShoalBatchState
batch_state (ShoalStore *store,
             gint64      id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStoreBatch) batch = shoal_store_get_batch_sync (store, id, &error);

  g_assert_no_error (error);
  g_test_message ("batch %" G_GINT64_FORMAT ": %s (%s)", id, shoal_batch_state_to_string (batch->state),
                  batch->note ? batch->note : "no note");
  return batch->state;
}

static void
test_wallet_says_failed (void)
{
  g_autoptr(GError) error = NULL;
  int rewritten = 0;
  FaultProxy *proxy;
  gint64 id;

  world_start ();
  credit_next_block ();
  proxy = fault_proxy_new (world.pool->uri, say_failed, &rewritten);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = payer_through (store, proxy);

    id = shoal_payer_pay_out_sync (payer, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
    /* The wallet now says "failed" while the node holds the transaction:
     * the batch stays open and nobody is due again. */
    g_assert_true (shoal_payer_reconcile_sync (payer, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_atomic_int_get (&rewritten), >, 0);
    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_RELAYED);
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, 0);
    g_assert_no_error (error);
  }
  mine (1);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = payer_through (store, proxy);

    g_assert_true (shoal_payer_reconcile_sync (payer, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_CONFIRMED);
  }
  fault_proxy_free (proxy);
  mine (10);
  assert_books_match_wallets ();
}

/* The daemon took the transaction but the wallet's connection failed
 * before the answer: relay_tx answers an error and the wallet records
 * nothing.  The proxy sits between the real wallet and the real monerod
 * and loses just that answer. */
static GBytes *
lose_send_answer (const char *key,
                  GBytes     *request,
                  GBytes     *answer,
                  gpointer    user_data)
{
  static const char failed[] = "{\"status\":\"Failed\",\"reason\":\"connection lost\","
                               "\"double_spend\":false,\"not_relayed\":false}";

  if (answer == NULL ||
      (g_strcmp0 (key, "/sendrawtransaction") != 0 && g_strcmp0 (key, "/send_raw_transaction") != 0))
    return NULL;
  g_atomic_int_inc ((int *) user_data);
  return g_bytes_new_static (failed, sizeof failed - 1);
}

static void
set_wallet_daemon (const char *uri)
{
  g_autofree char *params = g_strdup_printf ("{\"address\":\"%s\",\"trusted\":true}", uri);
  g_autoptr(JsonNode) answer = shoal_test_rpc (world.pool->client, "set_daemon", params);
}

static void
test_relay_error_after_send (void)
{
  g_autoptr(GError) error = NULL;
  int lost = 0;
  FaultProxy *proxy;
  gint64 id;

  world_start ();
  credit_next_block ();
  proxy = fault_proxy_new (shoal_playground_get_node_uri (world.playground), lose_send_answer, &lost);
  set_wallet_daemon (fault_proxy_get_uri (proxy));
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    shoal_payer_set_node (payer, world.node);
    id = shoal_payer_pay_out_sync (payer, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
    g_assert_cmpint (g_atomic_int_get (&lost), ==, 1);
    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_RELAYED);
    set_wallet_daemon (shoal_playground_get_node_uri (world.playground));
    /* Re-relaying is harmless, and nobody is due again. */
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, 0);
    g_assert_no_error (error);
  }
  fault_proxy_free (proxy);
  mine (1);
  reconcile ();
  {
    g_autoptr(ShoalStore) store = open_store ();

    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_CONFIRMED);
  }
  mine (10);
  assert_books_match_wallets ();
}

/* relay_tx refused, and the transaction really never left: the batch
 * stays open until another transaction spends one of its inputs on chain
 * (here the pool's owner sweeps that output to the pool itself), deep
 * enough; then, and only then, the balances go back and are paid once. */
static GBytes *
refuse_relay (const char *key,
              GBytes     *request,
              GBytes     *answer,
              gpointer    user_data)
{
  if (answer != NULL || g_strcmp0 (key, "relay_tx") != 0)
    return NULL;
  return fault_proxy_rpc_error (-4, "Failed to commit tx.");
}

static void
reconcile_expect_open (gint64 id)
{
  g_autoptr(ShoalStore) store = open_store ();
  g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);
  g_autoptr(GError) error = NULL;

  shoal_payer_set_node (payer, world.node);
  g_assert_false (shoal_payer_reconcile_sync (payer, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY);
  g_test_message ("reconcile: %s", error->message);
}

static void
test_released_on_proof (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStoreBatch) batch = NULL;
  g_auto(GStrv) images = NULL;
  g_autofree char *params = NULL;
  FaultProxy *proxy;
  gint64 id;

  world_start ();
  credit_next_block ();
  proxy = fault_proxy_new (world.pool->uri, refuse_relay, NULL);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = payer_through (store, proxy);
    gint64 before = raw_int ("SELECT count (*) FROM payout_batches");

    /* relay_tx never reaches the wallet; the batch stays built. */
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, -1);
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY);
    g_test_message ("pay out: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpint (raw_int ("SELECT count (*) FROM payout_batches"), ==, before + 1);
    id = raw_int ("SELECT max (id) FROM payout_batches");
    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_BUILT);
    batch = shoal_store_get_batch_sync (store, id, &error);
    g_assert_nonnull (batch->key_images);
  }
  fault_proxy_free (proxy);
  images = g_strsplit (batch->key_images[0], " ", -1);
  params = g_strdup_printf ("{\"address\":\"%s\",\"key_image\":\"%s\"}", world.pool->address, images[0]);
  {
    g_autoptr(JsonNode) refreshed = shoal_test_rpc (world.pool->client, "refresh", NULL);
    g_autoptr(JsonNode) swept = shoal_test_rpc (world.pool->client, "sweep_single", params);
  }
  mine (1);
  reconcile_expect_open (id);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalStoreBatch) seen = shoal_store_get_batch_sync (store, id, &error);

    g_assert_cmpint (seen->state, ==, SHOAL_BATCH_BUILT);
    g_assert_cmpuint (seen->conflict_height, >, 0);
  }
  mine (SHOAL_PAYER_RELEASE_DEPTH);
  reconcile ();
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    g_assert_cmpint (batch_state (store, id), ==, SHOAL_BATCH_FAILED);
    shoal_payer_set_node (payer, world.node);
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), >, id);
    g_assert_no_error (error);
  }
  mine (1);
  reconcile ();
  mine (10);
  assert_books_match_wallets ();
}

/* With no pool fee the fee account is empty: the network fee cannot be
 * charged to anybody, so the payout is refused before anything is sent,
 * and the balances stay whole.  Runs first, on an empty fee account. */
static void
test_fee_account (void)
{
  g_autoptr(GError) error = NULL;
  guint64 alice_due, account = 0;

  world_start ();
  credit_block_with_fee (0);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    shoal_payer_set_node (payer, world.node);
    g_assert_true (shoal_store_get_fee_account_sync (store, &account, &error));
    g_assert_cmpuint (account, ==, 0);
    alice_due = payout_test_balance (store, world.alice->address);
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, -1);
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "fee account"));
    g_assert_cmpuint (payout_test_balance (store, world.alice->address), ==, alice_due);
  }
  mine (1);
  assert_books_match_wallets ();
  g_assert_cmpuint (payout_test_received (world.alice, NULL), ==, 0);
}

/* The list a person confirmed is the list paid, or nothing is: balances
 * that changed after the preview refuse the payout. */
static void
test_confirmed_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stale = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GPtrArray) paid = NULL;
  gint64 batches, id;

  world_start ();
  credit_next_block ();
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    stale = shoal_payer_preview_sync (payer, THRESHOLD, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stale->len, ==, 2);
  }
  credit_next_block ();
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = shoal_payer_new (store, world.wallet, THRESHOLD);

    shoal_payer_set_node (payer, world.node);
    batches = raw_int ("SELECT count (*) FROM payout_batches");
    g_assert_cmpint (shoal_payer_pay_out_confirmed_sync (payer, THRESHOLD, stale, NULL, &error), ==, -1);
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_cmpint (raw_int ("SELECT count (*) FROM payout_batches"), ==, batches);

    fresh = shoal_payer_preview_sync (payer, THRESHOLD, &error);
    /* Largest first, as the payer plans. */
    g_assert_cmpuint (((ShoalStorePayment *) fresh->pdata[0])->amount, >,
                      ((ShoalStorePayment *) fresh->pdata[1])->amount);
    id = shoal_payer_pay_out_confirmed_sync (payer, THRESHOLD, fresh, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
    paid = shoal_store_list_payments_sync (store, id, 100, &error);
    g_assert_cmpuint (paid->len, ==, fresh->len);
    for (guint i = 0; i < fresh->len; i++)
      {
        ShoalStorePayment *want = g_ptr_array_index (fresh, i);
        gboolean found = FALSE;

        for (guint j = 0; j < paid->len; j++)
          {
            ShoalStorePayment *got = g_ptr_array_index (paid, j);

            found |= g_str_equal (got->address, want->address) && got->amount == want->amount;
          }
        g_assert_true (found);
      }
  }
  mine (1);
  reconcile ();
  mine (10);
  assert_books_match_wallets ();
}

/* The wallet stalls on building: the proxy holds transfer_split until
 * released. */
typedef struct
{
  gint hung;
  gint release;
} Stall;

static GBytes *
stall_build (const char *key,
             GBytes     *request,
             GBytes     *answer,
             gpointer    user_data)
{
  Stall *stall = user_data;

  if (answer != NULL || g_strcmp0 (key, "transfer_split") != 0)
    return NULL;
  g_atomic_int_inc (&stall->hung);
  while (!g_atomic_int_get (&stall->release))
    g_usleep (10 * 1000);
  return NULL;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_GINT64_CONSTANT (1000);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* A scheduled payout whose wallet hangs: the ticks that come meanwhile
 * start nothing, so once the wallet answers, one run has talked to it
 * (it asks for a refresh three times: before building, before relaying,
 * before checking what it relayed), not one per tick that piled up. */
/* Payouts every second, until the first run hangs in the wallet. */
static void
run_until_hung (ShoalPayer *payer,
                Stall      *stall)
{
  shoal_payer_set_interval (payer, 1);
  for (guint i = 0; i < 1200 && g_atomic_int_get (&stall->hung) == 0; i++)
    spin (100);
  g_assert_cmpint (g_atomic_int_get (&stall->hung), ==, 1);
}

static void
test_schedule_no_overlap (void)
{
  g_autoptr(GError) error = NULL;
  Stall stall = { 0, 0 };
  FaultProxy *proxy;
  gint64 id;

  world_start ();
  credit_next_block ();
  proxy = fault_proxy_new (world.pool->uri, stall_build, &stall);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = payer_through (store, proxy);

    run_until_hung (payer, &stall);
    spin (3500);   /* at least two more ticks while the run hangs */
    shoal_payer_set_interval (payer, 0);
    g_atomic_int_set (&stall.release, 1);
    id = 0;
    for (guint i = 0; i < 3000 && id == 0; i++)
      {
        spin (100);
        id = raw_int ("SELECT coalesce (max (id), 0) FROM payout_batches WHERE state = 'relayed'");
      }
    g_assert_cmpint (id, >, 0);
    spin (3000);   /* what piled up would run now */
    shoal_payer_shutdown (payer);
    g_test_message ("wallet refreshes: %u, builds: %u", fault_proxy_count (proxy, "refresh"),
                    fault_proxy_count (proxy, "transfer_split"));
    g_assert_cmpuint (fault_proxy_count (proxy, "transfer_split"), ==, 1);
    g_assert_cmpuint (fault_proxy_count (proxy, "refresh"), ==, 3);
    g_assert_cmpint (shoal_payer_pay_out_sync (payer, NULL, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  fault_proxy_free (proxy);
  mine (1);
  reconcile ();
  mine (10);
  assert_books_match_wallets ();
}

typedef struct
{
  ShoalPayer *payer;
  gint        returned;
} Shutdown;

static gpointer
shutdown_thread (gpointer data)
{
  Shutdown *shutdown = data;

  shoal_payer_shutdown (shutdown->payer);
  g_atomic_int_set (&shutdown->returned, 1);
  return NULL;
}

/* What the payer has written: any write to a batch or a balance moves it. */
static gint64
books_digest (void)
{
  return raw_int ("SELECT count (*) + coalesce (sum (updated_us), 0) FROM payout_batches") +
         raw_int ("SELECT coalesce (sum (amount + 2 * reserved + 3 * paid), 0) FROM balances");
}

/* Stop while a run is in flight (the wallet hangs in transfer_split):
 * once shutdown has returned, nothing writes to the store any more, even
 * when the wallet answers later, so the store can close under it; the
 * next start settles what the run left and nobody is paid twice. */
static void
test_stop_waits (void)
{
  Stall stall = { 0, 0 };
  Shutdown shutdown = { NULL, 0 };
  FaultProxy *proxy;
  GThread *thread;
  gint64 digest;

  world_start ();
  credit_next_block ();
  proxy = fault_proxy_new (world.pool->uri, stall_build, &stall);
  {
    g_autoptr(ShoalStore) store = open_store ();
    g_autoptr(ShoalPayer) payer = payer_through (store, proxy);

    run_until_hung (payer, &stall);
    shutdown.payer = payer;
    thread = g_thread_new ("shutdown", shutdown_thread, &shutdown);
    /* Either stop cancels the hung call, or it waits for the wallet:
     * let the wallet answer if it is still waited for. */
    for (guint i = 0; i < 50 && !g_atomic_int_get (&shutdown.returned); i++)
      spin (100);
    g_atomic_int_set (&stall.release, 1);
    g_thread_join (thread);
    digest = books_digest ();
    g_atomic_int_set (&stall.release, 1);
    spin (5000);   /* the wallet's late answer, and any tick that would follow */
    g_assert_cmpint (books_digest (), ==, digest);
    g_assert_cmpuint (fault_proxy_count (proxy, "transfer_split"), ==, 1);
  }
  fault_proxy_free (proxy);
  /* The pool reconciles on every new block. */
  mine (1);
  reconcile ();
  mine (10);
  reconcile ();
  assert_books_match_wallets ();
}

/* The command itself, on the real file and on a copy where one payment
 * was "edited" (balances kept consistent, so only the wallet can tell). */
static int
run_check (const char *db,
           char      **err)
{
  g_autofree char *shoal = g_test_build_filename (G_TEST_BUILT, "..", "src", "shoal", NULL);
  g_autofree char *dir = g_path_get_dirname (world.db);
  g_autofree char *conf = g_build_filename (dir, "check.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[shoal]\ndatabase=%s\nwallet-url=%s\nnode-url=%s\n", db,
                                           world.pool->uri,
                                           shoal_playground_get_node_uri (world.playground));
  const char *argv[] = { shoal, "--check", "-c", conf, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_file_set_contents (conf, text, -1, &error));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, err, &status, &error));
  g_assert_no_error (error);
  return status;
}

static void
test_check_command (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  int status;

  world_start ();
  dir = g_path_get_dirname (world.db);
  copy = g_build_filename (dir, "edited.db", NULL);
  sql = g_strdup_printf ("VACUUM INTO '%s'", copy);
  g_assert_cmpint (raw_int ("SELECT count (*) FROM payout_batches WHERE state = 'confirmed'"), >, 0);
  status = run_check (world.db, &err);
  g_test_message ("shoal --check: %s", err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_clear_pointer (&err, g_free);

  g_unlink (copy);
  g_assert_cmpint (sqlite3_open (world.db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (sqlite3_open (copy, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE balances SET paid = paid + 1, amount = amount - 1"
                                     " WHERE address = (SELECT address FROM payments WHERE batch_id ="
                                     " (SELECT max (id) FROM payout_batches WHERE state = 'confirmed')"
                                     " ORDER BY address LIMIT 1) AND amount > 0;"
                                     "UPDATE payments SET amount = amount + 1 WHERE rowid = (SELECT"
                                     " p.rowid FROM payments AS p JOIN balances AS b ON b.address ="
                                     " p.address WHERE p.batch_id = (SELECT max (id) FROM payout_batches"
                                     " WHERE state = 'confirmed') ORDER BY p.address LIMIT 1)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
  status = run_check (copy, &err);
  g_test_message ("shoal --check on the edited copy: %s", err);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "Discrepancy: payout"));
  g_unlink (copy);
}

static int
run_child_until (const char *step)
{
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "payout", "shoal-payer-child", NULL);
  g_autofree char *threshold = g_strdup_printf ("%" G_GUINT64_FORMAT, THRESHOLD);
  g_autoptr(GError) error = NULL;
  const char *argv[] = {
    child, world.db, world.pool->uri, world.pool->username ? world.pool->username : "",
    world.pool->password ? world.pool->password : "", threshold, step, NULL
  };
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("child: %s", err);
  return status;
}

static void
test_crash_at_each_step (void)
{
  const char *steps[] = { "planned", "wallet-built", "built", "wallet-relayed", "relayed" };

  world_start ();
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) batches = NULL;
      int status;

      credit_next_block ();
      status = run_child_until (steps[i]);
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      /* Restart: reconcile, let the network mine, reconcile again.  Ten
       * blocks unlock the pool wallet's change for the next payout: on a
       * chain this short, the wallet otherwise struggles to pick decoys. */
      reconcile ();
      mine (10);
      reconcile ();
      {
        g_autoptr(ShoalStore) store = open_store ();

        batches = shoal_store_list_batches_sync (store, 1, FALSE, &error);
        g_assert_no_error (error);
        g_test_message ("killed after %s: batch %" G_GINT64_FORMAT " ended %s", steps[i],
                        ((ShoalStoreBatch *) batches->pdata[0])->id,
                        shoal_batch_state_to_string (((ShoalStoreBatch *) batches->pdata[0])->state));
        g_assert_cmpint (((ShoalStoreBatch *) batches->pdata[0])->state, ==, SHOAL_BATCH_CONFIRMED);
      }
      assert_books_match_wallets ();
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/payer/fee-account", test_fee_account);
  g_test_add_func ("/payer/pay-out", test_pay_out);
  g_test_add_func ("/payer/crash-at-each-step", test_crash_at_each_step);
  g_test_add_func ("/payer/wallet-says-failed", test_wallet_says_failed);
  g_test_add_func ("/payer/relay-error-after-send", test_relay_error_after_send);
  g_test_add_func ("/payer/released-on-proof", test_released_on_proof);
  g_test_add_func ("/payer/confirmed-list", test_confirmed_list);
  g_test_add_func ("/payer/schedule-no-overlap", test_schedule_no_overlap);
  g_test_add_func ("/payer/stop-waits", test_stop_waits);
  g_test_add_func ("/payer/check-command", test_check_command);
  status = g_test_run ();
  payout_world_stop (&world);
  return status;
}
