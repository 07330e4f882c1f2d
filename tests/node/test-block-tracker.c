/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-block-tracker.h"
#include "shoal-node-client.h"
#include "shoal-tip-watcher.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"
#include "fault-proxy.h"

/* Blocks mined through real templates and submitted to a real monerod,
 * followed through a stale submit, a reorg, and unlocking. */

typedef struct
{
  ShoalBlockState state;
  guint64         confirmations;
} Change;

typedef struct
{
  ShoalPlayground   *pg;
  ShoalNodeClient   *node;
  ShoalTipWatcher   *watcher;
  ShoalBlockTracker *tracker;
  GHashTable        *history;   /* id -> GArray of Change */
} Fixture;

static void
on_block_changed (ShoalBlockTracker *tracker,
                  const char        *id,
                  ShoalBlockState    state,
                  guint64            confirmations,
                  Fixture           *fx)
{
  GArray *changes = g_hash_table_lookup (fx->history, id);
  Change change = { state, confirmations };

  if (changes == NULL)
    {
      changes = g_array_new (FALSE, FALSE, sizeof (Change));
      g_hash_table_insert (fx->history, g_strdup (id), changes);
    }
  g_array_append_val (changes, change);
  g_test_message ("block %.12s: %s, %" G_GUINT64_FORMAT " confirmations", id,
                  shoal_block_state_to_string (state), confirmations);
}

static void
on_tip_changed (ShoalTipWatcher *watcher,
                guint64          height,
                const char      *hash,
                Fixture         *fx)
{
  shoal_block_tracker_refresh (fx->tracker);
}

typedef struct
{
  Fixture        *fx;
  const char     *id;
  ShoalBlockState state;
  guint64         confirmations;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;
  ShoalBlockState state;
  guint64 confirmations;

  return shoal_block_tracker_lookup (wait->fx->tracker, wait->id, &state, &confirmations, NULL) &&
         state == wait->state && confirmations == wait->confirmations;
}

static void
assert_state_soon (Fixture         *fx,
                   const char      *id,
                   ShoalBlockState  state,
                   guint64          confirmations)
{
  StateWait wait = { fx, id, state, confirmations };
  ShoalBlockState now = 0;
  guint64 now_confirmations = 0;

  if (node_test_wait_until (state_reached, &wait, 5000) < 0)
    {
      shoal_block_tracker_lookup (fx->tracker, id, &now, &now_confirmations, NULL);
      g_error ("block %s is %s/%" G_GUINT64_FORMAT ", expected %s/%" G_GUINT64_FORMAT, id,
               shoal_block_state_to_string (now), now_confirmations,
               shoal_block_state_to_string (state), confirmations);
    }
}

static gboolean
ever_in_state (Fixture         *fx,
               const char      *id,
               ShoalBlockState  state)
{
  GArray *changes = g_hash_table_lookup (fx->history, id);

  for (guint i = 0; changes != NULL && i < changes->len; i++)
    if (g_array_index (changes, Change, i).state == state)
      return TRUE;
  return FALSE;
}

static JsonObject *
template_on (Fixture    *fx,
             guint       reserve_size,
             const char *prev_block)
{
  g_autoptr(GError) error = NULL;
  JsonObject *tmpl = shoal_node_client_get_block_template_sync (
    fx->node, shoal_playground_get_wallet (fx->pg)->address, reserve_size, prev_block, NULL,
    &error);

  g_assert_no_error (error);
  return tmpl;
}

/* At difficulty 1 the template blob, nonce 0, is a valid block. */
static void
submit (Fixture    *fx,
        JsonObject *tmpl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob =
    shoal_test_hex_to_bytes (json_object_get_string_member (tmpl, "blocktemplate_blob"));

  g_assert_true (shoal_node_client_submit_block_sync (fx->node, blob, NULL, &error));
  g_assert_no_error (error);
}

static ShoalBlockHeader *
last_header (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  ShoalBlockHeader *header = shoal_node_client_get_last_block_header_sync (fx->node, NULL, &error);

  g_assert_no_error (error);
  return header;
}

/* monerod's own list of alternative chains: the id of the block that
 * hangs off PARENT. */
static char *
alt_block_on (Fixture    *fx,
              const char *parent)
{
  g_autoptr(JsonNode) answer =
    shoal_test_rpc (shoal_playground_get_node (fx->pg), "get_alternate_chains", NULL);
  JsonArray *chains = json_object_get_array_member (json_node_get_object (answer), "chains");

  for (guint i = 0; chains != NULL && i < json_array_get_length (chains); i++)
    {
      JsonObject *chain = json_array_get_object_element (chains, i);

      if (g_strcmp0 (json_object_get_string_member (chain, "main_chain_parent_block"), parent) == 0)
        return g_strdup (json_object_get_string_member (chain, "block_hash"));
    }
  g_error ("monerod lists no alternative block on %s", parent);
  return NULL;
}

static void
generate (Fixture *fx,
          guint    count)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_playground_generate_blocks (fx->pg, count, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
none_active (gpointer data)
{
  return shoal_block_tracker_get_n_active (data) == 0;
}

static void
test_lifecycle (void)
{
  Fixture fx = { 0 };
  g_autoptr(JsonObject) tmpl_a = NULL;
  g_autoptr(JsonObject) tmpl_b = NULL;
  g_autoptr(JsonObject) tmpl_c = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;
  guint64 h, reward;

  fx.pg = shoal_test_harness_start (1);
  fx.node = shoal_node_client_new (shoal_playground_get_node_uri (fx.pg), NULL, NULL);
  fx.watcher = shoal_tip_watcher_new (fx.node);
  fx.tracker = shoal_block_tracker_new (fx.node);
  fx.history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_array_unref);
  g_signal_connect (fx.tracker, "block-changed", G_CALLBACK (on_block_changed), &fx);
  g_signal_connect (fx.watcher, "tip-changed", G_CALLBACK (on_tip_changed), &fx);
  shoal_tip_watcher_start (fx.watcher);
  generate (&fx, 2);
  h = shoal_test_node_height (fx.pg);

  /* Two templates on the same parent; A is found first, so B was mined
   * on a template whose tip had moved on. */
  tmpl_a = template_on (&fx, 8, NULL);
  tmpl_b = template_on (&fx, 16, NULL);
  submit (&fx, tmpl_a);
  header = last_header (&fx);
  g_assert_cmpuint (header->height, ==, h);
  id_a = g_strdup (header->hash);
  submit (&fx, tmpl_b);   /* answered OK all the same */
  g_assert_cmpuint (shoal_test_node_height (fx.pg), ==, h + 1);
  id_b = alt_block_on (&fx, json_object_get_string_member (tmpl_b, "prev_hash"));
  g_assert_cmpstr (id_b, !=, id_a);

  shoal_block_tracker_track (fx.tracker, id_a, h, 0);
  shoal_block_tracker_track (fx.tracker, id_b, h, 0);
  assert_state_soon (&fx, id_a, SHOAL_BLOCK_STATE_PENDING, 0);
  assert_state_soon (&fx, id_b, SHOAL_BLOCK_STATE_ORPHANED, 0);
  g_assert_true (shoal_block_tracker_lookup (fx.tracker, id_a, NULL, NULL, &reward));
  g_assert_cmpuint (reward, ==, json_object_get_int_member (tmpl_a, "expected_reward"));

  /* A reorg: C on top of B makes B's chain the longer one; A is out. */
  tmpl_c = template_on (&fx, 8, id_b);
  g_assert_cmpint (json_object_get_int_member (tmpl_c, "height"), ==, h + 1);
  submit (&fx, tmpl_c);
  g_clear_pointer (&header, shoal_block_header_free);
  header = last_header (&fx);
  g_assert_cmpstr (header->prev_hash, ==, id_b);
  id_c = g_strdup (header->hash);
  shoal_block_tracker_track (fx.tracker, id_c, h + 1, 0);
  assert_state_soon (&fx, id_a, SHOAL_BLOCK_STATE_ORPHANED, 0);
  assert_state_soon (&fx, id_b, SHOAL_BLOCK_STATE_PENDING, 1);
  assert_state_soon (&fx, id_c, SHOAL_BLOCK_STATE_PENDING, 0);

  /* 60 blocks on top unlock, not 59. */
  generate (&fx, 58);
  assert_state_soon (&fx, id_b, SHOAL_BLOCK_STATE_PENDING, 59);
  generate (&fx, 1);
  assert_state_soon (&fx, id_b, SHOAL_BLOCK_STATE_UNLOCKED, 60);
  assert_state_soon (&fx, id_c, SHOAL_BLOCK_STATE_PENDING, 59);
  generate (&fx, 1);
  assert_state_soon (&fx, id_c, SHOAL_BLOCK_STATE_UNLOCKED, 60);

  /* A was orphaned by the reorg and is never counted; the main chain is
   * now 60 past it, so nothing is left to watch. */
  assert_state_soon (&fx, id_a, SHOAL_BLOCK_STATE_ORPHANED, 0);
  g_assert_false (ever_in_state (&fx, id_a, SHOAL_BLOCK_STATE_UNLOCKED));
  /* The round that finds A final may still be going. */
  g_assert_cmpint (node_test_wait_until (none_active, fx.tracker, 5000), >=, 0);
  g_clear_pointer (&header, shoal_block_header_free);
  header = shoal_node_client_get_block_header_by_hash_sync (fx.node, id_a, NULL, NULL);
  g_assert_true (header == NULL || header->orphan);

  shoal_tip_watcher_stop (fx.watcher);
  g_clear_object (&fx.watcher);
  g_clear_object (&fx.tracker);
  g_clear_object (&fx.node);
  g_hash_table_unref (fx.history);
  shoal_test_harness_stop (fx.pg);
}

/* monerod answers BUSY while it syncs; a real one cannot be made to on
 * demand, so a proxy says it for every lookup by id. */
static GBytes *
busy_by_hash (const char *key,
              GBytes     *request,
              GBytes     *answer,
              gpointer    user_data)
{
  static const char busy[] = "{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"result\":{\"status\":\"BUSY\","
                             "\"untrusted\":false}}";

  if (answer != NULL || g_strcmp0 (key, "get_block_header_by_hash") != 0)
    return NULL;
  g_atomic_int_inc ((int *) user_data);
  return g_bytes_new_static (busy, sizeof busy - 1);
}

/* A node error is no verdict: a good block whose lookup by id fails is
 * judged by the main chain at its height, and unlocks.  A block stored
 * as orphaned is followed again after a restart and found on the chain. */
static void
test_node_errors (void)
{
  Fixture fx = { 0 };
  g_autoptr(ShoalBlockHeader) header = NULL;
  g_autofree char *id = NULL;
  g_autofree char *restored = NULL;
  FaultProxy *proxy;
  int busy = 0;
  guint64 h;

  fx.pg = shoal_test_harness_start (1);
  proxy = fault_proxy_new (shoal_playground_get_node_uri (fx.pg), busy_by_hash, &busy);
  fx.node = shoal_node_client_new (fault_proxy_get_uri (proxy), NULL, NULL);
  fx.tracker = shoal_block_tracker_new (fx.node);
  g_object_set (fx.tracker, "unlock-depth", 3, NULL);
  fx.history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_array_unref);
  g_signal_connect (fx.tracker, "block-changed", G_CALLBACK (on_block_changed), &fx);

  generate (&fx, 2);
  header = last_header (&fx);
  id = g_strdup (header->hash);
  h = header->height;
  shoal_block_tracker_track (fx.tracker, id, h, 0);
  assert_state_soon (&fx, id, SHOAL_BLOCK_STATE_PENDING, 0);
  generate (&fx, 3);
  shoal_block_tracker_refresh (fx.tracker);
  assert_state_soon (&fx, id, SHOAL_BLOCK_STATE_UNLOCKED, 3);
  g_assert_false (ever_in_state (&fx, id, SHOAL_BLOCK_STATE_ORPHANED));
  g_assert_cmpint (g_atomic_int_get (&busy), >, 0);

  /* After a restart: the store said orphaned, the chain says otherwise. */
  g_clear_pointer (&header, shoal_block_header_free);
  generate (&fx, 1);
  header = last_header (&fx);
  restored = g_strdup (header->hash);
  shoal_block_tracker_recheck (fx.tracker, restored, header->height, 0);
  assert_state_soon (&fx, restored, SHOAL_BLOCK_STATE_PENDING, 0);
  generate (&fx, 3);
  shoal_block_tracker_refresh (fx.tracker);
  assert_state_soon (&fx, restored, SHOAL_BLOCK_STATE_UNLOCKED, 3);
  g_assert_cmpint (node_test_wait_until (none_active, fx.tracker, 5000), >=, 0);

  g_clear_object (&fx.tracker);
  g_clear_object (&fx.node);
  fault_proxy_free (proxy);
  g_hash_table_unref (fx.history);
  shoal_test_harness_stop (fx.pg);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/block-tracker/lifecycle", test_lifecycle);
  g_test_add_func ("/node/block-tracker/node-errors", test_node_errors);
  return g_test_run ();
}
