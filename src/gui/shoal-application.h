/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APPLICATION (shoal_application_get_type ())
G_DECLARE_FINAL_TYPE (ShoalApplication, shoal_application, SHOAL, APPLICATION, AdwApplication)

ShoalApplication *shoal_application_new      (void);
ShoalPool        *shoal_application_get_pool (ShoalApplication *self);
GSettings        *shoal_application_get_settings (ShoalApplication *self);

G_END_DECLS
