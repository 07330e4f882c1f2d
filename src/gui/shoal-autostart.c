/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "shoal-autostart.h"

char *
shoal_autostart_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

gboolean
shoal_autostart_get_enabled (void)
{
  g_autofree char *path = shoal_autostart_get_path ();

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static char *
entry_text (void)
{
  /* The binary that runs now: a build tree or a prefix other than /usr works too. */
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *quoted = g_shell_quote (self != NULL ? self : "shoal");

  return g_strdup_printf ("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Shoal\n"
                          "Comment=Keeps your Monero pool running from login on\n"
                          "Exec=%s --background\n"
                          "Icon=" APP_ID "\n"
                          "X-GNOME-Autostart-enabled=true\n"
                          "NoDisplay=true\n", quoted);
}

gboolean
shoal_autostart_set_enabled (gboolean   enabled,
                             GError   **error)
{
  g_autofree char *path = shoal_autostart_get_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot remove %s: %s", path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  text = entry_text ();
  return g_file_set_contents (path, text, -1, error);
}
