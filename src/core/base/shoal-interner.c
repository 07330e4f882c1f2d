/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-interner.h"

/* Why not g_ref_string_new_intern(): GLib (2.74, Debian 12's) lets a
 * string's count reach zero first and takes it out of its global table
 * after, under a lock.  A thread interning the same text in between
 * finds the dying string and acquires it ("g_atomic_ref_count_inc:
 * assertion 'old_value > 0' failed", then a use after free).  Shoal's
 * statistics snapshots share these strings and are released on other
 * threads than the stratum thread that interns, so that window is open
 * on every snapshot.
 *
 * Here the table holds a reference of its own on each string: while a
 * string is in the table its count cannot reach zero, and the last
 * release, wherever it happens, has no table to race with.  Texts
 * nobody holds any more stay until the table reaches its bound; then it
 * lets go of all of them at once and starts again.  Holders keep their
 * copies; only sharing with newcomers is lost, and a peer that sends a
 * new agent with every login cannot grow the table past the bound. */
struct _ShoalInterner
{
  GHashTable *strings;   /* text -> the same GRefString, one reference held */
  guint       max;
};

ShoalInterner *
shoal_interner_new (guint max_strings)
{
  ShoalInterner *self = g_new0 (ShoalInterner, 1);

  self->strings = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_ref_string_release);
  self->max = MAX (max_strings, 1);
  return self;
}

void
shoal_interner_free (ShoalInterner *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->strings);
  g_free (self);
}

/**
 * shoal_interner_get:
 * @self: the table
 * @text: the text
 *
 * Returns: (transfer full): a reference on the shared copy of @text;
 *   release it with g_ref_string_release(), on any thread
 */
char *
shoal_interner_get (ShoalInterner *self,
                    const char    *text)
{
  char *shared = g_hash_table_lookup (self->strings, text);

  if (shared == NULL)
    {
      if (g_hash_table_size (self->strings) >= self->max)
        g_hash_table_remove_all (self->strings);
      shared = g_ref_string_new (text);
      g_hash_table_insert (self->strings, shared, shared);
    }
  return g_ref_string_acquire (shared);
}

guint
shoal_interner_size (ShoalInterner *self)
{
  return g_hash_table_size (self->strings);
}
