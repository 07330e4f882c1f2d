/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "Start at login" as an XDG autostart entry in the user's config
 * folder: it starts `shoal --background`, so the pool runs with no window
 * from login on.  (The background portal, for sandboxed installs, is not
 * used yet.) */
char     *shoal_autostart_get_path    (void);
gboolean  shoal_autostart_get_enabled (void);
gboolean  shoal_autostart_set_enabled (gboolean   enabled,
                                       GError   **error);

G_END_DECLS
