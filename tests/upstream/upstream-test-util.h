/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-test-harness.h"

static inline gboolean
upstream_test_wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default context until CHECK holds; never longer than the
 * harness's patience, which is not what a test proves. */
#define WAIT_FOR(check)                                                         \
  G_STMT_START {                                                                \
    gint64 give_up_ = g_get_monotonic_time () + SHOAL_TEST_PATIENCE_MS * 1000;  \
    guint wake_id_ = g_timeout_add (20, upstream_test_wake, NULL);              \
    while (!(check))                                                            \
      {                                                                         \
        g_assert_cmpint (g_get_monotonic_time (), <, give_up_);                 \
        g_main_context_iteration (NULL, TRUE);                                  \
      }                                                                         \
    g_source_remove (wake_id_);                                                 \
  } G_STMT_END
