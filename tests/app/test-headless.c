/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include "shoal-rpc-client.h"

/* Runs the real `shoal --headless` binary on its playground, as a home
 * server would run it, and reads what it logs. */

typedef struct
{
  GDataInputStream *err;
  GString          *log;
} Output;

static char *
read_until (Output     *out,
            const char *needle)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out->err, NULL, NULL, &error);

      if (line == NULL)
        return NULL;
      g_string_append_printf (out->log, "%s\n", line);
      if (strstr (line, needle) != NULL)
        return g_steal_pointer (&line);
    }
}

static GSubprocess *
spawn_shoal (Output *out, const char *first_arg, ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "src", "shoal", NULL);
  GSubprocess *process;
  va_list args;

  g_ptr_array_add (argv, binary);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  out->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  out->log = g_string_new (NULL);
  return process;
}

static void
test_headless_logs_height_and_stops (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = g_build_filename (g_get_tmp_dir (), "shoal-headless-test.conf", NULL);
  Output out;
  g_autoptr(GSubprocess) shoal = NULL;

  /* Difficulty 1: generateblocks is instant. */
  g_file_set_contents (conf, "[shoal]\nplayground-difficulty=1\n", -1, &error);
  g_assert_no_error (error);
  shoal = spawn_shoal (&out, "--headless", "--playground", "--config", conf, NULL);
  {
  g_autofree char *where = read_until (&out, "playground node at ");
  g_autofree char *first = NULL;
  g_autofree char *later = NULL;
  g_autofree char *node_uri = NULL;
  g_autoptr(ShoalRpcClient) node = NULL;
  g_autoptr(JsonNode) generated = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) params = NULL;
  g_autofree char *address = NULL;
  g_autofree char *params_text = NULL;
  const char *start;

  g_assert_nonnull (where);
  start = strstr (where, "http://");
  node_uri = g_strndup (start, strcspn (start, ", "));
  address = g_strndup (strstr (where, "address ") + 8, 95);
  first = read_until (&out, "node height 1");
  g_assert_nonnull (first);

  /* Someone mines three blocks: Shoal logs the new height. */
  node = shoal_rpc_client_new (node_uri, NULL, NULL);
  params_text = g_strdup_printf ("{\"amount_of_blocks\":3,\"wallet_address\":\"%s\"}", address);
  params = json_from_string (params_text, NULL);
  generated = shoal_rpc_client_call_sync (node, "generateblocks", params, NULL, &error);
  g_assert_no_error (error);
  later = read_until (&out, "node height 4");
  g_assert_nonnull (later);

  g_subprocess_send_signal (shoal, SIGTERM);
  g_subprocess_wait (shoal, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (shoal));
  g_assert_cmpint (g_subprocess_get_exit_status (shoal), ==, 0);

  /* The playground went with it. */
  answer = shoal_rpc_client_call_sync (node, "get_info", NULL, NULL, &error);
  g_assert_null (answer);
  g_assert_nonnull (error);
  g_object_unref (out.err);
  g_string_free (out.log, TRUE);
  }
}

static void
test_cli_help_version_and_bad_config (void)
{
  g_autofree char *binary = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "src", "shoal", NULL);
  const char *version[] = { binary, "--version", NULL };
  const char *help[] = { binary, "--headless", "--help", NULL };
  const char *bad[] = { binary, "--headless", "--config", "/nonexistent/shoal.conf", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) version, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "shoal " PACKAGE_VERSION));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_spawn_sync (NULL, (char **) help, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "--config"));
  g_assert_nonnull (strstr (out, "--playground"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_spawn_sync (NULL, (char **) bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "/nonexistent/shoal.conf"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/headless/cli", test_cli_help_version_and_bad_config);
  g_test_add_func ("/headless/logs-height-and-stops", test_headless_logs_height_and_stops);
  return g_test_run ();
}
