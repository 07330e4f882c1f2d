/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-stratum-server-private.h"

/* The share pipeline, cheapest checks first so that a flood of junk never
 * reaches RandomX: session, job, nonce and result format, stale job,
 * duplicate nonce, claimed result against the target; then the validator
 * (off this thread), result == computed hash, ceiling check (a solution
 * for the job source), recording. */

#define MAX_PENDING_PER_SESSION 32

typedef enum
{
  VERDICT_ACCEPTED,
  VERDICT_REJECTED,   /* refused, the miner's fault or not */
  VERDICT_STALE,
  VERDICT_INVALID,    /* the claimed result is not the hash */
} Verdict;

typedef struct
{
  ShoalStratumSession *session;
  char                *id_json;
  ShoalWork           *work;
  guint64              job_id;
  guint64              difficulty;
  guint32              nonce;
  guint8               claimed[32];
  ShoalShareRecorder  *recorder;      /* the one asked to record it */
  gint64               received_at;   /* monotonic: vardiff times the rig, not the validator */
  ShoalShare           share;
} Submit;

static void
submit_free (Submit *submit)
{
  ShoalStratumServer *server = submit->session->server;

  submit->session->pending--;
  shoal_stratum_session_unref (submit->session);
  g_free (submit->id_json);
  shoal_work_unref (submit->work);
  g_clear_object (&submit->recorder);
  g_free (submit->share.address);
  g_free (submit->share.worker);
  g_free (submit->share.ip);
  g_free (submit);
  shoal_stratum_server_pending_done (server);
}

static void
count (ShoalStratumSession *session,
       Verdict              verdict,
       guint64              difficulty)
{
  ShoalStratumServer *server = session->server;
  ShoalStratumWorker *counters[] = { session->worker, &server->totals };
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    {
      ShoalStratumWorker *w = counters[i];

      if (verdict == VERDICT_ACCEPTED)
        {
          w->accepted++;
          w->last_share_us = g_get_real_time ();
          shoal_hashrate_add (&w->rate, (double) difficulty, now);
          continue;
        }
      w->rejected++;
      w->stale += verdict == VERDICT_STALE;
      w->invalid += verdict == VERDICT_INVALID;
    }
  shoal_stratum_server_mark_dirty (server);
}

static void
reject (ShoalStratumSession *session,
        const char          *id_json,
        Verdict              verdict,
        int                  score,
        const char          *message)
{
  count (session, verdict, 0);
  shoal_stratum_session_send_error (session, id_json, message);
  if (score != 0)
    shoal_stratum_session_score (session, score);
}

static ShoalStratumJob *
find_job (ShoalStratumSession *session,
          const char          *job_id,
          gboolean            *evicted)
{
  guint64 id;
  guint64 oldest = G_MAXUINT64;

  *evicted = FALSE;
  if (job_id == NULL || !g_ascii_string_to_unsigned (job_id, 16, 1, G_MAXUINT64, &id, NULL))
    return NULL;
  for (guint i = 0; i < SHOAL_STRATUM_MAX_JOBS; i++)
    {
      if (session->jobs[i].id == id)
        return &session->jobs[i];
      if (session->jobs[i].id != 0)
        oldest = MIN (oldest, session->jobs[i].id);
    }
  /* Ours once, pushed out by newer jobs: old work, not a forged id. */
  *evicted = id >= session->first_job_id && id < oldest;
  return NULL;
}

/* Work of a closed epoch: our own block is there already, the next work
 * is on its way.  Epochs only grow.  Only lane 0 has blocks of ours:
 * other lanes count epochs of their own. */
static gboolean
epoch_is_closed (ShoalStratumServer *server,
                 ShoalWork          *work)
{
  return shoal_work_get_lane (work) == 0 && shoal_work_get_epoch (work) <= server->closed_epoch;
}

/* Epochs count per lane: a job of another lane than the rig's is old too. */
static gboolean
job_is_stale (ShoalStratumSession *session,
              ShoalStratumJob     *job)
{
  ShoalWork *current = shoal_stratum_session_work (session);

  if (shoal_work_get_lane (job->work) != shoal_work_get_lane (current))
    return TRUE;
  return epoch_is_closed (session->server, job->work)
         || shoal_work_get_epoch (job->work) != shoal_work_get_epoch (current);
}

/* TRUE when NONCE was new for JOB (and is now remembered). */
static gboolean
remember_nonce (ShoalStratumJob *job,
                guint32          nonce)
{
  guint lo = 0;
  guint hi;

  if (job->nonces == NULL)
    job->nonces = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 4);
  hi = job->nonces->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      guint32 value = g_array_index (job->nonces, guint32, mid);

      if (value == nonce)
        return FALSE;
      if (value < nonce)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_array_insert_val (job->nonces, lo, nonce);
  return TRUE;
}

static void send_ok (Submit *submit);

static void
finish (Submit       *submit,
        const GError *error)
{
  ShoalStratumSession *session = submit->session;
  ShoalVardiffParams params;
  g_autofree char *message = NULL;

  if (error != NULL)
    {
      message = g_strdup_printf ("Share not recorded: %s", error->message);
      reject (session, submit->id_json, VERDICT_REJECTED, 0, message);
      submit_free (submit);
      return;
    }
  count (session, VERDICT_ACCEPTED, submit->difficulty);
  send_ok (submit);
  params = shoal_stratum_session_vardiff_params (session);
  if (!session->closed && session->fixed_difficulty == 0
      && shoal_vardiff_share (&session->vardiff, &params, submit->difficulty,
                              submit->received_at))
    shoal_stratum_session_push_job (session);
  shoal_stratum_session_reschedule (session);   /* a new vardiff window or difficulty */
  submit_free (submit);
}

static void
send_ok (Submit *submit)
{
  shoal_stratum_session_send (submit->session,
                              shoal_stratum_reply_status (submit->id_json, "OK"));
  shoal_stratum_session_score (submit->session, SHOAL_IP_SCORE_GOOD);
}

static void
on_recorded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Submit *submit = user_data;
  g_autoptr(GError) error = NULL;

  /* Asked of the recorder we used: a recorder's task need not carry it
   * as its source object (the store's does not), and the server's
   * recorder may have been replaced since. */
  if (!shoal_share_recorder_record_finish (submit->recorder, result, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      submit_free (submit);
      return;
    }
  finish (submit, error);
}

/* The job source makes it a block, or an upstream pool's share. */
static void
found_solution (Submit *submit)
{
  ShoalStratumServer *server = submit->session->server;
  guint8 extra[12];
  gsize len;

  len = shoal_stratum_server_extra_nonce (server, submit->work, submit->job_id,
                                          submit->session->split, extra);
  if (submit->share.is_block)
    {
      server->totals.blocks++;
      submit->session->worker->blocks++;
    }
  shoal_stratum_server_hand_solution (server,
                                      shoal_solution_new (submit->work, extra, len, submit->nonce,
                                                          submit->share.hash, &submit->share));
}

static void
accept_share (Submit       *submit,
              const guint8  hash[32])
{
  ShoalStratumSession *session = submit->session;
  ShoalStratumServer *server = session->server;
  gboolean meets;

  submit->share.timestamp_us = g_get_real_time ();
  submit->share.address = g_strdup (session->worker->address);
  submit->share.worker = g_strdup (session->worker->name);
  submit->share.ip = g_strdup (session->worker->ip);
  submit->share.difficulty = submit->difficulty;
  submit->share.height = shoal_work_get_height (submit->work);
  memcpy (submit->share.hash, hash, 32);
  /* Checked before its epoch was closed by another of ours: a good
   * share, but no block to send. */
  meets = shoal_difficulty_check_hash (hash, shoal_work_get_ceiling (submit->work))
          && !epoch_is_closed (server, submit->work);
  submit->share.is_block = meets && !shoal_work_get_ceiling_is_upstream (submit->work);
  if (meets)
    found_solution (submit);
  if (server->thread_recorder == NULL)
    {
      finish (submit, NULL);
      return;
    }
  submit->recorder = g_object_ref (server->thread_recorder);
  shoal_share_recorder_record_async (submit->recorder, &submit->share, server->cancellable,
                                     on_recorded, submit);
}

static void
on_hashed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Submit *submit = user_data;
  g_autoptr(GError) error = NULL;
  guint8 hash[32];

  if (!shoal_validator_hash_finish (SHOAL_VALIDATOR (source), result, hash, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        reject (submit->session, submit->id_json, VERDICT_REJECTED, 0,
                "Share not checked: the validator failed");
      submit_free (submit);
      return;
    }
  if (memcmp (hash, submit->claimed, 32) != 0)
    {
      reject (submit->session, submit->id_json, VERDICT_INVALID, SHOAL_IP_SCORE_BAD,
              "Bad share: the result is not the RandomX hash of this job and nonce");
      submit_free (submit);
      return;
    }
  accept_share (submit, hash);
}

/* A job whose top nonce byte is not zero (the rig's split byte, or one
 * an upstream fixed) leaves the rig the other three, as XMRig's NiceHash
 * mode does: a rig that changes it mines nonces that are not its own. */
static gboolean
nonce_keeps_top_byte (const guint8 *job_nonce,
                      guint32       nonce)
{
  return job_nonce[3] == 0 || job_nonce[3] == (nonce >> 24);
}

static GBytes *
share_hashing_blob (ShoalStratumSession *session,
                    ShoalStratumJob     *job,
                    guint32              nonce,
                    GError             **error)
{
  g_autoptr(GBytes) blob = NULL;
  guint8 extra[12];
  gsize len = shoal_stratum_server_extra_nonce (session->server, job->work, job->id,
                                                session->split, extra);
  gsize offset = shoal_work_get_nonce_offset (job->work);
  guint32 le = GUINT32_TO_LE (nonce);
  GByteArray *bytes;

  blob = shoal_work_make_blob (job->work, extra, len, error);
  if (blob == NULL)
    return NULL;
  if (g_bytes_get_size (blob) < offset + 4)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TRUNCATED,
                   "the work's blob has no room for the nonce at %" G_GSIZE_FORMAT, offset);
      return NULL;
    }
  if (!nonce_keeps_top_byte (g_bytes_get_data (blob, NULL) + offset, nonce))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                           "Invalid nonce; is miner not compatible with NiceHash?");
      return NULL;
    }
  bytes = g_bytes_unref_to_array (g_steal_pointer (&blob));
  memcpy (bytes->data + offset, &le, 4);
  return g_byte_array_free_to_bytes (bytes);
}

static void
queue_hash (ShoalStratumSession *session,
            ShoalStratumRequest *request,
            ShoalStratumJob     *job,
            guint32              nonce,
            const guint8         claimed[32])
{
  ShoalStratumServer *server = session->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = share_hashing_blob (session, job, nonce, &error);
  Submit *submit;

  if (blob == NULL && g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_INVALID))
    {
      reject (session, request->id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, error->message);
      return;
    }
  if (blob == NULL)
    {
      reject (session, request->id_json, VERDICT_REJECTED, 0, "Share not checked: no blob");
      return;
    }
  submit = g_new0 (Submit, 1);
  submit->session = shoal_stratum_session_ref (session);
  submit->id_json = g_strdup (request->id_json);
  submit->work = shoal_work_ref (job->work);
  submit->job_id = job->id;
  submit->difficulty = job->difficulty;
  submit->nonce = nonce;
  memcpy (submit->claimed, claimed, 32);
  submit->received_at = g_get_monotonic_time ();
  session->pending++;
  server->n_pending++;
  if (!shoal_validator_hash_async (server->validator, blob,
                                   shoal_work_get_seed_hash (job->work),
                                   server->cancellable, on_hashed, submit, &error))
    {
      /* Full queue: say so now rather than leave the miner waiting. */
      reject (session, request->id_json, VERDICT_REJECTED, 0,
              "Server busy, share not checked");
      submit_free (submit);
    }
}

static ShoalStratumJob *
check_job (ShoalStratumSession *session,
           ShoalStratumRequest *request)
{
  const char *algo = shoal_stratum_request_get_string (request, "algo");
  gboolean evicted;
  ShoalStratumJob *job;

  job = find_job (session, shoal_stratum_request_get_string (request, "job_id"), &evicted);
  if (job == NULL && evicted)
    reject (session, request->id_json, VERDICT_STALE, 0, "Stale share: job too old");
  else if (job == NULL)
    reject (session, request->id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, "Invalid job id");
  else if (algo != NULL && g_ascii_strcasecmp (algo, shoal_work_get_algorithm (job->work)) != 0)
    {
      g_autofree char *message = g_strdup_printf ("Unsupported algorithm: this job is %s",
                                                  shoal_work_get_algorithm (job->work));

      reject (session, request->id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, message);
    }
  else
    return job;
  return NULL;
}

static gboolean
check_fields (ShoalStratumSession *session,
              ShoalStratumRequest *request,
              guint32             *nonce,
              guint8               claimed[32])
{
  g_autoptr(GError) error = NULL;

  if (!shoal_stratum_parse_nonce (shoal_stratum_request_get_string (request, "nonce"),
                                  nonce, &error)
      || !shoal_stratum_parse_hash (shoal_stratum_request_get_string (request, "result"),
                                    claimed, &error))
    {
      reject (session, request->id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, error->message);
      return FALSE;
    }
  return TRUE;
}

void
shoal_stratum_session_submit (ShoalStratumSession *session,
                              ShoalStratumRequest *request)
{
  const char *id_json = request->id_json;
  ShoalStratumJob *job;
  guint32 nonce;
  guint8 claimed[32];

  if (!shoal_stratum_session_check_id (session, request))
    reject (session, id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, "Unauthenticated");
  else if ((job = check_job (session, request)) == NULL)
    return;
  else if (!check_fields (session, request, &nonce, claimed))
    return;
  else if (job_is_stale (session, job))
    reject (session, id_json, VERDICT_STALE, 0, "Stale share: the block it was for is already found");
  else if (!remember_nonce (job, nonce))
    reject (session, id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, "Duplicate share");
  else if (!shoal_hash_meets_target (claimed, shoal_effective_target64 (job->difficulty)))
    reject (session, id_json, VERDICT_REJECTED, SHOAL_IP_SCORE_BAD, "Low difficulty share");
  else if (session->pending >= MAX_PENDING_PER_SESSION)
    reject (session, id_json, VERDICT_REJECTED, 0, "Too many shares waiting to be checked");
  else
    queue_hash (session, request, job, nonce, claimed);
}
