/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-difficulty.h"

G_BEGIN_DECLS

/* A parsed block template: immutable once made, reference counted, safe to
 * share between the stratum thread and the main thread. */
typedef struct _ShoalBlockTemplate ShoalBlockTemplate;

#define SHOAL_TYPE_BLOCK_TEMPLATE (shoal_block_template_get_type ())
GType               shoal_block_template_get_type          (void) G_GNUC_CONST;

/* Parses a raw template blob; RESERVED_OFFSET/RESERVED_SIZE name the
 * extra-nonce area inside the miner tx extra (0/0 for none). */
ShoalBlockTemplate *shoal_block_template_new_from_blob     (GBytes              *blob,
                                                            gsize                reserved_offset,
                                                            gsize                reserved_size,
                                                            GError             **error);
/* Parses the "result" object of monerod's get_block_template (blob,
 * reserved_offset, height, wide_difficulty, seed_hash, next_seed_hash,
 * prev_hash, expected_reward) and checks them against each other. */
ShoalBlockTemplate *shoal_block_template_new_from_rpc      (JsonObject          *result,
                                                            gsize                reserved_size,
                                                            GError             **error);
ShoalBlockTemplate *shoal_block_template_ref               (ShoalBlockTemplate  *self);
void                shoal_block_template_unref             (ShoalBlockTemplate  *self);

GBytes             *shoal_block_template_get_blob          (ShoalBlockTemplate  *self);
guint64             shoal_block_template_get_height        (ShoalBlockTemplate  *self);
const guint8       *shoal_block_template_get_prev_hash     (ShoalBlockTemplate  *self);
const guint8       *shoal_block_template_get_seed_hash     (ShoalBlockTemplate  *self);
/* NULL when the template announces no next seed. */
const guint8       *shoal_block_template_get_next_seed_hash (ShoalBlockTemplate *self);
const ShoalDifficulty *shoal_block_template_get_difficulty (ShoalBlockTemplate  *self);
guint64             shoal_block_template_get_expected_reward (ShoalBlockTemplate *self);
gsize               shoal_block_template_get_nonce_offset  (ShoalBlockTemplate  *self);
gsize               shoal_block_template_get_reserved_offset (ShoalBlockTemplate *self);
gsize               shoal_block_template_get_reserved_size (ShoalBlockTemplate  *self);
guint               shoal_block_template_get_n_transactions (ShoalBlockTemplate *self);
/* The miner transaction's outputs summed: the block reward the template pays. */
guint64             shoal_block_template_get_reward        (ShoalBlockTemplate  *self);
guint               shoal_block_template_get_major_version (ShoalBlockTemplate  *self);
guint64             shoal_block_template_get_timestamp     (ShoalBlockTemplate  *self);
/* The miner transaction's hash as the template holds it (reserved bytes
 * as they are): keccak (prefix hash || RingCT base hash || zero hash). */
void                shoal_block_template_get_miner_tx_hash (ShoalBlockTemplate  *self,
                                                            guint8               out[32]);

/* EXTRA_NONCE (at most the reserved size) is written at the reserved
 * offset; the nonce bytes are left zero in the hashing blob. */
GBytes             *shoal_block_template_make_hashing_blob (ShoalBlockTemplate  *self,
                                                            const guint8        *extra_nonce,
                                                            gsize                extra_nonce_len,
                                                            GError             **error);
GBytes             *shoal_block_template_make_block_blob   (ShoalBlockTemplate  *self,
                                                            const guint8        *extra_nonce,
                                                            gsize                extra_nonce_len,
                                                            guint32              nonce,
                                                            GError             **error);

/* Writes NONCE (little-endian, as the 4 bytes a miner sends) at OFFSET. */
void                shoal_patch_nonce                      (guint8              *blob,
                                                            gsize                blob_len,
                                                            gsize                offset,
                                                            guint32              nonce);
/* keccak(varint(len) || hashing blob) */
void                shoal_block_id                         (const guint8        *hashing_blob,
                                                            gsize                len,
                                                            guint8               out[32]);
/* Monero's tree_hash over COUNT 32-byte leaves. */
void                shoal_tree_hash                        (const guint8        *leaves,
                                                            gsize                count,
                                                            guint8               out[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBlockTemplate, shoal_block_template_unref)

G_END_DECLS
