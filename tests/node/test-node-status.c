/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-condition.h"
#include "shoal-node-client.h"

/* What get_info says about a node's sync and network, read as monerod
 * 0.18 writes it (the answers below are from real regtest nodes: one
 * syncing from a peer, one looking for peers, one synchronised). */

static ShoalNodeStatus *
status_from (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  return shoal_node_status_new_from_info (json_node_get_object (node));
}

static void
test_syncing (void)
{
  g_autoptr(ShoalNodeStatus) s = status_from (
    "{\"height\":81,\"target_height\":201,\"synchronized\":false,\"busy_syncing\":true,"
    "\"nettype\":\"fakechain\",\"version\":\"0.18.0.0-unknown\",\"restricted\":false}");

  g_assert_cmpuint (s->height, ==, 81);
  g_assert_cmpuint (s->target_height, ==, 201);
  g_assert_false (s->synchronized);
  g_assert_true (s->busy_syncing);
  g_assert_cmpuint (shoal_node_status_get_percent (s), ==, 40);
  g_assert_cmpstr (s->version, ==, "0.18.0.0-unknown");
  /* Regtest takes mainnet addresses. */
  g_assert_true (shoal_node_status_is_network (s, "mainnet"));
  g_assert_false (shoal_node_status_is_network (s, "testnet"));
}

static void
test_no_peer_and_done (void)
{
  g_autoptr(ShoalNodeStatus) alone = status_from (
    "{\"height\":1,\"target_height\":0,\"synchronized\":false,\"busy_syncing\":false}");
  g_autoptr(ShoalNodeStatus) done = status_from (
    "{\"height\":201,\"target_height\":0,\"synchronized\":true,\"busy_syncing\":false}");
  g_autoptr(ShoalNodeStatus) last = status_from (
    "{\"height\":201,\"target_height\":201,\"synchronized\":false}");

  /* No target yet is no progress, not 100 %. */
  g_assert_cmpuint (shoal_node_status_get_percent (alone), ==, 0);
  g_assert_cmpuint (shoal_node_status_get_percent (done), ==, 100);
  /* Never 100 % before the node says it is synchronised. */
  g_assert_cmpuint (shoal_node_status_get_percent (last), ==, 99);
  g_assert_false (shoal_node_status_equal (alone, done));
}

static void
test_networks_and_old_nodes (void)
{
  g_autoptr(ShoalNodeStatus) old = status_from ("{\"height\":5,\"testnet\":true}");
  g_autoptr(ShoalNodeStatus) stage = status_from ("{\"nettype\":\"stagenet\",\"height\":\"x\"}");
  g_autoptr(ShoalNodeStatus) copy = NULL;

  /* A node that does not say is taken as synchronised: never stuck. */
  g_assert_true (old->synchronized);
  g_assert_cmpstr (old->network, ==, "testnet");
  g_assert_true (shoal_node_status_is_network (old, "testnet"));
  g_assert_cmpstr (stage->network, ==, "stagenet");
  g_assert_cmpuint (stage->height, ==, 0);
  copy = shoal_node_status_copy (stage);
  g_assert_true (shoal_node_status_equal (copy, stage));
}

static void
test_condition_list (void)
{
  g_autoptr(GPtrArray) list = shoal_condition_list_new ();
  const ShoalCondition *first;

  g_assert_true (shoal_condition_list_set (list, shoal_condition_new (
    "restart-needed", SHOAL_CONDITION_NOTICE, "Restart", "app.restart", "later")));
  g_assert_true (shoal_condition_list_set (list, shoal_condition_new (
    "node-syncing", SHOAL_CONDITION_DEGRADED, NULL, NULL, "Node syncing, %u %%", 10)));
  g_assert_true (shoal_condition_list_set (list, shoal_condition_new (
    "no-address", SHOAL_CONDITION_STOPPED, "Set Up", "app.assistant", "no address")));
  /* The same again changes nothing; new progress replaces the old. */
  g_assert_false (shoal_condition_list_set (list, shoal_condition_new (
    "node-syncing", SHOAL_CONDITION_DEGRADED, NULL, NULL, "Node syncing, %u %%", 10)));
  g_assert_true (shoal_condition_list_set (list, shoal_condition_new (
    "node-syncing", SHOAL_CONDITION_DEGRADED, NULL, NULL, "Node syncing, %u %%", 73)));
  g_assert_cmpuint (list->len, ==, 3);
  first = g_ptr_array_index (list, 0);
  g_assert_cmpstr (first->id, ==, "no-address");
  g_assert_cmpstr (((ShoalCondition *) g_ptr_array_index (list, 1))->sentence, ==,
                   "Node syncing, 73 %");
  g_assert_true (shoal_condition_list_clear (list, "no-address"));
  g_assert_false (shoal_condition_list_clear (list, "no-address"));
  g_assert_null (shoal_condition_list_find (list, "no-address"));
  g_assert_nonnull (shoal_condition_list_find (list, "restart-needed"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node-status/syncing", test_syncing);
  g_test_add_func ("/node-status/no-peer-and-done", test_no_peer_and_done);
  g_test_add_func ("/node-status/networks-and-old-nodes", test_networks_and_old_nodes);
  g_test_add_func ("/conditions/list", test_condition_list);
  return g_test_run ();
}
