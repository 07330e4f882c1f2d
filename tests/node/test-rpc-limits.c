/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-rpc-client.h"

/* What a hostile node (a remote node over plain HTTP, or anything in
 * between) can answer: JSON nested a million deep, an answer that never
 * ends, a length no one should buffer.  Each gives a clear error, and the
 * process lives.  The fake node is a raw socket on loopback, because a
 * real monerod does not answer like that. */

#define NESTING (1024 * 1024)

typedef enum { ANSWER_NESTED, ANSWER_ENDLESS, ANSWER_DECLARED_HUGE } AnswerKind;

typedef struct
{
  GSocketListener *listener;
  AnswerKind       kind;
  guint            connections;   /* to serve, then the thread ends */
  gint             done;          /* atomic */
} FakeNode;

/* Reads the request: headers, then as many body bytes as declared. */
static void
read_request (GInputStream *in)
{
  g_autoptr(GString) head = g_string_new (NULL);
  const char *length;
  gsize body = 0;
  char c;

  while (!g_str_has_suffix (head->str, "\r\n\r\n")
         && g_input_stream_read (in, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);
  length = strstr (head->str, "Content-Length: ");
  if (length == NULL)
    length = strstr (head->str, "content-length: ");
  if (length != NULL)
    body = g_ascii_strtoull (length + 16, NULL, 10);
  for (gsize i = 0; i < body && g_input_stream_read (in, &c, 1, NULL, NULL) == 1; i++)
    ;
}

static void
answer (GOutputStream *out,
        AnswerKind     kind)
{
  g_autofree char *chunk = g_malloc (65536);
  g_autofree char *header = NULL;
  const char *start = "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"result\":";

  switch (kind)
    {
    case ANSWER_NESTED:
      header = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                strlen (start) + NESTING, start);
      g_output_stream_write_all (out, header, strlen (header), NULL, NULL, NULL);
      memset (chunk, '[', 65536);
      for (guint i = 0; i < NESTING / 65536; i++)
        g_output_stream_write_all (out, chunk, 65536, NULL, NULL, NULL);
      break;
    case ANSWER_ENDLESS:
      header = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\n\r\n%s\"", start);
      g_output_stream_write_all (out, header, strlen (header), NULL, NULL, NULL);
      memset (chunk, 'a', 65536);
      /* Until the client hangs up (or 256 MB, so that a broken client
       * fails the test instead of hanging it). */
      for (guint i = 0; i < 4096; i++)
        if (!g_output_stream_write_all (out, chunk, 65536, NULL, NULL, NULL))
          break;
      break;
    case ANSWER_DECLARED_HUGE:
      header = g_strdup ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: 1000000000\r\nConnection: close\r\n\r\n{");
      g_output_stream_write_all (out, header, strlen (header), NULL, NULL, NULL);
      break;
    }
}

static gpointer
serve (gpointer data)
{
  FakeNode *node = data;

  for (guint i = 0; i < node->connections; i++)
    {
      g_autoptr(GSocketConnection) connection = g_socket_listener_accept (node->listener, NULL,
                                                                          NULL, NULL);

      if (connection == NULL)
        break;
      read_request (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
      answer (g_io_stream_get_output_stream (G_IO_STREAM (connection)), node->kind);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  g_atomic_int_set (&node->done, 1);
  return NULL;
}

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;
  JsonNode *node = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, error);

  g_assert_null (node);
  g_assert_nonnull (*error);
}

/* Both ways of calling, each on a fresh connection. */
static void
assert_refused (AnswerKind  kind,
                int         code,
                const char *words)
{
  FakeNode node = { g_socket_listener_new (), kind, 2, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) async_error = NULL;
  g_autoptr(ShoalRpcClient) rpc = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *uri = NULL;
  GThread *thread;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (node.listener, NULL, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("fake-node", serve, &node);
  uri = g_strdup_printf ("http://127.0.0.1:%u", port);
  rpc = shoal_rpc_client_new (uri, NULL, NULL);
  result = shoal_rpc_client_call_sync (rpc, "get_info", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, SHOAL_ERROR, code);
  g_test_message ("sync: %s", error->message);
  g_assert_nonnull (strstr (error->message, words));
  shoal_rpc_client_call_async (rpc, "get_info", NULL, NULL, on_called, &async_error);
  while (async_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (async_error, SHOAL_ERROR, code);
  g_test_message ("async: %s", async_error->message);
  g_assert_nonnull (strstr (async_error->message, words));
  /* The client hangs up on an answer it stopped reading (libsoup closes
   * the connection from the main loop): the endless answer ends. */
  while (!g_atomic_int_get (&node.done))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_thread_join (thread);
  g_socket_listener_close (node.listener);
  g_object_unref (node.listener);
}

static void
test_nested (void)
{
  assert_refused (ANSWER_NESTED, SHOAL_ERROR_MALFORMED, "nested deeper than");
}

static void
test_endless (void)
{
  assert_refused (ANSWER_ENDLESS, SHOAL_ERROR_TOO_LARGE, "larger than");
}

static void
test_declared_huge (void)
{
  assert_refused (ANSWER_DECLARED_HUGE, SHOAL_ERROR_TOO_LARGE, "larger than");
}

static void
test_depth_check (void)
{
  static const char *fine[] = {
    "{\"a\":[1,{\"b\":[]}]}", "\"[[[[[[[[\"", "{\"s\":\"\\\"[[[[[[\"}", "[]]]]]]", "",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (fine); i++)
    g_assert_true (shoal_json_check_depth (fine[i], strlen (fine[i]), 4, NULL));
  g_assert_false (shoal_json_check_depth ("[[[[[", 5, 4, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_assert_true (shoal_json_check_depth ("[[[[]]]]", 8, 4, NULL));
  g_assert_false (shoal_json_check_depth ("{\"a\":{\"b\":[{[]}]}}", 18, 4, NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rpc/limits/depth-check", test_depth_check);
  g_test_add_func ("/rpc/limits/nested-answer", test_nested);
  g_test_add_func ("/rpc/limits/endless-answer", test_endless);
  g_test_add_func ("/rpc/limits/declared-huge", test_declared_huge);
  return g_test_run ();
}
