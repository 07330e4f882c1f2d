/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "shoal-test-harness.h"

static GPtrArray *running;

static void
stop_all_at_exit (void)
{
  if (running == NULL)
    return;
  for (guint i = 0; i < running->len; i++)
    shoal_playground_stop (g_ptr_array_index (running, i));
}

/* SIGTERM (meson's timeout) and SIGINT should still stop the daemons
 * cleanly; SIGKILL is covered by PDEATHSIG in the playground. */
static void
on_fatal_signal (int signum)
{
  stop_all_at_exit ();
  signal (signum, SIG_DFL);
  raise (signum);
}

ShoalPlayground *
shoal_test_harness_start (guint64 fixed_difficulty)
{
  g_autoptr(GError) error = NULL;
  ShoalPlayground *playground = shoal_playground_new (NULL, fixed_difficulty);

  if (running == NULL)
    {
      running = g_ptr_array_new ();
      atexit (stop_all_at_exit);
      signal (SIGTERM, on_fatal_signal);
      signal (SIGINT, on_fatal_signal);
    }
  g_ptr_array_add (running, playground);

  shoal_playground_start_sync (playground, NULL, &error);
  g_assert_no_error (error);
  return playground;
}

void
shoal_test_harness_stop (ShoalPlayground *playground)
{
  if (playground == NULL)
    return;
  shoal_playground_stop (playground);
  g_ptr_array_remove (running, playground);
  g_object_unref (playground);
}

JsonNode *
shoal_test_rpc (ShoalRpcClient *client,
                const char     *method,
                const char     *params_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) params = params_json ? json_from_string (params_json, &error) : NULL;
  JsonNode *answer;

  g_assert_no_error (error);
  answer = shoal_rpc_client_call_sync (client, method, params, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

JsonNode *
shoal_test_rpc_expect_error (ShoalRpcClient  *client,
                             const char      *method,
                             const char      *params_json,
                             GError         **error)
{
  g_autoptr(JsonNode) params = params_json ? json_from_string (params_json, NULL) : NULL;

  return shoal_rpc_client_call_sync (client, method, params, NULL, error);
}

guint64
shoal_test_node_height (ShoalPlayground *playground)
{
  g_autoptr(GError) error = NULL;
  guint64 height = 0;

  shoal_playground_get_height (playground, &height, &error);
  g_assert_no_error (error);
  return height;
}

char *
shoal_test_vectors_path (const char *name)
{
  return g_build_filename (shoal_test_vectors_dir (), name, NULL);
}

/* $SHOAL_VECTORS where meson test sets it; the source tree's own copy for
 * programs started by hand, such as shoal-bench. */
const char *
shoal_test_vectors_dir (void)
{
  const char *dir = g_getenv ("SHOAL_VECTORS");

  return dir != NULL ? dir : SHOAL_VECTORS_DIR;
}

GBytes *
shoal_test_hex_to_bytes (const char *hex)
{
  gsize len = strlen (hex);
  guint8 *data;

  g_assert_cmpuint (len % 2, ==, 0);
  data = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (hi, >=, 0);
      g_assert_cmpint (lo, >=, 0);
      data[i] = (hi << 4) | lo;
    }
  return g_bytes_new_take (data, len / 2);
}

char *
shoal_test_bytes_to_hex (const guint8 *data,
                         gsize         len)
{
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = "0123456789abcdef"[data[i] >> 4];
      out[2 * i + 1] = "0123456789abcdef"[data[i] & 15];
    }
  out[len * 2] = '\0';
  return out;
}

void
shoal_test_assert_finalized (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  if (weak != NULL)
    g_error ("%s %p is still alive: something keeps a reference to it",
             G_OBJECT_TYPE_NAME (weak), weak);
}
