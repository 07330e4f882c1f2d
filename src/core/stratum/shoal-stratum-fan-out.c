/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-stratum-server-private.h"

/* New work to every rig at once.  Most of a rig's job is CPU work that
 * depends on nothing but the job (its blob: the miner transaction's hash
 * and the merkle root; hex; JSON) and one send() to a socket nobody else
 * writes to.  So a fan-out runs in three steps:
 *   1. on the stratum thread: each session's job id, slot and target;
 *   2. split in chunks between the stratum thread and helper threads:
 *      blobs, lines, and the send() itself for plain TCP sessions with
 *      nothing queued;
 *   3. on the stratum thread again: what the kernel did not take is
 *      queued, failed sockets are closed, TLS sessions get their lines.
 * The stratum thread waits for step 2 to finish, so nothing it owns
 * changes while the helpers read it: no session closes, no fd is reused. */

#define CHUNK          64     /* sessions a thread takes at a time */
#define MAX_HELPERS    7      /* helper threads, next to the stratum thread */

/* One session's job in flight.  Steps 1 and 3 touch it on the stratum
 * thread; in step 2, only the thread that took its chunk. */
typedef struct
{
  ShoalStratumSession *session;
  ShoalStratumJob     *job;
  char                *line;      /* the notification, once made */
  GError              *error;     /* the blob could not be made */
  int                  fd;        /* >= 0: written directly in step 2 */
  gssize               sent;      /* what the kernel took; -1: see send_errno */
  int                  send_errno;
  char                 target_hex[SHOAL_STRATUM_TARGET_HEX_SIZE];
} FanItem;

/* Shared by the threads of one fan-out; lives on the stratum thread's
 * stack until every helper has signalled done. */
typedef struct
{
  ShoalStratumServer *server;
  FanItem            *items;
  guint               n_items;
  gint                next;       /* atomic: first item of the next chunk */
  GMutex              lock;
  GCond               cond;
  guint               running;    /* helpers not yet done, under lock */
} FanOut;

static void
make_line (FanOut  *fan,
           FanItem *item)
{
  g_autofree char *json = shoal_stratum_job_to_json (fan->server, item->job, item->session->split,
                                                     item->target_hex, &item->error);
  gsize len;

  if (json == NULL)
    return;
  item->line = shoal_stratum_notify_job (json);
  if (item->fd < 0)
    return;
  len = strlen (item->line);
  item->sent = send (item->fd, item->line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (item->sent < 0)
    item->send_errno = errno;
}

static void
run_chunks (FanOut *fan)
{
  for (;;)
    {
      guint first = (guint) g_atomic_int_add (&fan->next, CHUNK);

      if (first >= fan->n_items)
        return;
      for (guint i = first; i < MIN (first + CHUNK, fan->n_items); i++)
        make_line (fan, &fan->items[i]);
    }
}

static void
helper_thread (gpointer data,
               gpointer user_data)
{
  FanOut *fan = data;

  run_chunks (fan);
  g_mutex_lock (&fan->lock);
  fan->running--;
  g_cond_signal (&fan->cond);
  g_mutex_unlock (&fan->lock);
}

static guint
n_helpers (guint n_items)
{
  guint chunks = (n_items + CHUNK - 1) / CHUNK;
  guint threads = MIN (MIN (chunks, (guint) g_get_num_processors ()), MAX_HELPERS + 1);

  return threads > 1 ? threads - 1 : 0;
}

static void
run_parallel (ShoalStratumServer *self,
              FanOut             *fan)
{
  guint helpers = n_helpers (fan->n_items);

  if (helpers > 0 && self->fan_out_pool == NULL)
    self->fan_out_pool = g_thread_pool_new (helper_thread, NULL, MAX_HELPERS, FALSE, NULL);
  fan->running = helpers;
  for (guint i = 0; i < helpers; i++)
    g_thread_pool_push (self->fan_out_pool, fan, NULL);
  run_chunks (fan);
  g_mutex_lock (&fan->lock);
  while (fan->running > 0)
    g_cond_wait (&fan->cond, &fan->lock);
  g_mutex_unlock (&fan->lock);
}

/* Step 1.  Direct writes only where nothing is queued: bytes must not
 * overtake what waits in the session's buffer. */
static gboolean
start_item (FanItem             *item,
            ShoalStratumSession *session)
{
  if (!session->logged_in || session->closing || session->closed)
    return FALSE;
  item->job = shoal_stratum_session_start_job (session, item->target_hex);
  if (item->job == NULL)
    {
      /* It came in on work that needed no byte while all were held: left
       * as it is, it would hash work that is gone.  Closed, XMRig
       * reconnects (a byte may be free by then) or moves to its next pool.
       * A rig waiting for its own lane's first job waits for that instead. */
      if (session->split == 0 && session->lane == NULL
          && shoal_stratum_work_is_split (shoal_stratum_session_work (session)))
        shoal_stratum_session_close_after (session);
      return FALSE;
    }
  item->session = session;
  item->fd = -1;
  if (session->tls == NULL && session->outbuf == NULL && !session->write_shut
      && session->handshake == NULL)
    item->fd = session->fd;
  return TRUE;
}

static gboolean
send_failed (FanItem *item)
{
  return item->sent < 0 && item->send_errno != EAGAIN && item->send_errno != EWOULDBLOCK
         && item->send_errno != EINTR;
}

/* Step 3. */
static void
deliver (FanItem *item)
{
  ShoalStratumSession *session = item->session;

  if (item->line == NULL)
    {
      g_warning ("Stratum: cannot make a job: %s", item->error->message);
      g_clear_error (&item->error);
      shoal_stratum_job_clear (item->job);
    }
  else if (item->fd < 0)
    shoal_stratum_session_send (session, g_steal_pointer (&item->line));
  else if (send_failed (item))
    {
      g_clear_pointer (&item->line, g_free);
      shoal_stratum_session_close (session);
    }
  else
    shoal_stratum_session_send_rest (session, g_steal_pointer (&item->line), MAX (item->sent, 0));
}

void
shoal_stratum_server_fan_out (ShoalStratumServer *self,
                              GPtrArray          *sessions)
{
  g_autofree FanItem *items = g_new0 (FanItem, MAX (sessions->len, 1));
  FanOut fan = { .server = self, .items = items };

  for (guint i = 0; i < sessions->len; i++)
    if (start_item (&items[fan.n_items], g_ptr_array_index (sessions, i)))
      fan.n_items++;
  g_mutex_init (&fan.lock);
  g_cond_init (&fan.cond);
  run_parallel (self, &fan);
  g_mutex_clear (&fan.lock);
  g_cond_clear (&fan.cond);
  for (guint i = 0; i < fan.n_items; i++)
    deliver (&items[i]);
}
