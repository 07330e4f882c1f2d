/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-call.h"
#include "shoal-wallet-client.h"

/* Building a transaction with many outputs, or a refresh over many
 * blocks, takes a while on a small machine. */
#define DEFAULT_TIMEOUT_S 120

struct _ShoalWalletClient
{
  GObject         parent_instance;
  ShoalRpcClient *rpc;
};

G_DEFINE_FINAL_TYPE (ShoalWalletClient, shoal_wallet_client, G_TYPE_OBJECT)

/* Two booleans, amounts or version numbers, for the finishes with two out
 * values. */
typedef struct
{
  guint64 first;
  guint64 second;
} Pair;

/* Boxed types */

G_DEFINE_BOXED_TYPE (ShoalWalletDestination, shoal_wallet_destination,
                     shoal_wallet_destination_copy, shoal_wallet_destination_free)
G_DEFINE_BOXED_TYPE (ShoalWalletTx, shoal_wallet_tx, shoal_wallet_tx_copy, shoal_wallet_tx_free)
G_DEFINE_BOXED_TYPE (ShoalWalletTransfer, shoal_wallet_transfer,
                     shoal_wallet_transfer_copy, shoal_wallet_transfer_free)

ShoalWalletDestination *
shoal_wallet_destination_new (const char *address,
                              guint64     amount)
{
  ShoalWalletDestination *dest = g_new0 (ShoalWalletDestination, 1);

  dest->address = g_strdup (address);
  dest->amount = amount;
  return dest;
}

ShoalWalletDestination *
shoal_wallet_destination_copy (const ShoalWalletDestination *dest)
{
  return shoal_wallet_destination_new (dest->address, dest->amount);
}

void
shoal_wallet_destination_free (ShoalWalletDestination *dest)
{
  if (dest == NULL)
    return;
  g_free (dest->address);
  g_free (dest);
}

ShoalWalletTx *
shoal_wallet_tx_copy (const ShoalWalletTx *tx)
{
  ShoalWalletTx *copy = g_memdup2 (tx, sizeof *tx);

  copy->tx_hash = g_strdup (tx->tx_hash);
  copy->tx_blob = g_strdup (tx->tx_blob);
  copy->tx_metadata = g_strdup (tx->tx_metadata);
  return copy;
}

void
shoal_wallet_tx_free (ShoalWalletTx *tx)
{
  if (tx == NULL)
    return;
  g_free (tx->tx_hash);
  g_free (tx->tx_blob);
  g_free (tx->tx_metadata);
  g_free (tx);
}

ShoalWalletTransfer *
shoal_wallet_transfer_copy (const ShoalWalletTransfer *transfer)
{
  ShoalWalletTransfer *copy = g_memdup2 (transfer, sizeof *transfer);

  copy->txid = g_strdup (transfer->txid);
  copy->type = g_strdup (transfer->type);
  copy->address = g_strdup (transfer->address);
  copy->destinations = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_wallet_destination_free);
  for (guint i = 0; i < transfer->destinations->len; i++)
    g_ptr_array_add (copy->destinations,
                     shoal_wallet_destination_copy (g_ptr_array_index (transfer->destinations, i)));
  return copy;
}

void
shoal_wallet_transfer_free (ShoalWalletTransfer *transfer)
{
  if (transfer == NULL)
    return;
  g_free (transfer->txid);
  g_free (transfer->type);
  g_free (transfer->address);
  g_clear_pointer (&transfer->destinations, g_ptr_array_unref);
  g_free (transfer);
}

/* Reading answers */

static guint64
optional_uint64 (JsonObject *object,
                 const char *member)
{
  guint64 value = 0;

  if (json_object_has_member (object, member) &&
      !shoal_json_get_uint64 (object, member, &value, NULL))
    return 0;
  return value;
}

static gboolean
optional_boolean (JsonObject *object,
                  const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gboolean
parse_destinations (JsonObject  *object,
                    GPtrArray   *out,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, "destinations");
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "\"destinations\" is not an array");
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *address;
      guint64 amount;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          (address = shoal_json_get_string (json_node_get_object (element), "address", error)) == NULL ||
          !shoal_json_get_uint64 (json_node_get_object (element), "amount", &amount, error))
        {
          g_prefix_error (error, "destination %u: ", i);
          return FALSE;
        }
      g_ptr_array_add (out, shoal_wallet_destination_new (address, amount));
    }
  return TRUE;
}

static ShoalWalletTransfer *
parse_transfer (JsonObject  *object,
                GError     **error)
{
  g_autoptr(ShoalWalletTransfer) transfer = g_new0 (ShoalWalletTransfer, 1);
  const char *txid, *type;

  transfer->destinations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_wallet_destination_free);
  if ((txid = shoal_json_get_string (object, "txid", error)) == NULL ||
      (type = shoal_json_get_string (object, "type", error)) == NULL ||
      !shoal_json_get_uint64 (object, "amount", &transfer->amount, error) ||
      !parse_destinations (object, transfer->destinations, error))
    return NULL;
  transfer->txid = g_strdup (txid);
  transfer->type = g_strdup (type);
  transfer->address = g_strdup (json_object_get_string_member_with_default (object, "address", ""));
  transfer->fee = optional_uint64 (object, "fee");
  transfer->height = optional_uint64 (object, "height");
  transfer->confirmations = optional_uint64 (object, "confirmations");
  transfer->timestamp = optional_uint64 (object, "timestamp");
  transfer->unlock_time = optional_uint64 (object, "unlock_time");
  transfer->locked = optional_boolean (object, "locked");
  return g_steal_pointer (&transfer);
}

static gpointer
parse_address (JsonObject  *result,
               GError     **error)
{
  const char *address = shoal_json_get_string (result, "address", error);

  return address ? g_strdup (address) : NULL;
}

static gpointer
parse_version (JsonObject  *result,
               GError     **error)
{
  g_autofree Pair *pair = g_new0 (Pair, 1);
  guint64 version;

  /* wallet-rpc packs it as MAJOR << 16 | MINOR. */
  if (!shoal_json_get_uint64 (result, "version", &version, error))
    return NULL;
  pair->first = version >> 16;
  pair->second = version & 0xffff;
  return g_steal_pointer (&pair);
}

static gpointer
parse_balance (JsonObject  *result,
               GError     **error)
{
  g_autofree Pair *pair = g_new0 (Pair, 1);

  if (!shoal_json_get_uint64 (result, "balance", &pair->first, error) ||
      !shoal_json_get_uint64 (result, "unlocked_balance", &pair->second, error))
    return NULL;
  return g_steal_pointer (&pair);
}

static gpointer
parse_validation (JsonObject  *result,
                  GError     **error)
{
  Pair *pair;
  JsonNode *valid = json_object_get_member (result, "valid");

  if (valid == NULL || json_node_get_value_type (valid) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "field \"valid\" is missing or not a boolean");
      return NULL;
    }
  pair = g_new0 (Pair, 1);
  pair->first = json_node_get_boolean (valid);
  pair->second = optional_boolean (result, "subaddress");
  return pair;
}

static gpointer
parse_nothing (JsonObject  *result,
               GError     **error)
{
  return GINT_TO_POINTER (1);
}

static JsonArray *
get_array (JsonObject  *object,
           const char  *member,
           guint        length,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) != length)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "\"%s\" is missing or does not list %u transactions", member, length);
      return NULL;
    }
  return json_node_get_array (node);
}

static gboolean
tx_from_lists (ShoalWalletTx  *tx,
               JsonArray      *hashes,
               JsonArray      *amounts,
               JsonArray      *fees,
               JsonArray      *blobs,
               JsonArray      *metadata,
               guint           i,
               GError        **error)
{
  JsonNode *amount = json_array_get_element (amounts, i);
  JsonNode *fee = json_array_get_element (fees, i);

  if (json_node_get_value_type (amount) != G_TYPE_INT64 || json_node_get_int (amount) < 0 ||
      json_node_get_value_type (fee) != G_TYPE_INT64 || json_node_get_int (fee) < 0 ||
      json_node_get_value_type (json_array_get_element (hashes, i)) != G_TYPE_STRING ||
      json_node_get_value_type (json_array_get_element (blobs, i)) != G_TYPE_STRING ||
      json_node_get_value_type (json_array_get_element (metadata, i)) != G_TYPE_STRING)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "transaction %u is malformed", i);
      return FALSE;
    }
  tx->tx_hash = g_strdup (json_array_get_string_element (hashes, i));
  tx->amount = (guint64) json_node_get_int (amount);
  tx->fee = (guint64) json_node_get_int (fee);
  tx->tx_blob = g_strdup (json_array_get_string_element (blobs, i));
  tx->tx_metadata = g_strdup (json_array_get_string_element (metadata, i));
  return TRUE;
}

static gpointer
parse_split (JsonObject  *result,
             GError     **error)
{
  g_autoptr(GPtrArray) txs = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_wallet_tx_free);
  JsonArray *hashes, *amounts, *fees, *blobs, *metadata;
  guint n;

  if (!json_object_has_member (result, "tx_hash_list") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (result, "tx_hash_list")))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "\"tx_hash_list\" is missing");
      return NULL;
    }
  hashes = json_object_get_array_member (result, "tx_hash_list");
  n = json_array_get_length (hashes);
  if ((amounts = get_array (result, "amount_list", n, error)) == NULL ||
      (fees = get_array (result, "fee_list", n, error)) == NULL ||
      (blobs = get_array (result, "tx_blob_list", n, error)) == NULL ||
      (metadata = get_array (result, "tx_metadata_list", n, error)) == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      ShoalWalletTx *tx = g_new0 (ShoalWalletTx, 1);

      g_ptr_array_add (txs, tx);
      if (!tx_from_lists (tx, hashes, amounts, fees, blobs, metadata, i, error))
        return NULL;
    }
  return g_steal_pointer (&txs);
}

static gpointer
parse_relay (JsonObject  *result,
             GError     **error)
{
  const char *hash = shoal_json_get_string (result, "tx_hash", error);

  return hash ? g_strdup (hash) : NULL;
}

static gboolean
append_transfers (JsonObject  *result,
                  const char  *member,
                  GPtrArray   *out,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (result, member);
  JsonArray *array;

  /* The wallet leaves out the kinds it has none of. */
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "\"%s\" is not an array", member);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      ShoalWalletTransfer *transfer;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "%s[%u] is not an object",
                       member, i);
          return FALSE;
        }
      if ((transfer = parse_transfer (json_node_get_object (element), error)) == NULL)
        {
          g_prefix_error (error, "%s[%u]: ", member, i);
          return FALSE;
        }
      g_ptr_array_add (out, transfer);
    }
  return TRUE;
}

static gpointer
parse_transfers (JsonObject  *result,
                 GError     **error)
{
  static const char * const kinds[] = { "in", "out", "pending", "pool", "failed" };
  g_autoptr(GPtrArray) transfers =
    g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_wallet_transfer_free);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (!append_transfers (result, kinds[i], transfers, error))
      return NULL;
  return g_steal_pointer (&transfers);
}

static gpointer
parse_transfer_by_txid (JsonObject  *result,
                        GError     **error)
{
  JsonNode *node = json_object_get_member (result, "transfer");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "the answer has no transfer");
      return NULL;
    }
  return parse_transfer (json_node_get_object (node), error);
}

/* The object */

static void
shoal_wallet_client_finalize (GObject *object)
{
  ShoalWalletClient *self = SHOAL_WALLET_CLIENT (object);

  g_clear_object (&self->rpc);
  G_OBJECT_CLASS (shoal_wallet_client_parent_class)->finalize (object);
}

static void
shoal_wallet_client_class_init (ShoalWalletClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_wallet_client_finalize;
}

static void
shoal_wallet_client_init (ShoalWalletClient *self)
{
}

ShoalWalletClient *
shoal_wallet_client_new (const char *uri,
                         const char *username,
                         const char *password)
{
  ShoalWalletClient *self;

  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_WALLET_CLIENT, NULL);
  self->rpc = shoal_rpc_client_new (uri, username, password);
  shoal_rpc_client_set_timeout (self->rpc, DEFAULT_TIMEOUT_S);
  return self;
}

const char *
shoal_wallet_client_get_uri (ShoalWalletClient *self)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  return shoal_rpc_client_get_base_uri (self->rpc);
}

void
shoal_wallet_client_set_timeout (ShoalWalletClient *self,
                                 guint              seconds)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  shoal_rpc_client_set_timeout (self->rpc, MAX (seconds, 1));
}

/* The generic call.  Never retried: a transfer sent twice is money sent
 * twice, and the payer decides what a failed call means. */

static void
wallet_call_async (ShoalWalletClient   *self,
                   const char          *method,
                   JsonNode            *params,
                   ShoalRpcParser       parse,
                   GDestroyNotify       free_result,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  ShoalRpcCall call = { method, parse, free_result, 0 };

  shoal_rpc_call_async (self->rpc, &call, params, self, source_tag, cancellable, callback,
                        user_data);
}

static gpointer
wallet_call_sync (ShoalWalletClient  *self,
                  const char         *method,
                  JsonNode           *params,
                  ShoalRpcParser      parse,
                  GCancellable       *cancellable,
                  GError            **error)
{
  ShoalRpcCall call = { method, parse, NULL, 0 };

  return shoal_rpc_call_sync (self->rpc, &call, params, cancellable, error);
}

static gpointer
wallet_call_finish (ShoalWalletClient  *self,
                    GAsyncResult       *result,
                    gpointer            source_tag,
                    GError            **error)
{
  return shoal_rpc_call_finish (self, result, source_tag, error);
}

static JsonNode *
object_params (const char *first_member,
               ...)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  const char *member = first_member;
  va_list args;

  /* Pairs of member name and string value, NULL-terminated. */
  va_start (args, first_member);
  while (member != NULL)
    {
      json_object_set_string_member (object, member, va_arg (args, const char *));
      member = va_arg (args, const char *);
    }
  va_end (args);
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
account_params (void)
{
  JsonNode *node = object_params (NULL);

  json_object_set_int_member (json_node_get_object (node), "account_index", 0);
  return node;
}

/* get_address */

void
shoal_wallet_client_get_address_async (ShoalWalletClient   *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  wallet_call_async (self, "get_address", account_params (), parse_address, g_free,
                     shoal_wallet_client_get_address_async, cancellable, callback, user_data);
}

char *
shoal_wallet_client_get_address_finish (ShoalWalletClient  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_get_address_async, error);
}

char *
shoal_wallet_client_get_address_sync (ShoalWalletClient  *self,
                                      GCancellable       *cancellable,
                                      GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  return wallet_call_sync (self, "get_address", account_params (), parse_address, cancellable,
                           error);
}

/* get_balance */

void
shoal_wallet_client_get_balance_async (ShoalWalletClient   *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  wallet_call_async (self, "get_balance", account_params (), parse_balance, g_free,
                     shoal_wallet_client_get_balance_async, cancellable, callback, user_data);
}

static gboolean
take_pair (Pair     *pair,
           guint64  *first,
           guint64  *second)
{
  if (pair == NULL)
    return FALSE;
  if (first != NULL)
    *first = pair->first;
  if (second != NULL)
    *second = pair->second;
  g_free (pair);
  return TRUE;
}

gboolean
shoal_wallet_client_get_balance_finish (ShoalWalletClient  *self,
                                        GAsyncResult       *result,
                                        guint64            *balance,
                                        guint64            *unlocked_balance,
                                        GError            **error)
{
  return take_pair (wallet_call_finish (self, result, shoal_wallet_client_get_balance_async, error),
                    balance, unlocked_balance);
}

gboolean
shoal_wallet_client_get_balance_sync (ShoalWalletClient  *self,
                                      guint64            *balance,
                                      guint64            *unlocked_balance,
                                      GCancellable       *cancellable,
                                      GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), FALSE);
  return take_pair (wallet_call_sync (self, "get_balance", account_params (), parse_balance,
                                      cancellable, error),
                    balance, unlocked_balance);
}

/* get_version */

void
shoal_wallet_client_get_version_async (ShoalWalletClient   *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  wallet_call_async (self, "get_version", NULL, parse_version, g_free,
                     shoal_wallet_client_get_version_async, cancellable, callback, user_data);
}

static gboolean
take_version (Pair  *pair,
              guint *major,
              guint *minor)
{
  guint64 first = 0, second = 0;

  if (!take_pair (pair, &first, &second))
    return FALSE;
  if (major != NULL)
    *major = (guint) MIN (first, G_MAXUINT);
  if (minor != NULL)
    *minor = (guint) second;
  return TRUE;
}

gboolean
shoal_wallet_client_get_version_finish (ShoalWalletClient  *self,
                                        GAsyncResult       *result,
                                        guint              *major,
                                        guint              *minor,
                                        GError            **error)
{
  return take_version (wallet_call_finish (self, result, shoal_wallet_client_get_version_async,
                                           error),
                       major, minor);
}

gboolean
shoal_wallet_client_get_version_sync (ShoalWalletClient  *self,
                                      guint              *major,
                                      guint              *minor,
                                      GCancellable       *cancellable,
                                      GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), FALSE);
  return take_version (wallet_call_sync (self, "get_version", NULL, parse_version, cancellable,
                                         error),
                       major, minor);
}

/* validate_address */

void
shoal_wallet_client_validate_address_async (ShoalWalletClient   *self,
                                            const char          *address,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  g_return_if_fail (address != NULL);

  wallet_call_async (self, "validate_address", object_params ("address", address, NULL),
                     parse_validation, g_free, shoal_wallet_client_validate_address_async,
                     cancellable, callback, user_data);
}

static gboolean
take_validation (Pair     *pair,
                 gboolean *valid,
                 gboolean *subaddress)
{
  guint64 first = 0, second = 0;

  if (!take_pair (pair, &first, &second))
    return FALSE;
  if (valid != NULL)
    *valid = first != 0;
  if (subaddress != NULL)
    *subaddress = second != 0;
  return TRUE;
}

gboolean
shoal_wallet_client_validate_address_finish (ShoalWalletClient  *self,
                                             GAsyncResult       *result,
                                             gboolean           *valid,
                                             gboolean           *subaddress,
                                             GError            **error)
{
  return take_validation (wallet_call_finish (self, result,
                                              shoal_wallet_client_validate_address_async, error),
                          valid, subaddress);
}

gboolean
shoal_wallet_client_validate_address_sync (ShoalWalletClient  *self,
                                           const char         *address,
                                           gboolean           *valid,
                                           gboolean           *subaddress,
                                           GCancellable       *cancellable,
                                           GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return take_validation (wallet_call_sync (self, "validate_address",
                                            object_params ("address", address, NULL),
                                            parse_validation, cancellable, error),
                          valid, subaddress);
}

/* refresh */

void
shoal_wallet_client_refresh_async (ShoalWalletClient   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  wallet_call_async (self, "refresh", NULL, parse_nothing, NULL,
                     shoal_wallet_client_refresh_async, cancellable, callback, user_data);
}

gboolean
shoal_wallet_client_refresh_finish (ShoalWalletClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_refresh_async, error) != NULL;
}

gboolean
shoal_wallet_client_refresh_sync (ShoalWalletClient  *self,
                                  GCancellable       *cancellable,
                                  GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), FALSE);
  return wallet_call_sync (self, "refresh", NULL, parse_nothing, cancellable, error) != NULL;
}

/* transfer_split */

static JsonNode *
split_params (const ShoalWalletDestination  *destinations,
              guint                          n_destinations,
              gboolean                       do_not_relay,
              GError                       **error)
{
  g_autoptr(JsonNode) node = account_params ();
  JsonObject *object = json_node_get_object (node);
  JsonArray *array = json_array_new ();

  json_object_set_array_member (object, "destinations", array);
  for (guint i = 0; i < n_destinations; i++)
    {
      JsonObject *dest = json_object_new ();

      /* JSON integers travel as gint64 here; no real amount is above. */
      if (destinations[i].amount > G_MAXINT64 || destinations[i].address == NULL)
        {
          json_object_unref (dest);
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                       "transfer_split: destination %u has no address or an impossible amount", i);
          return NULL;
        }
      json_object_set_int_member (dest, "amount", (gint64) destinations[i].amount);
      json_object_set_string_member (dest, "address", destinations[i].address);
      json_array_add_object_element (array, dest);
    }
  json_object_set_boolean_member (object, "do_not_relay", do_not_relay);
  json_object_set_boolean_member (object, "get_tx_hex", TRUE);
  json_object_set_boolean_member (object, "get_tx_metadata", TRUE);
  return g_steal_pointer (&node);
}

void
shoal_wallet_client_transfer_split_async (ShoalWalletClient            *self,
                                          const ShoalWalletDestination *destinations,
                                          guint                         n_destinations,
                                          gboolean                      do_not_relay,
                                          GCancellable                 *cancellable,
                                          GAsyncReadyCallback           callback,
                                          gpointer                      user_data)
{
  GError *error = NULL;
  JsonNode *params;

  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  g_return_if_fail (destinations != NULL || n_destinations == 0);

  params = split_params (destinations, n_destinations, do_not_relay, &error);
  if (params == NULL)
    {
      g_task_report_error (self, callback, user_data, shoal_wallet_client_transfer_split_async,
                           error);
      return;
    }
  wallet_call_async (self, "transfer_split", params, parse_split,
                     (GDestroyNotify) g_ptr_array_unref, shoal_wallet_client_transfer_split_async,
                     cancellable, callback, user_data);
}

GPtrArray *
shoal_wallet_client_transfer_split_finish (ShoalWalletClient  *self,
                                           GAsyncResult       *result,
                                           GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_transfer_split_async, error);
}

GPtrArray *
shoal_wallet_client_transfer_split_sync (ShoalWalletClient            *self,
                                         const ShoalWalletDestination *destinations,
                                         guint                         n_destinations,
                                         gboolean                      do_not_relay,
                                         GCancellable                 *cancellable,
                                         GError                      **error)
{
  JsonNode *params;

  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  g_return_val_if_fail (destinations != NULL || n_destinations == 0, NULL);

  params = split_params (destinations, n_destinations, do_not_relay, error);
  if (params == NULL)
    return NULL;
  return wallet_call_sync (self, "transfer_split", params, parse_split, cancellable, error);
}

/* relay_tx */

void
shoal_wallet_client_relay_tx_async (ShoalWalletClient   *self,
                                    const char          *tx_metadata,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  g_return_if_fail (tx_metadata != NULL);

  wallet_call_async (self, "relay_tx", object_params ("hex", tx_metadata, NULL), parse_relay,
                     g_free, shoal_wallet_client_relay_tx_async, cancellable, callback, user_data);
}

char *
shoal_wallet_client_relay_tx_finish (ShoalWalletClient  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_relay_tx_async, error);
}

char *
shoal_wallet_client_relay_tx_sync (ShoalWalletClient  *self,
                                   const char         *tx_metadata,
                                   GCancellable       *cancellable,
                                   GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  g_return_val_if_fail (tx_metadata != NULL, NULL);

  return wallet_call_sync (self, "relay_tx", object_params ("hex", tx_metadata, NULL),
                           parse_relay, cancellable, error);
}

/* get_transfers */

static JsonNode *
transfers_params (ShoalTransferFilter filter)
{
  JsonNode *node = account_params ();
  JsonObject *object = json_node_get_object (node);

  json_object_set_boolean_member (object, "in", (filter & SHOAL_TRANSFER_IN) != 0);
  json_object_set_boolean_member (object, "out", (filter & SHOAL_TRANSFER_OUT) != 0);
  json_object_set_boolean_member (object, "pending", (filter & SHOAL_TRANSFER_PENDING) != 0);
  json_object_set_boolean_member (object, "pool", (filter & SHOAL_TRANSFER_POOL) != 0);
  json_object_set_boolean_member (object, "failed", (filter & SHOAL_TRANSFER_FAILED) != 0);
  return node;
}

void
shoal_wallet_client_get_transfers_async (ShoalWalletClient   *self,
                                         ShoalTransferFilter  filter,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  wallet_call_async (self, "get_transfers", transfers_params (filter), parse_transfers,
                     (GDestroyNotify) g_ptr_array_unref, shoal_wallet_client_get_transfers_async,
                     cancellable, callback, user_data);
}

GPtrArray *
shoal_wallet_client_get_transfers_finish (ShoalWalletClient  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_get_transfers_async, error);
}

GPtrArray *
shoal_wallet_client_get_transfers_sync (ShoalWalletClient    *self,
                                        ShoalTransferFilter   filter,
                                        GCancellable         *cancellable,
                                        GError              **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  return wallet_call_sync (self, "get_transfers", transfers_params (filter), parse_transfers,
                           cancellable, error);
}

/* get_transfer_by_txid */

void
shoal_wallet_client_get_transfer_by_txid_async (ShoalWalletClient   *self,
                                                const char          *txid,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_WALLET_CLIENT (self));
  g_return_if_fail (txid != NULL);

  wallet_call_async (self, "get_transfer_by_txid", object_params ("txid", txid, NULL),
                     parse_transfer_by_txid, (GDestroyNotify) shoal_wallet_transfer_free,
                     shoal_wallet_client_get_transfer_by_txid_async, cancellable, callback,
                     user_data);
}

ShoalWalletTransfer *
shoal_wallet_client_get_transfer_by_txid_finish (ShoalWalletClient  *self,
                                                 GAsyncResult       *result,
                                                 GError            **error)
{
  return wallet_call_finish (self, result, shoal_wallet_client_get_transfer_by_txid_async, error);
}

ShoalWalletTransfer *
shoal_wallet_client_get_transfer_by_txid_sync (ShoalWalletClient  *self,
                                               const char         *txid,
                                               GCancellable       *cancellable,
                                               GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (self), NULL);
  g_return_val_if_fail (txid != NULL, NULL);

  return wallet_call_sync (self, "get_transfer_by_txid", object_params ("txid", txid, NULL),
                           parse_transfer_by_txid, cancellable, error);
}
