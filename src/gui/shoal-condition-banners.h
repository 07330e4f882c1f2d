/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "shoal-pool.h"

G_BEGIN_DECLS

/* The pool's conditions at the top of the window: one banner each, the
 * sentence and a button that runs the fixing action.  libadwaita 1.2 has
 * no AdwBanner, so each is a box styled like one.  Lives on the GTK
 * main thread, as the pool it follows. */
#define SHOAL_TYPE_CONDITION_BANNERS (shoal_condition_banners_get_type ())
G_DECLARE_FINAL_TYPE (ShoalConditionBanners, shoal_condition_banners, SHOAL, CONDITION_BANNERS,
                      GtkWidget)

GtkWidget *shoal_condition_banners_new      (void);
void       shoal_condition_banners_set_pool (ShoalConditionBanners *self,
                                             ShoalPool             *pool);

G_END_DECLS
