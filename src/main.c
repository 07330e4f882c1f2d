/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "shoal-config.h"
#include "shoal-headless.h"
#include "shoal-ledger-check.h"

#if SHOAL_WITH_GUI
# include "shoal-application.h"
#endif

/* --headless is decided before any display is touched: a home server has
 * none.  Everything else goes to the GApplication. */
static gboolean
wants_headless (int argc, char **argv)
{
#if SHOAL_WITH_GUI
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--headless") || g_str_equal (argv[i], "--check"))
        return TRUE;
    }
  return FALSE;
#else
  return TRUE;
#endif
}

static int
run_headless (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  gboolean headless = FALSE;
  gboolean playground = FALSE;
  gboolean version = FALSE;
  gboolean check = FALSE;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run the pool without a window"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Read settings from FILE"), N_("FILE") },
    { "playground", 0, 0, G_OPTION_ARG_NONE, &playground,
      N_("Start a private regtest node and wallet and mine on them"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      N_("Check the books against the wallet and the node (read-only) and exit"), NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Shoal, a Monero pool for the home, without a window."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("shoal: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("shoal %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (config_path != NULL && !shoal_config_load_key_file (config, config_path, &error))
    {
      g_printerr ("shoal: %s\n", error->message);
      return 2;
    }
  if (check)
    return shoal_ledger_check_run (config);
  if (playground)
    g_object_set (config, "playground", TRUE, NULL);
  return shoal_headless_run (config);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (wants_headless (argc, argv))
    return run_headless (argc, argv);

#if SHOAL_WITH_GUI
  {
    g_autoptr(ShoalApplication) app = shoal_application_new ();
    return g_application_run (G_APPLICATION (app), argc, argv);
  }
#else
  return 0;
#endif
}
