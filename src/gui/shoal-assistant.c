/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-address.h"
#include "shoal-error.h"
#include "shoal-format.h"
#include "shoal-managed-node.h"
#include "shoal-node-client.h"
#include "shoal-upstream-client.h"
#include "shoal-assistant.h"

/* Typing pauses this long before the node is asked. */
#define CHECK_DELAY_MS 600
#define CHECK_TIMEOUT_S 5

struct _ShoalAssistant
{
  AdwWindow        parent_instance;
  GSettings       *settings;
  GCancellable    *check_cancellable;
  guint            check_id;
  ShoalNodeStatus *node_status;    /* the checked node's, NULL until it answered well */
  guint16          free_port;      /* offered when the chosen one is taken, 0 if none */
  gboolean         managed;        /* "Run a Node for Me" was chosen */

  GtkButton       *back_button;
  GtkStack        *stack;
  AdwActionRow    *try_row;
  AdwActionRow    *own_node_row;
  AdwActionRow    *managed_row;
  AdwBin          *managed_bin;
  AdwStatusPage   *managed_status;
  GtkButton       *managed_next_button;
  AdwEntryRow     *url_row;
  AdwEntryRow     *user_row;
  AdwEntryRow     *password_row;
  GtkLabel        *check_label;
  GtkButton       *node_next_button;
  AdwEntryRow     *address_row;
  GtkLabel        *address_label;
  AdwComboRow     *mode_row;
  AdwEntryRow     *p2pool_row;
  GtkLabel        *p2pool_label;
  AdwActionRow    *fee_row;
  AdwActionRow    *threshold_row;
  GtkSpinButton   *fee_spin;
  GtkSpinButton   *threshold_spin;
  GtkSpinButton   *port_spin;
  GtkLabel        *port_label;
  GtkButton       *port_fix_button;
  GtkButton       *start_button;
};

G_DEFINE_FINAL_TYPE (ShoalAssistant, shoal_assistant, ADW_TYPE_WINDOW)

static void
show_page (ShoalAssistant *self,
           const char     *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), g_strcmp0 (name, "start") != 0);
}

static void
on_back (ShoalAssistant *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  /* The pool page follows the node page only when a node was checked. */
  if (g_strcmp0 (page, "pool") == 0 && self->managed)
    show_page (self, "managed");
  else if (g_strcmp0 (page, "pool") == 0 && self->node_status != NULL)
    show_page (self, "node");
  else
    show_page (self, "start");
}

static void
restart_and_close (ShoalAssistant *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GApplication *app = parent ? G_APPLICATION (gtk_window_get_application (parent)) : NULL;

  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "restart", NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* "Try It": the playground, no questions asked. */
static void
on_try (ShoalAssistant *self)
{
  g_settings_set_boolean (self->settings, "playground", TRUE);
  restart_and_close (self);
}

/* --- the user's node ---------------------------------------------- */

static char *
describe_status (const ShoalNodeStatus *s)
{
  g_autofree char *sync = NULL;
  const char *network = g_strcmp0 (s->network, "fakechain") == 0 ? "regtest" : s->network;

  if (s->synchronized)
    /* Translators: a block height */
    sync = g_strdup_printf (_("synchronised at block %" G_GUINT64_FORMAT), s->height);
  else if (s->target_height == 0)
    sync = g_strdup (_("syncing: looking for other nodes"));
  else
    sync = g_strdup_printf (_("syncing, %u %% (block %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                              "); Shoal waits for it before rigs get work"),
                            shoal_node_status_get_percent (s), s->height, s->target_height);
  /* Translators: monerod's version, its network, then its sync state */
  return g_strdup_printf (_("Reachable: monerod %s on %s, %s."),
                          *s->version ? s->version : _("(version unknown)"), network, sync);
}

static char *
describe_error (const GError *error,
                const char   *url)
{
  if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_AUTH))
    return g_strdup_printf (_("%s asks for a login, and this one was refused: enter the user "
                              "and password monerod was started with (--rpc-login)."), url);
  if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT))
    return g_strdup_printf (_("%s did not answer in time: is the address right, and is the "
                              "computer on?"), url);
  if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE))
    return g_strdup_printf (_("Nothing answers at %s (%s): is monerod running, and is this "
                              "its RPC port?"), url, error->message);
  return g_strdup_printf (_("Something answers at %s, but it is not a Monero node (%s)."),
                          url, error->message);
}

static void
show_check (ShoalAssistant *self,
            const char     *text,
            gboolean        usable)
{
  gtk_label_set_text (self->check_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->node_next_button), usable);
}

static void
on_info (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  ShoalAssistant *self;
  g_autofree char *text = NULL;

  info = shoal_node_client_get_info_finish (SHOAL_NODE_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = SHOAL_ASSISTANT (user_data);
  g_clear_pointer (&self->node_status, shoal_node_status_free);
  if (info == NULL)
    {
      text = describe_error (error, shoal_node_client_get_uri (SHOAL_NODE_CLIENT (source)));
      show_check (self, text, FALSE);
      return;
    }
  self->node_status = shoal_node_status_new_from_info (info);
  if (self->node_status->restricted)
    {
      show_check (self, _("This is a restricted (public) RPC port: it cannot give Shoal work. "
                          "Use the node's full RPC port, usually 18081."), FALSE);
      return;
    }
  text = describe_status (self->node_status);
  show_check (self, text, TRUE);
}

static gboolean
check_node (gpointer user_data)
{
  ShoalAssistant *self = user_data;
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  g_autoptr(ShoalNodeClient) client = NULL;

  self->check_id = 0;
  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
    {
      show_check (self, _("Enter the node's address, like http://127.0.0.1:18081."), FALSE);
      return G_SOURCE_REMOVE;
    }
  self->check_cancellable = g_cancellable_new ();
  client = shoal_node_client_new (url, *user ? user : NULL,
                                  gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  shoal_node_client_set_timeout (client, CHECK_TIMEOUT_S);
  show_check (self, _("Checking…"), FALSE);
  shoal_node_client_get_info_async (client, self->check_cancellable, on_info, self);
  return G_SOURCE_REMOVE;
}

static void
schedule_check (ShoalAssistant *self)
{
  g_clear_handle_id (&self->check_id, g_source_remove);
  self->check_id = g_timeout_add (CHECK_DELAY_MS, check_node, self);
}

static void
on_own_node (ShoalAssistant *self)
{
  self->managed = FALSE;
  show_page (self, "node");
  check_node (self);
}

/* --- a node Shoal runs -------------------------------------------- */

static char *
managed_data_dir (ShoalAssistant *self)
{
  g_autofree char *chosen = g_settings_get_string (self->settings, "node-managed-data-dir");

  return *chosen != '\0' ? g_steal_pointer (&chosen) : shoal_managed_node_default_data_dir ();
}

/* Free bytes on the file system that holds PATH (or the nearest folder
 * above it that exists yet), G_MAXUINT64 when it cannot be told. */
static guint64
free_bytes (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  while (file != NULL)
    {
      g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                                NULL, NULL);
      g_autoptr(GFile) parent = NULL;

      if (info != NULL)
        return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
      parent = g_file_get_parent (file);
      g_set_object (&file, parent);
    }
  return G_MAXUINT64;
}

/* What running a node means, said before anything is started: the disk
 * it needs, how long the first sync takes, and whether this disk can
 * hold it. */
static void
describe_managed (ShoalAssistant *self)
{
  g_autofree char *dir = managed_data_dir (self);
  g_autofree char *sync = shoal_managed_node_describe_sync ();
  guint64 available = free_bytes (dir);
  g_autofree char *have = g_format_size (available);
  g_autofree char *need = g_format_size (SHOAL_MANAGED_NODE_DEFAULT_MIN_FREE_BYTES);
  g_autofree char *disk = NULL;
  g_autofree char *text = NULL;

  if (available == G_MAXUINT64)
    disk = g_strdup_printf (_("The chain goes to %s."), dir);
  else if (available < SHOAL_MANAGED_NODE_DEFAULT_MIN_FREE_BYTES)
    disk = g_strdup_printf (_("Only %s is free where the chain goes (%s), and the node needs "
                              "%s: free some space, or choose another folder for it in "
                              "Preferences before you start."), have, dir, need);
  else
    disk = g_strdup_printf (_("The chain goes to %s, where %s is free."), dir, have);
  text = g_strdup_printf ("%s\n\n%s", sync, disk);
  adw_status_page_set_description (self->managed_status, text);
}

static void
on_managed (ShoalAssistant *self)
{
  self->managed = TRUE;
  g_clear_pointer (&self->node_status, shoal_node_status_free);
  describe_managed (self);
  show_page (self, "managed");
}

/* --- address, mode and port --------------------------------------- */

/* The rows of the mode choice, in order. */
enum { CHOICE_SOLO, CHOICE_GROUP, CHOICE_P2POOL };

static const char * const choice_modes[] = { "solo", "pplns", "upstream" };

/* P2Pool's stratum port on the same computer, as P2Pool starts by default. */
#define P2POOL_DEFAULT_URL "stratum+tcp://127.0.0.1:3333"

static guint
mode_choice (ShoalAssistant *self)
{
  return MIN (adw_combo_row_get_selected (self->mode_row), CHOICE_P2POOL);
}

static const char *
node_network (ShoalAssistant *self)
{
  /* The node Shoal runs is always on mainnet. */
  if (self->managed)
    return "mainnet";
  if (self->node_status == NULL)
    return NULL;
  return g_strcmp0 (self->node_status->network, "fakechain") == 0 ? "mainnet"
                                                                  : self->node_status->network;
}

/* NULL when the address can receive block rewards from the checked node. */
static char *
address_problem (ShoalAssistant *self,
                 const char     *text)
{
  g_autoptr(GError) error = NULL;
  ShoalAddress address;
  const char *network = node_network (self);

  if (*text == '\0')
    return g_strdup (_("Paste your wallet's primary address (it starts with 4 on mainnet)."));
  if (!shoal_address_parse (text, &address, &error))
    return g_strdup_printf (_("This is not a Monero address: %s."), error->message);
  if (address.kind != SHOAL_ADDRESS_STANDARD)
    return g_strdup_printf (_("This is a %s: a block reward can only go to a primary address. "
                              "Use your wallet's main address."),
                            address.kind == SHOAL_ADDRESS_SUBADDRESS ? _("subaddress")
                                                                     : _("integrated address"));
  if (network != NULL && g_strcmp0 (network, shoal_network_to_string (address.network)) != 0)
    return g_strdup_printf (_("This is a %s address, but your node is on %s: use an address "
                              "of the node's network."),
                            shoal_network_to_string (address.network), network);
  return NULL;
}

static gboolean
port_is_free (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, port);

  return socket != NULL && g_socket_bind (socket, address, TRUE, NULL);
}

static void
update_port (ShoalAssistant *self)
{
  guint16 port = (guint16) gtk_spin_button_get_value_as_int (self->port_spin);
  g_autofree char *text = NULL;
  g_autofree char *fix = NULL;

  self->free_port = 0;
  if (port_is_free (port))
    {
      gtk_label_set_text (self->port_label, _("This port is free."));
      gtk_widget_set_visible (GTK_WIDGET (self->port_fix_button), FALSE);
      return;
    }
  for (guint p = port + 1; p <= 65535 && p < port + 100u && self->free_port == 0; p++)
    if (port_is_free ((guint16) p))
      self->free_port = (guint16) p;
  /* Translators: a TCP port number */
  text = g_strdup_printf (_("Port %u is in use by another program."), port);
  gtk_label_set_text (self->port_label, text);
  fix = g_strdup_printf (_("Use Port %u"), self->free_port);
  gtk_button_set_label (self->port_fix_button, fix);
  gtk_widget_set_visible (GTK_WIDGET (self->port_fix_button), self->free_port != 0);
}

/* NULL when the P2Pool address can be used; P2Pool pays the wallet it
 * was started with, which the person must know before choosing it. */
static char *
p2pool_problem (ShoalAssistant *self)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;

  endpoint = shoal_upstream_endpoint_parse (gtk_editable_get_text (GTK_EDITABLE (self->p2pool_row)),
                                            "shoal", &error);
  if (endpoint != NULL)
    return NULL;
  /* Translators: %s says what is wrong, e.g. "“p2pool.lan”: no port" */
  return g_strdup_printf (_("Shoal cannot use this address: %s. Write it as "
                            "stratum+tcp://HOST:PORT; P2Pool's stratum port is 3333 unless it "
                            "was started with another."), error->message);
}

/* Shows P2Pool's address and what it means; FALSE while it is unusable. */
static gboolean
update_p2pool (ShoalAssistant *self,
               gboolean        chosen)
{
  g_autofree char *problem = chosen ? p2pool_problem (self) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->p2pool_row), chosen);
  gtk_widget_set_visible (GTK_WIDGET (self->p2pool_label), chosen);
  gtk_label_set_text (self->p2pool_label,
                      problem != NULL ? problem
                      : _("Your rigs mine P2Pool's shares through Shoal, every share checked "
                          "here first. P2Pool pays the wallet it was started with; the address "
                          "above gets the blocks your rigs find solo while P2Pool cannot be "
                          "reached."));
  return problem == NULL;
}

static void
update_pool_page (ShoalAssistant *self)
{
  g_autofree char *problem = address_problem (self, gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
  guint choice = mode_choice (self);
  guint16 port = (guint16) gtk_spin_button_get_value_as_int (self->port_spin);
  gboolean p2pool_ok = update_p2pool (self, choice == CHOICE_P2POOL);

  gtk_label_set_text (self->address_label,
                      problem != NULL ? problem : _("This address can receive block rewards."));
  gtk_widget_set_visible (GTK_WIDGET (self->fee_row), choice == CHOICE_GROUP);
  gtk_widget_set_visible (GTK_WIDGET (self->threshold_row), choice == CHOICE_GROUP);
  update_port (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button),
                            problem == NULL && p2pool_ok && self->free_port == 0 &&
                            port_is_free (port));
}

static void
on_port_fix (ShoalAssistant *self)
{
  if (self->free_port != 0)
    gtk_spin_button_set_value (self->port_spin, self->free_port);
}

static void
on_node_next (ShoalAssistant *self)
{
  show_page (self, "pool");
  update_pool_page (self);
}

static void
save_node (ShoalAssistant *self)
{
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  g_autofree char *login = NULL;

  if (*user != '\0')
    login = g_strdup_printf ("%s:%s", user,
                             gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  g_settings_set_string (self->settings, "node-url",
                         gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  g_settings_set_string (self->settings, "node-login", login != NULL ? login : "");
}

static void
save_p2pool (ShoalAssistant *self)
{
  const char *urls[] = { gtk_editable_get_text (GTK_EDITABLE (self->p2pool_row)), NULL };

  g_settings_set_strv (self->settings, "upstream-urls", urls);
}

static void
on_start (ShoalAssistant *self)
{
  guint choice = mode_choice (self);
  double xmr = gtk_spin_button_get_value (self->threshold_spin);

  if (self->node_status != NULL)
    save_node (self);
  g_settings_set_boolean (self->settings, "playground", FALSE);
  g_settings_set_boolean (self->settings, "node-managed", self->managed);
  g_settings_set_string (self->settings, "pool-address",
                         gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
  g_settings_set_string (self->settings, "mode", choice_modes[choice]);
  if (choice == CHOICE_P2POOL)
    save_p2pool (self);
  /* Basis points and atomic units: whole numbers from here on. */
  g_settings_set_uint64 (self->settings, "pool-fee-bps",
                         (guint64) (gtk_spin_button_get_value (self->fee_spin) * 100.0 + 0.5));
  g_settings_set_uint64 (self->settings, "payout-threshold",
                         (guint64) (xmr * 1000.0 + 0.5) * G_GUINT64_CONSTANT (1000000000));
  g_settings_set_uint64 (self->settings, "stratum-port",
                         (guint64) gtk_spin_button_get_value_as_int (self->port_spin));
  restart_and_close (self);
}

/* --- GObject ------------------------------------------------------ */

static void
load_settings (ShoalAssistant *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "node-url");
  g_autofree char *login = g_settings_get_string (self->settings, "node-login");
  g_autofree char *address = g_settings_get_string (self->settings, "pool-address");
  g_autofree char *mode = g_settings_get_string (self->settings, "mode");
  g_auto(GStrv) upstreams = g_settings_get_strv (self->settings, "upstream-urls");
  char *colon = strchr (login, ':');

  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  if (colon != NULL)
    {
      *colon = '\0';
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), colon + 1);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), login);
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address);
  for (guint i = 0; i < G_N_ELEMENTS (choice_modes); i++)
    if (g_strcmp0 (mode, choice_modes[i]) == 0)
      adw_combo_row_set_selected (self->mode_row, i);
  gtk_editable_set_text (GTK_EDITABLE (self->p2pool_row),
                         upstreams[0] != NULL ? upstreams[0] : P2POOL_DEFAULT_URL);
  gtk_spin_button_set_value (self->fee_spin,
                             g_settings_get_uint64 (self->settings, "pool-fee-bps") / 100.0);
  gtk_spin_button_set_value (self->threshold_spin,
                             g_settings_get_uint64 (self->settings, "payout-threshold") / 1e12);
  gtk_spin_button_set_value (self->port_spin, g_settings_get_uint64 (self->settings,
                                                                     "stratum-port"));
}

static void
connect_signals (ShoalAssistant *self)
{
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (on_back), self);
  g_signal_connect_swapped (self->try_row, "activated", G_CALLBACK (on_try), self);
  g_signal_connect_swapped (self->own_node_row, "activated", G_CALLBACK (on_own_node), self);
  g_signal_connect_swapped (self->managed_row, "activated", G_CALLBACK (on_managed), self);
  g_signal_connect_swapped (self->url_row, "changed", G_CALLBACK (schedule_check), self);
  g_signal_connect_swapped (self->user_row, "changed", G_CALLBACK (schedule_check), self);
  g_signal_connect_swapped (self->password_row, "changed", G_CALLBACK (schedule_check), self);
  g_signal_connect_swapped (self->node_next_button, "clicked", G_CALLBACK (on_node_next), self);
  g_signal_connect_swapped (self->managed_next_button, "clicked", G_CALLBACK (on_node_next), self);
  g_signal_connect_swapped (self->address_row, "changed", G_CALLBACK (update_pool_page), self);
  g_signal_connect_swapped (self->mode_row, "notify::selected", G_CALLBACK (update_pool_page),
                            self);
  g_signal_connect_swapped (self->p2pool_row, "changed", G_CALLBACK (update_pool_page), self);
  g_signal_connect_swapped (self->port_spin, "value-changed", G_CALLBACK (update_pool_page),
                            self);
  g_signal_connect_swapped (self->port_fix_button, "clicked", G_CALLBACK (on_port_fix), self);
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (on_start), self);
}

static void
shoal_assistant_dispose (GObject *object)
{
  ShoalAssistant *self = SHOAL_ASSISTANT (object);

  g_clear_handle_id (&self->check_id, g_source_remove);
  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  g_clear_pointer (&self->node_status, shoal_node_status_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (shoal_assistant_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, ShoalAssistant, name)

static void
shoal_assistant_class_init (ShoalAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_assistant_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-assistant.ui");
  BIND (back_button); BIND (stack); BIND (try_row); BIND (own_node_row); BIND (managed_row);
  BIND (managed_bin); BIND (managed_status); BIND (managed_next_button); BIND (url_row); BIND (user_row); BIND (password_row); BIND (check_label);
  BIND (node_next_button); BIND (address_row); BIND (address_label); BIND (mode_row);
  BIND (p2pool_row); BIND (p2pool_label);
  BIND (fee_row); BIND (threshold_row); BIND (fee_spin); BIND (threshold_spin);
  BIND (port_spin); BIND (port_label); BIND (port_fix_button); BIND (start_button);
}

static void
shoal_assistant_init (ShoalAssistant *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ShoalAssistant *
shoal_assistant_new (GtkWindow *parent,
                     GSettings *settings)
{
  ShoalAssistant *self = g_object_new (SHOAL_TYPE_ASSISTANT, "transient-for", parent, NULL);

  self->settings = g_object_ref (settings);
  load_settings (self);
  connect_signals (self);
  show_page (self, "start");
  return self;
}
