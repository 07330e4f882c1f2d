/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-call.h"
#include "shoal-node-client.h"

#define DEFAULT_TIMEOUT_S  10
#define DEFAULT_RETRIES    2

struct _ShoalNodeClient
{
  GObject         parent_instance;
  ShoalRpcClient *rpc;
  char           *uri;
  char           *username;
  char           *password;
  guint           timeout;
  guint           retries;
};

G_DEFINE_FINAL_TYPE (ShoalNodeClient, shoal_node_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_TIMEOUT,
  PROP_RETRIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_BOXED_TYPE (ShoalBlockHeader, shoal_block_header,
                     shoal_block_header_copy, shoal_block_header_free)

ShoalBlockHeader *
shoal_block_header_copy (const ShoalBlockHeader *header)
{
  ShoalBlockHeader *copy = g_memdup2 (header, sizeof *header);

  copy->hash = g_strdup (header->hash);
  copy->prev_hash = g_strdup (header->prev_hash);
  return copy;
}

void
shoal_block_header_free (ShoalBlockHeader *header)
{
  if (header == NULL)
    return;
  g_free (header->hash);
  g_free (header->prev_hash);
  g_free (header);
}

ShoalBlockHeader *
shoal_block_header_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  g_autoptr(ShoalBlockHeader) header = g_new0 (ShoalBlockHeader, 1);
  const char *hash, *prev;
  JsonNode *orphan;

  if ((hash = shoal_json_get_string (object, "hash", error)) == NULL ||
      (prev = shoal_json_get_string (object, "prev_hash", error)) == NULL ||
      !shoal_json_get_uint64 (object, "height", &header->height, error) ||
      !shoal_json_get_uint64 (object, "depth", &header->depth, error) ||
      !shoal_json_get_uint64 (object, "timestamp", &header->timestamp, error) ||
      !shoal_json_get_uint64 (object, "reward", &header->reward, error))
    return NULL;
  orphan = json_object_get_member (object, "orphan_status");
  if (orphan == NULL || json_node_get_value_type (orphan) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "field \"orphan_status\" is missing or not a boolean");
      return NULL;
    }
  header->orphan = json_node_get_boolean (orphan);
  header->hash = g_strdup (hash);
  header->prev_hash = g_strdup (prev);
  return g_steal_pointer (&header);
}

G_DEFINE_BOXED_TYPE (ShoalNodeStatus, shoal_node_status, shoal_node_status_copy,
                     shoal_node_status_free)

static guint64
info_uint64 (JsonObject *info,
             const char *name)
{
  JsonNode *node = json_object_get_member (info, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0)
    return 0;
  return (guint64) json_node_get_int (node);
}

static gboolean
info_boolean (JsonObject *info,
              const char *name,
              gboolean    fallback)
{
  JsonNode *node = json_object_get_member (info, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

/* Older nodes have no "nettype": the three booleans say it. */
static const char *
info_network (JsonObject *info)
{
  const char *nettype = json_object_get_string_member_with_default (info, "nettype", NULL);

  if (nettype != NULL && *nettype != '\0')
    return nettype;
  if (info_boolean (info, "testnet", FALSE))
    return "testnet";
  if (info_boolean (info, "stagenet", FALSE))
    return "stagenet";
  return "mainnet";
}

ShoalNodeStatus *
shoal_node_status_new_from_info (JsonObject *info)
{
  ShoalNodeStatus *status = g_new0 (ShoalNodeStatus, 1);

  g_return_val_if_fail (info != NULL, status);

  status->height = info_uint64 (info, "height");
  status->target_height = info_uint64 (info, "target_height");
  status->synchronized = info_boolean (info, "synchronized", TRUE);
  status->busy_syncing = info_boolean (info, "busy_syncing", FALSE);
  status->offline = info_boolean (info, "offline", FALSE);
  status->restricted = info_boolean (info, "restricted", FALSE);
  status->network = g_strdup (info_network (info));
  status->version = g_strdup (json_object_get_string_member_with_default (info, "version", ""));
  return status;
}

ShoalNodeStatus *
shoal_node_status_copy (const ShoalNodeStatus *status)
{
  ShoalNodeStatus *copy = g_memdup2 (status, sizeof *status);

  copy->network = g_strdup (status->network);
  copy->version = g_strdup (status->version);
  return copy;
}

void
shoal_node_status_free (ShoalNodeStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->network);
  g_free (status->version);
  g_free (status);
}

gboolean
shoal_node_status_equal (const ShoalNodeStatus *a,
                         const ShoalNodeStatus *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->height == b->height && a->target_height == b->target_height &&
         a->synchronized == b->synchronized && a->busy_syncing == b->busy_syncing &&
         a->offline == b->offline && a->restricted == b->restricted &&
         g_strcmp0 (a->network, b->network) == 0 && g_strcmp0 (a->version, b->version) == 0;
}

guint
shoal_node_status_get_percent (const ShoalNodeStatus *status)
{
  guint64 target;

  g_return_val_if_fail (status != NULL, 0);

  if (status->synchronized)
    return 100;
  /* No target yet: the node has not heard from a peer. */
  if (status->target_height == 0)
    return 0;
  target = MAX (status->target_height, status->height);
  /* Never 100 while it is still syncing: that would read as done. */
  return (guint) MIN (status->height * 100 / target, 99);
}

gboolean
shoal_node_status_is_network (const ShoalNodeStatus *status,
                              const char            *network)
{
  g_return_val_if_fail (status != NULL, FALSE);

  if (g_strcmp0 (status->network, "fakechain") == 0)
    return g_strcmp0 (network, "mainnet") == 0;
  return g_strcmp0 (status->network, network) == 0;
}

gboolean
shoal_node_error_is_transport (const GError *error)
{
  return shoal_rpc_error_is_transport (error);
}

/* monerod reports some failures as a result with a status other than
 * "OK" (e.g. "BUSY" while syncing) rather than as an error object. */
static JsonObject *
checked_result (JsonObject  *object,
                GError     **error)
{
  const char *status = json_object_get_string_member_with_default (object, "status", "OK");

  if (g_strcmp0 (status, "OK") != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_RPC, "the node answered status \"%s\"", status);
      return NULL;
    }
  return object;
}

static gpointer
parse_info (JsonObject  *result,
            GError     **error)
{
  JsonObject *object = checked_result (result, error);
  guint64 height;

  if (object == NULL ||
      !shoal_json_get_uint64 (object, "height", &height, error) ||
      shoal_json_get_string (object, "top_block_hash", error) == NULL)
    return NULL;
  return json_object_ref (object);
}

static gpointer
parse_template (JsonObject  *result,
                GError     **error)
{
  JsonObject *object = checked_result (result, error);
  guint64 value;

  if (object == NULL ||
      shoal_json_get_string (object, "blocktemplate_blob", error) == NULL ||
      shoal_json_get_string (object, "blockhashing_blob", error) == NULL ||
      shoal_json_get_string (object, "seed_hash", error) == NULL ||
      shoal_json_get_string (object, "prev_hash", error) == NULL ||
      !shoal_json_get_uint64 (object, "height", &value, error) ||
      !shoal_json_get_uint64 (object, "reserved_offset", &value, error) ||
      !shoal_json_get_uint64 (object, "expected_reward", &value, error))
    return NULL;
  return json_object_ref (object);
}

static gpointer
parse_submit (JsonObject  *result,
              GError     **error)
{
  /* Any non-NULL pointer: the task carries a boolean. */
  return checked_result (result, error) ? GINT_TO_POINTER (1) : NULL;
}

static gpointer
parse_header (JsonObject  *result,
              GError     **error)
{
  JsonObject *object = checked_result (result, error);
  JsonNode *member;

  if (object == NULL)
    return NULL;
  member = json_object_get_member (object, "block_header");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "the answer has no block_header");
      return NULL;
    }
  return shoal_block_header_new_from_json (json_node_get_object (member), error);
}

static gpointer
parse_count (JsonObject  *result,
             GError     **error)
{
  JsonObject *object = checked_result (result, error);
  guint64 count;

  if (object == NULL || !shoal_json_get_uint64 (object, "count", &count, error))
    return NULL;
  return g_memdup2 (&count, sizeof count);
}

/* The answers of the other endpoints, read by their callers. */
static gpointer
parse_object (JsonObject  *result,
              GError     **error)
{
  JsonObject *object = checked_result (result, error);

  return object ? json_object_ref (object) : NULL;
}

static void
shoal_node_client_finalize (GObject *object)
{
  ShoalNodeClient *self = SHOAL_NODE_CLIENT (object);

  g_clear_object (&self->rpc);
  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->password, g_free);
  G_OBJECT_CLASS (shoal_node_client_parent_class)->finalize (object);
}

static void
shoal_node_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ShoalNodeClient *self = SHOAL_NODE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_client_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ShoalNodeClient *self = SHOAL_NODE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      shoal_node_client_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_RETRIES:
      shoal_node_client_set_retries (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_client_class_init (ShoalNodeClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_node_client_finalize;
  object_class->get_property = shoal_node_client_get_property;
  object_class->set_property = shoal_node_client_set_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, DEFAULT_TIMEOUT_S,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, 20, DEFAULT_RETRIES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_node_client_init (ShoalNodeClient *self)
{
  self->timeout = DEFAULT_TIMEOUT_S;
  self->retries = DEFAULT_RETRIES;
}

ShoalNodeClient *
shoal_node_client_new (const char *uri,
                       const char *username,
                       const char *password)
{
  ShoalNodeClient *self;

  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_NODE_CLIENT, NULL);
  self->rpc = shoal_rpc_client_new (uri, username, password);
  self->uri = g_strdup (shoal_rpc_client_get_base_uri (self->rpc));
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  shoal_rpc_client_set_timeout (self->rpc, self->timeout);
  return self;
}

ShoalNodeClient *
shoal_node_client_dup (ShoalNodeClient *self)
{
  ShoalNodeClient *copy;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);

  copy = shoal_node_client_new (self->uri, self->username, self->password);
  shoal_node_client_set_timeout (copy, self->timeout);
  shoal_node_client_set_retries (copy, self->retries);
  return copy;
}

const char *
shoal_node_client_get_uri (ShoalNodeClient *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);
  return self->uri;
}

guint
shoal_node_client_get_timeout (ShoalNodeClient *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), 0);
  return self->timeout;
}

void
shoal_node_client_set_timeout (ShoalNodeClient *self,
                               guint            seconds)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));

  seconds = MAX (seconds, 1);
  if (self->timeout == seconds)
    return;
  self->timeout = seconds;
  if (self->rpc != NULL)
    shoal_rpc_client_set_timeout (self->rpc, seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
shoal_node_client_get_retries (ShoalNodeClient *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), 0);
  return self->retries;
}

void
shoal_node_client_set_retries (ShoalNodeClient *self,
                               guint            retries)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));

  if (self->retries == retries)
    return;
  self->retries = retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRIES]);
}

/* The generic call: retried on transport errors only, as many times as
 * RETRIES says (the "retries" property, or 0 where a retry would do harm). */

static void
node_call_async (ShoalNodeClient     *self,
                 const char          *method,
                 JsonNode            *params,
                 ShoalRpcParser       parse,
                 GDestroyNotify       free_result,
                 guint                retries,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  ShoalRpcCall call = { method, parse, free_result, retries };

  shoal_rpc_call_async (self->rpc, &call, params, self, source_tag, cancellable, callback,
                        user_data);
}

/* A METHOD starting with '/' is one of monerod's other endpoints. */
static gpointer
node_call_sync (ShoalNodeClient  *self,
                const char       *method,
                JsonNode         *params,
                ShoalRpcParser    parse,
                guint             retries,
                GCancellable     *cancellable,
                GError          **error)
{
  ShoalRpcCall call = { method, parse, NULL, retries };

  return shoal_rpc_call_sync (self->rpc, &call, params, cancellable, error);
}

static gpointer
node_call_finish (ShoalNodeClient  *self,
                  GAsyncResult     *result,
                  gpointer          source_tag,
                  GError          **error)
{
  return shoal_rpc_call_finish (self, result, source_tag, error);
}

/* get_info */

void
shoal_node_client_get_info_async (ShoalNodeClient     *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));
  node_call_async (self, "get_info", NULL, parse_info, (GDestroyNotify) json_object_unref, 0,
                   shoal_node_client_get_info_async, cancellable, callback, user_data);
}

JsonObject *
shoal_node_client_get_info_finish (ShoalNodeClient  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  return node_call_finish (self, result, shoal_node_client_get_info_async, error);
}

JsonObject *
shoal_node_client_get_info_sync (ShoalNodeClient  *self,
                                 GCancellable     *cancellable,
                                 GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);
  return node_call_sync (self, "get_info", NULL, parse_info, 0, cancellable, error);
}

/* get_block_template */

static JsonNode *
template_params (const char *wallet_address,
                 guint       reserve_size,
                 const char *prev_block)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "wallet_address", wallet_address);
  json_object_set_int_member (object, "reserve_size", reserve_size);
  if (prev_block != NULL)
    json_object_set_string_member (object, "prev_block", prev_block);
  json_node_take_object (node, object);
  return node;
}

void
shoal_node_client_get_block_template_async (ShoalNodeClient     *self,
                                            const char          *wallet_address,
                                            guint                reserve_size,
                                            const char          *prev_block,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));
  g_return_if_fail (wallet_address != NULL);

  node_call_async (self, "get_block_template",
                   template_params (wallet_address, reserve_size, prev_block),
                   parse_template, (GDestroyNotify) json_object_unref, self->retries,
                   shoal_node_client_get_block_template_async, cancellable, callback, user_data);
}

JsonObject *
shoal_node_client_get_block_template_finish (ShoalNodeClient  *self,
                                             GAsyncResult     *result,
                                             GError          **error)
{
  return node_call_finish (self, result, shoal_node_client_get_block_template_async, error);
}

JsonObject *
shoal_node_client_get_block_template_sync (ShoalNodeClient  *self,
                                           const char       *wallet_address,
                                           guint             reserve_size,
                                           const char       *prev_block,
                                           GCancellable     *cancellable,
                                           GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);
  g_return_val_if_fail (wallet_address != NULL, NULL);

  return node_call_sync (self, "get_block_template",
                         template_params (wallet_address, reserve_size, prev_block),
                         parse_template, self->retries, cancellable, error);
}

/* submit_block */

static JsonNode *
submit_params (GBytes *block_blob)
{
  static const char digits[] = "0123456789abcdef";
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (block_blob, &len);
  g_autofree char *hex = g_malloc (len * 2 + 1);
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xf];
    }
  hex[len * 2] = '\0';
  json_array_add_string_element (array, hex);
  json_node_take_array (node, array);
  return node;
}

void
shoal_node_client_submit_block_async (ShoalNodeClient     *self,
                                      GBytes              *block_blob,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));
  g_return_if_fail (block_blob != NULL);

  node_call_async (self, "submit_block", submit_params (block_blob), parse_submit, NULL,
                   self->retries, shoal_node_client_submit_block_async, cancellable, callback,
                   user_data);
}

gboolean
shoal_node_client_submit_block_finish (ShoalNodeClient  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  return node_call_finish (self, result, shoal_node_client_submit_block_async, error) != NULL;
}

gboolean
shoal_node_client_submit_block_sync (ShoalNodeClient  *self,
                                     GBytes           *block_blob,
                                     GCancellable     *cancellable,
                                     GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), FALSE);
  g_return_val_if_fail (block_blob != NULL, FALSE);

  return node_call_sync (self, "submit_block", submit_params (block_blob), parse_submit,
                         self->retries, cancellable, error) != NULL;
}

/* get_block_header_by_hash, _by_height, get_last_block_header */

static JsonNode *
header_params (const char *hash,
               guint64     height)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (hash != NULL)
    json_object_set_string_member (object, "hash", hash);
  else
    json_object_set_int_member (object, "height", (gint64) height);
  json_node_take_object (node, object);
  return node;
}

void
shoal_node_client_get_block_header_by_hash_async (ShoalNodeClient     *self,
                                                  const char          *hash,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));
  g_return_if_fail (hash != NULL);

  node_call_async (self, "get_block_header_by_hash", header_params (hash, 0), parse_header,
                   (GDestroyNotify) shoal_block_header_free, self->retries,
                   shoal_node_client_get_block_header_finish, cancellable, callback, user_data);
}

ShoalBlockHeader *
shoal_node_client_get_block_header_by_hash_sync (ShoalNodeClient  *self,
                                                 const char       *hash,
                                                 GCancellable     *cancellable,
                                                 GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  return node_call_sync (self, "get_block_header_by_hash", header_params (hash, 0),
                         parse_header, self->retries, cancellable, error);
}

void
shoal_node_client_get_block_header_by_height_async (ShoalNodeClient     *self,
                                                    guint64              height,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));

  node_call_async (self, "get_block_header_by_height", header_params (NULL, height),
                   parse_header, (GDestroyNotify) shoal_block_header_free, self->retries,
                   shoal_node_client_get_block_header_finish, cancellable, callback, user_data);
}

ShoalBlockHeader *
shoal_node_client_get_block_header_by_height_sync (ShoalNodeClient  *self,
                                                   guint64           height,
                                                   GCancellable     *cancellable,
                                                   GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);

  return node_call_sync (self, "get_block_header_by_height", header_params (NULL, height),
                         parse_header, self->retries, cancellable, error);
}

void
shoal_node_client_get_last_block_header_async (ShoalNodeClient     *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_NODE_CLIENT (self));

  node_call_async (self, "get_last_block_header", NULL, parse_header,
                   (GDestroyNotify) shoal_block_header_free, self->retries,
                   shoal_node_client_get_block_header_finish, cancellable, callback, user_data);
}

ShoalBlockHeader *
shoal_node_client_get_last_block_header_sync (ShoalNodeClient  *self,
                                              GCancellable     *cancellable,
                                              GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), NULL);

  return node_call_sync (self, "get_last_block_header", NULL, parse_header, self->retries,
                         cancellable, error);
}

ShoalBlockHeader *
shoal_node_client_get_block_header_finish (ShoalNodeClient  *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  return node_call_finish (self, result, shoal_node_client_get_block_header_finish, error);
}

/* get_block_count */

gboolean
shoal_node_client_get_block_count_sync (ShoalNodeClient  *self,
                                        guint64          *count,
                                        GCancellable     *cancellable,
                                        GError          **error)
{
  g_autofree guint64 *parsed = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), FALSE);
  g_return_val_if_fail (count != NULL, FALSE);

  parsed = node_call_sync (self, "get_block_count", NULL, parse_count, self->retries, cancellable,
                           error);
  if (parsed == NULL)
    return FALSE;
  *count = *parsed;
  return TRUE;
}

/* /get_transactions: the node answers a transaction it holds in "txs"
 * (with in_pool) and lists the others in "missed_tx". */

static JsonNode *
string_list_params (const char         *member,
                    const char * const *values)
{
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; values[i] != NULL; i++)
    json_array_add_string_element (array, values[i]);
  json_object_set_array_member (object, member, array);
  json_node_take_object (node, object);
  return node;
}

static ShoalTxWhere
where_in (JsonObject *answer,
          const char *txid)
{
  JsonNode *txs = json_object_get_member (answer, "txs");
  ShoalTxWhere where = SHOAL_TX_MISSING;

  if (txs == NULL || !JSON_NODE_HOLDS_ARRAY (txs))
    return where;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (txs)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (txs), i);
      JsonObject *tx;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      tx = json_node_get_object (item);
      if (g_ascii_strcasecmp (json_object_get_string_member_with_default (tx, "tx_hash", ""),
                              txid) == 0)
        where = json_object_get_boolean_member_with_default (tx, "in_pool", FALSE)
                ? SHOAL_TX_IN_POOL : SHOAL_TX_IN_CHAIN;
    }
  return where;
}

gboolean
shoal_node_client_find_transaction_sync (ShoalNodeClient  *self,
                                         const char       *txid,
                                         ShoalTxWhere     *where,
                                         GCancellable     *cancellable,
                                         GError          **error)
{
  const char *txids[] = { txid, NULL };
  g_autoptr(JsonObject) answer = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), FALSE);
  g_return_val_if_fail (txid != NULL && where != NULL, FALSE);

  answer = node_call_sync (self, "/get_transactions", string_list_params ("txs_hashes", txids),
                           parse_object, self->retries, cancellable, error);
  if (answer == NULL)
    return FALSE;
  *where = where_in (answer, txid);
  return TRUE;
}

/* /is_key_image_spent: one status per key image, 0 unspent, 1 spent on
 * chain, 2 spent by a transaction in the pool. */
static gboolean
worst_spent_state (JsonObject           *answer,
                   guint                 n,
                   ShoalKeyImagesState  *state,
                   GError              **error)
{
  JsonNode *node = json_object_get_member (answer, "spent_status");
  JsonArray *statuses;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (statuses = json_node_get_array (node)) != n)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "/is_key_image_spent: one status per key image expected");
      return FALSE;
    }
  *state = SHOAL_KEY_IMAGES_UNSPENT;
  for (guint i = 0; i < n; i++)
    {
      gint64 status = json_array_get_int_element (statuses, i);

      if (status == 1)
        *state = SHOAL_KEY_IMAGES_SPENT_ON_CHAIN;
      else if (status == 2 && *state == SHOAL_KEY_IMAGES_UNSPENT)
        *state = SHOAL_KEY_IMAGES_SPENT_IN_POOL;
    }
  return TRUE;
}

gboolean
shoal_node_client_key_images_spent_sync (ShoalNodeClient      *self,
                                         const char * const   *key_images,
                                         ShoalKeyImagesState  *state,
                                         GCancellable         *cancellable,
                                         GError              **error)
{
  g_autoptr(JsonObject) answer = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (self), FALSE);
  g_return_val_if_fail (key_images != NULL && state != NULL, FALSE);

  answer = node_call_sync (self, "/is_key_image_spent", string_list_params ("key_images", key_images),
                           parse_object, self->retries, cancellable, error);
  return answer != NULL &&
         worst_spent_state (answer, g_strv_length ((char **) key_images), state, error);
}
