/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-certificate.h"
#include "shoal-pool-private.h"

/* What the configuration makes of the pool's parts: where its database
 * and certificate live, how the validator runs, the daemons' logins and
 * feeds, and which changed settings a running pool takes at once.  Read
 * through the pool's accessors, on the pool's thread. */

/* Where the pool keeps its files: the playground's data directory (a
 * playground chain is new every time, and so are its blocks) or the
 * user's. */
static char *
data_file (ShoalPool  *self,
           const char *name)
{
  ShoalPlayground *playground = shoal_pool_get_playground (self);

  if (playground != NULL)
    return g_build_filename (shoal_playground_get_data_dir (playground), name, NULL);
  return g_build_filename (g_get_user_data_dir (), "shoal", name, NULL);
}

char *
_shoal_pool_database_path (ShoalPool *self)
{
  const char *configured = shoal_config_get_string (shoal_pool_get_config (self), "database");

  if (configured != NULL && *configured != '\0')
    return g_strdup (configured);
  return data_file (self, "shoal.db");
}

ShoalValidatorMode
_shoal_pool_validator_mode (ShoalConfig *config)
{
  const char *mode = shoal_config_get_string (config, "validator-mode");

  if (g_strcmp0 (mode, "light") == 0)
    return SHOAL_VALIDATOR_MODE_LIGHT;
  if (g_strcmp0 (mode, "full") == 0)
    return SHOAL_VALIDATOR_MODE_FULL;
  return SHOAL_VALIDATOR_MODE_AUTO;
}

/* The user's own certificate and key, or one Shoal makes on first start
 * and keeps (rigs pin its fingerprint, so it must not change). */
GTlsCertificate *
_shoal_pool_load_certificate (ShoalPool  *self,
                              GError    **error)
{
  ShoalConfig *config = shoal_pool_get_config (self);
  const char *cert = shoal_config_get_string (config, "tls-certificate");
  const char *key = shoal_config_get_string (config, "tls-key");
  g_autofree char *dir = NULL;

  if (cert != NULL && *cert != '\0')
    return g_tls_certificate_new_from_files (cert, (key && *key) ? key : cert, error);
  dir = data_file (self, "tls");
  return shoal_certificate_load_or_create (dir, error);
}

/* Settings a running pool takes at once: vardiff and the per-address cap
 * (the stratum server applies them to the next job and the next
 * connection), the payout threshold and schedule.  The fee and the PPLNS
 * window need nothing here: each block takes the ones of the moment it is
 * found; node-managed-keep-running is read when the pool stops. */
static const char * const stratum_live[][2] = {
  { "start-difficulty", "start-difficulty" },
  { "min-difficulty", "min-difficulty" },
  { "share-interval", "share-interval" },
  { "stratum-max-per-ip", "max-connections-per-ip" },
};

static const char * const read_when_used[] = {
  "pool-fee-bps", "pplns-window", "node-managed-keep-running",
};

static void
set_on_stratum (ShoalStratumServer *stratum,
                const char         *property,
                guint64             value)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (stratum), property);

  if (pspec->value_type == G_TYPE_UINT64)
    g_object_set (stratum, property, value, NULL);
  else
    g_object_set (stratum, property, (guint) MIN (value, G_MAXUINT), NULL);
}

static gboolean
apply_to_stratum (ShoalPool  *self,
                  const char *key)
{
  ShoalStratumServer *stratum = _shoal_pool_get_stratum (self);

  for (guint i = 0; i < G_N_ELEMENTS (stratum_live); i++)
    if (g_str_equal (key, stratum_live[i][0]))
      {
        /* Without a server: read when it starts. */
        if (stratum != NULL)
          set_on_stratum (stratum, stratum_live[i][1],
                          shoal_config_get_uint64 (shoal_pool_get_config (self), key));
        return TRUE;
      }
  return FALSE;
}

gboolean
_shoal_pool_apply_setting (ShoalPool  *self,
                           const char *key)
{
  ShoalConfig *config = shoal_pool_get_config (self);
  ShoalPayer *payer = _shoal_pool_get_payer (self);

  if (g_strv_contains (read_when_used, key) || apply_to_stratum (self, key))
    return TRUE;
  if (g_str_equal (key, "payout-threshold") || g_str_equal (key, "payout-interval"))
    {
      if (payer == NULL)
        return shoal_pool_get_mode (self) != SHOAL_MODE_PPLNS ||
               _shoal_pool_get_stratum (self) == NULL;
      /* Only the one that changed: a new interval starts its count again. */
      if (g_str_equal (key, "payout-threshold"))
        shoal_payer_set_threshold (payer, shoal_config_get_uint64 (config, "payout-threshold"));
      else
        shoal_payer_set_interval (payer, shoal_config_get_uint64 (config, "payout-interval"));
      return TRUE;
    }
  return FALSE;
}

const char *
_shoal_pool_zmq_url (ShoalPool *self)
{
  ShoalManagedNode *managed = _shoal_pool_get_managed (self);
  ShoalPlayground *playground = shoal_pool_get_playground (self);

  if (managed != NULL)
    return shoal_managed_node_get_zmq_uri (managed);
  if (playground != NULL)
    return shoal_playground_get_zmq_uri (playground);
  return shoal_config_get_string (shoal_pool_get_config (self), "node-zmq-url");
}

void
_shoal_pool_node_login (ShoalPool  *self,
                        char      **user,
                        char      **password)
{
  ShoalManagedNode *managed = _shoal_pool_get_managed (self);

  *user = NULL;
  *password = NULL;
  if (managed != NULL)
    {
      *user = g_strdup (shoal_managed_node_get_rpc_username (managed));
      *password = g_strdup (shoal_managed_node_get_rpc_password (managed));
    }
  else if (shoal_pool_get_playground (self) == NULL)
    _shoal_split_login (shoal_config_get_string (shoal_pool_get_config (self), "node-login"),
                        user, password);
}

void
_shoal_split_login (const char  *login,
                    char       **user,
                    char       **password)
{
  const char *colon = login ? strchr (login, ':') : NULL;

  *user = NULL;
  *password = NULL;
  if (login == NULL || *login == '\0')
    return;
  *user = colon ? g_strndup (login, colon - login) : g_strdup (login);
  *password = g_strdup (colon ? colon + 1 : "");
}
