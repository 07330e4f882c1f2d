/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Every user setting, as properties.  The GUI binds GSettings onto them
 * (the property names are the GSettings keys); headless mode loads the
 * same keys from the [shoal] group of a key file.  Amounts are atomic
 * units, the fee is in basis points: no floating point touches money. */

#define SHOAL_TYPE_CONFIG (shoal_config_get_type ())
G_DECLARE_FINAL_TYPE (ShoalConfig, shoal_config, SHOAL, CONFIG, GObject)

typedef enum
{
  SHOAL_MODE_SOLO,
  SHOAL_MODE_PPLNS,
  SHOAL_MODE_UPSTREAM,   /* rigs mine an upstream pool's work (P2Pool), solo templates behind */
} ShoalMode;

ShoalConfig *shoal_config_new               (void);
gboolean     shoal_config_load_key_file     (ShoalConfig  *self,
                                             const char   *path,
                                             GError      **error);
char        *shoal_config_to_key_file_data  (ShoalConfig  *self);
const char * const *shoal_config_list_keys  (void);
ShoalMode    shoal_config_get_mode          (ShoalConfig  *self);

/* Convenience getters; names follow the keys. */
const char  *shoal_config_get_string        (ShoalConfig  *self,
                                             const char   *key);
guint64      shoal_config_get_uint64        (ShoalConfig  *self,
                                             const char   *key);
gboolean     shoal_config_get_boolean       (ShoalConfig  *self,
                                             const char   *key);
/* Never NULL: an empty list when unset. */
const char * const *shoal_config_get_strv   (ShoalConfig  *self,
                                             const char   *key);

G_END_DECLS
