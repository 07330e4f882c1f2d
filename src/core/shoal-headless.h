/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-config.h"

G_BEGIN_DECLS

/* Runs a pool on a GMainLoop with no display until SIGINT or SIGTERM.
 * Returns the process exit status. */
int shoal_headless_run (ShoalConfig *config);

G_END_DECLS
