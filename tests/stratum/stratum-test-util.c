/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <randomx.h>
#include <string.h>
#include <sys/resource.h>

#include "shoal-hex.h"
#include "stratum-test-util.h"
#include "shoal-test-harness.h"

ShoalBlockTemplate *
stratum_test_load_template (const char *file,
                            gsize       reserved_size,
                            guint64     difficulty)
{
  g_autofree char *path = shoal_test_vectors_path (file);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  ShoalBlockTemplate *tmpl;
  JsonObject *result;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("cannot read %s: %s", path, error->message);
  result = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                          "result");
  if (difficulty != 0)
    {
      g_autofree char *wide = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", difficulty);

      json_object_set_int_member (result, "difficulty", (gint64) difficulty);
      json_object_set_int_member (result, "difficulty_top64", 0);
      json_object_set_string_member (result, "wide_difficulty", wide);
    }
  tmpl = shoal_block_template_new_from_rpc (result, reserved_size, &error);
  if (tmpl == NULL)
    g_error ("cannot parse %s: %s", path, error->message);
  return tmpl;
}

char *
stratum_test_hash (const char *blob_hex,
                   const char *seed_hex,
                   guint32     nonce)
{
  static randomx_cache *cache;
  static randomx_vm *vm;
  static char *cache_seed;
  g_autoptr(GBytes) blob = shoal_hex_decode (blob_hex, NULL);
  g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  guint8 seed[32], hash[32];

  if (g_strcmp0 (cache_seed, seed_hex) != 0)
    {
      g_assert_true (shoal_hex_decode_into (seed_hex, seed, 32, NULL));
      if (cache == NULL)
        cache = randomx_alloc_cache (randomx_get_flags ());
      randomx_init_cache (cache, seed, 32);
      g_free (cache_seed);
      cache_seed = g_strdup (seed_hex);
      if (vm == NULL)
        vm = randomx_create_vm (randomx_get_flags (), cache, NULL);
      else
        randomx_vm_set_cache (vm, cache);
    }
  bytes[39] = nonce & 0xff;
  bytes[40] = nonce >> 8 & 0xff;
  bytes[41] = nonce >> 16 & 0xff;
  bytes[42] = nonce >> 24 & 0xff;
  randomx_calculate_hash (vm, bytes, g_bytes_get_size (blob), hash);
  return shoal_hex_encode (hash, 32);
}

ShoalValidator *
stratum_test_validator (void)
{
  static ShoalValidator *validator;

  if (validator == NULL)
    validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT, 1, 0);
  return validator;
}

ShoalTemplateSource *
stratum_test_template_source (ShoalStratumServer *server)
{
  ShoalTemplateSource *source = g_object_get_data (G_OBJECT (server), "stratum-test-source");

  if (source != NULL)
    return source;
  source = shoal_template_source_new (NULL);
  g_object_set_data_full (G_OBJECT (server), "stratum-test-source", source, g_object_unref);
  shoal_stratum_server_set_job_source (server, SHOAL_JOB_SOURCE (source));
  return source;
}

void
stratum_test_set_template (ShoalStratumServer *server,
                           ShoalBlockTemplate *tmpl)
{
  shoal_template_source_set_template (stratum_test_template_source (server), tmpl);
}

ShoalStratumServer *
stratum_test_server (ShoalBlockTemplate *tmpl,
                     const char         *first_property,
                     ...)
{
  ShoalStratumServer *server = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(GError) error = NULL;
  va_list args;

  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, NULL);
  va_start (args, first_property);
  if (first_property != NULL)
    g_object_set_valist (G_OBJECT (server), first_property, args);
  va_end (args);
  if (tmpl != NULL)
    stratum_test_set_template (server, tmpl);
  if (!shoal_stratum_server_start (server, &error))
    g_error ("cannot start the stratum server: %s", error->message);
  return server;
}

StratumClient *
stratum_client_connect (guint16     port,
                        const char *source_ip)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  StratumClient *client = g_new0 (StratumClient, 1);

  client->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (source_ip != NULL)
    {
      g_autoptr(GInetAddress) src = g_inet_address_new_from_string (source_ip);
      g_autoptr(GSocketAddress) src_address = g_inet_socket_address_new (src, 0);

      g_socket_bind (client->socket, src_address, FALSE, &error);
      g_assert_no_error (error);
    }
  g_socket_connect (client->socket, address, NULL, &error);
  g_assert_no_error (error);
  client->buffer = g_string_new (NULL);
  return client;
}

void
stratum_client_free (StratumClient *client)
{
  if (client == NULL)
    return;
  g_socket_close (client->socket, NULL);
  g_object_unref (client->socket);
  g_string_free (client->buffer, TRUE);
  g_free (client);
}

void
stratum_client_send (StratumClient *client,
                     const char    *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *with_nl = g_str_has_suffix (line, "\n") ? g_strdup (line)
                                                           : g_strconcat (line, "\n", NULL);

  g_socket_send_with_blocking (client->socket, with_nl, strlen (with_nl), TRUE, NULL, &error);
  /* A server that already closed on us is a result, not a test failure. */
  if (error != NULL)
    client->eof = TRUE;
}

char *
stratum_client_expect_line (StratumClient *client)
{
  return stratum_client_read_line (client, SHOAL_TEST_PATIENCE_MS);
}

char *
stratum_client_read_line (StratumClient *client,
                          guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      char *nl = memchr (client->buffer->str, '\n', client->buffer->len);
      char chunk[4096];
      gssize n;
      gint64 left;

      if (nl != NULL)
        {
          char *line = g_strndup (client->buffer->str, nl - client->buffer->str);

          g_string_erase (client->buffer, 0, nl - client->buffer->str + 1);
          return line;
        }
      left = deadline - g_get_monotonic_time ();
      if (client->eof || left <= 0)
        return NULL;
      if (!g_socket_condition_timed_wait (client->socket, G_IO_IN, left, NULL, NULL))
        return NULL;
      n = g_socket_receive_with_blocking (client->socket, chunk, sizeof chunk, FALSE, NULL, NULL);
      if (n <= 0)
        client->eof = TRUE;
      else
        g_string_append_len (client->buffer, chunk, n);
    }
}

JsonObject *
stratum_parse_object (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (line == NULL || !json_parser_load_from_data (parser, line, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

char *
stratum_error_message (const char *reply)
{
  g_autoptr(JsonObject) object = stratum_parse_object (reply);
  JsonNode *error;

  g_assert_nonnull (object);
  error = json_object_get_member (object, "error");
  if (error == NULL || JSON_NODE_HOLDS_NULL (error))
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (error), "message"));
}

char *
stratum_client_login (StratumClient *client,
                      const char    *login,
                      const char    *rigid)
{
  g_autofree char *line = g_strdup_printf (
    "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"%s\","
    "\"pass\":\"x\",\"agent\":\"XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0\""
    "%s%s%s,\"algo\":[\"cn/1\",\"cn/2\",\"rx/0\",\"rx/wow\"]}}",
    login, rigid ? ",\"rigid\":\"" : "", rigid ? rigid : "", rigid ? "\"" : "");

  stratum_client_send (client, line);
  return stratum_client_expect_line (client);
}

JsonObject *
stratum_client_login_result (StratumClient *client,
                             const char    *login,
                             const char    *rigid)
{
  g_autofree char *reply = stratum_client_login (client, login, rigid);
  g_autoptr(JsonObject) object = stratum_parse_object (reply);
  JsonObject *result;

  g_assert_nonnull (object);
  g_assert_true (json_object_get_null_member (object, "error"));
  result = json_object_get_object_member (object, "result");
  g_assert_nonnull (result);
  return json_object_ref (result);
}

gboolean
stratum_test_wait (gboolean (*check) (gpointer data),
                   gpointer   data,
                   guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) MAX (timeout_ms, SHOAL_TEST_PATIENCE_MS) * 1000;

  while (!check (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

void
stratum_test_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

ShoalStratumStats *
stratum_test_wait_stats (ShoalStratumServer *server,
                         gboolean          (*check) (ShoalStratumStats *stats,
                                                     gpointer           data),
                         gpointer            data,
                         guint               timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) MAX (timeout_ms, SHOAL_TEST_PATIENCE_MS) * 1000;

  for (;;)
    {
      ShoalStratumStats *stats = shoal_stratum_server_get_stats (server);

      if (check (stats, data) || g_get_monotonic_time () > deadline)
        return stats;
      shoal_stratum_stats_unref (stats);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
}

char *
stratum_testminer_path (void)
{
  const char *builddir = g_getenv ("SHOAL_BUILDDIR");

  /* meson test sets it; shoal-bench started by hand uses its own build. */
  return g_build_filename (builddir != NULL ? builddir : SHOAL_BUILD_ROOT,
                           "tests", "stratum", "shoal-testminer", NULL);
}

JsonObject *
stratum_run_testminer (guint16     port,
                       const char *first_arg,
                       ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *summary = NULL;
  va_list args;
  int status;

  g_ptr_array_add (argv, stratum_testminer_path ());
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", port));
  g_ptr_array_add (argv, g_strdup ("--json"));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("cannot run shoal-testminer: %s", error->message);
  if (err != NULL && *err != '\0')
    g_test_message ("testminer stderr:\n%s", err);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL && summary == NULL; i++)
    if (lines[i][0] == '{')
      summary = stratum_parse_object (lines[i]);
  return summary;
}

gint64
stratum_json_errors (JsonObject *summary,
                     const char *message)
{
  JsonObject *errors = json_object_get_object_member (summary, "errors");

  return json_object_get_int_member_with_default (errors, message, 0);
}

void
stratum_raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

guint16
stratum_test_free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}
