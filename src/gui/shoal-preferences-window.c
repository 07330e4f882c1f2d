/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-autostart.h"
#include "shoal-format.h"
#include "shoal-preferences-window.h"

struct _ShoalPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;
  GSettings            *settings;

  GtkToggleButton *solo_button;
  GtkToggleButton *pplns_button;
  GtkToggleButton *upstream_button;
  AdwEntryRow    *upstream_urls_row;
  AdwComboRow    *upstream_relay_row;
  GtkSwitch      *upstream_split_switch;
  AdwComboRow    *upstream_sidechain_row;
  AdwEntryRow    *pool_address_row;
  GtkSpinButton  *fee_spin;
  AdwEntryRow    *threshold_row;
  GtkSwitch      *playground_switch;
  AdwEntryRow    *node_row;
  AdwEntryRow    *node_login_row;
  AdwEntryRow    *backup_nodes_row;
  GtkSwitch      *keep_node_switch;
  GtkSwitch      *background_switch;
  GtkSwitch      *autostart_switch;
  AdwEntryRow    *wallet_row;
  AdwEntryRow    *login_row;
  GtkSpinButton  *port_spin;
  GtkSpinButton  *max_per_ip_spin;
  AdwComboRow    *validator_mode_row;
  GtkSpinButton  *threads_spin;
};

G_DEFINE_FINAL_TYPE (ShoalPreferencesWindow, shoal_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* A combo row's items, in the order of its model. */
static const char *validator_modes[] = { "auto", "light", "full", NULL };
static const char *upstream_relays[] = { "per-rig", "split", NULL };
static const char *upstream_sidechains[] = { "main", "mini", "nano", NULL };

/* The mode's buttons are one group: the button made active writes its
 * mode, the one it replaced writes nothing. */
static void
on_mode_toggled (GtkToggleButton        *button,
                 ShoalPreferencesWindow *self)
{
  const char *mode = g_object_get_data (G_OBJECT (button), "shoal-mode");

  if (gtk_toggle_button_get_active (button))
    g_settings_set_string (self->settings, "mode", mode);
}

static void
on_mode_changed (ShoalPreferencesWindow *self)
{
  g_autofree char *mode = g_settings_get_string (self->settings, "mode");
  GtkToggleButton *buttons[] = { self->solo_button, self->pplns_button, self->upstream_button };

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    if (g_str_equal (mode, g_object_get_data (G_OBJECT (buttons[i]), "shoal-mode")))
      gtk_toggle_button_set_active (buttons[i], TRUE);
}

static void
bind_mode (ShoalPreferencesWindow *self)
{
  g_object_set_data (G_OBJECT (self->solo_button), "shoal-mode", (gpointer) "solo");
  g_object_set_data (G_OBJECT (self->pplns_button), "shoal-mode", (gpointer) "pplns");
  g_object_set_data (G_OBJECT (self->upstream_button), "shoal-mode", (gpointer) "upstream");
  on_mode_changed (self);
  g_signal_connect (self->solo_button, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect (self->pplns_button, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect (self->upstream_button, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect_object (self->settings, "changed::mode", G_CALLBACK (on_mode_changed), self,
                           G_CONNECT_SWAPPED);
}

/* Upstream pools are a list in the settings, a comma-separated line here. */
static gboolean
urls_get (GValue *value, GVariant *variant, gpointer user_data)
{
  g_autofree const char **urls = g_variant_get_strv (variant, NULL);

  g_value_take_string (value, g_strjoinv (", ", (char **) urls));
  return TRUE;
}

static void
on_upstream_urls_apply (AdwEntryRow            *row,
                        ShoalPreferencesWindow *self)
{
  g_auto(GStrv) parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (row)), ", \t", -1);
  g_autoptr(GStrvBuilder) urls = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (urls, parts[i]);
  list = g_strv_builder_end (urls);
  g_settings_set_strv (self->settings, "upstream-urls", (const char * const *) list);
}

static gboolean
uint64_get (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, (double) g_variant_get_uint64 (variant));
  return TRUE;
}

static GVariant *
uint64_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_uint64 ((guint64) (g_value_get_double (value) + 0.5));
}

/* The fee is stored in basis points and shown in percent. */
static gboolean
fee_get (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, (double) g_variant_get_uint64 (variant) / 100.0);
  return TRUE;
}

static GVariant *
fee_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_uint64 ((guint64) (g_value_get_double (value) * 100.0 + 0.5));
}

/* USER_DATA: the row's choices (see validator_modes). */
static gboolean
choice_get (GValue *value, GVariant *variant, gpointer user_data)
{
  const char * const *choices = user_data;
  const char *choice = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_str_equal (choice, choices[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
choice_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  const char * const *choices = user_data;
  guint i = g_value_get_uint (value);

  return g_variant_new_string (choices[i < g_strv_length ((char **) choices) ? i : 0]);
}

static gboolean
threshold_get (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_take_string (value, shoal_format_xmr (g_variant_get_uint64 (variant)));
  return TRUE;
}

static void
on_threshold_apply (ShoalPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint64 atomic = 0;

  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->threshold_row));

  if (!shoal_parse_xmr (text, &atomic, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->threshold_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->threshold_row), "error");
  g_settings_set_uint64 (self->settings, "payout-threshold", atomic);
}

/* Text settings are written when applied, not on each key press: the
 * pool would otherwise reconnect to every prefix of an address. */
static void
on_text_apply (AdwEntryRow *row,
               ShoalPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "shoal-key");

  g_settings_set_string (self->settings, key, gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
bind_text (ShoalPreferencesWindow *self,
           AdwEntryRow            *row,
           const char             *key)
{
  g_object_set_data (G_OBJECT (row), "shoal-key", (gpointer) key);
  g_settings_bind (self->settings, key, row, "text", G_SETTINGS_BIND_GET);
  g_signal_connect (row, "apply", G_CALLBACK (on_text_apply), self);
}

static void
bind_double (ShoalPreferencesWindow *self,
             GtkSpinButton          *spin,
             const char             *key,
             GSettingsBindGetMapping get,
             GSettingsBindSetMapping set)
{
  g_settings_bind_with_mapping (self->settings, key, gtk_spin_button_get_adjustment (spin), "value",
                                G_SETTINGS_BIND_DEFAULT, get, set, NULL, NULL);
}

static void
on_autostart_changed (ShoalPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  gboolean wanted = gtk_switch_get_active (self->autostart_switch);

  if (shoal_autostart_set_enabled (wanted, &error))
    return;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
  g_signal_handlers_block_by_func (self->autostart_switch, on_autostart_changed, self);
  gtk_switch_set_active (self->autostart_switch, shoal_autostart_get_enabled ());
  g_signal_handlers_unblock_by_func (self->autostart_switch, on_autostart_changed, self);
}

static void
bind_all (ShoalPreferencesWindow *self)
{
  GSettings *s = self->settings;

  bind_mode (self);
  g_settings_bind_with_mapping (s, "upstream-urls", self->upstream_urls_row, "text",
                                G_SETTINGS_BIND_GET, urls_get, NULL, NULL, NULL);
  g_signal_connect (self->upstream_urls_row, "apply", G_CALLBACK (on_upstream_urls_apply), self);
  bind_text (self, self->pool_address_row, "pool-address");
  bind_text (self, self->node_row, "node-url");
  bind_text (self, self->node_login_row, "node-login");
  bind_text (self, self->backup_nodes_row, "backup-node-urls");
  g_settings_bind (s, "node-managed-keep-running", self->keep_node_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  bind_text (self, self->wallet_row, "wallet-url");
  bind_text (self, self->login_row, "wallet-login");
  bind_double (self, self->fee_spin, "pool-fee-bps", fee_get, fee_set);
  bind_double (self, self->port_spin, "stratum-port", uint64_get, uint64_set);
  bind_double (self, self->max_per_ip_spin, "stratum-max-per-ip", uint64_get, uint64_set);
  bind_double (self, self->threads_spin, "validator-threads", uint64_get, uint64_set);
  g_settings_bind_with_mapping (s, "payout-threshold", self->threshold_row, "text",
                                G_SETTINGS_BIND_GET, threshold_get, NULL, NULL, NULL);
  g_signal_connect_swapped (self->threshold_row, "apply", G_CALLBACK (on_threshold_apply), self);
  g_settings_bind_with_mapping (s, "validator-mode", self->validator_mode_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get, choice_set,
                                validator_modes, NULL);
  g_settings_bind_with_mapping (s, "upstream-relay", self->upstream_relay_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get, choice_set,
                                upstream_relays, NULL);
  g_settings_bind (s, "upstream-split", self->upstream_split_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (s, "upstream-sidechain", self->upstream_sidechain_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get, choice_set,
                                upstream_sidechains, NULL);
  g_settings_bind (s, "playground", self->playground_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  gtk_switch_set_active (self->autostart_switch, shoal_autostart_get_enabled ());
  g_signal_connect_swapped (self->autostart_switch, "notify::active",
                            G_CALLBACK (on_autostart_changed), self);
}

static void
shoal_preferences_window_dispose (GObject *object)
{
  ShoalPreferencesWindow *self = SHOAL_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (shoal_preferences_window_parent_class)->dispose (object);
}

static void
shoal_preferences_window_class_init (ShoalPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, solo_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, pplns_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, upstream_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, upstream_urls_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, pool_address_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, fee_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, threshold_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, playground_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, node_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, node_login_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, backup_nodes_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, keep_node_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, wallet_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, login_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, max_per_ip_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, validator_mode_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, upstream_relay_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow,
                                        upstream_split_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow,
                                        upstream_sidechain_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, threads_spin);
}

static void
shoal_preferences_window_init (ShoalPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
shoal_preferences_window_new (GtkWindow *parent,
                              GSettings *settings)
{
  ShoalPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SHOAL_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  bind_all (self);
  return GTK_WINDOW (self);
}
