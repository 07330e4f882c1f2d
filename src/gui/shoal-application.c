/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-window.h"
#include "shoal-application.h"

struct _ShoalApplication
{
  AdwApplication  parent_instance;
  GSettings      *settings;
  ShoalConfig    *config;
  ShoalPool      *pool;
  gboolean        playground;
};

G_DEFINE_FINAL_TYPE (ShoalApplication, shoal_application, ADW_TYPE_APPLICATION)

static const GOptionEntry entries[] = {
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Run the pool without a window"), NULL },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL, N_("With --headless: read settings from FILE"),
    N_("FILE") },
  { "playground", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start a private regtest node and wallet and mine on them"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

static int
shoal_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  ShoalApplication *self = SHOAL_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("shoal %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "playground"))
    self->playground = TRUE;
  return -1;
}

static void
on_pool_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_pool_start_finish (SHOAL_POOL (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("cannot start the pool: %s", error->message);
}

static void
bind_settings (ShoalApplication *self)
{
  const char * const *keys = shoal_config_list_keys ();

  /* The GSettings keys are the config's property names. */
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_bind (self->settings, keys[i], self->config, keys[i], G_SETTINGS_BIND_DEFAULT);
}

static void
shoal_application_startup (GApplication *app)
{
  ShoalApplication *self = SHOAL_APPLICATION (app);

  G_APPLICATION_CLASS (shoal_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  self->config = shoal_config_new ();
  bind_settings (self);
  if (self->playground)
    g_object_set (self->config, "playground", TRUE, NULL);

  self->pool = shoal_pool_new (self->config);
  shoal_pool_start_async (self->pool, NULL, on_pool_started, NULL);
}

static void
shoal_application_activate (GApplication *app)
{
  ShoalApplication *self = SHOAL_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (shoal_window_new (self, self->pool));
  gtk_window_present (window);
}

static void
shoal_application_shutdown (GApplication *app)
{
  ShoalApplication *self = SHOAL_APPLICATION (app);

  if (self->pool != NULL)
    shoal_pool_stop (self->pool);
  G_APPLICATION_CLASS (shoal_application_parent_class)->shutdown (app);
}

static void
shoal_application_dispose (GObject *object)
{
  ShoalApplication *self = SHOAL_APPLICATION (object);

  g_clear_object (&self->pool);
  g_clear_object (&self->config);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (shoal_application_parent_class)->dispose (object);
}

static void
shoal_application_class_init (ShoalApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = shoal_application_dispose;
  app_class->handle_local_options = shoal_application_handle_local_options;
  app_class->startup = shoal_application_startup;
  app_class->activate = shoal_application_activate;
  app_class->shutdown = shoal_application_shutdown;
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
shoal_application_init (ShoalApplication *self)
{
  static const GActionEntry actions[] = {
    { "quit", on_quit },
  };
  const char *quit_accels[] = { "<Control>q", NULL };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

ShoalApplication *
shoal_application_new (void)
{
  return g_object_new (SHOAL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/shoalpool/Shoal",
                       NULL);
}

ShoalPool *
shoal_application_get_pool (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->pool;
}
