/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-rpc-call.h"

#define FIRST_BACKOFF_MS 200
#define MAX_BACKOFF_MS   2000

/* A call in flight, the task data of its GTask. */
typedef struct
{
  ShoalRpcClient *rpc;
  ShoalRpcCall    call;
  char           *method;       /* call.method points here */
  JsonNode       *params;
  guint           retries_left;
  guint           backoff_ms;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->rpc);
  g_free (pending->method);
  g_clear_pointer (&pending->params, json_node_unref);
  g_free (pending);
}

gboolean
shoal_rpc_error_is_transport (const GError *error)
{
  return g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE) ||
         g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT);
}

static gpointer
parse_answer (const ShoalRpcCall  *call,
              JsonNode            *answer,
              GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gpointer parsed = call->parse (json_node_get_object (answer), &local_error);

  if (parsed == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s", call->method,
                 local_error->message);
  return parsed;
}

static guint
next_backoff (guint backoff_ms)
{
  return MIN (backoff_ms * 2, MAX_BACKOFF_MS);
}

/* Asynchronous */

static void send_call (GTask *task);

static gboolean
on_retry_due (gpointer user_data)
{
  send_call (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GTask *task)
{
  Pending *pending = g_task_get_task_data (task);
  g_autoptr(GSource) source = g_timeout_source_new (pending->backoff_ms);

  pending->retries_left--;
  pending->backoff_ms = next_backoff (pending->backoff_ms);
  g_source_set_callback (source, on_retry_due, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[shoal] rpc retry");
  g_source_attach (source, g_task_get_context (task));
}

static gboolean
should_retry (GTask        *task,
              const GError *error)
{
  Pending *pending = g_task_get_task_data (task);

  return shoal_rpc_error_is_transport (error) && pending->retries_left > 0
         && !g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Pending *pending = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result,
                                                             &error);
  gpointer parsed;

  if (answer == NULL && should_retry (task, error))
    {
      g_debug ("%s failed, retrying in %u ms: %s", pending->method, pending->backoff_ms,
               error->message);
      schedule_retry (task);
      return;
    }
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  parsed = parse_answer (&pending->call, answer, &error);
  if (parsed == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, parsed, pending->call.free_result);
}

static void
send_call (GTask *task)
{
  Pending *pending = g_task_get_task_data (task);

  shoal_rpc_client_call_async (pending->rpc, pending->method, pending->params,
                               g_task_get_cancellable (task), on_answer, g_object_ref (task));
}

void
shoal_rpc_call_async (ShoalRpcClient      *rpc,
                      const ShoalRpcCall  *call,
                      JsonNode            *params,
                      gpointer             source_object,
                      gpointer             source_tag,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, cancellable, callback, user_data);
  Pending *pending = g_new0 (Pending, 1);

  g_return_if_fail (call->method[0] != '/');
  pending->rpc = g_object_ref (rpc);
  pending->call = *call;
  pending->method = g_strdup (call->method);
  pending->call.method = pending->method;
  pending->params = params;
  pending->retries_left = call->retries;
  pending->backoff_ms = FIRST_BACKOFF_MS;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, pending, (GDestroyNotify) pending_free);
  send_call (task);
}

gpointer
shoal_rpc_call_finish (gpointer       source_object,
                       GAsyncResult  *result,
                       gpointer       source_tag,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source_object), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Blocking */

static JsonNode *
send_sync (ShoalRpcClient      *rpc,
           const ShoalRpcCall  *call,
           JsonNode            *params,
           GCancellable        *cancellable,
           GError             **error)
{
  if (call->method[0] == '/')
    return shoal_rpc_client_post_sync (rpc, call->method, params, cancellable, error);
  return shoal_rpc_client_call_sync (rpc, call->method, params, cancellable, error);
}

gpointer
shoal_rpc_call_sync (ShoalRpcClient      *rpc,
                     const ShoalRpcCall  *call,
                     JsonNode            *params_owned,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(JsonNode) params = params_owned;
  guint retries_left = call->retries;
  guint backoff_ms = FIRST_BACKOFF_MS;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) answer = send_sync (rpc, call, params, cancellable, &local_error);

      if (answer != NULL)
        return parse_answer (call, answer, error);
      if (!shoal_rpc_error_is_transport (local_error) || retries_left == 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      retries_left--;
      g_usleep (backoff_ms * 1000);
      backoff_ms = next_backoff (backoff_ms);
    }
}
