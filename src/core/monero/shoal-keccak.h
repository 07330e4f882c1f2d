/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_HASH_SIZE 32

/* Monero's cn_fast_hash: original Keccak-256 (pad 0x01), not SHA3. */
void shoal_keccak256 (const void *data,
                      gsize       len,
                      guint8      out[SHOAL_HASH_SIZE]);

G_END_DECLS
