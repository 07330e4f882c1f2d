/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <glib/gi18n.h>

#include "shoal-connect-window.h"

#define RIG_NAME "rig1"
#define ADDRESS_PLACEHOLDER "YOUR_MONERO_ADDRESS"

struct _ShoalConnectWindow
{
  AdwWindow            parent_instance;
  ShoalPool           *pool;
  GPtrArray           *address_rows;
  AdwToastOverlay     *toasts;
  AdwPreferencesGroup *address_group;
  GtkLabel            *command_label;
  GtkLabel            *config_label;
};

G_DEFINE_FINAL_TYPE (ShoalConnectWindow, shoal_connect_window, ADW_TYPE_WINDOW)

GStrv
shoal_connect_window_lan_addresses (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  struct ifaddrs *list = NULL;
  guint n = 0;

  if (getifaddrs (&list) == 0)
    {
      for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
        {
          g_autoptr(GInetAddress) address = NULL;
          g_autofree char *text = NULL;

          if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
              (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
            continue;
          address = g_inet_address_new_from_bytes (
            (const guint8 *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr, G_SOCKET_FAMILY_IPV4);
          text = g_inet_address_to_string (address);
          g_strv_builder_add (builder, text);
          n++;
        }
      freeifaddrs (list);
    }
  if (n == 0)
    g_strv_builder_add (builder, "127.0.0.1");
  return g_strv_builder_end (builder);
}

/* What a rig sends as its login: the solo pool's own address (the
 * playground's wallet on the playground), or each member's own address
 * where members are paid (small-pool mode, a household split over
 * P2Pool). */
static char *
rig_address (ShoalConnectWindow *self)
{
  const char *pool_address = shoal_pool_get_pool_address (self->pool);

  if (shoal_pool_pays_members (self->pool))
    return g_strdup (ADDRESS_PLACEHOLDER);
  if (pool_address != NULL && *pool_address != '\0')
    return g_strdup (pool_address);
  return g_strdup (ADDRESS_PLACEHOLDER);
}

/* The port really bound once the pool runs; the setting before that. */
static guint64
stratum_port (ShoalConnectWindow *self)
{
  guint16 bound = shoal_pool_get_stratum_port (self->pool);

  return bound != 0 ? bound
                    : shoal_config_get_uint64 (shoal_pool_get_config (self->pool), "stratum-port");
}

static void
fill_addresses (ShoalConnectWindow  *self,
                const char * const  *hosts,
                guint64              port)
{
  for (guint i = 0; i < self->address_rows->len; i++)
    adw_preferences_group_remove (self->address_group, g_ptr_array_index (self->address_rows, i));
  g_ptr_array_set_size (self->address_rows, 0);
  for (guint i = 0; hosts[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, hosts[i], port);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_group_add (self->address_group, row);
      g_ptr_array_add (self->address_rows, row);
    }
}

static void
update (ShoalConnectWindow *self)
{
  g_auto(GStrv) hosts = shoal_connect_window_lan_addresses ();
  g_autofree char *address = rig_address (self);
  guint64 port = stratum_port (self);
  g_autofree char *command = NULL;
  g_autofree char *snippet = NULL;

  fill_addresses (self, (const char * const *) hosts, port);
  command = g_strdup_printf ("xmrig -o %s:%" G_GUINT64_FORMAT " -u %s -p %s -a rx/0 -k",
                             hosts[0], port, address, RIG_NAME);
  snippet = g_strdup_printf ("\"pools\": [\n"
                             "    {\n"
                             "        \"url\": \"%s:%" G_GUINT64_FORMAT "\",\n"
                             "        \"user\": \"%s\",\n"
                             "        \"pass\": \"%s\",\n"
                             "        \"algo\": \"rx/0\",\n"
                             "        \"keepalive\": true,\n"
                             "        \"tls\": false\n"
                             "    }\n"
                             "]", hosts[0], port, address, RIG_NAME);
  gtk_label_set_text (self->command_label, command);
  gtk_label_set_text (self->config_label, snippet);
}

static void
copy_text (ShoalConnectWindow *self,
           const char         *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Copied to the clipboard")));
}

static void
on_copy_command (ShoalConnectWindow *self)
{
  copy_text (self, gtk_label_get_text (self->command_label));
}

static void
on_copy_config (ShoalConnectWindow *self)
{
  copy_text (self, gtk_label_get_text (self->config_label));
}

static void
shoal_connect_window_dispose (GObject *object)
{
  ShoalConnectWindow *self = SHOAL_CONNECT_WINDOW (object);

  g_clear_object (&self->pool);
  g_clear_pointer (&self->address_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_CONNECT_WINDOW);
  G_OBJECT_CLASS (shoal_connect_window_parent_class)->dispose (object);
}

static void
shoal_connect_window_class_init (ShoalConnectWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_connect_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-connect-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalConnectWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, ShoalConnectWindow, address_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalConnectWindow, command_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalConnectWindow, config_label);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_command);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_config);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_connect_window_init (ShoalConnectWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->address_rows = g_ptr_array_new ();
}

GtkWindow *
shoal_connect_window_new (GtkWindow *parent,
                          ShoalPool *pool)
{
  ShoalConnectWindow *self;
  ShoalConfig *config;

  g_return_val_if_fail (SHOAL_IS_POOL (pool), NULL);

  self = g_object_new (SHOAL_TYPE_CONNECT_WINDOW, "transient-for", parent, NULL);
  self->pool = g_object_ref (pool);
  config = shoal_pool_get_config (pool);
  g_signal_connect_object (config, "notify::stratum-port", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (config, "notify::mode", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (config, "notify::pool-address", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (pool, "notify::status-message", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return GTK_WINDOW (self);
}
