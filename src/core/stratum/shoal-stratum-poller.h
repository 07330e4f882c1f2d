/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One epoll descriptor watched by one GSource: the stratum context polls
 * a single fd however many rigs are connected, and a wake-up costs work
 * per ready socket, not per connected one.  Owned by the stratum thread,
 * like the sessions it watches. */

typedef struct _ShoalStratumPoller ShoalStratumPoller;

/* Called from the GSource's dispatch with the ITEMS that are ready and
 * what each is ready for (ShoalStratumReady flags), N of them. */
typedef enum
{
  SHOAL_STRATUM_READY_IN  = 1 << 0,   /* readable, hung up or failed: a read says which */
  SHOAL_STRATUM_READY_OUT = 1 << 1,
} ShoalStratumReady;

typedef void (*ShoalStratumPollerFunc) (gpointer *items,
                                        guint    *ready,
                                        guint     n,
                                        gpointer  user_data);

ShoalStratumPoller *shoal_stratum_poller_new   (GMainContext            *context,
                                                ShoalStratumPollerFunc   func,
                                                gpointer                 user_data,
                                                GError                 **error);
void                shoal_stratum_poller_free  (ShoalStratumPoller      *self);
/* Watches FD for reading, and for writing too when WRITE is set; ITEM is
 * what the callback gets.  ADDED: FD is watched already, change it. */
gboolean            shoal_stratum_poller_watch (ShoalStratumPoller      *self,
                                                int                      fd,
                                                gpointer                 item,
                                                gboolean                 write,
                                                gboolean                 added);
void                shoal_stratum_poller_forget (ShoalStratumPoller     *self,
                                                 int                     fd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStratumPoller, shoal_stratum_poller_free)

G_END_DECLS
