/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>

#include "shoal-pool.h"
#include "shoal-headless.h"

typedef struct
{
  GMainLoop  *loop;
  int         status;
  GHashTable *said;     /* condition ids already printed */
} Headless;

static gboolean
on_signal (gpointer user_data)
{
  Headless *state = user_data;

  g_message ("stopping");
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;  /* removed by shoal_headless_run () */
}

/* The same sentence and action the window shows, on stderr. */
static void
print_condition (const ShoalCondition *condition)
{
  if (condition->action != NULL)
    g_printerr ("shoal: %s (Fix: %s)\n", condition->sentence, condition->action);
  else
    g_printerr ("shoal: %s\n", condition->sentence);
}

/* Each condition is printed when it appears; one that stops the pool
 * ends headless mode with status 1, as a service manager expects of a
 * setting it cannot run with. */
static void
on_conditions_changed (ShoalPool *pool,
                       Headless  *state)
{
  GPtrArray *conditions = shoal_pool_get_conditions (pool);
  gboolean stopped = FALSE;

  for (guint i = 0; i < conditions->len; i++)
    {
      const ShoalCondition *condition = g_ptr_array_index (conditions, i);

      if (!g_hash_table_contains (state->said, condition->id))
        print_condition (condition);
      stopped |= condition->level == SHOAL_CONDITION_STOPPED;
    }
  /* A condition that clears and comes back is printed again. */
  g_hash_table_remove_all (state->said);
  for (guint i = 0; i < conditions->len; i++)
    g_hash_table_add (state->said,
                      g_strdup (((ShoalCondition *) g_ptr_array_index (conditions, i))->id));
  if (stopped)
    {
      state->status = 1;
      g_main_loop_quit (state->loop);
    }
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
      /* The conditions said why; anything else is said here. */
      if (shoal_pool_get_conditions (SHOAL_POOL (source))->len == 0)
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
  g_autoptr(GHashTable) said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Headless state = { loop, 0, said };
  guint term_id, int_id;

  term_id = g_unix_signal_add (SIGTERM, on_signal, &state);
  int_id = g_unix_signal_add (SIGINT, on_signal, &state);

  g_signal_connect (pool, "conditions-changed", G_CALLBACK (on_conditions_changed), &state);
  shoal_pool_start_async (pool, NULL, on_started, &state);
  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (pool, &state);
  shoal_pool_stop (pool);
  g_source_remove (term_id);
  g_source_remove (int_id);
  return state.status;
}
