/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-assistant.h"
#include "shoal-connect-window.h"
#include "shoal-rig-watch.h"
#include "shoal-format.h"
#include "shoal-preferences-window.h"
#include "shoal-probe.h"
#include "shoal-window.h"
#include "shoal-application.h"

struct _ShoalApplication
{
  AdwApplication  parent_instance;
  GSettings      *settings;
  ShoalConfig    *config;
  ShoalPool      *pool;
  ShoalRigWatch  *rigs;
  gboolean        playground;
  gboolean        background;     /* --background: no window at start */
  gboolean        held;           /* running on with no window */
  gboolean        said_background;
};

G_DEFINE_FINAL_TYPE (ShoalApplication, shoal_application, ADW_TYPE_APPLICATION)

static const GOptionEntry entries[] = {
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Run the pool without a window"), NULL },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL, N_("With --headless: read settings from FILE"),
    N_("FILE") },
  { "playground", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start a private regtest node and wallet and mine on them"), NULL },
  { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start the pool with no window (as at login)"), NULL },
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
  if (g_variant_dict_contains (options, "background"))
    self->background = TRUE;
  return -1;
}

static GtkWindow *present_main_window (ShoalApplication *self);

/* TRUE when the settings themselves keep the pool from running (no or
 * wrong address, node refusing the login...): what the assistant fixes. */
static gboolean
needs_assistant (ShoalPool *pool)
{
  GPtrArray *conditions = shoal_pool_get_conditions (pool);

  for (guint i = 0; i < conditions->len; i++)
    {
      const ShoalCondition *c = g_ptr_array_index (conditions, i);

      if (c->level == SHOAL_CONDITION_STOPPED && g_strcmp0 (c->action_name, "app.assistant") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
on_pool_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ShoalApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (shoal_pool_start_finish (SHOAL_POOL (source), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* The window says why (a banner with its fix); the log too. */
  g_message ("cannot start the pool: %s", error->message);
  if (SHOAL_POOL (source) == self->pool && needs_assistant (self->pool))
    g_action_group_activate_action (G_ACTION_GROUP (self), "assistant", NULL);
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
notify_block (ShoalApplication *self,
              const char       *id,
              const char       *title,
              const char       *body,
              GNotificationPriority priority)
{
  g_autoptr(GNotification) notification = g_notification_new (title);
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);

  g_notification_set_body (notification, body);
  g_notification_set_icon (notification, icon);
  g_notification_set_priority (notification, priority);
  g_notification_set_default_action_and_target (notification, "app.show-page", "s", "blocks");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
on_block_found (ShoalApplication *self,
                guint64           height,
                const char       *id)
{
  g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, height);
  g_autofree char *body = NULL;
  /* One notification per block: "orphaned" replaces its "found". */
  g_autofree char *tag = g_strdup_printf ("block-%s", id != NULL ? id : number);

  /* Translators: %s is a block height */
  body = g_strdup_printf (_("Your pool found block %s. Its reward unlocks after 60 confirmations."),
                          number);
  notify_block (self, tag, _("Block Found"), body, G_NOTIFICATION_PRIORITY_HIGH);
}

static void
on_block_orphaned (ShoalApplication *self,
                   guint64           height,
                   const char       *id)
{
  g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, height);
  g_autofree char *body = NULL;
  g_autofree char *tag = g_strdup_printf ("block-%s", id != NULL ? id : number);

  /* Translators: %s is a block height */
  body = g_strdup_printf (_("Block %s left the main chain. It earns nothing."), number);
  notify_block (self, tag, _("Block Orphaned"), body, G_NOTIFICATION_PRIORITY_NORMAL);
}

static void
start_pool (ShoalApplication *self)
{
  self->pool = shoal_pool_new (self->config);
  g_signal_connect_object (self->pool, "block-found", G_CALLBACK (on_block_found), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pool, "block-orphaned", G_CALLBACK (on_block_orphaned), self,
                           G_CONNECT_SWAPPED);
  shoal_rig_watch_set_pool (self->rigs, self->pool);
  shoal_pool_start_async (self->pool, NULL, on_pool_started, g_object_ref (self));
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
    {
      /* --playground is for this run only: not written back to the user's settings. */
      g_settings_unbind (self->config, "playground");
      g_object_set (self->config, "playground", TRUE, NULL);
    }

  self->rigs = shoal_rig_watch_new (G_APPLICATION (self));
  shoal_probe_start_if_wanted ();
  start_pool (self);
  /* Started at login: the pool runs with no window until one is asked for. */
  if (self->background)
    {
      g_application_hold (app);
      self->held = TRUE;
    }
}

static gboolean
pool_is_running (ShoalPool *pool)
{
  GPtrArray *conditions = shoal_pool_get_conditions (pool);

  for (guint i = 0; i < conditions->len; i++)
    if (((ShoalCondition *) g_ptr_array_index (conditions, i))->level == SHOAL_CONDITION_STOPPED)
      return FALSE;
  return g_strcmp0 (shoal_pool_get_status_message (pool), "starting") != 0;
}

static void
say_running_in_background (ShoalApplication *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);

  if (self->said_background)
    return;
  self->said_background = TRUE;
  notification = g_notification_new (_("Shoal Keeps Running"));
  g_notification_set_body (notification,
                           _("Your pool runs on and your rigs stay connected. Open Shoal again "
                             "to see them; choose Quit in its menu to stop the pool."));
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (G_APPLICATION (self), "background", notification);
}

/* Closing the window is not quitting: a running pool stays up like an
 * appliance (rigs keep mining), said once in a notification. */
static gboolean
on_close_request (ShoalApplication *self,
                  GtkWindow        *window)
{
  if (!g_settings_get_boolean (self->settings, "run-in-background") ||
      !pool_is_running (self->pool))
    return FALSE;
  if (!self->held)
    {
      g_application_hold (G_APPLICATION (self));
      self->held = TRUE;
    }
  g_message ("window closed: the pool keeps running");
  say_running_in_background (self);
  return FALSE;
}

static void
shoal_application_activate (GApplication *app)
{
  ShoalApplication *self = SHOAL_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (self->background)
    {
      self->background = FALSE;
      return;
    }
  if (window == NULL)
    {
      window = GTK_WINDOW (shoal_window_new (self, self->pool));
      g_signal_connect_object (window, "close-request", G_CALLBACK (on_close_request), self,
                               G_CONNECT_SWAPPED);
    }
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
  g_clear_object (&self->rigs);
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

/* Quit stops the pool: shutdown stops it and every process it started. */
static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  ShoalApplication *self = user_data;

  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
  g_application_quit (G_APPLICATION (self));
}

static void
on_activate_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

/* Stops the pool and starts a new one on the settings as they are now;
 * the window is made again for it. */
static void
on_restart (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));
  g_autoptr(GPtrArray) main_windows = g_ptr_array_new ();

  g_message ("restarting the pool");
  for (GList *l = windows; l != NULL; l = l->next)
    if (SHOAL_IS_WINDOW (l->data))
      g_ptr_array_add (main_windows, l->data);
  /* Keep the application alive while its only window is replaced. */
  g_application_hold (G_APPLICATION (self));
  for (guint i = 0; i < main_windows->len; i++)
    gtk_window_destroy (g_ptr_array_index (main_windows, i));
  shoal_pool_stop (self->pool);
  g_clear_object (&self->pool);
  start_pool (self);
  if (main_windows->len > 0 || !self->held)
    present_main_window (self);
  g_application_release (G_APPLICATION (self));
}

static void
on_assistant (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GtkWindow *parent = present_main_window (self);

  gtk_window_present (GTK_WINDOW (shoal_assistant_new (parent, self->settings)));
}

static GtkWindow *
present_main_window (ShoalApplication *self)
{
  g_application_activate (G_APPLICATION (self));
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

static void
on_preferences (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GtkWindow *parent = present_main_window (self);

  gtk_window_present (shoal_preferences_window_new (parent, self->settings));
}

static void
on_connect_rig (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GtkWindow *parent = present_main_window (self);

  gtk_window_present (shoal_connect_window_new (parent, self->pool));
}

static void
on_shortcuts (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkWindow *window = present_main_window (user_data);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
on_show_page (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkWindow *window = present_main_window (user_data);

  gtk_widget_activate_action_variant (GTK_WIDGET (window), "win.show-page", parameter);
}

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  const char *developers[] = { _("The Shoal developers"), NULL };
  GtkWindow *parent = present_main_window (user_data);

  adw_show_about_window (parent,
                         "title", _("About Shoal"),
                         "application-name", _("Shoal"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Mine Monero at home with your own rigs"),
                         "website", "https://shoalpool.org",
                         "developer-name", _("The Shoal developers"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accels[2]; } table[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.connect-rig", { "<Control>n", NULL } },
    { "win.show-page::overview", { "<Alt>1", NULL } },
    { "win.show-page::miners", { "<Alt>2", NULL } },
    { "win.show-page::blocks", { "<Alt>3", NULL } },
    { "win.show-page::payouts", { "<Alt>4", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    gtk_application_set_accels_for_action (app, table[i].action, table[i].accels);
}

static void
shoal_application_init (ShoalApplication *self)
{
  static const GActionEntry actions[] = {
    { "quit", on_quit },
    { "activate", on_activate_action },
    { "restart", on_restart },
    { "assistant", on_assistant },
    { "preferences", on_preferences },
    { "connect-rig", on_connect_rig },
    { "shortcuts", on_shortcuts },
    { "about", on_about },
    { "show-page", on_show_page, "s" },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  set_accels (GTK_APPLICATION (self));
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

GSettings *
shoal_application_get_settings (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->settings;
}

ShoalPool *
shoal_application_get_pool (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->pool;
}
