/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-address.h"
#include "shoal-block-template.h"
#include "shoal-hex.h"
#include "shoal-test-harness.h"

/* The real daemons are the oracle: monerod accepts the blocks we build
 * and knows them by the ids we compute; monero-wallet-rpc makes the
 * addresses we parse and judges the ones we re-encode. */

static ShoalPlayground *playground;

static JsonObject *
call (JsonNode  **keep,
      ShoalRpcClient *client,
      const char *method,
      const char *params)
{
  *keep = shoal_test_rpc (client, method, params);
  return json_node_get_object (*keep);
}

static ShoalAddress
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  ShoalAddress address;

  g_assert_true (shoal_address_parse (text, &address, &error));
  g_assert_no_error (error);
  return address;
}

/* validate_address on the real wallet, accepting any network. */
static JsonObject *
wallet_validates (JsonNode  **keep,
                  const char *text)
{
  ShoalRpcClient *wallet = shoal_playground_get_wallet (playground)->client;
  g_autofree char *params = g_strdup_printf ("{\"address\":\"%s\",\"any_net_type\":true}", text);

  return call (keep, wallet, "validate_address", params);
}

static void
assert_wallet_agrees (const char       *text,
                      ShoalNetwork      network,
                      ShoalAddressKind  kind)
{
  g_autoptr(JsonNode) keep = NULL;
  JsonObject *v = wallet_validates (&keep, text);
  ShoalAddress ours = parse_ok (text);

  g_test_message ("%s %s: %s", shoal_network_to_string (network),
                  shoal_address_kind_to_string (kind), text);
  g_assert_true (json_object_get_boolean_member (v, "valid"));
  g_assert_cmpstr (json_object_get_string_member (v, "nettype"), ==, shoal_network_to_string (network));
  g_assert_cmpint (json_object_get_boolean_member (v, "subaddress"), ==, kind == SHOAL_ADDRESS_SUBADDRESS);
  g_assert_cmpint (json_object_get_boolean_member (v, "integrated"), ==, kind == SHOAL_ADDRESS_INTEGRATED);
  g_assert_cmpint (ours.network, ==, network);
  g_assert_cmpint (ours.kind, ==, kind);
}

static void
assert_both_reject (const char *text,
                    const char *reason)
{
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *v = wallet_validates (&keep, text);

  g_assert_false (json_object_get_boolean_member (v, "valid"));
  g_assert_false (shoal_address_parse (text, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s -> %s", text, error->message);
  if (strstr (error->message, reason) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, reason);
}

static void
test_wallet_addresses (void)
{
  ShoalRpcClient *wallet = shoal_playground_get_wallet (playground)->client;
  g_autoptr(JsonNode) k1 = NULL, k2 = NULL, k3 = NULL;
  const char *primary = json_object_get_string_member (
    call (&k1, wallet, "get_address", "{\"account_index\":0}"), "address");
  const char *sub = json_object_get_string_member (
    call (&k2, wallet, "create_address", "{\"account_index\":0,\"label\":\"rig\"}"), "address");
  JsonObject *made = call (&k3, wallet, "make_integrated_address", "{}");
  const char *integrated = json_object_get_string_member (made, "integrated_address");
  ShoalAddress p = parse_ok (primary);
  ShoalAddress i = parse_ok (integrated);
  g_autofree char *pid = NULL;

  assert_wallet_agrees (primary, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_STANDARD);
  assert_wallet_agrees (sub, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_SUBADDRESS);
  assert_wallet_agrees (integrated, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_INTEGRATED);

  /* An integrated address is the primary's keys plus the payment id. */
  g_assert_cmpmem (i.spend_key, 32, p.spend_key, 32);
  g_assert_cmpmem (i.view_key, 32, p.view_key, 32);
  pid = shoal_hex_encode (i.payment_id, 8);
  g_assert_cmpstr (pid, ==, json_object_get_string_member (made, "payment_id"));

  /* Testnet and stagenet: the same keys under the other tags. */
  for (ShoalNetwork net = SHOAL_NETWORK_TESTNET; net <= SHOAL_NETWORK_STAGENET; net++)
    for (ShoalAddressKind kind = SHOAL_ADDRESS_STANDARD; kind <= SHOAL_ADDRESS_INTEGRATED; kind++)
      {
        ShoalAddress other = kind == SHOAL_ADDRESS_INTEGRATED ? i : p;
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;

        other.network = net;
        other.kind = kind;
        text = shoal_address_to_string (&other);
        assert_wallet_agrees (text, net, kind);
        g_assert_false (shoal_address_check (text, SHOAL_NETWORK_MAINNET, NULL, &error));
        g_assert_nonnull (strstr (error->message, shoal_network_to_string (net)));
        g_assert_nonnull (strstr (error->message, "mainnet"));
      }

  /* Damaged copies: the wallet refuses them too, and we say why. */
  {
    g_autofree char *bad_char = g_strdup (primary);
    g_autofree char *short_one = g_strndup (primary, 94);
    g_autofree char *flipped = g_strdup (primary);
    g_autoptr(GBytes) raw = shoal_base58_decode (primary, NULL);
    g_autofree guint8 *payload = g_memdup2 (g_bytes_get_data (raw, NULL), 69);
    g_autofree char *bad_sum = NULL;

    bad_char[40] = '0';
    flipped[50] = flipped[50] == 'a' ? 'b' : 'a';
    payload[68] ^= 0x01;
    bad_sum = shoal_base58_encode (payload, 69);
    assert_both_reject (bad_char, "Character '0' at position 41");
    assert_both_reject (short_one, "94 characters");
    assert_both_reject (flipped, "checksum");
    assert_both_reject (bad_sum, "checksum");
  }
}

static JsonObject *
get_template (JsonNode  **keep,
              const char *extra)
{
  ShoalRpcClient *node = shoal_playground_get_node (playground);
  g_autofree char *params = g_strdup_printf ("{\"wallet_address\":\"%s\",%s}",
                                             shoal_playground_get_wallet (playground)->address,
                                             extra);

  return call (keep, node, "get_block_template", params);
}

/* monerod given EXTRA_NONCE makes a template whose extra nonce is
 * already in place; with those bytes wiped it is a template like any
 * other, and writing EXTRA_NONCE into it ourselves must give back the
 * daemon's own blobs.  (Two calls cannot be compared directly: every
 * template gets a fresh transaction key.) */
static void
assert_same_as_daemon_with (const guint8 *extra_nonce,
                            gsize         len)
{
  g_autofree char *hex = shoal_hex_encode (extra_nonce, len);
  g_autofree char *reserve = g_strdup_printf ("\"reserve_size\":%" G_GSIZE_FORMAT, len);
  g_autofree char *given = g_strdup_printf ("\"extra_nonce\":\"%s\"", hex);
  g_autoptr(JsonNode) ka = NULL, kb = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) reserved = shoal_block_template_new_from_rpc (
    get_template (&ka, reserve), len, &error);
  JsonObject *theirs = get_template (&kb, given);
  g_autoptr(ShoalBlockTemplate) checked = shoal_block_template_new_from_rpc (theirs, len, &error);
  g_autoptr(GBytes) blob = shoal_hex_decode (
    json_object_get_string_member (theirs, "blocktemplate_blob"), NULL);
  gsize offset = json_object_get_int_member (theirs, "reserved_offset");
  g_autoptr(GByteArray) wiped = g_bytes_unref_to_array (g_bytes_ref (blob));
  g_autoptr(GBytes) wiped_bytes = NULL;
  g_autoptr(ShoalBlockTemplate) tmpl = NULL;
  g_autoptr(GBytes) hashing = NULL;
  g_autoptr(GBytes) bare = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autofree char *hashing_hex = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (checked);
  /* The same layout as a template that reserved LEN bytes. */
  g_assert_cmpuint (shoal_block_template_get_reserved_offset (reserved), ==, offset);
  g_assert_cmpuint (g_bytes_get_size (shoal_block_template_get_blob (reserved)), ==,
                    g_bytes_get_size (blob));

  g_assert_cmpmem (wiped->data + offset, len, extra_nonce, len);
  memset (wiped->data + offset, 0, len);
  wiped_bytes = g_bytes_new (wiped->data, wiped->len);
  tmpl = shoal_block_template_new_from_blob (wiped_bytes, offset, len, &error);
  g_assert_no_error (error);
  bare = shoal_block_template_make_hashing_blob (tmpl, NULL, 0, &error);
  hashing = shoal_block_template_make_hashing_blob (tmpl, extra_nonce, len, &error);
  block = shoal_block_template_make_block_blob (tmpl, extra_nonce, len, 0, &error);
  g_assert_no_error (error);
  hashing_hex = shoal_hex_encode (g_bytes_get_data (hashing, NULL), g_bytes_get_size (hashing));
  g_assert_cmpstr (hashing_hex, ==, json_object_get_string_member (theirs, "blockhashing_blob"));
  g_assert_true (g_bytes_equal (block, blob));
  g_assert_false (g_bytes_equal (bare, hashing));
}

static void
test_extra_nonce_matches_daemon (void)
{
  const guint8 eight[8] = { 0x53, 0x68, 0x6f, 0x61, 0x6c, 0x00, 0x01, 0xff };
  guint8 full[127];

  /* 127 bytes (the daemon's maximum) make the miner tx prefix longer
   * than one Keccak block: the multi-block path meets monerod here. */
  for (guint i = 0; i < sizeof full; i++)
    full[i] = 0xa5 ^ i;
  assert_same_as_daemon_with (eight, sizeof eight);
  assert_same_as_daemon_with (full, sizeof full);
}

static void
test_submit_block (void)
{
  const guint8 extra_nonce[8] = { 0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x56, 0x78 };
  ShoalRpcClient *node = shoal_playground_get_node (playground);
  g_autoptr(JsonNode) kt = NULL, ks = NULL, kh = NULL, kb = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) tmpl = shoal_block_template_new_from_rpc (
    get_template (&kt, "\"reserve_size\":8"), 8, &error);
  g_autoptr(GBytes) hashing = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GBytes) block_tmpl_bytes = NULL;
  g_autoptr(ShoalBlockTemplate) as_template = NULL;
  g_autofree guint8 *with_nonce = NULL;
  g_autofree char *block_hex = NULL;
  g_autofree char *params = NULL;
  g_autofree char *id_hex = NULL;
  g_autofree char *miner_hex = NULL;
  guint64 height_before = shoal_test_node_height (playground);
  guint32 nonce = 0x1234abcd;
  guint8 id[32], miner_hash[32];
  JsonObject *header;

  g_assert_no_error (error);
  g_assert_cmpuint (shoal_block_template_get_height (tmpl), ==, height_before);
  g_assert_cmpuint (shoal_block_template_get_difficulty (tmpl)->lo, ==, 1);

  /* At difficulty 1 every hash is a block: no RandomX needed to win. */
  hashing = shoal_block_template_make_hashing_blob (tmpl, extra_nonce, 8, &error);
  block = shoal_block_template_make_block_blob (tmpl, extra_nonce, 8, nonce, &error);
  g_assert_no_error (error);
  with_nonce = g_memdup2 (g_bytes_get_data (hashing, NULL), g_bytes_get_size (hashing));
  shoal_patch_nonce (with_nonce, g_bytes_get_size (hashing),
                     shoal_block_template_get_nonce_offset (tmpl), nonce);
  shoal_block_id (with_nonce, g_bytes_get_size (hashing), id);
  id_hex = shoal_hex_encode (id, 32);

  block_hex = shoal_hex_encode (g_bytes_get_data (block, NULL), g_bytes_get_size (block));
  params = g_strdup_printf ("[\"%s\"]", block_hex);
  g_assert_cmpstr (json_object_get_string_member (call (&ks, node, "submit_block", params), "status"),
                   ==, "OK");

  /* OK alone proves nothing: the block must be on the main chain under
   * the id we computed, at the height the template named. */
  g_free (params);
  params = g_strdup_printf ("{\"hash\":\"%s\"}", id_hex);
  header = json_object_get_object_member (call (&kh, node, "get_block_header_by_hash", params),
                                          "block_header");
  g_assert_false (json_object_get_boolean_member (header, "orphan_status"));
  g_assert_cmpuint (json_object_get_int_member (header, "height"), ==,
                    shoal_block_template_get_height (tmpl));
  g_assert_cmpstr (json_object_get_string_member (header, "hash"), ==, id_hex);
  g_assert_cmpuint (json_object_get_int_member (header, "nonce"), ==, nonce);
  g_assert_cmpuint (json_object_get_int_member (header, "reward"), ==,
                    shoal_block_template_get_reward (tmpl));
  g_assert_cmpuint (shoal_test_node_height (playground), ==, height_before + 1);

  /* The miner tx hash the daemon reports for it is ours too. */
  block_tmpl_bytes = g_bytes_ref (block);
  as_template = shoal_block_template_new_from_blob (block_tmpl_bytes, 0, 0, &error);
  g_assert_no_error (error);
  shoal_block_template_get_miner_tx_hash (as_template, miner_hash);
  miner_hex = shoal_hex_encode (miner_hash, 32);
  g_assert_cmpstr (json_object_get_string_member (call (&kb, node, "get_block", params),
                                                  "miner_tx_hash"), ==, miner_hex);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  playground = shoal_test_harness_start (1);
  g_test_add_func ("/monero/integration/wallet-addresses", test_wallet_addresses);
  g_test_add_func ("/monero/integration/extra-nonce-matches-daemon",
                   test_extra_nonce_matches_daemon);
  g_test_add_func ("/monero/integration/submit-block", test_submit_block);
  status = g_test_run ();
  shoal_test_harness_stop (playground);
  return status;
}
