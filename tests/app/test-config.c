/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "shoal-config.h"
#include "shoal-error.h"

static char *
write_conf (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("shoal-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_key_file_sets_properties (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_conf ("[shoal]\nmode=pplns\nstratum-port=4444\n"
                                      "pool-fee-bps=250\napi-enabled=true\n");
  guint64 port = 0;

  g_assert_true (shoal_config_load_key_file (config, path, &error));
  g_assert_no_error (error);
  g_object_get (config, "stratum-port", &port, NULL);
  g_assert_cmpuint (port, ==, 4444);
  g_assert_cmpint (shoal_config_get_mode (config), ==, SHOAL_MODE_PPLNS);
  g_assert_cmpuint (shoal_config_get_uint64 (config, "pool-fee-bps"), ==, 250);
  g_assert_true (shoal_config_get_boolean (config, "api-enabled"));
  /* Untouched keys keep their defaults. */
  g_assert_cmpstr (shoal_config_get_string (config, "node-url"), ==, "http://127.0.0.1:18081");
  g_unlink (path);
}

/* Upstream mode's ordered list and relay mode (per-rig unless set),
 * through the key file and back. */
static void
test_upstream_list (void)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalConfig) again = shoal_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_conf ("[shoal]\nmode=upstream\nupstream-user=house\n"
                                      "upstream-relay=split\n"
                                      "upstream-split=true\nupstream-sidechain=nano\n"
                                      "upstream-urls=stratum+tcp://a:3333;stratum+ssl://b:3334;\n");
  g_autofree char *data = NULL;
  g_autofree char *path2 = NULL;
  const char * const *urls;

  g_assert_cmpuint (g_strv_length ((char **) shoal_config_get_strv (config, "upstream-urls")),
                    ==, 0);
  g_assert_cmpstr (shoal_config_get_string (config, "upstream-relay"), ==, "per-rig");
  g_assert_false (shoal_config_get_boolean (config, "upstream-split"));
  g_assert_cmpstr (shoal_config_get_string (config, "upstream-sidechain"), ==, "mini");
  g_assert_true (shoal_config_load_key_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shoal_config_get_mode (config), ==, SHOAL_MODE_UPSTREAM);
  g_assert_cmpstr (shoal_config_get_string (config, "upstream-relay"), ==, "split");
  urls = shoal_config_get_strv (config, "upstream-urls");
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 2);
  g_assert_cmpstr (urls[0], ==, "stratum+tcp://a:3333");
  g_assert_cmpstr (urls[1], ==, "stratum+ssl://b:3334");
  data = shoal_config_to_key_file_data (config);
  path2 = write_conf (data);
  g_assert_true (shoal_config_load_key_file (again, path2, &error));
  g_assert_true (g_strv_equal (shoal_config_get_strv (again, "upstream-urls"), urls));
  g_assert_cmpstr (shoal_config_get_string (again, "upstream-user"), ==, "house");
  g_assert_cmpstr (shoal_config_get_string (again, "upstream-relay"), ==, "split");
  g_assert_true (shoal_config_get_boolean (again, "upstream-split"));
  g_assert_cmpstr (shoal_config_get_string (again, "upstream-sidechain"), ==, "nano");
  g_unlink (path);
  g_unlink (path2);
}

static void
test_bad_files_are_refused (void)
{
  const char *bad[][2] = {
    { "[shoal]\nstratum-prot=3333\n", "unknown key" },
    { "[shoal]\nmode=greedy\n", "not a valid value for mode" },
    { "[shoal]\nupstream-relay=fast\n", "not a valid value for upstream-relay" },
    { "[shoal]\nupstream-sidechain=micro\n", "not a valid value for upstream-sidechain" },
    { "[shoal]\nstratum-port=70000\n", "above the maximum" },
    { "[shoal]\npool-fee-bps=ten\n", "pool-fee-bps" },
    { "shoal]\n", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ShoalConfig) config = shoal_config_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_conf (bad[i][0]);

      g_assert_false (shoal_config_load_key_file (config, path, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, bad[i][1]));
      g_unlink (path);
    }
}

/* The GSettings schema and the key file speak the same keys, with the
 * same defaults. */
static void
test_schema_matches_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_auto(GStrv) schema_keys = NULL;
  const char * const *keys = shoal_config_list_keys ();

  source = g_settings_schema_source_new_from_directory (g_getenv ("GSETTINGS_SCHEMA_DIR"), NULL,
                                                        TRUE, &error);
  g_assert_no_error (error);
  schema = g_settings_schema_source_lookup (source, "org.shoalpool.Shoal", FALSE);
  g_assert_nonnull (schema);
  schema_keys = g_settings_schema_list_keys (schema);
  g_assert_cmpuint (g_strv_length (schema_keys), ==, g_strv_length ((char **) keys));

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, keys[i]);
      g_autoptr(GVariant) def = g_settings_schema_key_get_default_value (key);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), keys[i]);
      g_auto(GValue) value = G_VALUE_INIT;

      g_assert_nonnull (pspec);
      g_value_init (&value, pspec->value_type);
      g_object_get_property (G_OBJECT (config), keys[i], &value);
      if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING))
        g_assert_cmpstr (g_variant_get_string (def, NULL), ==, g_value_get_string (&value));
      else if (g_variant_is_of_type (def, G_VARIANT_TYPE_UINT64))
        g_assert_cmpuint (g_variant_get_uint64 (def), ==, g_value_get_uint64 (&value));
      else if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING_ARRAY))
        g_assert_cmpuint (g_variant_n_children (def), ==,
                          g_value_get_boxed (&value) != NULL
                          ? g_strv_length (g_value_get_boxed (&value)) : 0);
      else
        g_assert_cmpint (g_variant_get_boolean (def), ==, g_value_get_boolean (&value));
    }
}

/* Summaries and descriptions live only in the XML, not the compiled file. */
static void
test_schema_keys_are_documented (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "data",
                                            "org.shoalpool.Shoal.gschema.xml", NULL);
  g_autofree char *xml = NULL;
  guint keys = 0, summaries = 0, descriptions = 0;

  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  for (const char *p = xml; (p = strstr (p, "<key ")) != NULL; p++)
    keys++;
  for (const char *p = xml; (p = strstr (p, "<summary>")) != NULL; p++)
    summaries++;
  for (const char *p = xml; (p = strstr (p, "<description>")) != NULL; p++)
    descriptions++;
  g_assert_cmpuint (keys, ==, g_strv_length ((char **) shoal_config_list_keys ()));
  g_assert_cmpuint (summaries, ==, keys);
  g_assert_cmpuint (descriptions, ==, keys);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/key-file-sets-properties", test_key_file_sets_properties);
  g_test_add_func ("/config/bad-files-are-refused", test_bad_files_are_refused);
  g_test_add_func ("/config/upstream-list", test_upstream_list);
  g_test_add_func ("/config/schema-matches-config", test_schema_matches_config);
  g_test_add_func ("/config/schema-keys-are-documented", test_schema_keys_are_documented);
  return g_test_run ();
}
