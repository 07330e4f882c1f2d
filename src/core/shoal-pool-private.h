/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-pool.h"
#include "shoal-store.h"

G_BEGIN_DECLS

/* For shoal-pool-queries.c: the store of a running pool, or NULL. */
ShoalStore *_shoal_pool_get_store (ShoalPool *self);

G_END_DECLS
