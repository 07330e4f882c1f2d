/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One accepted share, as the stratum server hands it to whoever records
 * it.  Plain data: copied across threads. */
typedef struct
{
  gint64   timestamp_us;    /* g_get_real_time () when it was validated */
  char    *address;         /* the miner's payout address */
  char    *worker;          /* worker name (rigid, ADDRESS.WORKER or pass) */
  char    *ip;
  guint64  difficulty;      /* the share difficulty it was accepted at */
  guint64  height;          /* height of the template its job came from */
  gboolean is_block;        /* it also met the network difficulty */
  guint8   hash[32];
} ShoalShare;

ShoalShare *shoal_share_copy (const ShoalShare *share);
void        shoal_share_free (ShoalShare       *share);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalShare, shoal_share_free)

/* Something that makes shares durable (the store).  The stratum server
 * answers a miner "OK" only after record_finish() succeeds, so an
 * acknowledged share is a committed share.  record_async is called on
 * the stratum thread and must not block. */
#define SHOAL_TYPE_SHARE_RECORDER (shoal_share_recorder_get_type ())
G_DECLARE_INTERFACE (ShoalShareRecorder, shoal_share_recorder, SHOAL, SHARE_RECORDER, GObject)

struct _ShoalShareRecorderInterface
{
  GTypeInterface parent_iface;

  void     (*record_async)  (ShoalShareRecorder  *self,
                             const ShoalShare    *share,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  gboolean (*record_finish) (ShoalShareRecorder  *self,
                             GAsyncResult        *result,
                             GError             **error);
};

void     shoal_share_recorder_record_async  (ShoalShareRecorder  *self,
                                             const ShoalShare    *share,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean shoal_share_recorder_record_finish (ShoalShareRecorder  *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
