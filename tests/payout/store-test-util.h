/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "shoal-store.h"

G_BEGIN_DECLS

/* Pool database files for the payout area's tests: a fresh path in a
 * temporary folder, one integer read straight from the file (read-only,
 * not through the code under test), and the file and its folder removed. */
char   *store_test_temp_path (const char *template);
gint64  store_test_int       (const char *path,
                              const char *sql);
void    store_test_remove    (const char *path);

/* A fresh store on a temporary file, for g_test_add fixtures. */
typedef struct
{
  char       *path;
  ShoalStore *store;
} StoreFixture;

void    store_fixture_set_up    (StoreFixture  *f,
                                 gconstpointer  data);
void    store_fixture_tear_down (StoreFixture  *f,
                                 gconstpointer  data);
/* ADDRESS's available balance read from the file; -1: no row. */
gint64  store_test_balance      (StoreFixture  *f,
                                 const char    *address);
/* Records one share of worker "rig". */
void    store_test_record       (ShoalStore    *store,
                                 const char    *address,
                                 guint64        difficulty,
                                 guint64        height,
                                 gboolean       is_block,
                                 gint64         time_us);
/* The same on the fixture's store, at height 500. */
void    store_test_add_share    (StoreFixture  *f,
                                 const char    *address,
                                 guint64        difficulty,
                                 gboolean       is_block,
                                 gint64         time_us);

G_END_DECLS
