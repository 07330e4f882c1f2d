/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "node-test-util.h"
#include "shoal-test-harness.h"

static gboolean
on_wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gint64
wait_until (NodeTestCondition cond,
            gpointer          data,
            guint             timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;
  GMainContext *context = g_main_context_ref_thread_default ();
  /* A ticking source bounds each iteration, so the deadline is seen. */
  GSource *wake = g_timeout_source_new (20);
  gint64 elapsed = -1;

  g_source_set_callback (wake, on_wake, NULL, NULL);
  g_source_attach (wake, context);
  while (g_get_monotonic_time () < deadline)
    {
      if (cond (data))
        {
          elapsed = (g_get_monotonic_time () - start) / 1000;
          break;
        }
      g_main_context_iteration (context, TRUE);
    }
  if (elapsed < 0 && cond (data))
    elapsed = (g_get_monotonic_time () - start) / 1000;
  g_source_destroy (wake);
  g_source_unref (wake);
  g_main_context_unref (context);
  return elapsed;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
node_test_spin (guint ms)
{
  wait_until (never, NULL, ms);
}

/* Waits for @cond: its elapsed milliseconds, or -1 if it never held.
 * @timeout_ms is what it takes on an idle machine; the wait itself is
 * never shorter than SHOAL_TEST_PATIENCE_MS, as the machine may be busy. */
gint64
node_test_wait_until (NodeTestCondition cond,
                      gpointer          data,
                      guint             timeout_ms)
{
  return wait_until (cond, data, MAX (timeout_ms, SHOAL_TEST_PATIENCE_MS));
}
