/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include <libsoup/soup.h>

#include "shoal-error.h"
#include "shoal-node-client.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

/* The pool talks to a real monerod --regtest; every assertion is on what
 * monerod answered. */

static ShoalPlayground *playground;   /* difficulty 1: every hash is a block */

static ShoalNodeClient *
node_client (void)
{
  return shoal_node_client_new (shoal_playground_get_node_uri (playground), NULL, NULL);
}

static const char *
pool_address (void)
{
  return shoal_playground_get_wallet (playground)->address;
}

static void
test_info_and_headers (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(ShoalBlockHeader) last = NULL;
  g_autoptr(ShoalBlockHeader) by_height = NULL;
  g_autoptr(ShoalBlockHeader) by_hash = NULL;
  g_autoptr(ShoalBlockHeader) parent = NULL;
  guint64 count = 0;

  g_assert_true (shoal_playground_generate_blocks (playground, 3, NULL, &error));
  g_assert_no_error (error);

  info = shoal_node_client_get_info_sync (node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (info, "height"), ==,
                   shoal_test_node_height (playground));
  g_assert_true (shoal_node_client_get_block_count_sync (node, &count, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, json_object_get_int_member (info, "height"));

  last = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (last->height + 1, ==, json_object_get_int_member (info, "height"));
  g_assert_cmpstr (last->hash, ==, json_object_get_string_member (info, "top_block_hash"));
  g_assert_cmpuint (last->depth, ==, 0);
  g_assert_false (last->orphan);
  g_assert_cmpuint (last->reward, >, 0);

  by_height = shoal_node_client_get_block_header_by_height_sync (node, last->height, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_height->hash, ==, last->hash);

  by_hash = shoal_node_client_get_block_header_by_hash_sync (node, last->prev_hash, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_hash->height, ==, last->height - 1);
  g_assert_cmpuint (by_hash->depth, ==, 1);

  /* Heights past the tip and unknown hashes are errors that say so. */
  parent = shoal_node_client_get_block_header_by_height_sync (node, last->height + 100, NULL,
                                                              &error);
  g_assert_null (parent);
  g_assert_error (error, SHOAL_RPC_ERROR, -2);
  g_assert_nonnull (strstr (error->message, "get_block_header_by_height"));
  g_clear_error (&error);
  parent = shoal_node_client_get_block_header_by_hash_sync (
    node, "00000000000000000000000000000000000000000000000000000000000000aa", NULL, &error);
  g_assert_null (parent);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "get_block_header_by_hash"));
  g_test_message ("unknown hash: %s", error->message);
}

/* The tip's coinbase is on the chain; a made-up hash is nowhere; the
 * key images of an unspent output and a malformed one. */
static void
test_transactions_and_key_images (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = shoal_test_rpc (shoal_playground_get_node (playground),
                                               "get_last_block_header", NULL);
  JsonObject *header = json_object_get_object_member (json_node_get_object (answer),
                                                      "block_header");
  const char *unused[] = { "1111111111111111111111111111111111111111111111111111111111111111",
                           NULL };
  const char *malformed[] = { "zz", NULL };
  ShoalTxWhere where = SHOAL_TX_MISSING;
  ShoalKeyImagesState state = SHOAL_KEY_IMAGES_SPENT_ON_CHAIN;

  g_assert_true (shoal_node_client_find_transaction_sync (
    node, json_object_get_string_member (header, "miner_tx_hash"), &where, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (where, ==, SHOAL_TX_IN_CHAIN);

  g_assert_true (shoal_node_client_find_transaction_sync (
    node, "00000000000000000000000000000000000000000000000000000000000000aa", &where, NULL,
    &error));
  g_assert_no_error (error);
  g_assert_cmpint (where, ==, SHOAL_TX_MISSING);

  g_assert_true (shoal_node_client_key_images_spent_sync (node, unused, &state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, SHOAL_KEY_IMAGES_UNSPENT);

  g_assert_false (shoal_node_client_key_images_spent_sync (node, malformed, &state, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/is_key_image_spent"));
  g_test_message ("malformed key image: %s", error->message);
}

static void
on_async_header (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ShoalBlockHeader **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = shoal_node_client_get_block_header_finish (SHOAL_NODE_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static void
on_async_info (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  JsonObject **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = shoal_node_client_get_info_finish (SHOAL_NODE_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
test_async_calls (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(ShoalBlockHeader) last = NULL;
  g_autoptr(ShoalBlockHeader) by_height = NULL;

  shoal_node_client_get_info_async (node, NULL, on_async_info, &info);
  shoal_node_client_get_last_block_header_async (node, NULL, on_async_header, &last);
  g_assert_cmpint (node_test_wait_until (is_set, &info, 5000), >=, 0);
  g_assert_cmpint (node_test_wait_until (is_set, &last, 5000), >=, 0);
  g_assert_cmpstr (last->hash, ==, json_object_get_string_member (info, "top_block_hash"));

  shoal_node_client_get_block_header_by_height_async (node, last->height, NULL, on_async_header,
                                                      &by_height);
  g_assert_cmpint (node_test_wait_until (is_set, &by_height, 5000), >=, 0);
  g_assert_cmpstr (by_height->hash, ==, last->hash);
}

static void
test_template_and_submit (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) tmpl = NULL;
  g_autoptr(JsonObject) bad = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(ShoalBlockHeader) last = NULL;
  guint64 height = shoal_test_node_height (playground);

  tmpl = shoal_node_client_get_block_template_sync (node, pool_address (), 8, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (tmpl, "height"), ==, height);
  g_assert_cmpint (json_object_get_int_member (tmpl, "reserved_offset"), >, 0);

  /* At difficulty 1 the template itself, nonce 0, is a valid block. */
  blob = shoal_test_hex_to_bytes (json_object_get_string_member (tmpl, "blocktemplate_blob"));
  g_assert_true (shoal_node_client_submit_block_sync (node, blob, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_test_node_height (playground), ==, height + 1);
  last = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (last->height, ==, height);
  g_assert_cmpstr (last->prev_hash, ==, json_object_get_string_member (tmpl, "prev_hash"));
  g_assert_cmpuint (last->reward, ==, json_object_get_int_member (tmpl, "expected_reward"));

  /* A duplicate is answered OK and changes nothing: OK is not proof. */
  g_assert_true (shoal_node_client_submit_block_sync (node, blob, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_test_node_height (playground), ==, height + 1);

  /* A bad address is refused with monerod's reason. */
  bad = shoal_node_client_get_block_template_sync (node, "4notanaddress", 8, NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_assert_true (error->domain == SHOAL_RPC_ERROR);
  g_assert_nonnull (strstr (error->message, "get_block_template"));
  g_test_message ("bad address: %s", error->message);
}

static void
test_malformed_blob (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = g_bytes_new_static ("\x10\x10\x01garbage", 10);
  guint64 height = shoal_test_node_height (playground);

  g_assert_false (shoal_node_client_submit_block_sync (node, blob, NULL, &error));
  g_assert_error (error, SHOAL_RPC_ERROR, -6);
  g_assert_nonnull (strstr (error->message, "submit_block"));
  g_assert_nonnull (strstr (error->message, "Wrong block blob"));
  g_assert_cmpuint (shoal_test_node_height (playground), ==, height);
}

static gboolean
done_flag (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_submit_unreachable (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_node_client_submit_block_finish (SHOAL_NODE_CLIENT (source), result,
                                                         &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE);
  *done = TRUE;
}

/* Nothing listens on a fresh free port: a transport error, retried with
 * backoff (200 + 400 ms for 2 retries), except get_info which the tip
 * watcher polls anyway. */
static void
test_unreachable_is_retried (void)
{
  g_autoptr(GError) error = NULL;
  guint16 port = shoal_playground_free_port (&error);
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(ShoalNodeClient) node = shoal_node_client_new (uri, NULL, NULL);
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;
  g_autoptr(GBytes) blob = g_bytes_new_static ("\x10", 1);
  gboolean done = FALSE;
  gint64 start, elapsed;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  info = shoal_node_client_get_info_sync (node, NULL, &error);
  elapsed = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, uri));
  /* Refused at once and not retried: no retry pause (600 ms and more,
   * as the next call shows) went by. */
  g_assert_cmpint (elapsed, <, 600);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  header = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  elapsed = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE);
  g_assert_cmpint (elapsed, >=, 600);
  g_test_message ("unreachable: %s (after %" G_GINT64_FORMAT " ms)", error->message, elapsed);

  start = g_get_monotonic_time ();
  shoal_node_client_submit_block_async (node, blob, NULL, on_submit_unreachable, &done);
  g_assert_cmpint (node_test_wait_until (done_flag, &done, 5000), >=, 600);
}

/* A node that hangs (SIGSTOP: the kernel still accepts the connection,
 * nobody answers) times out; it is retried like any transport error. */
static void
test_hung_node_times_out (void)
{
  g_autoptr(ShoalNodeClient) node = node_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;
  GPid pid = shoal_playground_get_node_pid (playground);
  gint64 start, elapsed;

  g_assert_cmpint (pid, >, 0);
  shoal_node_client_set_timeout (node, 1);
  shoal_node_client_set_retries (node, 1);
  kill (pid, SIGSTOP);
  start = g_get_monotonic_time ();
  header = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  elapsed = (g_get_monotonic_time () - start) / 1000;
  kill (pid, SIGCONT);

  g_assert_null (header);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "did not answer in time"));
  g_test_message ("hung: %s (after %" G_GINT64_FORMAT " ms)", error->message, elapsed);
  /* Two tries of 1 s and a 200 ms pause. */
  g_assert_cmpint (elapsed, >=, 2000);
  g_clear_error (&error);

  header = shoal_node_client_get_last_block_header_sync (node, NULL, &error);
  g_assert_no_error (error);
}

/* Monero's check_hash: the hash as a little-endian 256-bit H is a block
 * iff H * difficulty < 2^256. */
static gboolean
pow_meets (const guint8 hash[32],
           guint64      difficulty)
{
  unsigned __int128 carry = 0;

  for (int limb = 0; limb < 4; limb++)
    {
      guint64 word;

      memcpy (&word, hash + 8 * limb, 8);
      word = GUINT64_FROM_LE (word);
      carry = (unsigned __int128) word * difficulty + (carry >> 64);
    }
  return (carry >> 64) == 0;
}

static gsize
nonce_offset (const guint8 *data,
              gsize         len)
{
  gsize pos = 0;

  /* major, minor, timestamp varints, then the 32-byte previous id */
  for (int varints = 0; varints < 3; varints++)
    {
      while (pos < len && (data[pos] & 0x80))
        pos++;
      pos++;
    }
  return pos + 32;
}

/* calc_pow answers a bare string, which the JSON-RPC client (results are
 * objects) does not take: ask monerod directly. */
static GBytes *
calc_pow (ShoalPlayground *pg,
          GBytes          *hashing_blob,
          const char      *seed_hash,
          guint64          height)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (shoal_playground_get_node_uri (pg), "/json_rpc", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autofree char *hex = shoal_test_bytes_to_hex (g_bytes_get_data (hashing_blob, NULL),
                                                  g_bytes_get_size (hashing_blob));
  g_autofree char *body = g_strdup_printf (
    "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"calc_pow\",\"params\":{\"major_version\":16,"
    "\"height\":%" G_GUINT64_FORMAT ",\"block_blob\":\"%s\",\"seed_hash\":\"%s\"}}",
    height, hex, seed_hash);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize body_len = strlen (body);

  request = g_bytes_new_take (g_steal_pointer (&body), body_len);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                              &error);
  g_assert_no_error (error);
  return shoal_test_hex_to_bytes (
    json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "result"));
}

static void
test_weak_pow_rejected (void)
{
  ShoalPlayground *hard = shoal_test_harness_start (100);
  g_autoptr(ShoalNodeClient) node =
    shoal_node_client_new (shoal_playground_get_node_uri (hard), NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) tmpl = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) hashing = NULL;
  g_autoptr(GBytes) hash = NULL;
  guint8 *block, *hashing_data;
  gsize block_len, hashing_len, offset;
  guint64 height = shoal_test_node_height (hard);
  guint32 nonce;

  tmpl = shoal_node_client_get_block_template_sync (node, shoal_playground_get_wallet (hard)->address,
                                                    8, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (tmpl, "difficulty"), ==, 100);
  blob = shoal_test_hex_to_bytes (json_object_get_string_member (tmpl, "blocktemplate_blob"));
  hashing = shoal_test_hex_to_bytes (json_object_get_string_member (tmpl, "blockhashing_blob"));
  block = g_bytes_unref_to_data (g_steal_pointer (&blob), &block_len);
  hashing_data = g_bytes_unref_to_data (g_steal_pointer (&hashing), &hashing_len);
  offset = nonce_offset (block, block_len);

  /* About 99 nonces in 100 are too weak at difficulty 100; monerod's own
   * calc_pow says which. */
  for (nonce = 0;; nonce++)
    {
      guint32 le = GUINT32_TO_LE (nonce);
      g_autoptr(GBytes) candidate = g_bytes_new_static (hashing_data, hashing_len);

      memcpy (hashing_data + offset, &le, 4);
      hash = calc_pow (hard, candidate,
                       json_object_get_string_member (tmpl, "seed_hash"),
                       json_object_get_int_member (tmpl, "height"));
      if (!pow_meets (g_bytes_get_data (hash, NULL), 100))
        break;
      g_clear_pointer (&hash, g_bytes_unref);
    }
  memcpy (block + offset, hashing_data + offset, 4);
  blob = g_bytes_new_take (block, block_len);

  g_assert_false (shoal_node_client_submit_block_sync (node, blob, NULL, &error));
  g_assert_error (error, SHOAL_RPC_ERROR, -7);
  g_assert_nonnull (strstr (error->message, "Block not accepted"));
  g_test_message ("weak pow (nonce %u): %s", nonce, error->message);
  g_assert_cmpuint (shoal_test_node_height (hard), ==, height);

  g_free (hashing_data);
  shoal_test_harness_stop (hard);
}

int
main (int argc, char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/client/info-and-headers", test_info_and_headers);
  g_test_add_func ("/node/client/async", test_async_calls);
  g_test_add_func ("/node/client/transactions-and-key-images", test_transactions_and_key_images);
  g_test_add_func ("/node/client/template-and-submit", test_template_and_submit);
  g_test_add_func ("/node/client/malformed-blob", test_malformed_blob);
  g_test_add_func ("/node/client/unreachable-is-retried", test_unreachable_is_retried);
  g_test_add_func ("/node/client/hung-node-times-out", test_hung_node_times_out);
  g_test_add_func ("/node/client/weak-pow-rejected", test_weak_pow_rejected);

  playground = shoal_test_harness_start (1);
  result = g_test_run ();
  shoal_test_harness_stop (playground);
  return result;
}
