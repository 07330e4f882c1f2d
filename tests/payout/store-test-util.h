/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pool database files for the payout area's tests: a fresh path in a
 * temporary folder, one integer read straight from the file (read-only,
 * not through the code under test), and the file and its folder removed. */
char   *store_test_temp_path (const char *template);
gint64  store_test_int       (const char *path,
                              const char *sql);
void    store_test_remove    (const char *path);

G_END_DECLS
