/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which top nonce bytes (blob byte 42) the rigs of one stratum server
 * hold, for work it shares among them by splitting the nonce (an
 * upstream pool's job).  Byte 0 is never handed out: XMRig reads a zero
 * top byte as "the whole nonce is mine" and would mine every other rig's
 * nonces, while a non-zero one makes it keep that byte (NiceHash mode).
 * So 255 rigs at most share one piece of split work.
 *
 * Plain data, owned by the stratum thread. */
typedef struct
{
  guint64 taken[4];   /* bit N: byte N is held */
  guint8  next;       /* where the search starts: a byte just given back waits its turn */
  guint   n_taken;
} ShoalNonceSplits;

#define SHOAL_NONCE_SPLITS_MAX 255

/* A free byte (1..255), now held; 0 when all are held. */
guint8 shoal_nonce_splits_take    (ShoalNonceSplits *self);
/* Gives BYTE back; 0 (none held) is ignored. */
void   shoal_nonce_splits_release (ShoalNonceSplits *self,
                                   guint8            byte);

G_END_DECLS
