/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*NodeTestCondition) (gpointer data);

/* Iterates the thread-default main context until COND holds or
 * TIMEOUT_MS passes; returns how long it took in ms, or -1 on timeout. */
gint64 node_test_wait_until (NodeTestCondition cond,
                             gpointer          data,
                             guint             timeout_ms);
/* Iterates the main context for MS milliseconds. */
void   node_test_spin       (guint             ms);

G_END_DECLS
