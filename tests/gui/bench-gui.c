/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-bench.h"

/* shoal-bench gui-load: the real window under Xvfb with 50 miners and
 * their rows on screen, its worst main-loop latency printed beside the
 * same window's with no miners, measured in the same run.  It drives
 * tests/gui/test_load.py, which the gui suite runs as a test without
 * the figures being a pass mark. */
static int
bench_gui_load (int    argc,
                char **argv)
{
  g_autofree char *script = g_build_filename (SHOAL_SOURCE_ROOT, "tests", "gui", "test_load.py", NULL);
  g_autofree char *pythonpath = g_build_filename (SHOAL_SOURCE_ROOT, "tests", "gui", NULL);
  g_autofree char *schemas = g_build_filename (SHOAL_BUILD_ROOT, "data", NULL);
  const char *command[] = {
    "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
    "/usr/bin/python3", script, "--bench", NULL,
  };
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  env = g_environ_setenv (env, "PYTHONPATH", pythonpath, TRUE);
  env = g_environ_setenv (env, "SHOAL_BUILDDIR", SHOAL_BUILD_ROOT, TRUE);
  env = g_environ_setenv (env, "GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_print ("gui-load: the window with 50 miners (about 3 minutes)\n");
  if (!g_spawn_sync (NULL, (char **) command, env, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      g_printerr ("cannot run %s: %s\n", script, error->message);
      return 1;
    }
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

SHOAL_BENCH_REGISTER ("gui-load", "main-loop latency of the window with 50 miners, against none",
                      bench_gui_load)
