/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-config.h"

typedef enum { KIND_STRING, KIND_UINT64, KIND_BOOLEAN, KIND_STRV } Kind;

typedef struct
{
  const char *key;
  Kind        kind;
  const char *default_string;
  guint64     default_uint64;
  guint64     max_uint64;
} Key;

/* Keep this table, data/org.shoalpool.Shoal.gschema.xml and the README's
 * configuration section in step: a test compares the first two. */
static const Key keys[] = {
  { "node-url",          KIND_STRING,  "http://127.0.0.1:18081", 0, 0 },
  { "node-zmq-url",      KIND_STRING,  "", 0, 0 },
  { "wallet-url",        KIND_STRING,  "http://127.0.0.1:18083", 0, 0 },
  { "wallet-login",      KIND_STRING,  "", 0, 0 },
  { "mode",              KIND_STRING,  "solo", 0, 0 },
  { "pool-address",      KIND_STRING,  "", 0, 0 },
  { "pool-fee-bps",      KIND_UINT64,  NULL, 100, 10000 },
  { "payout-threshold",  KIND_UINT64,  NULL, 100000000000, G_MAXINT64 },
  { "payout-interval",   KIND_UINT64,  NULL, 0, 7 * 24 * 3600 },
  { "pplns-window",      KIND_UINT64,  NULL, 2, 100 },
  { "stratum-bind",      KIND_STRING,  "0.0.0.0", 0, 0 },
  { "stratum-port",      KIND_UINT64,  NULL, 3333, 65535 },
  { "stratum-tls-port",  KIND_UINT64,  NULL, 0, 65535 },
  { "stratum-max-per-ip", KIND_UINT64, NULL, 256, G_MAXUINT32 },
  { "tls-certificate",   KIND_STRING,  "", 0, 0 },
  { "tls-key",           KIND_STRING,  "", 0, 0 },
  { "start-difficulty",  KIND_UINT64,  NULL, 10000, G_MAXINT64 },
  { "min-difficulty",    KIND_UINT64,  NULL, 1000, G_MAXINT64 },
  { "share-interval",    KIND_UINT64,  NULL, 15, 3600 },
  { "validator-mode",    KIND_STRING,  "auto", 0, 0 },
  { "validator-threads", KIND_UINT64,  NULL, 0, 1024 },
  { "database",          KIND_STRING,  "", 0, 0 },
  { "api-enabled",       KIND_BOOLEAN, NULL, FALSE, 0 },
  { "api-bind",          KIND_STRING,  "0.0.0.0", 0, 0 },
  { "api-port",          KIND_UINT64,  NULL, 8080, 65535 },
  { "playground",        KIND_BOOLEAN, NULL, FALSE, 0 },
  { "playground-difficulty", KIND_UINT64, NULL, 1000, G_MAXINT64 },
  { "node-poll-interval", KIND_UINT64, NULL, 1000, 60000 },
  { "node-managed",      KIND_BOOLEAN, NULL, FALSE, 0 },
  { "node-managed-binary", KIND_STRING, "", 0, 0 },
  { "node-managed-data-dir", KIND_STRING, "", 0, 0 },
  { "node-managed-args", KIND_STRING,  "", 0, 0 },
  { "node-managed-ignore-disk-space", KIND_BOOLEAN, NULL, FALSE, 0 },
  { "node-managed-keep-running", KIND_BOOLEAN, NULL, FALSE, 0 },
  { "node-login",        KIND_STRING,  "", 0, 0 },
  { "run-in-background", KIND_BOOLEAN, NULL, TRUE, 0 },
  { "backup-node-urls",  KIND_STRING,  "", 0, 0 },
  { "upstream-urls",     KIND_STRV,    NULL, 0, 0 },
  { "upstream-user",     KIND_STRING,  "", 0, 0 },
  { "upstream-relay",    KIND_STRING,  "per-rig", 0, 0 },
  { "upstream-split",    KIND_BOOLEAN, NULL, FALSE, 0 },
  { "upstream-sidechain", KIND_STRING, "mini", 0, 0 },
};

struct _ShoalConfig
{
  GObject parent_instance;
  GValue  values[G_N_ELEMENTS (keys)];
};

G_DEFINE_FINAL_TYPE (ShoalConfig, shoal_config, G_TYPE_OBJECT)

static GParamSpec *properties[G_N_ELEMENTS (keys) + 1];

static void
shoal_config_finalize (GObject *object)
{
  ShoalConfig *self = SHOAL_CONFIG (object);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_value_unset (&self->values[i]);
  G_OBJECT_CLASS (shoal_config_parent_class)->finalize (object);
}

static void
shoal_config_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ShoalConfig *self = SHOAL_CONFIG (object);

  g_value_copy (&self->values[prop_id - 1], value);
}

static gboolean
values_equal (const GValue *a, const GValue *b)
{
  if (G_VALUE_HOLDS_STRING (a))
    return g_strcmp0 (g_value_get_string (a), g_value_get_string (b)) == 0;
  if (G_VALUE_HOLDS_UINT64 (a))
    return g_value_get_uint64 (a) == g_value_get_uint64 (b);
  if (G_VALUE_HOLDS (a, G_TYPE_STRV))
    return g_strv_equal (g_value_get_boxed (a) ?: (char *[]) { NULL },
                         g_value_get_boxed (b) ?: (char *[]) { NULL });
  return g_value_get_boolean (a) == g_value_get_boolean (b);
}

static void
shoal_config_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ShoalConfig *self = SHOAL_CONFIG (object);
  GValue *slot = &self->values[prop_id - 1];

  if (values_equal (slot, value))
    return;
  g_value_copy (value, slot);
  g_object_notify_by_pspec (object, pspec);
}

static void
shoal_config_class_init (ShoalConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_config_finalize;
  object_class->get_property = shoal_config_get_property;
  object_class->set_property = shoal_config_set_property;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const Key *k = &keys[i];

      if (k->kind == KIND_STRING)
        properties[i + 1] = g_param_spec_string (k->key, NULL, NULL, k->default_string, flags);
      else if (k->kind == KIND_UINT64)
        properties[i + 1] = g_param_spec_uint64 (k->key, NULL, NULL, 0, k->max_uint64,
                                                 k->default_uint64, flags);
      else if (k->kind == KIND_STRV)
        properties[i + 1] = g_param_spec_boxed (k->key, NULL, NULL, G_TYPE_STRV, flags);
      else
        properties[i + 1] = g_param_spec_boolean (k->key, NULL, NULL, k->default_uint64, flags);
    }
  g_object_class_install_properties (object_class, G_N_ELEMENTS (properties), properties);
}

static void
shoal_config_init (ShoalConfig *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GParamSpec *pspec = properties[i + 1];

      g_value_init (&self->values[i], pspec->value_type);
      g_param_value_set_default (pspec, &self->values[i]);
    }
}

ShoalConfig *
shoal_config_new (void)
{
  return g_object_new (SHOAL_TYPE_CONFIG, NULL);
}

const char * const *
shoal_config_list_keys (void)
{
  static const char *names[G_N_ELEMENTS (keys) + 1];

  if (names[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      names[i] = keys[i].key;
  return names;
}

static gboolean
check_choice (const char  *key,
              const char  *value,
              GError     **error)
{
  static const char *modes[] = { "solo", "pplns", "upstream", NULL };
  static const char *validator_modes[] = { "auto", "light", "full", NULL };
  static const char *relays[] = { "per-rig", "split", NULL };
  static const char *sidechains[] = { "main", "mini", "nano", NULL };
  const char * const *choices = NULL;
  g_autofree char *expected = NULL;

  if (g_str_equal (key, "mode"))
    choices = modes;
  else if (g_str_equal (key, "validator-mode"))
    choices = validator_modes;
  else if (g_str_equal (key, "upstream-relay"))
    choices = relays;
  else if (g_str_equal (key, "upstream-sidechain"))
    choices = sidechains;
  if (choices == NULL || g_strv_contains (choices, value))
    return TRUE;

  expected = g_strjoinv (", ", (char **) choices);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "“%s” is not a valid value for %s (expected one of: %s)", value, key, expected);
  return FALSE;
}

static gboolean
load_key (ShoalConfig  *self,
          GKeyFile     *file,
          const Key    *k,
          const char   *path,
          GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  if (k->kind == KIND_STRING)
    {
      g_autofree char *value = g_key_file_get_string (file, "shoal", k->key, &local_error);

      if (value != NULL && !check_choice (k->key, value, error))
        return FALSE;
      if (value != NULL)
        g_object_set (self, k->key, value, NULL);
    }
  else if (k->kind == KIND_UINT64)
    {
      guint64 value = g_key_file_get_uint64 (file, "shoal", k->key, &local_error);

      if (local_error == NULL && value > k->max_uint64)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                       "%s: %s = %" G_GUINT64_FORMAT " is above the maximum %" G_GUINT64_FORMAT,
                       path, k->key, value, k->max_uint64);
          return FALSE;
        }
      if (local_error == NULL)
        g_object_set (self, k->key, value, NULL);
    }
  else if (k->kind == KIND_STRV)
    {
      g_auto(GStrv) value = g_key_file_get_string_list (file, "shoal", k->key, NULL,
                                                        &local_error);

      if (value != NULL)
        g_object_set (self, k->key, value, NULL);
    }
  else
    {
      gboolean value = g_key_file_get_boolean (file, "shoal", k->key, &local_error);

      if (local_error == NULL)
        g_object_set (self, k->key, value, NULL);
    }

  if (local_error != NULL && !g_error_matches (local_error, G_KEY_FILE_ERROR,
                                               G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "%s: %s: %s",
                   path, k->key, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_config_load_key_file (ShoalConfig  *self,
                            const char   *path,
                            GError      **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) present = NULL;

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }

  /* A misspelt key would silently keep its default: refuse it instead. */
  present = g_key_file_get_keys (file, "shoal", NULL, NULL);
  for (guint i = 0; present != NULL && present[i] != NULL; i++)
    if (!g_strv_contains (shoal_config_list_keys (), present[i]))
      {
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                     "%s: unknown key “%s” in [shoal]", path, present[i]);
        return FALSE;
      }

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!load_key (self, file, &keys[i], path, error))
      {
        g_object_thaw_notify (G_OBJECT (self));
        return FALSE;
      }
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

static void
write_strv (GKeyFile           *file,
            const char         *key,
            const char * const *value)
{
  g_key_file_set_string_list (file, "shoal", key, value,
                              value != NULL ? g_strv_length ((char **) value) : 0);
}

char *
shoal_config_to_key_file_data (ShoalConfig *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const GValue *v = &self->values[i];

      if (keys[i].kind == KIND_STRING)
        g_key_file_set_string (file, "shoal", keys[i].key, g_value_get_string (v) ?: "");
      else if (keys[i].kind == KIND_UINT64)
        g_key_file_set_uint64 (file, "shoal", keys[i].key, g_value_get_uint64 (v));
      else if (keys[i].kind == KIND_STRV)
        write_strv (file, keys[i].key, g_value_get_boxed (v));
      else
        g_key_file_set_boolean (file, "shoal", keys[i].key, g_value_get_boolean (v));
    }
  return g_key_file_to_data (file, NULL, NULL);
}

static const GValue *
lookup (ShoalConfig *self,
        const char  *key,
        GType        type)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].key, key))
      {
        g_return_val_if_fail (G_VALUE_HOLDS (&self->values[i], type), NULL);
        return &self->values[i];
      }
  g_return_val_if_reached (NULL);
}

const char *
shoal_config_get_string (ShoalConfig *self,
                         const char  *key)
{
  const GValue *v;

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);
  v = lookup (self, key, G_TYPE_STRING);
  return v ? g_value_get_string (v) : NULL;
}

guint64
shoal_config_get_uint64 (ShoalConfig *self,
                         const char  *key)
{
  const GValue *v;

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 0);
  v = lookup (self, key, G_TYPE_UINT64);
  return v ? g_value_get_uint64 (v) : 0;
}

gboolean
shoal_config_get_boolean (ShoalConfig *self,
                          const char  *key)
{
  const GValue *v;

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);
  v = lookup (self, key, G_TYPE_BOOLEAN);
  return v ? g_value_get_boolean (v) : FALSE;
}

ShoalMode
shoal_config_get_mode (ShoalConfig *self)
{
  const char *mode = shoal_config_get_string (self, "mode");

  if (g_strcmp0 (mode, "pplns") == 0)
    return SHOAL_MODE_PPLNS;
  if (g_strcmp0 (mode, "upstream") == 0)
    return SHOAL_MODE_UPSTREAM;
  return SHOAL_MODE_SOLO;
}

const char * const *
shoal_config_get_strv (ShoalConfig *self,
                       const char  *key)
{
  static const char * const empty[] = { NULL };
  const GValue *v;

  g_return_val_if_fail (SHOAL_IS_CONFIG (self), empty);
  v = lookup (self, key, G_TYPE_STRV);
  return v != NULL && g_value_get_boxed (v) != NULL ? g_value_get_boxed (v) : empty;
}
