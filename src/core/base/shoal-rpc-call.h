/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-rpc-client.h"

G_BEGIN_DECLS

/* One typed JSON-RPC call, the way ShoalNodeClient and ShoalWalletClient
 * make every call: the answer's "result" object is turned into what the
 * caller gets by a parser, a parse failure names the method, and
 * transport failures (node unreachable, timed out) are retried with
 * backoff when the call allows it. */

/* Returns what the caller gets (NULL with ERROR set when RESULT is not
 * what was asked for). */
typedef gpointer (*ShoalRpcParser) (JsonObject  *result,
                                    GError     **error);

typedef struct
{
  const char     *method;       /* "/name": another monerod endpoint (blocking calls only) */
  ShoalRpcParser  parse;
  GDestroyNotify  free_result;  /* for a result nobody finished */
  guint           retries;      /* after a transport failure */
} ShoalRpcCall;

/* TRUE for failures worth retrying: the daemon was unreachable or slow. */
gboolean shoal_rpc_error_is_transport (const GError        *error);

/* Takes PARAMS (may be NULL).  The task's source object is SOURCE_OBJECT
 * and its source tag SOURCE_TAG; finish with shoal_rpc_call_finish(). */
void     shoal_rpc_call_async         (ShoalRpcClient      *rpc,
                                       const ShoalRpcCall  *call,
                                       JsonNode            *params,
                                       gpointer             source_object,
                                       gpointer             source_tag,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gpointer shoal_rpc_call_finish        (gpointer             source_object,
                                       GAsyncResult        *result,
                                       gpointer             source_tag,
                                       GError             **error);
/* The same, blocking: for tests, tools and worker threads.  Takes PARAMS. */
gpointer shoal_rpc_call_sync          (ShoalRpcClient      *rpc,
                                       const ShoalRpcCall  *call,
                                       JsonNode            *params,
                                       GCancellable        *cancellable,
                                       GError             **error);

G_END_DECLS
