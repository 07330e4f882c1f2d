/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-address.h"
#include "shoal-error.h"
#include "shoal-pool-private.h"

/* What stops or degrades a pool, and how the window and headless mode
 * say it.  Every sentence names what is wrong in plain words; the action
 * names the fix, and its GAction opens the place where it is made:
 *   app.assistant    the first-run assistant (node, address, mode, port)
 *   app.preferences  the preferences window
 *   app.restart      stops the pool and starts it again with the settings */

#define WALLET_PROBE_INTERVAL_S 30

static const char *
address_kind_words (ShoalAddressKind kind)
{
  return kind == SHOAL_ADDRESS_SUBADDRESS ? "subaddress" : "integrated address";
}

static ShoalCondition *
address_condition (const char *address)
{
  ShoalAddress parsed;
  g_autoptr(GError) local = NULL;

  if (address == NULL || *address == '\0')
    return shoal_condition_new ("no-address", SHOAL_CONDITION_STOPPED, "Set Up Shoal",
                                "app.assistant",
                                "No reward address is set: Shoal needs your wallet's primary "
                                "Monero address to pay block rewards to.");
  if (!shoal_address_parse (address, &parsed, &local))
    return shoal_condition_new ("bad-address", SHOAL_CONDITION_STOPPED, "Change the Address",
                                "app.assistant",
                                "The reward address is not a Monero address: %s.",
                                local->message);
  if (parsed.kind != SHOAL_ADDRESS_STANDARD)
    return shoal_condition_new ("bad-address", SHOAL_CONDITION_STOPPED, "Change the Address",
                                "app.assistant",
                                "The reward address is a %s, and a block reward can only go to "
                                "a primary address: use your wallet's main address.",
                                address_kind_words (parsed.kind));
  return NULL;
}

gboolean
_shoal_pool_check_address (ShoalPool   *self,
                           const char  *address,
                           GError     **error)
{
  ShoalCondition *condition = address_condition (address);

  _shoal_pool_clear_condition (self, "no-address");
  _shoal_pool_clear_condition (self, "bad-address");
  if (condition == NULL)
    return TRUE;
  g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, condition->sentence);
  _shoal_pool_set_condition (self, condition);
  return FALSE;
}

static ShoalCondition *
start_condition (const char   *stage,
                 const GError *error)
{
  if (g_strcmp0 (stage, "database") == 0 &&
      g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_IN_USE))
    return shoal_condition_new ("database-locked", SHOAL_CONDITION_STOPPED, "Try Again",
                                "app.restart",
                                "Another Shoal is already running this pool (%s): quit it, "
                                "then try again.", error->message);
  if (g_strcmp0 (stage, "database") == 0)
    return shoal_condition_new ("database", SHOAL_CONDITION_STOPPED, "Try Again", "app.restart",
                                "The pool database cannot be opened: %s.", error->message);
  if (g_strcmp0 (stage, "stratum") == 0 &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    return shoal_condition_new ("port-in-use", SHOAL_CONDITION_STOPPED, "Choose Another Port",
                                "app.preferences",
                                "The stratum port is in use by another program, so rigs cannot "
                                "connect (%s).", error->message);
  if (g_strcmp0 (stage, "stratum") == 0)
    return shoal_condition_new ("stratum", SHOAL_CONDITION_STOPPED, "Open Preferences",
                                "app.preferences", "Rigs cannot connect: %s.", error->message);
  if (g_strcmp0 (stage, "mode") == 0)
    return shoal_condition_new ("mode", SHOAL_CONDITION_STOPPED, "Open Preferences",
                                "app.preferences", "%s", error->message);
  return shoal_condition_new (stage, SHOAL_CONDITION_STOPPED, "Try Again", "app.restart",
                              "The %s could not start: %s.", stage, error->message);
}

void
_shoal_pool_start_failed (ShoalPool    *self,
                          const char   *stage,
                          const GError *error)
{
  _shoal_pool_set_condition (self, start_condition (stage, error));
}

/* --- the node ----------------------------------------------------- */

static void
check_unreachable (ShoalPool       *self,
                   ShoalTipWatcher *watcher,
                   const char      *uri)
{
  const GError *error = shoal_tip_watcher_get_error (watcher);

  /* No answer and no error yet: the first poll is still out. */
  if (error == NULL)
    return;
  if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_AUTH))
    {
      _shoal_pool_clear_condition (self, "node-unreachable");
      _shoal_pool_set_condition (self, shoal_condition_new (
        "node-login", SHOAL_CONDITION_STOPPED, "Change the Node Login", "app.assistant",
        "The Monero node at %s refused Shoal's login: set the user and password it was "
        "started with (--rpc-login).", uri));
      return;
    }
  _shoal_pool_clear_condition (self, "node-login");
  _shoal_pool_set_condition (self, shoal_condition_new (
    "node-unreachable", SHOAL_CONDITION_DEGRADED, "Check the Node", "app.assistant",
    "The Monero node at %s does not answer (%s): rigs keep their last job, but no new work "
    "or block can reach the network until it does.", uri, error->message));
}

static void
check_sync (ShoalPool             *self,
            const ShoalNodeStatus *status)
{
  if (status == NULL || status->synchronized)
    {
      _shoal_pool_clear_condition (self, "node-syncing");
      return;
    }
  if (status->target_height == 0)
    {
      _shoal_pool_set_condition (self, shoal_condition_new (
        "node-syncing", SHOAL_CONDITION_DEGRADED, NULL, NULL,
        "Node syncing, 0 %%: it is looking for other nodes to learn the chain from (it is "
        "at block %" G_GUINT64_FORMAT "). Rigs keep their last job until it has caught up.",
        status->height));
      return;
    }
  _shoal_pool_set_condition (self, shoal_condition_new (
    "node-syncing", SHOAL_CONDITION_DEGRADED, NULL, NULL,
    "Node syncing, %u %% (block %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT "): rigs keep "
    "their last job, and new work starts once it has caught up.",
    shoal_node_status_get_percent (status), status->height,
    MAX (status->height, status->target_height)));
}

/* TRUE when the address and the node are on different networks. */
static gboolean
check_network (ShoalPool             *self,
               const ShoalNodeStatus *status,
               const char            *uri)
{
  const char *address = shoal_pool_get_pool_address (self);
  ShoalAddress parsed;
  const char *network;

  if (status == NULL || address == NULL || !shoal_address_parse (address, &parsed, NULL))
    return FALSE;
  network = shoal_network_to_string (parsed.network);
  if (shoal_node_status_is_network (status, network))
    {
      _shoal_pool_clear_condition (self, "wrong-network");
      return FALSE;
    }
  _shoal_pool_set_condition (self, shoal_condition_new (
    "wrong-network", SHOAL_CONDITION_STOPPED, "Change the Address", "app.assistant",
    "The reward address is for %s, but the node at %s is on %s: blocks could not pay it. "
    "Use an address of the node's network, or a node of the address's.",
    network, uri, g_strcmp0 (status->network, "fakechain") == 0 ? "regtest" : status->network));
  return TRUE;
}

static void
check_template (ShoalPool       *self,
                ShoalJobManager *jobs)
{
  const char *status = shoal_job_manager_get_status (jobs);

  if (!g_str_has_prefix (status, "no template: "))
    {
      if (g_strcmp0 (status, "ok") == 0 || g_strcmp0 (status, "node syncing") == 0)
        _shoal_pool_clear_condition (self, "no-template");
      return;
    }
  _shoal_pool_set_condition (self, shoal_condition_new (
    "no-template", SHOAL_CONDITION_DEGRADED, "Check the Node", "app.assistant",
    "The node gives no work for rigs: %s.", status + strlen ("no template: ")));
}

void
_shoal_pool_check_node (ShoalPool *self)
{
  ShoalJobManager *jobs = _shoal_pool_get_jobs (self);
  ShoalTipWatcher *watcher;
  const char *uri;

  if (jobs == NULL || _shoal_pool_get_node (self) == NULL)
    return;
  watcher = shoal_job_manager_get_watcher (jobs);
  uri = shoal_node_client_get_uri (_shoal_pool_get_node (self));
  if (!shoal_tip_watcher_get_reachable (watcher))
    {
      check_unreachable (self, watcher, uri);
      return;
    }
  _shoal_pool_clear_condition (self, "node-unreachable");
  _shoal_pool_clear_condition (self, "node-login");
  check_sync (self, shoal_tip_watcher_get_node_status (watcher));
  if (check_network (self, shoal_tip_watcher_get_node_status (watcher), uri))
    _shoal_pool_clear_condition (self, "no-template");
  else
    check_template (self, jobs);
}

/* --- the wallet (small-pool mode) --------------------------------- */

static void
on_wallet_version (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ShoalPool) self = g_weak_ref_get (user_data);
  g_autoptr(GError) error = NULL;
  const char *uri = shoal_wallet_client_get_uri (SHOAL_WALLET_CLIENT (source));

  shoal_wallet_client_get_version_finish (SHOAL_WALLET_CLIENT (source), result, NULL, NULL, &error);
  g_weak_ref_clear (user_data);
  g_free (user_data);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_AUTH))
    _shoal_pool_set_condition (self, shoal_condition_new (
      "wallet-login", SHOAL_CONDITION_DEGRADED, "Change the Wallet Login", "app.preferences",
      "The wallet at %s refused Shoal's login: members are credited, but nobody can be paid "
      "until the wallet login is the one it was started with.", uri));
  else
    _shoal_pool_clear_condition (self, "wallet-login");
  if (error != NULL && !g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_AUTH))
    _shoal_pool_set_condition (self, shoal_condition_new (
      "wallet-unreachable", SHOAL_CONDITION_DEGRADED, "Check the Wallet Settings",
      "app.preferences",
      "The wallet at %s does not answer (%s): members are credited, but nobody can be paid "
      "until it does.", uri, error->message));
  else
    _shoal_pool_clear_condition (self, "wallet-unreachable");
}

static gboolean
probe_wallet (gpointer user_data)
{
  ShoalPool *self = user_data;
  ShoalWalletClient *wallet = _shoal_pool_get_wallet (self);
  GWeakRef *ref;

  if (wallet == NULL)
    return G_SOURCE_REMOVE;
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  shoal_wallet_client_get_version_async (wallet, NULL, on_wallet_version, ref);
  return G_SOURCE_CONTINUE;
}

guint
_shoal_pool_start_wallet_probe (ShoalPool *self)
{
  probe_wallet (self);
  return g_timeout_add_seconds (WALLET_PROBE_INTERVAL_S, probe_wallet, self);
}

/* --- settings changed while running ------------------------------- */

static void
on_config_changed (ShoalPool  *self,
                   GParamSpec *pspec)
{
  /* The window's own choice, not the pool's. */
  if (g_strcmp0 (pspec->name, "run-in-background") == 0)
    return;
  if (_shoal_pool_apply_setting (self, pspec->name))
    {
      g_message ("setting %s applied", pspec->name);
      return;
    }
  _shoal_pool_set_condition (self, shoal_condition_new (
    "restart-needed", SHOAL_CONDITION_NOTICE, "Restart the Pool", "app.restart",
    "A changed setting (%s) takes effect when the pool restarts; rigs reconnect by themselves.",
    pspec->name));
}

void
_shoal_pool_watch_config (ShoalPool *self)
{
  _shoal_pool_set_config_handler (self, g_signal_connect_object (
    shoal_pool_get_config (self), "notify", G_CALLBACK (on_config_changed), self,
    G_CONNECT_SWAPPED));
}
