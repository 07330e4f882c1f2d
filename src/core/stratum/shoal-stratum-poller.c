/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "shoal-stratum-poller.h"

/* Level-triggered, not edge-triggered: a session reads one scratch
 * buffer's worth per wake-up and leaves the rest for the next round, so
 * a rig that floods cannot starve the others, and nothing has to remember
 * which sockets still hold unread bytes.  Write interest is only asked
 * for while a session has output queued, so an idle socket never wakes
 * the loop for being writable. */
#define MAX_READY 256   /* per dispatch; the rest come on the next iteration */

struct _ShoalStratumPoller
{
  GSource                 source;
  int                     epoll_fd;
  ShoalStratumPollerFunc  func;
  gpointer                user_data;
  gpointer                items[MAX_READY];
  guint                   ready[MAX_READY];
};

static gboolean
poller_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     data)
{
  ShoalStratumPoller *self = (ShoalStratumPoller *) source;
  struct epoll_event events[MAX_READY];
  int n = epoll_wait (self->epoll_fd, events, MAX_READY, 0);

  for (int i = 0; i < n; i++)
    {
      self->items[i] = events[i].data.ptr;
      self->ready[i] = (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)
                        ? SHOAL_STRATUM_READY_IN : 0)
                       | (events[i].events & EPOLLOUT ? SHOAL_STRATUM_READY_OUT : 0);
    }
  if (n > 0)
    self->func (self->items, self->ready, n, self->user_data);
  return G_SOURCE_CONTINUE;
}

static void
poller_finalize (GSource *source)
{
  ShoalStratumPoller *self = (ShoalStratumPoller *) source;

  if (self->epoll_fd >= 0)
    close (self->epoll_fd);
}

/* No prepare or check: GLib dispatches when the epoll fd is readable. */
static GSourceFuncs poller_funcs = {
  .dispatch = poller_dispatch,
  .finalize = poller_finalize,
};

ShoalStratumPoller *
shoal_stratum_poller_new (GMainContext            *context,
                          ShoalStratumPollerFunc   func,
                          gpointer                 user_data,
                          GError                 **error)
{
  ShoalStratumPoller *self;
  int fd;

  g_return_val_if_fail (func != NULL, NULL);

  fd = epoll_create1 (EPOLL_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create an epoll descriptor: %s", g_strerror (saved));
      return NULL;
    }
  self = (ShoalStratumPoller *) g_source_new (&poller_funcs, sizeof (ShoalStratumPoller));
  self->epoll_fd = fd;
  self->func = func;
  self->user_data = user_data;
  g_source_set_static_name (&self->source, "Stratum sessions");
  g_source_add_unix_fd (&self->source, fd, G_IO_IN);
  g_source_attach (&self->source, context);
  return self;
}

void
shoal_stratum_poller_free (ShoalStratumPoller *self)
{
  if (self == NULL)
    return;
  g_source_destroy (&self->source);
  g_source_unref (&self->source);
}

gboolean
shoal_stratum_poller_watch (ShoalStratumPoller *self,
                            int                 fd,
                            gpointer            item,
                            gboolean            write,
                            gboolean            added)
{
  struct epoll_event event = { .events = EPOLLIN | (write ? EPOLLOUT : 0), .data.ptr = item };

  g_return_val_if_fail (self != NULL, FALSE);

  return epoll_ctl (self->epoll_fd, added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) == 0;
}

void
shoal_stratum_poller_forget (ShoalStratumPoller *self,
                             int                 fd)
{
  g_return_if_fail (self != NULL);

  epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}
