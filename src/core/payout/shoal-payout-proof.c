/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-payout-proof.h"
#include "shoal-varint.h"

#define TXIN_GEN    0xff
#define TXIN_TO_KEY 0x02
#define KEY_IMAGE_BYTES 32
/* Far more inputs than a transaction monerod relays can hold. */
#define MAX_INPUTS 4096

static gboolean
read_varint (GBytes   *blob,
             gsize    *pos,
             guint64  *value,
             GError  **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);

  return shoal_varint_read (data, len, pos, value, error);
}

/* One txin_to_key: amount, ring member offsets, key image. */
static char *
read_to_key (GBytes   *blob,
             gsize    *pos,
             GError  **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);
  guint64 amount, n_offsets, offset;

  if (!read_varint (blob, pos, &amount, error) || !read_varint (blob, pos, &n_offsets, error))
    return NULL;
  for (guint64 i = 0; i < n_offsets; i++)
    if (!read_varint (blob, pos, &offset, error))
      return NULL;
  if (len - *pos < KEY_IMAGE_BYTES)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "transaction: truncated key image");
      return NULL;
    }
  *pos += KEY_IMAGE_BYTES;
  return shoal_hex_encode (data + *pos - KEY_IMAGE_BYTES, KEY_IMAGE_BYTES);
}

/* The key images a signed transaction (TX_HEX, as transfer_split's
 * tx_blob_list gives it) spends, read from its prefix: version,
 * unlock_time, then the inputs. */
char **
shoal_tx_key_images (const char  *tx_hex,
                     GError     **error)
{
  g_autoptr(GBytes) blob = shoal_hex_decode (tx_hex, error);
  g_autoptr(GStrvBuilder) images = g_strv_builder_new ();
  const guint8 *data;
  gsize pos = 0, len;
  guint64 version, unlock_time, n_inputs;

  if (blob == NULL)
    return NULL;
  data = g_bytes_get_data (blob, &len);
  if (!read_varint (blob, &pos, &version, error) || !read_varint (blob, &pos, &unlock_time, error) ||
      !read_varint (blob, &pos, &n_inputs, error))
    return NULL;
  if (n_inputs == 0 || n_inputs > MAX_INPUTS)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "transaction: %" G_GUINT64_FORMAT
                   " inputs", n_inputs);
      return NULL;
    }
  for (guint64 i = 0; i < n_inputs; i++)
    {
      char *image;

      if (pos >= len || data[pos] != TXIN_TO_KEY)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "transaction: input %" G_GUINT64_FORMAT " is not a key input", i);
          return NULL;
        }
      pos++;
      if ((image = read_to_key (blob, &pos, error)) == NULL)
        return NULL;
      g_strv_builder_add (images, image);
      g_free (image);
    }
  return g_strv_builder_end (images);
}

static JsonNode *
object_node (JsonBuilder *builder)
{
  return json_builder_get_root (builder);
}

/* Where the node sees TXID: /get_transactions answers it in "txs" (with
 * in_pool) or lists it in "missed_tx". */
gboolean
shoal_node_find_tx_sync (ShoalRpcClient  *node,
                         const char      *txid,
                         ShoalTxWhere    *where,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) params = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonNode *txs;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "txs_hashes");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, txid);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  params = object_node (builder);
  answer = shoal_rpc_client_post_sync (node, "/get_transactions", params, cancellable, error);
  if (answer == NULL)
    return FALSE;
  *where = SHOAL_TX_MISSING;
  txs = json_object_get_member (json_node_get_object (answer), "txs");
  if (txs == NULL || !JSON_NODE_HOLDS_ARRAY (txs))
    return TRUE;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (txs)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (txs), i);
      JsonObject *tx;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      tx = json_node_get_object (item);
      if (g_ascii_strcasecmp (json_object_get_string_member_with_default (tx, "tx_hash", ""), txid) != 0)
        continue;
      *where = json_object_get_boolean_member_with_default (tx, "in_pool", FALSE)
               ? SHOAL_TX_IN_POOL : SHOAL_TX_IN_CHAIN;
    }
  return TRUE;
}

/* KEY_IMAGES: space-separated hex.  The worst state over all of them. */
gboolean
shoal_node_key_images_sync (ShoalRpcClient       *node,
                            const char           *key_images,
                            ShoalKeyImagesState  *state,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_auto(GStrv) images = g_strsplit (key_images, " ", -1);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) params = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonNode *statuses;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "key_images");
  json_builder_begin_array (builder);
  for (guint i = 0; images[i] != NULL; i++)
    json_builder_add_string_value (builder, images[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  params = object_node (builder);
  answer = shoal_rpc_client_post_sync (node, "/is_key_image_spent", params, cancellable, error);
  if (answer == NULL)
    return FALSE;
  statuses = json_object_get_member (json_node_get_object (answer), "spent_status");
  if (statuses == NULL || !JSON_NODE_HOLDS_ARRAY (statuses) ||
      json_array_get_length (json_node_get_array (statuses)) != g_strv_length (images))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "/is_key_image_spent: one status per key image expected");
      return FALSE;
    }
  *state = SHOAL_KEY_IMAGES_UNSPENT;
  for (guint i = 0; i < g_strv_length (images); i++)
    {
      gint64 status = json_array_get_int_element (json_node_get_array (statuses), i);

      if (status == 1)
        *state = SHOAL_KEY_IMAGES_SPENT_ON_CHAIN;
      else if (status == 2 && *state == SHOAL_KEY_IMAGES_UNSPENT)
        *state = SHOAL_KEY_IMAGES_SPENT_IN_POOL;
    }
  return TRUE;
}

/* The number of blocks on the node's main chain. */
gboolean
shoal_node_height_sync (ShoalRpcClient  *node,
                        guint64         *height,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(JsonNode) params = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) answer = NULL;

  json_node_take_object (params, json_object_new ());
  answer = shoal_rpc_client_call_sync (node, "get_block_count", params, cancellable, error);
  return answer != NULL && shoal_json_get_uint64 (json_node_get_object (answer), "count", height, error);
}
