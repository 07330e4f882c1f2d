/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One shared copy (a GRefString) of texts many records repeat: an
 * address, an IP, an agent.  Owned by one thread: only it calls these;
 * the strings it hands out may be released anywhere. */
typedef struct _ShoalInterner ShoalInterner;

ShoalInterner *shoal_interner_new  (guint          max_strings);
void           shoal_interner_free (ShoalInterner *self);
char          *shoal_interner_get  (ShoalInterner *self,
                                    const char    *text);
guint          shoal_interner_size (ShoalInterner *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalInterner, shoal_interner_free)

G_END_DECLS
