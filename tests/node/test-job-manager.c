/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-block-template.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-job-manager.h"
#include "shoal-wallet-client.h"
#include "shoal-test-harness.h"
#include "fault-proxy.h"
#include "node-test-util.h"

/* The job manager against a real monerod at difficulty 1 (every hash is
 * a block): templates follow the tip, blocks built from its templates
 * land on monerod's main chain under the id we computed, and the node
 * can go away and come back. */

static ShoalPlayground *pg;

typedef struct
{
  ShoalNodeClient    *node;
  ShoalJobManager    *manager;
  ShoalBlockTemplate *latest;
  guint               templates;
  gboolean            submitted;
  GError             *submit_error;
} Fixture;

static void
on_template_changed (ShoalJobManager    *manager,
                     ShoalBlockTemplate *template,
                     Fixture            *fx)
{
  g_clear_pointer (&fx->latest, shoal_block_template_unref);
  fx->latest = shoal_block_template_ref (template);
  fx->templates++;
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  fx->node = shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL, NULL);
  fx->manager = shoal_job_manager_new (fx->node, shoal_playground_get_wallet (pg)->address);
  g_object_set (fx->manager, "refresh-interval", 0, NULL);
  g_signal_connect (fx->manager, "template-changed", G_CALLBACK (on_template_changed), fx);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  shoal_job_manager_stop (fx->manager);
  g_clear_object (&fx->manager);
  g_clear_object (&fx->node);
  g_clear_pointer (&fx->latest, shoal_block_template_unref);
  g_clear_error (&fx->submit_error);
}

typedef struct
{
  Fixture *fx;
  guint    count;
} CountWait;

static gboolean
templates_reached (gpointer data)
{
  CountWait *wait = data;
  return wait->fx->templates >= wait->count;
}

static gint64
wait_for_template (Fixture *fx,
                   guint    count,
                   guint    timeout_ms)
{
  CountWait wait = { fx, count };
  return node_test_wait_until (templates_reached, &wait, timeout_ms);
}

static char *
prev_hash_hex (ShoalBlockTemplate *template)
{
  return shoal_hex_encode (shoal_block_template_get_prev_hash (template), 32);
}

static void
assert_template_on_tip (ShoalBlockTemplate *template)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_playground_get_node_uri (pg), NULL, NULL);
  g_autoptr(ShoalBlockHeader) last = shoal_node_client_get_last_block_header_sync (node, NULL,
                                                                                  &error);
  g_autofree char *prev = prev_hash_hex (template);

  g_assert_no_error (error);
  g_assert_cmpuint (shoal_block_template_get_height (template), ==, last->height + 1);
  g_assert_cmpstr (prev, ==, last->hash);
}

static void
test_templates_follow_tip (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 elapsed;

  shoal_job_manager_start (fx->manager);
  g_assert_cmpint (wait_for_template (fx, 1, 5000), >=, 0);
  assert_template_on_tip (fx->latest);
  g_assert_cmpuint (shoal_block_template_get_reserved_size (fx->latest), ==, 8);
  g_assert_cmpstr (shoal_job_manager_get_status (fx->manager), ==, "ok");
  g_assert_true (shoal_job_manager_get_reachable (fx->manager));

  g_assert_true (shoal_playground_generate_blocks (pg, 1, NULL, &error));
  elapsed = wait_for_template (fx, 2, 2000);
  g_test_message ("new template %" G_GINT64_FORMAT " ms after the new tip", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  assert_template_on_tip (fx->latest);
  g_assert_true (shoal_job_manager_get_template (fx->manager) == fx->latest);

  /* A bigger extra nonce (more miners to tell apart) takes effect now. */
  shoal_job_manager_set_reserve_size (fx->manager, 16);
  g_assert_cmpint (wait_for_template (fx, 3, 2000), >=, 0);
  g_assert_cmpuint (shoal_block_template_get_reserved_size (fx->latest), ==, 16);
  assert_template_on_tip (fx->latest);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fx = user_data;

  shoal_job_manager_submit_block_finish (SHOAL_JOB_MANAGER (source), result, &fx->submit_error);
  fx->submitted = TRUE;
}

static gboolean
is_submitted (gpointer data)
{
  return ((Fixture *) data)->submitted;
}

/* Builds a block from TEMPLATE the way the stratum server will: an extra
 * nonce in the reserved bytes, a nonce, our own block id. */
static GBytes *
build_block (ShoalBlockTemplate  *template,
             guint8               tag,
             char               **block_id)
{
  g_autoptr(GError) error = NULL;
  guint8 extra_nonce[8] = { 0x5e, 0xa1, tag, 0, 0, 0, 0, 1 };
  guint32 nonce = 0x01020304;
  g_autoptr(GBytes) hashing = NULL;
  g_autofree guint8 *hashing_data = NULL;
  gsize hashing_len;
  guint8 id[32];
  GBytes *blob;

  hashing = shoal_block_template_make_hashing_blob (template, extra_nonce, sizeof extra_nonce,
                                                    &error);
  g_assert_no_error (error);
  hashing_data = g_bytes_unref_to_data (g_steal_pointer (&hashing), &hashing_len);
  shoal_patch_nonce (hashing_data, hashing_len, shoal_block_template_get_nonce_offset (template),
                     nonce);
  shoal_block_id (hashing_data, hashing_len, id);
  *block_id = shoal_hex_encode (id, 32);
  blob = shoal_block_template_make_block_blob (template, extra_nonce, sizeof extra_nonce, nonce,
                                               &error);
  g_assert_no_error (error);
  return blob;
}

typedef struct
{
  ShoalBlockTracker *tracker;
  const char        *id;
  ShoalBlockState    state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;
  ShoalBlockState state;

  return shoal_block_tracker_lookup (wait->tracker, wait->id, &state, NULL, NULL) &&
         state == wait->state;
}

static void
submit_and_wait (Fixture    *fx,
                 GBytes     *blob,
                 const char *id,
                 guint64     height)
{
  fx->submitted = FALSE;
  g_clear_error (&fx->submit_error);
  shoal_job_manager_submit_block_async (fx->manager, blob, id, height, NULL, on_submitted, fx);
  g_assert_cmpint (node_test_wait_until (is_submitted, fx, 10000), >=, 0);
}

static void
assert_state_soon (Fixture         *fx,
                   const char      *id,
                   ShoalBlockState  state)
{
  StateWait wait = { shoal_job_manager_get_tracker (fx->manager), id, state };

  g_assert_cmpint (node_test_wait_until (state_reached, &wait, 5000), >=, 0);
}

static ShoalWalletTransfer *
coinbase_at (GPtrArray *transfers,
             guint64    height)
{
  for (guint i = 0; i < transfers->len; i++)
    {
      ShoalWalletTransfer *transfer = g_ptr_array_index (transfers, i);

      if (g_strcmp0 (transfer->type, "block") == 0 && transfer->height == height)
        return transfer;
    }
  return NULL;
}

static void
test_found_block (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) template = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(ShoalBlockHeader) on_chain = NULL;
  g_autoptr(ShoalWalletClient) wallet = NULL;
  g_autoptr(GPtrArray) transfers = NULL;
  g_autofree char *id = NULL;
  ShoalWalletTransfer *coinbase;
  guint64 height, reward;
  gint64 elapsed;

  shoal_job_manager_start (fx->manager);
  g_assert_cmpint (wait_for_template (fx, 1, 5000), >=, 0);
  template = shoal_block_template_ref (fx->latest);
  height = shoal_block_template_get_height (template);
  blob = build_block (template, 1, &id);

  submit_and_wait (fx, blob, id, height);
  g_assert_no_error (fx->submit_error);

  /* monerod has it on the main chain, under the id we computed. */
  on_chain = shoal_node_client_get_block_header_by_height_sync (fx->node, height, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (on_chain->hash, ==, id);
  g_assert_false (on_chain->orphan);
  assert_state_soon (fx, id, SHOAL_BLOCK_STATE_PENDING);
  g_assert_true (shoal_block_tracker_lookup (shoal_job_manager_get_tracker (fx->manager), id,
                                             NULL, NULL, &reward));
  g_assert_cmpuint (reward, ==, on_chain->reward);
  g_assert_cmpuint (reward, ==, shoal_block_template_get_expected_reward (template));

  /* Our own block moved the tip: fresh work without waiting for a poll. */
  elapsed = wait_for_template (fx, 2, 2000);
  g_test_message ("next template %" G_GINT64_FORMAT " ms after the submit", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_assert_cmpuint (shoal_block_template_get_height (fx->latest), ==, height + 1);

  /* The coinbase went to the configured address: its wallet sees it. */
  wallet = shoal_wallet_client_new (shoal_playground_get_wallet (pg)->uri, NULL, NULL);
  g_assert_true (shoal_wallet_client_refresh_sync (wallet, NULL, &error));
  g_assert_no_error (error);
  transfers = shoal_wallet_client_get_transfers_sync (wallet, SHOAL_TRANSFER_IN, NULL, &error);
  g_assert_no_error (error);
  coinbase = coinbase_at (transfers, height);
  g_assert_nonnull (coinbase);
  g_assert_cmpuint (coinbase->amount, ==, reward);
}

static void
test_stale_and_rejected (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) template = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x10\x10garbage", 9);
  g_autofree char *id = NULL;
  ShoalBlockState state;
  guint64 height;

  shoal_job_manager_start (fx->manager);
  g_assert_cmpint (wait_for_template (fx, 1, 5000), >=, 0);
  template = shoal_block_template_ref (fx->latest);
  height = shoal_block_template_get_height (template);

  /* Someone else finds the block first; ours, on the old template, is
   * answered OK by monerod but is an orphan. */
  g_assert_true (shoal_playground_generate_blocks (pg, 1, NULL, &error));
  blob = build_block (template, 2, &id);
  submit_and_wait (fx, blob, id, height);
  g_assert_no_error (fx->submit_error);
  assert_state_soon (fx, id, SHOAL_BLOCK_STATE_ORPHANED);

  submit_and_wait (fx, garbage, "00000000000000000000000000000000000000000000000000000000000000bb",
                   height + 1);
  g_assert_error (fx->submit_error, SHOAL_RPC_ERROR, -6);
  g_assert_true (shoal_block_tracker_lookup (shoal_job_manager_get_tracker (fx->manager),
                                             "00000000000000000000000000000000000000000000000000000000000000BB",
                                             &state, NULL, NULL));
  g_assert_cmpint (state, ==, SHOAL_BLOCK_STATE_REJECTED);
}

/* monerod answers "Core is busy" while it is syncing or saving; a real one
 * cannot be made to on demand, so a proxy says it, without forwarding,
 * to the first BUSY_ANSWERS submissions. */
#define BUSY_ANSWERS 3

static GBytes *
busy_submissions (const char *key,
                  GBytes     *request,
                  GBytes     *answer,
                  gpointer    user_data)
{
  if (answer != NULL || g_strcmp0 (key, "submit_block") != 0)
    return NULL;
  if (g_atomic_int_add ((int *) user_data, 1) >= BUSY_ANSWERS)
    return NULL;
  return fault_proxy_rpc_error (-9, "Core is busy");
}

/* A found block answered BUSY is tried again while its parent is still
 * the tip: it lands on monerod's chain and is never taken as rejected. */
static void
test_busy_submit (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) template = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(ShoalBlockHeader) on_chain = NULL;
  g_autofree char *id = NULL;
  FaultProxy *proxy;
  int calls = 0;
  guint64 height;

  proxy = fault_proxy_new (shoal_playground_get_node_uri (pg), busy_submissions, &calls);
  g_clear_object (&fx->manager);
  g_clear_object (&fx->node);
  fx->node = shoal_node_client_new (fault_proxy_get_uri (proxy), NULL, NULL);
  fx->manager = shoal_job_manager_new (fx->node, shoal_playground_get_wallet (pg)->address);
  g_object_set (fx->manager, "refresh-interval", 0, NULL);
  g_signal_connect (fx->manager, "template-changed", G_CALLBACK (on_template_changed), fx);
  shoal_job_manager_start (fx->manager);
  g_assert_cmpint (wait_for_template (fx, 1, 5000), >=, 0);
  template = shoal_block_template_ref (fx->latest);
  height = shoal_block_template_get_height (template);
  blob = build_block (template, 3, &id);

  submit_and_wait (fx, blob, id, height);
  g_assert_no_error (fx->submit_error);
  g_assert_cmpint (g_atomic_int_get (&calls), >, BUSY_ANSWERS);
  g_assert_cmpuint (fault_proxy_count (proxy, "submit_block"), >=, 1);

  /* The chain, not Shoal's word: monerod has it under our id. */
  on_chain = shoal_node_client_get_block_header_by_height_sync (fx->node, height, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (on_chain->hash, ==, id);
  g_assert_false (on_chain->orphan);
  assert_state_soon (fx, id, SHOAL_BLOCK_STATE_PENDING);

  shoal_job_manager_stop (fx->manager);
  fault_proxy_free (proxy);
}

static gboolean
is_unreachable (gpointer data)
{
  return g_strcmp0 (shoal_job_manager_get_status (data), "node unreachable") == 0;
}

static void
test_node_outage (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint before;
  gint64 elapsed;

  shoal_job_manager_start (fx->manager);
  g_assert_cmpint (wait_for_template (fx, 1, 5000), >=, 0);

  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node unreachable: *");
  shoal_playground_kill_node (pg);
  g_assert_cmpint (node_test_wait_until (is_unreachable, fx->manager, 5000), >=, 0);
  g_test_assert_expected_messages ();
  g_assert_false (shoal_job_manager_get_reachable (fx->manager));

  /* No work while the node is away; the last template stays. */
  before = fx->templates;
  node_test_spin (2000);
  g_assert_cmpuint (fx->templates, ==, before);
  g_assert_nonnull (shoal_job_manager_get_template (fx->manager));

  g_test_expect_message ("ShoalCore", G_LOG_LEVEL_MESSAGE, "node back: *");
  g_assert_true (shoal_playground_restart_node_sync (pg, NULL, &error));
  g_assert_no_error (error);
  elapsed = wait_for_template (fx, before + 1, 5000);
  g_test_message ("template %" G_GINT64_FORMAT " ms after the node came back", elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (shoal_job_manager_get_status (fx->manager), ==, "ok");
  assert_template_on_tip (fx->latest);
}

int
main (int argc, char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_test_add ("/node/job-manager/templates-follow-tip", Fixture, NULL,
              fixture_set_up, test_templates_follow_tip, fixture_tear_down);
  g_test_add ("/node/job-manager/found-block", Fixture, NULL,
              fixture_set_up, test_found_block, fixture_tear_down);
  g_test_add ("/node/job-manager/stale-and-rejected", Fixture, NULL,
              fixture_set_up, test_stale_and_rejected, fixture_tear_down);
  g_test_add ("/node/job-manager/busy-submit", Fixture, NULL,
              fixture_set_up, test_busy_submit, fixture_tear_down);
  g_test_add ("/node/job-manager/node-outage", Fixture, NULL,
              fixture_set_up, test_node_outage, fixture_tear_down);

  pg = shoal_test_harness_start (1);
  result = g_test_run ();
  shoal_test_harness_stop (pg);
  return result;
}
