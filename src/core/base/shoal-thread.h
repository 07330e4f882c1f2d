/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void   shoal_thread_lower_priority (int         by,
                                    const char *what);
void   shoal_thread_set_name       (const char *name);
gint64 shoal_thread_cpu_time_us    (void);

G_END_DECLS
