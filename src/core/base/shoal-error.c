/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"

G_DEFINE_QUARK (shoal-error-quark, shoal_error)
