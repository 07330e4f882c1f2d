/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-stratum-server-private.h"

/* Lanes: which of the source's upstream connections each rig mines on
 * (see ShoalLanes).  Everything here runs on the stratum thread; only the
 * requests to open and close a lane cross to the source's thread. */

/* Split lanes are opened this many free bytes ahead, so that a rig
 * logging in rarely finds every byte held and the next lane not ready. */
#define SPLIT_AHEAD 16

typedef struct
{
  guint     lane;
  char     *worker;       /* NULL: the source's own login */
  gboolean  open;
} LaneRequest;

static void
lane_request_free (gpointer data)
{
  LaneRequest *request = data;

  g_free (request->worker);
  g_free (request);
}

static void
lane_request_run (ShoalJobSource *source,
                  gpointer        data)
{
  LaneRequest *request = data;

  if (request->open)
    shoal_job_source_open_lane (source, request->lane, request->worker);
  else
    shoal_job_source_close_lane (source, request->lane);
}

static void
request_lane (ShoalStratumServer *server,
              guint               lane,
              const char         *worker,
              gboolean            open)
{
  LaneRequest *request = g_new0 (LaneRequest, 1);

  request->lane = lane;
  request->worker = g_strdup (worker);
  request->open = open;
  shoal_stratum_server_to_source (server, lane_request_run, request, lane_request_free);
}

static void
lane_free (gpointer data)
{
  ShoalStratumLane *lane = data;

  g_clear_pointer (&lane->work, shoal_work_unref);
  g_free (lane);
}

static GHashTable *
lanes_table (ShoalStratumServer *server)
{
  if (server->lanes == NULL)
    server->lanes = g_hash_table_new_full (NULL, NULL, NULL, lane_free);
  return server->lanes;
}

/* NULL when there are as many lanes as there may be. */
static ShoalStratumLane *
open_lane (ShoalStratumServer *server,
           const char         *worker)
{
  GHashTable *lanes = lanes_table (server);
  ShoalStratumLane *lane;

  if (g_hash_table_size (lanes) >= SHOAL_STRATUM_MAX_LANES)
    return NULL;
  /* Ids are not reused soon: a closed lane's late work must not reach a
   * new one.  0 is lane 0. */
  do
    server->next_lane++;
  while (server->next_lane == 0
         || g_hash_table_contains (lanes, GUINT_TO_POINTER (server->next_lane)));
  lane = g_new0 (ShoalStratumLane, 1);
  lane->id = server->next_lane;
  g_hash_table_insert (lanes, GUINT_TO_POINTER (lane->id), lane);
  request_lane (server, lane->id, worker, TRUE);
  return lane;
}

static void
close_lane (ShoalStratumServer *server,
            ShoalStratumLane   *lane)
{
  request_lane (server, lane->id, NULL, FALSE);
  g_hash_table_remove (server->lanes, GUINT_TO_POINTER (lane->id));
}

ShoalWork *
shoal_stratum_session_work (ShoalStratumSession *session)
{
  if (session->lane != NULL && session->lane->work != NULL)
    return session->lane->work;
  return session->server->work;
}

ShoalNonceSplits *
shoal_stratum_session_splits (ShoalStratumSession *session)
{
  if (session->lane != NULL && session->lane->work != NULL)
    return &session->lane->splits;
  return &session->server->splits;
}

/* Gives up SESSION's byte and lane; a lane nobody is on is closed. */
void
shoal_stratum_server_leave_lane (ShoalStratumServer  *server,
                                 ShoalStratumSession *session)
{
  ShoalStratumLane *lane = session->lane;

  shoal_nonce_splits_release (shoal_stratum_session_splits (session), session->split);
  session->split = 0;
  session->lane = NULL;
  if (lane != NULL && --lane->n_sessions == 0)
    close_lane (server, lane);
}

static gboolean
refuse_full (GError **error)
{
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY,
               "This relay is full: %u rigs already share its upstream work, each with a nonce "
               "byte of its own; try again when one leaves", SHOAL_NONCE_SPLITS_MAX);
  return FALSE;
}

static guint
free_bytes (ShoalStratumServer *server)
{
  GHashTableIter iter;
  ShoalStratumLane *lane;
  guint n = SHOAL_NONCE_SPLITS_MAX - server->splits.n_taken;

  g_hash_table_iter_init (&iter, lanes_table (server));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    n += SHOAL_NONCE_SPLITS_MAX - lane->splits.n_taken;
  return n;
}

/* A lane with work and a free byte, or NULL; TRUE in OPENING when a lane
 * is still waiting for its first job. */
static ShoalStratumLane *
find_split_lane (ShoalStratumServer *server,
                 gboolean           *opening)
{
  GHashTableIter iter;
  ShoalStratumLane *lane;

  *opening = FALSE;
  g_hash_table_iter_init (&iter, lanes_table (server));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    {
      if (lane->work == NULL)
        *opening = TRUE;
      else if (lane->splits.n_taken < SHOAL_NONCE_SPLITS_MAX)
        return lane;
    }
  return NULL;
}

/* Lane 0 first, then any lane with room; past that a new connection
 * upward, which the rig waits for by logging in again. */
static gboolean
join_split (ShoalStratumServer  *server,
            ShoalStratumSession *session,
            GError             **error)
{
  gboolean opening = FALSE;
  ShoalStratumLane *lane = find_split_lane (server, &opening);

  session->split = shoal_nonce_splits_take (&server->splits);
  if (session->split == 0 && lane != NULL)
    {
      session->split = shoal_nonce_splits_take (&lane->splits);
      session->lane = lane;
      lane->n_sessions++;
    }
  if (free_bytes (server) < SPLIT_AHEAD && !opening)
    opening = open_lane (server, NULL) != NULL;
  if (session->split != 0)
    return TRUE;
  if (opening)
    g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_BUSY,
                         "Opening another upstream connection for more rigs: try again shortly");
  return opening ? FALSE : refuse_full (error);
}

/* The rig mines lane 0's work (with a byte of it) until its own
 * connection has a job.  With every byte of lane 0 held (hundreds of rigs
 * back at once) it waits for that job instead: its login is answered then
 * (see shoal_stratum_session_awaits_lane()). */
static gboolean
join_own_lane (ShoalStratumServer  *server,
               ShoalStratumSession *session,
               const char          *worker,
               GError             **error)
{
  session->split = shoal_nonce_splits_take (&server->splits);
  session->lane = open_lane (server, worker);
  if (session->lane == NULL)
    return session->split != 0 || !shoal_stratum_work_is_split (server->work)
           || refuse_full (error);
  session->lane->n_sessions++;
  return TRUE;
}

gboolean
shoal_stratum_session_awaits_lane (ShoalStratumSession *session)
{
  return session->split == 0 && session->lane != NULL && session->lane->work == NULL
         && shoal_stratum_work_is_split (session->server->work);
}

gboolean
shoal_stratum_server_join_lane (ShoalStratumServer  *server,
                                ShoalStratumSession *session,
                                const char          *worker,
                                GError             **error)
{
  if (session->split != 0 || session->lane != NULL)
    return TRUE;
  switch (shoal_work_get_lanes (server->work))
    {
    case SHOAL_LANES_PER_RIG:
      return join_own_lane (server, session, worker, error);
    case SHOAL_LANES_SPLIT:
      return join_split (server, session, error);
    case SHOAL_LANES_ONE:
    default:
      session->split = shoal_nonce_splits_take (&server->splits);
      if (session->split != 0 || !shoal_stratum_work_is_split (server->work))
        return TRUE;
      return refuse_full (error);
    }
}

/* Logins that waited for a lane just dropped: answered on lane 0's work. */
static void
answer_on_lane_zero (ShoalStratumServer *server,
                     GPtrArray          *waiting)
{
  for (guint i = 0; i < waiting->len; i++)
    {
      ShoalStratumSession *s = waiting->pdata[i];
      g_autoptr(GError) error = NULL;

      if (s->waiting == NULL)
        continue;
      if (shoal_stratum_server_join_lane (server, s, s->waiting->login.worker, &error))
        shoal_stratum_session_finish_login (s);
      else
        shoal_stratum_session_fail_login (s, error->message);
    }
}

/* Work that wants one lane (the node's templates, after a failover):
 * every rig back on lane 0, every other lane closed. */
static void
drop_lanes (ShoalStratumServer *server)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new_with_free_func (
    (GDestroyNotify) shoal_stratum_session_unref);
  GHashTableIter iter;
  ShoalStratumLane *lane;

  if (server->lanes == NULL || g_hash_table_size (server->lanes) == 0)
    return;     /* the node's templates, as always without an upstream */
  for (ShoalStratumSession *s = server->sessions; s != NULL; s = s->next)
    if (s->lane != NULL)
      {
        shoal_nonce_splits_release (shoal_stratum_session_splits (s), s->split);
        s->split = 0;
        s->lane = NULL;
        if (s->waiting != NULL)
          g_ptr_array_add (waiting, shoal_stratum_session_ref (s));
      }
  g_hash_table_iter_init (&iter, lanes_table (server));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    {
      request_lane (server, lane->id, NULL, FALSE);
      g_hash_table_iter_remove (&iter);
    }
  answer_on_lane_zero (server, waiting);
}

void
shoal_stratum_server_lanes_follow (ShoalStratumServer *server)
{
  switch (shoal_work_get_lanes (server->work))
    {
    case SHOAL_LANES_ONE:
      drop_lanes (server);
      break;
    case SHOAL_LANES_PER_RIG:
      /* Rigs that came while the work had one lane (back from a failover). */
      for (ShoalStratumSession *s = server->sessions; s != NULL; s = s->next)
        if (s->logged_in && !s->closing && s->lane == NULL
            && (s->lane = open_lane (server, s->worker->name)) != NULL)
          s->lane->n_sessions++;
      break;
    case SHOAL_LANES_SPLIT:
    default:
      break;
    }
}

/* The lane's first work: its rigs leave lane 0's bytes for it, and a
 * login that waited for it is answered with it. */
static void
apply_lane_work (ShoalStratumServer *server,
                 ShoalStratumLane   *lane,
                 ShoalWork          *work)
{
  g_autoptr(GPtrArray) on_lane = g_ptr_array_new_with_free_func (
    (GDestroyNotify) shoal_stratum_session_unref);
  g_autoptr(GPtrArray) waiting = g_ptr_array_new_with_free_func (
    (GDestroyNotify) shoal_stratum_session_unref);

  for (ShoalStratumSession *s = server->sessions; s != NULL; s = s->next)
    {
      if (s->lane != lane)
        continue;
      if (lane->work == NULL)
        {
          shoal_nonce_splits_release (&server->splits, s->split);
          s->split = 0;
        }
      g_ptr_array_add (s->waiting != NULL ? waiting : on_lane, shoal_stratum_session_ref (s));
    }
  g_clear_pointer (&lane->work, shoal_work_unref);
  lane->work = shoal_work_ref (work);
  for (guint i = 0; i < waiting->len; i++)
    shoal_stratum_session_finish_login (waiting->pdata[i]);
  shoal_stratum_server_fan_out (server, on_lane);
}

gboolean
shoal_stratum_server_apply_lane_work_cb (gpointer data)
{
  ShoalStratumServer *server = data;
  g_autoptr(GHashTable) inbox = NULL;
  GHashTableIter iter;
  gpointer id;
  ShoalWork *work;

  g_mutex_lock (&server->lock);
  inbox = g_steal_pointer (&server->lane_inbox);
  g_mutex_unlock (&server->lock);
  if (inbox == NULL || server->work == NULL)
    return G_SOURCE_REMOVE;
  g_hash_table_iter_init (&iter, inbox);
  while (g_hash_table_iter_next (&iter, &id, (gpointer *) &work))
    {
      ShoalStratumLane *lane = g_hash_table_lookup (lanes_table (server), id);

      /* A lane closed since, or lanes dropped for one-lane work. */
      if (lane != NULL && lane->work != work)
        apply_lane_work (server, lane, work);
    }
  return G_SOURCE_REMOVE;
}

void
shoal_stratum_server_lanes_free (ShoalStratumServer *server)
{
  g_clear_pointer (&server->lanes, g_hash_table_unref);
}
