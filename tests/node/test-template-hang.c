/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-block-template.h"
#include "shoal-job-manager.h"
#include "shoal-test-harness.h"
#include "node-test-util.h"

/* A template request that hangs is given up and asked again, while the
 * node otherwise answers.  monerod cannot hang one call on demand, so a
 * forwarding proxy between the job manager and the real monerod swallows
 * one get_block_template (and answers everything else through); the new
 * template itself is judged against monerod's tip. */

static ShoalPlayground *pg;

typedef struct
{
  GSocketService *service;
  guint16         port;
  gint            hang_next;       /* atomic: get_block_template calls to swallow */
  gint            templates_seen;  /* atomic */
  gint            swallowed;       /* atomic */
} Proxy;

/* One HTTP/1.1 message with a Content-Length (monerod's and libsoup's). */
static GBytes *
read_message (GDataInputStream *in)
{
  GString *text = g_string_new (NULL);
  gsize length = 0;

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (line == NULL)
        {
          g_string_free (text, TRUE);
          return NULL;
        }
      g_strchomp (line);
      g_string_append_printf (text, "%s\r\n", line);
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (line + 15, NULL, 10);
      if (*line == '\0')
        break;
    }
  if (length > 0)
    {
      gsize start = text->len;

      g_string_set_size (text, start + length);
      if (!g_input_stream_read_all (G_INPUT_STREAM (in), text->str + start, length, NULL, NULL,
                                    NULL))
        {
          g_string_free (text, TRUE);
          return NULL;
        }
    }
  return g_string_free_to_bytes (text);
}

static gboolean
should_swallow (Proxy  *proxy,
                GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  g_autofree char *text = g_strndup (data, len);

  if (strstr (text, "get_block_template") == NULL)
    return FALSE;
  g_atomic_int_inc (&proxy->templates_seen);
  if (g_atomic_int_get (&proxy->hang_next) <= 0)
    return FALSE;
  g_atomic_int_add (&proxy->hang_next, -1);
  g_atomic_int_inc (&proxy->swallowed);
  return TRUE;
}

static gboolean
on_run (GThreadedSocketService *service,
        GSocketConnection      *client,
        GObject                *source,
        Proxy                  *proxy)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) node = NULL;
  g_autoptr(GDataInputStream) from_client = NULL;
  g_autoptr(GDataInputStream) from_node = NULL;
  GOutputStream *to_client = g_io_stream_get_output_stream (G_IO_STREAM (client));
  GOutputStream *to_node;

  node = g_socket_client_connect_to_uri (connector, shoal_playground_get_node_uri (pg), 0,
                                         NULL, NULL);
  if (node == NULL)
    return TRUE;
  to_node = g_io_stream_get_output_stream (G_IO_STREAM (node));
  from_client = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (client)));
  from_node = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (node)));
  for (;;)
    {
      g_autoptr(GBytes) request = read_message (from_client);
      g_autoptr(GBytes) answer = NULL;

      if (request == NULL)
        return TRUE;
      if (should_swallow (proxy, request))
        {
          /* Hung: read nothing more, answer nothing, until the client gives up. */
          g_autoptr(GBytes) rest = read_message (from_client);
          return TRUE;
        }
      if (!g_output_stream_write_all (to_node, g_bytes_get_data (request, NULL),
                                      g_bytes_get_size (request), NULL, NULL, NULL) ||
          (answer = read_message (from_node)) == NULL ||
          !g_output_stream_write_all (to_client, g_bytes_get_data (answer, NULL),
                                      g_bytes_get_size (answer), NULL, NULL, NULL))
        return TRUE;
    }
}

static void
proxy_start (Proxy *proxy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  proxy->service = g_threaded_socket_service_new (16);
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (proxy->service, "run", G_CALLBACK (on_run), proxy);
  g_socket_service_start (proxy->service);
}

typedef struct
{
  ShoalJobManager *manager;
  guint64          height;
} TemplateWait;

static gboolean
template_at (gpointer data)
{
  TemplateWait *wait = data;
  ShoalBlockTemplate *template = shoal_job_manager_get_template (wait->manager);

  return template != NULL && shoal_block_template_get_height (template) >= wait->height;
}

static void
test_hung_template_request (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalNodeClient) node = NULL;
  g_autoptr(ShoalJobManager) manager = NULL;
  g_autofree char *uri = NULL;
  Proxy proxy = { 0 };
  TemplateWait wait;
  guint64 height;
  gint64 elapsed;

  proxy_start (&proxy);
  uri = g_strdup_printf ("http://127.0.0.1:%u", proxy.port);
  node = shoal_node_client_new (uri, NULL, NULL);
  manager = shoal_job_manager_new (node, shoal_playground_get_wallet (pg)->address);
  g_object_set (manager, "refresh-interval", 0, NULL);
  shoal_job_manager_start (manager);
  wait = (TemplateWait) { manager, 1 };
  g_assert_cmpint (node_test_wait_until (template_at, &wait, 30000), >=, 0);

  /* The next template request hangs; the tip moves on. */
  g_atomic_int_set (&proxy.hang_next, 1);
  g_assert_true (shoal_playground_get_height (pg, &height, &error));
  g_assert_true (shoal_playground_generate_blocks (pg, 1, NULL, &error));
  g_assert_no_error (error);
  wait.height = height + 1;
  elapsed = node_test_wait_until (template_at, &wait, 60000);
  g_test_message ("template for height %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT
                  " ms after the block, one request swallowed", wait.height, elapsed);
  g_assert_cmpint (elapsed, >=, 0);
  g_assert_cmpint (g_atomic_int_get (&proxy.swallowed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&proxy.templates_seen), >=, 3);
  g_assert_cmpstr (shoal_job_manager_get_status (manager), ==, "ok");

  shoal_job_manager_stop (manager);
  g_socket_service_stop (proxy.service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy.service));
  g_object_unref (proxy.service);
}

int
main (int argc, char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node/job-manager/hung-template-request", test_hung_template_request);
  pg = shoal_test_harness_start (1);
  result = g_test_run ();
  shoal_test_harness_stop (pg);
  return result;
}
