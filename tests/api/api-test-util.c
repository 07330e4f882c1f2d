/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-test-util.h"

void
api_reply_free (ApiReply *reply)
{
  g_clear_pointer (&reply->headers, g_hash_table_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

static gboolean
parse_head (ApiReply   *reply,
            const char *head)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);

  if (lines[0] == NULL || sscanf (lines[0], "HTTP/1.%*d %u", &reply->status) != 1)
    return FALSE;
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        return FALSE;
      g_hash_table_replace (reply->headers,
                            g_ascii_strdown (lines[i], colon - lines[i]),
                            g_strstrip (g_strdup (colon + 1)));
    }
  return TRUE;
}

/* NULL while RAW does not yet hold a whole response. */
ApiReply *
api_reply_parse (const char *raw,
                 gsize       len,
                 gboolean    head,
                 gsize      *consumed)
{
  g_autoptr(ApiReply) reply = g_new0 (ApiReply, 1);
  const char *end = raw != NULL ? g_strstr_len (raw, len, "\r\n\r\n") : NULL;
  g_autofree char *head_text = NULL;
  const char *length_header;
  gsize body_len;

  if (raw == NULL || end == NULL)
    return NULL;
  reply->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  head_text = g_strndup (raw, end - raw);
  g_assert_true (parse_head (reply, head_text));
  length_header = g_hash_table_lookup (reply->headers, "content-length");
  end += 4;
  if (head)
    body_len = 0;
  else if (length_header != NULL)
    body_len = strtoull (length_header, NULL, 10);
  else
    body_len = len - (end - raw);
  if ((gsize) (end - raw) + body_len > len)
    return NULL;
  reply->body = g_bytes_new (end, body_len);
  if (consumed != NULL)
    *consumed = (end - raw) + body_len;
  return g_steal_pointer (&reply);
}

const char *
api_reply_header (ApiReply   *reply,
                  const char *name)
{
  return g_hash_table_lookup (reply->headers, name);
}

char *
api_reply_text (ApiReply *reply)
{
  return g_strndup (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body));
}

JsonObject *
api_reply_json (ApiReply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_cmpstr (api_reply_header (reply, "content-type"), ==, "application/json");
  json_parser_load_from_data (parser, g_bytes_get_data (reply->body, NULL),
                              g_bytes_get_size (reply->body), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

ApiReply *
api_send_raw (guint       port,
              const char *request,
              gsize       len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) received = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  gboolean head = g_str_has_prefix (request, "HEAD ");
  ApiReply *reply;
  guint8 chunk[4096];
  gssize n;

  g_socket_client_set_timeout (client, 20);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, len, NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  /* Read to EOF, or stop at a whole reply: a kept-alive connection has no EOF. */
  while ((n = g_input_stream_read (in, chunk, sizeof chunk, NULL, &error)) > 0)
    {
      g_byte_array_append (received, chunk, n);
      reply = api_reply_parse ((char *) received->data, received->len, head, NULL);
      if (reply != NULL)
        return reply;
    }
  g_assert_no_error (error);
  reply = api_reply_parse ((char *) received->data, received->len, head, NULL);
  g_assert_nonnull (reply);
  return reply;
}

ApiReply *
api_request (guint       port,
             const char *method,
             const char *path)
{
  g_autofree char *request = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "Connection: close\r\n\r\n",
                                              method, path, port);
  return api_send_raw (port, request, strlen (request));
}

JsonObject *
api_get_json (guint       port,
              const char *path,
              guint       expected_status)
{
  g_autoptr(ApiReply) reply = api_request (port, "GET", path);

  if (reply->status != expected_status)
    {
      g_autofree char *text = api_reply_text (reply);
      g_test_message ("GET %s: %u %s", path, reply->status, text);
    }
  g_assert_cmpuint (reply->status, ==, expected_status);
  return api_reply_json (reply);
}

const char *
api_assert_error (JsonObject *object,
                  guint       code)
{
  JsonObject *error;

  g_assert_true (json_object_has_member (object, "error"));
  error = json_object_get_object_member (object, "error");
  g_assert_nonnull (error);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
  return json_object_get_string_member (error, "message");
}

guint
api_open_descriptors (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

ShoalApiServer *
api_test_server_start (ShoalPool     *pool,
                       ShoalApiFeed **feed)
{
  g_autoptr(ShoalApiServer) server = shoal_api_server_new ();
  g_autoptr(GError) error = NULL;

  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, NULL);
  *feed = shoal_api_feed_new (pool, server);
  g_assert_true (shoal_api_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_api_server_get_port (server), >, 0);
  return g_steal_pointer (&server);
}
