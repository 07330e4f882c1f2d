/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Network difficulty is 128-bit (wide_difficulty); share difficulty and
 * stratum targets are 64-bit. */
typedef struct
{
  guint64 lo;
  guint64 hi;
} ShoalDifficulty;

gboolean        shoal_difficulty_parse          (const char            *wide_hex,
                                                 ShoalDifficulty       *out,
                                                 GError               **error);
ShoalDifficulty shoal_difficulty_from_uint64    (guint64                value);
char           *shoal_difficulty_to_string      (const ShoalDifficulty *difficulty);
/* Monero's check_hash: the hash as a 256-bit little-endian integer H is
 * valid iff H * difficulty < 2^256. */
gboolean        shoal_difficulty_check_hash     (const guint8           hash[32],
                                                 const ShoalDifficulty *difficulty);

/* Stratum targets.  target64 = (2^64 - 1) / difficulty; the 4-byte form is
 * t32 = 0xFFFFFFFF / difficulty, which XMRig reads back as
 * (2^64 - 1) / (0xFFFFFFFF / t32): shares are checked against what the
 * miner was really told. */
guint64         shoal_target64_from_difficulty  (guint64                difficulty);
guint32         shoal_target32_from_difficulty  (guint64                difficulty);
guint64         shoal_target32_to_target64      (guint32                target32);
guint64         shoal_difficulty_from_target64  (guint64                target64);
/* The target a miner reads from the job's "target" below. */
guint64         shoal_effective_target64        (guint64                difficulty);
/* The job's "target": 4-byte hex up to the 4-byte form's reach, 8-byte above. */
char           *shoal_target_hex_for_difficulty (guint64                difficulty,
                                                 guint64               *effective_target64);
gboolean        shoal_target_hex_parse          (const char            *hex,
                                                 guint64               *target64,
                                                 GError               **error);
/* A share meets the target iff the hash's last 8 bytes, little-endian, are below it. */
gboolean        shoal_hash_meets_target         (const guint8           hash[32],
                                                 guint64                target64);
/* The difficulty a hash actually reached, capped at G_MAXUINT64. */
guint64         shoal_hash_difficulty           (const guint8           hash[32]);

G_END_DECLS
