/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Errors carried inside a JSON-RPC answer: the code is the one monerod or
 * monero-wallet-rpc sent (e.g. -7 "Block not accepted", -37 "not enough
 * unlocked money"), the message is theirs, prefixed with the method. */
#define SHOAL_RPC_ERROR (shoal_rpc_error_quark ())
GQuark shoal_rpc_error_quark (void);

#define SHOAL_TYPE_RPC_CLIENT (shoal_rpc_client_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRpcClient, shoal_rpc_client, SHOAL, RPC_CLIENT, GObject)

ShoalRpcClient *shoal_rpc_client_new         (const char           *base_uri,
                                              const char           *username,
                                              const char           *password);
const char     *shoal_rpc_client_get_base_uri (ShoalRpcClient       *self);
void            shoal_rpc_client_set_timeout (ShoalRpcClient       *self,
                                              guint                 seconds);
void            shoal_rpc_client_call_async  (ShoalRpcClient       *self,
                                              const char           *method,
                                              JsonNode             *params,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonNode       *shoal_rpc_client_call_finish (ShoalRpcClient       *self,
                                              GAsyncResult         *result,
                                              GError              **error);
JsonNode       *shoal_rpc_client_call_sync   (ShoalRpcClient       *self,
                                              const char           *method,
                                              JsonNode             *params,
                                              GCancellable         *cancellable,
                                              GError              **error);
JsonNode       *shoal_rpc_client_post_sync   (ShoalRpcClient       *self,
                                              const char           *path,
                                              JsonNode             *params,
                                              GCancellable         *cancellable,
                                              GError              **error);

/* Small helpers for reading answers without asserting on peer data. */
gboolean        shoal_json_get_uint64        (JsonObject           *object,
                                              const char           *member,
                                              guint64              *out,
                                              GError              **error);
const char     *shoal_json_get_string        (JsonObject           *object,
                                              const char           *member,
                                              GError              **error);

/* json-glib parses by recursion with no depth limit: deep enough nesting
 * ("[[[[..." a few hundred KB long) overflows the stack.  FALSE, with a
 * SHOAL_ERROR_MALFORMED error, when DATA nests arrays and objects deeper
 * than MAX_DEPTH; check before handing untrusted text to a JsonParser. */
gboolean        shoal_json_check_depth       (const char           *data,
                                              gsize                 len,
                                              guint                 max_depth,
                                              GError              **error);

G_END_DECLS
