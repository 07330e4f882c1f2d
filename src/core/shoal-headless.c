/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>

#include "shoal-pool.h"
#include "shoal-headless.h"

typedef struct
{
  GMainLoop *loop;
  int        status;
} Headless;

static gboolean
on_signal (gpointer user_data)
{
  Headless *state = user_data;

  g_message ("stopping");
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;  /* removed by shoal_headless_run () */
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Headless *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_pool_start_finish (SHOAL_POOL (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_printerr ("shoal: cannot start: %s\n", error->message);
      state->status = 1;
      g_main_loop_quit (state->loop);
      return;
    }
  g_message ("pool started");
}

int
shoal_headless_run (ShoalConfig *config)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(ShoalPool) pool = shoal_pool_new (config);
  Headless state = { loop, 0 };
  guint term_id, int_id;

  term_id = g_unix_signal_add (SIGTERM, on_signal, &state);
  int_id = g_unix_signal_add (SIGINT, on_signal, &state);

  shoal_pool_start_async (pool, NULL, on_started, &state);
  g_main_loop_run (loop);

  shoal_pool_stop (pool);
  g_source_remove (term_id);
  g_source_remove (int_id);
  return state.status;
}
