/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-share.h"

ShoalShare *
shoal_share_copy (const ShoalShare *share)
{
  ShoalShare *copy;

  g_return_val_if_fail (share != NULL, NULL);

  copy = g_memdup2 (share, sizeof *share);
  copy->address = g_strdup (share->address);
  copy->worker = g_strdup (share->worker);
  copy->ip = g_strdup (share->ip);
  return copy;
}

void
shoal_share_free (ShoalShare *share)
{
  if (share == NULL)
    return;
  g_free (share->address);
  g_free (share->worker);
  g_free (share->ip);
  g_free (share);
}

G_DEFINE_INTERFACE (ShoalShareRecorder, shoal_share_recorder, G_TYPE_OBJECT)

static void
shoal_share_recorder_default_init (ShoalShareRecorderInterface *iface)
{
}

void
shoal_share_recorder_record_async (ShoalShareRecorder  *self,
                                   const ShoalShare    *share,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_SHARE_RECORDER (self));
  SHOAL_SHARE_RECORDER_GET_IFACE (self)->record_async (self, share, cancellable, callback, user_data);
}

gboolean
shoal_share_recorder_record_finish (ShoalShareRecorder  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (SHOAL_IS_SHARE_RECORDER (self), FALSE);
  return SHOAL_SHARE_RECORDER_GET_IFACE (self)->record_finish (self, result, error);
}
