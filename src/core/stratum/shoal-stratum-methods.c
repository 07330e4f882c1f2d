/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-address.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-stratum-server-private.h"

/* The four methods XMRig uses, and the jobs they hand out. */

void
shoal_stratum_job_clear (ShoalStratumJob *job)
{
  g_clear_pointer (&job->work, shoal_work_unref);
  g_clear_pointer (&job->nonces, g_array_unref);
  job->id = 0;
}

/* A difficulty past the ceiling would hide shares the ceiling's owner
 * wants.  On a rig's own upstream connection that is its own target,
 * which the upstream sets per connection. */
static guint64
ceiling_of (ShoalStratumSession *session)
{
  ShoalWork *work = shoal_stratum_session_work (session);
  const ShoalDifficulty *ceiling;

  if (work == NULL || work == session->server->work)
    return session->server->network_difficulty;
  ceiling = shoal_work_get_ceiling (work);
  return ceiling->hi != 0 ? G_MAXUINT64 : MAX (ceiling->lo, 1);
}

ShoalVardiffParams
shoal_stratum_session_vardiff_params (ShoalStratumSession *session)
{
  ShoalStratumServer *self = session->server;
  ShoalVardiffParams params = {
    .min_difficulty = self->settings.min_difficulty,
    .max_difficulty = ceiling_of (session),
    .interval_s = MAX (self->settings.share_interval, 1),
  };

  return params;
}

gboolean
shoal_stratum_work_is_split (ShoalWork *work)
{
  gsize reserved = shoal_work_get_unique_size (work);

  return reserved > 0 && reserved < 8;
}

/* Instance id then job counter, little-endian, as much as the work has
 * room for: no two jobs of this server share a blob.  Work with fewer
 * unique bytes (an upstream's job, split by the top nonce byte) gets the
 * session's split byte first: that byte alone keeps rigs apart, the
 * counter only what room is left. */
gsize
shoal_stratum_server_extra_nonce (ShoalStratumServer *server,
                                  ShoalWork          *work,
                                  guint64             job_id,
                                  guint8              split,
                                  guint8              out[12])
{
  gsize reserved = shoal_work_get_unique_size (work);
  guint32 instance = GUINT32_TO_LE (server->instance_id);
  guint64 counter = GUINT64_TO_LE (job_id);

  if (reserved == 0)
    return 0;
  if (reserved < 8)
    {
      out[0] = split;
      memcpy (out + 1, &counter, reserved - 1);
      return reserved;
    }
  memcpy (out, &instance, 4);
  memcpy (out + 4, &counter, 8);
  return MIN (reserved, 12);
}

static GBytes *
job_hashing_blob (ShoalStratumServer *server,
                  ShoalStratumJob    *job,
                  guint8              split,
                  GError            **error)
{
  guint8 extra[12];
  gsize len = shoal_stratum_server_extra_nonce (server, job->work, job->id, split, extra);

  return shoal_work_make_blob (job->work, extra, len, error);
}

static guint64
session_difficulty (ShoalStratumSession *session)
{
  ShoalVardiffParams params = shoal_stratum_session_vardiff_params (session);

  if (session->fixed_difficulty != 0)
    return shoal_vardiff_clamp (&params, session->fixed_difficulty);
  /* The network difficulty may have dropped under it since. */
  session->vardiff.difficulty = shoal_vardiff_clamp (&params, session->vardiff.difficulty);
  return session->vardiff.difficulty;
}

/* New work goes to every miner, mostly at a handful of difficulties. */
static void
target_for (ShoalStratumServer *server,
            guint64             difficulty,
            char                target_hex[SHOAL_STRATUM_TARGET_HEX_SIZE])
{
  if (server->cached_target_hex == NULL || server->cached_difficulty != difficulty)
    {
      g_free (server->cached_target_hex);
      server->cached_target_hex = shoal_target_hex_for_difficulty (difficulty, NULL);
      server->cached_difficulty = difficulty;
    }
  g_strlcpy (target_hex, server->cached_target_hex, SHOAL_STRATUM_TARGET_HEX_SIZE);
}

ShoalStratumJob *
shoal_stratum_session_start_job (ShoalStratumSession *session,
                                 char                 target_hex[SHOAL_STRATUM_TARGET_HEX_SIZE])
{
  ShoalStratumServer *server = session->server;
  guint slot = (session->newest_job + 1) % SHOAL_STRATUM_MAX_JOBS;
  ShoalStratumJob *job = &session->jobs[slot];

  ShoalWork *work = shoal_stratum_session_work (session);

  if (work == NULL)
    return NULL;
  /* Split work for a rig that holds no byte (it came while the work was
   * not split, and every byte was held): no job rather than another
   * rig's nonces. */
  if (session->split == 0)
    session->split = shoal_nonce_splits_take (shoal_stratum_session_splits (session));
  if (session->split == 0 && shoal_stratum_work_is_split (work))
    return NULL;
  shoal_stratum_job_clear (job);
  job->id = ++server->job_counter;
  job->work = shoal_work_ref (work);
  job->difficulty = session_difficulty (session);
  target_for (server, job->difficulty, target_hex);
  session->newest_job = slot;
  session->newest_job_at = g_get_monotonic_time ();
  if (session->first_job_id == 0)
    session->first_job_id = job->id;
  session->worker->difficulty = job->difficulty;
  server->jobs_sent++;
  return job;
}

char *
shoal_stratum_job_to_json (ShoalStratumServer  *server,
                           ShoalStratumJob     *job,
                           guint8               split,
                           const char          *target_hex,
                           GError             **error)
{
  g_autoptr(GBytes) blob = job_hashing_blob (server, job, split, error);
  g_autofree char *blob_hex = NULL;
  char job_id[24];

  if (blob == NULL)
    return NULL;
  blob_hex = shoal_hex_encode (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  g_snprintf (job_id, sizeof job_id, "%" G_GINT64_MODIFIER "x", job->id);
  return shoal_stratum_job_json (blob_hex, job_id, target_hex, shoal_work_get_algorithm (job->work),
                                 shoal_work_get_height (job->work), server->seed_hex);
}

static char *
new_job (ShoalStratumSession *session)
{
  g_autoptr(GError) error = NULL;
  char target_hex[SHOAL_STRATUM_TARGET_HEX_SIZE];
  ShoalStratumJob *job = shoal_stratum_session_start_job (session, target_hex);
  char *json;

  if (job == NULL)
    return NULL;
  json = shoal_stratum_job_to_json (session->server, job, session->split, target_hex, &error);
  if (json == NULL)
    {
      g_warning ("Stratum: cannot make a job: %s", error->message);
      shoal_stratum_job_clear (job);
    }
  return json;
}

void
shoal_stratum_session_push_job (ShoalStratumSession *session)
{
  g_autofree char *job = NULL;

  if (!session->logged_in || session->closing || session->closed)
    return;
  job = new_job (session);
  if (job != NULL)
    shoal_stratum_session_send (session, shoal_stratum_notify_job (job));
}

static gboolean
credit_address (ShoalStratumSession *session,
                ShoalStratumLogin   *login,
                char               **address,
                GError             **error)
{
  ShoalStratumSettings *settings = &session->server->settings;
  g_autoptr(GError) local_error = NULL;
  ShoalAddress parsed;

  if (!settings->pplns)
    {
      *address = g_strdup (settings->pool_address != NULL ? settings->pool_address : "");
      return TRUE;
    }
  if (!shoal_address_check (login->base, SHOAL_NETWORK_MAINNET, &parsed, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Invalid address: %s (this pool pays members: log in with your Monero "
                   "address as the user)", local_error->message);
      return FALSE;
    }
  /* Refused rather than paid in a transaction of its own: the wallet
   * refuses an integrated address next to any other destination, so one
   * such member would stop every batch, and a transaction each would
   * charge the pool a network fee per member per payout. */
  if (parsed.kind == SHOAL_ADDRESS_INTEGRATED)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                           "Integrated address refused: this pool pays many members in one "
                           "transaction, which cannot include an integrated address (an exchange "
                           "deposit address with a payment id). Log in with a standard (4...) or "
                           "subaddress (8...) of your own wallet");
      return FALSE;
    }
  *address = g_strdup (login->base);
  return TRUE;
}

static gboolean
check_login (ShoalStratumSession *session,
             ShoalStratumRequest *request,
             ShoalStratumLogin   *login,
             char               **address,
             GError             **error)
{
  JsonNode *algos = json_object_get_member (request->params, "algo");
  ShoalWork *work = session->server->work;
  const char *algo = work != NULL ? shoal_work_get_algorithm (work) : NULL;

  /* Without work there is no algorithm to check yet: "No job yet" below. */
  if (algo != NULL && !shoal_stratum_algo_supported (algos, algo))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Unsupported algorithm: this pool mines %s%s; enable %s on the miner",
                   algo, g_str_has_prefix (algo, "rx/") ? " (RandomX)" : "", algo);
      return FALSE;
    }
  if (!shoal_stratum_login_parse (shoal_stratum_request_get_string (request, "login"),
                                  shoal_stratum_request_get_string (request, "pass"),
                                  shoal_stratum_request_get_string (request, "rigid"),
                                  !session->server->settings.pplns, login, error))
    return FALSE;
  if (!credit_address (session, login, address, error))
    return FALSE;
  if (work == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE,
                           "No job yet: the pool is waiting for its node, try again shortly");
      return FALSE;
    }
  /* The byte is held to the session's end (see shoal_nonce_splits_take()). */
  return shoal_stratum_server_join_lane (session->server, session, login->worker, error);
}

static void
start_session (ShoalStratumSession *session,
               ShoalStratumLogin   *login,
               const char          *address,
               const char          *agent)
{
  ShoalStratumServer *server = session->server;
  ShoalVardiffParams params = shoal_stratum_session_vardiff_params (session);
  ShoalStratumWorker *worker = shoal_stratum_server_get_worker (server, address, login->worker);

  session->worker = worker;
  session->logged_in = TRUE;
  session->fixed_difficulty = login->fixed_difficulty;
  session->session_id = g_random_int () | (guint64) g_random_int () << 32;
  shoal_vardiff_init (&session->vardiff, &params, server->settings.start_difficulty,
                      g_get_monotonic_time ());
  worker->connections++;
  g_clear_pointer (&worker->ip, g_ref_string_release);
  worker->ip = g_ref_string_acquire (session->peer);
  if (agent != NULL)
    {
      g_autofree char *shortened = g_strndup (agent, 256);

      g_clear_pointer (&worker->agent, g_ref_string_release);
      worker->agent = shoal_interner_get (server->strings, shortened);
    }
  server->n_miners++;
  shoal_stratum_server_mark_dirty (server);
}

/* The login's answer: a session, and its first job. */
static void
answer_login (ShoalStratumSession *session,
              const char          *id_json,
              ShoalStratumLogin   *login,
              const char          *address,
              const char          *agent)
{
  g_autofree char *job = NULL;
  g_autofree char *sid = NULL;
  g_autofree char *result = NULL;

  start_session (session, login, address, agent);
  job = new_job (session);
  if (job == NULL)
    {
      shoal_stratum_session_send_error (session, id_json,
                                        "No job available: the pool cannot make work");
      shoal_stratum_session_close_after (session);
      return;
    }
  sid = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", session->session_id);
  result = shoal_stratum_login_result (sid, job);
  shoal_stratum_session_send (session, shoal_stratum_reply_result (id_json, result));
}

void
shoal_stratum_waiting_login_free (ShoalStratumWaitingLogin *waiting)
{
  g_free (waiting->id_json);
  shoal_stratum_login_clear (&waiting->login);
  g_free (waiting->address);
  g_free (waiting->agent);
  g_free (waiting);
}

/* A per-rig login with no byte of lane 0 free (hundreds of rigs back at
 * once): not refused, answered when the rig's own connection has a job. */
static void
wait_for_lane (ShoalStratumSession *session,
               ShoalStratumRequest *request,
               ShoalStratumLogin   *login,
               char               **address)
{
  ShoalStratumWaitingLogin *waiting = g_new0 (ShoalStratumWaitingLogin, 1);

  waiting->id_json = g_strdup (request->id_json);
  waiting->login = *login;
  memset (login, 0, sizeof *login);
  waiting->address = g_steal_pointer (address);
  waiting->agent = g_strdup (shoal_stratum_request_get_string (request, "agent"));
  waiting->deadline = g_get_monotonic_time ()
                      + (gint64) session->server->settings.login_timeout_ms * 1000;
  session->waiting = waiting;
  shoal_stratum_session_reschedule (session);
}

void
shoal_stratum_session_finish_login (ShoalStratumSession *session)
{
  ShoalStratumWaitingLogin *waiting = g_steal_pointer (&session->waiting);

  if (waiting == NULL)
    return;
  if (!session->closing && !session->closed)
    answer_login (session, waiting->id_json, &waiting->login, waiting->address,
                  waiting->agent);
  shoal_stratum_waiting_login_free (waiting);
  shoal_stratum_session_reschedule (session);
}

void
shoal_stratum_session_fail_login (ShoalStratumSession *session,
                                  const char          *message)
{
  ShoalStratumWaitingLogin *waiting = g_steal_pointer (&session->waiting);

  if (waiting == NULL)
    return;
  shoal_stratum_session_send_error (session, waiting->id_json, message);
  shoal_stratum_session_close_after (session);
  shoal_stratum_waiting_login_free (waiting);
}

/* Logins cost the pool a job each: a peer that churns them is told,
 * scored like a bad share and closed. */
static gboolean
login_allowed (ShoalStratumSession *session,
               ShoalStratumRequest *request)
{
  ShoalStratumSettings *settings = &session->server->settings;

  if (shoal_ip_entry_take_login (session->ip, settings->login_burst, settings->logins_per_minute,
                                 g_get_monotonic_time ()))
    return TRUE;
  shoal_stratum_session_send_error (session, request->id_json,
                                    "Too many logins from your IP address: wait a minute");
  shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
  shoal_stratum_session_close_after (session);
  return FALSE;
}

static void
handle_login (ShoalStratumSession *session,
              ShoalStratumRequest *request)
{
  g_auto(ShoalStratumLogin) login = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  if (session->logged_in || session->waiting != NULL)
    {
      shoal_stratum_session_send_error (session, request->id_json, "Already logged in");
      return;
    }
  if (!login_allowed (session, request))
    return;
  if (!check_login (session, request, &login, &address, &error))
    {
      shoal_stratum_session_send_error (session, request->id_json, error->message);
      shoal_stratum_session_close_after (session);
      return;
    }
  if (shoal_stratum_session_awaits_lane (session))
    wait_for_lane (session, request, &login, &address);
  else
    answer_login (session, request->id_json, &login, address,
                  shoal_stratum_request_get_string (request, "agent"));
}

gboolean
shoal_stratum_session_check_id (ShoalStratumSession *session,
                                ShoalStratumRequest *request)
{
  const char *id = shoal_stratum_request_get_string (request, "id");
  guint64 value;

  return id != NULL && g_ascii_string_to_unsigned (id, 16, 0, G_MAXUINT64, &value, NULL)
         && value == session->session_id;
}

static void
handle_getjob (ShoalStratumSession *session,
               ShoalStratumRequest *request)
{
  g_autofree char *job = NULL;

  if (!shoal_stratum_session_check_id (session, request))
    {
      shoal_stratum_session_send_error (session, request->id_json, "Unauthenticated");
      return;
    }
  job = new_job (session);
  if (job == NULL)
    shoal_stratum_session_send_error (session, request->id_json, "No job available");
  else
    shoal_stratum_session_send (session, shoal_stratum_reply_result (request->id_json, job));
}

void
shoal_stratum_session_handle (ShoalStratumSession *session,
                              ShoalStratumRequest *request)
{
  const char *method = request->method;

  if (g_str_equal (method, "keepalived"))
    {
      shoal_stratum_session_send (session, shoal_stratum_reply_status (request->id_json, "KEEPALIVED"));
      return;
    }
  if (session->reject_reason != NULL)
    {
      shoal_stratum_session_send_error (session, request->id_json, session->reject_reason);
      shoal_stratum_session_close_after (session);
      return;
    }
  if (g_str_equal (method, "login"))
    handle_login (session, request);
  else if (!session->logged_in)
    {
      shoal_stratum_session_send_error (session, request->id_json, "Unauthenticated");
      shoal_stratum_session_score (session, SHOAL_IP_SCORE_BAD);
    }
  else if (g_str_equal (method, "submit"))
    shoal_stratum_session_submit (session, request);
  else if (g_str_equal (method, "getjob"))
    handle_getjob (session, request);
  else
    {
      g_autofree char *message = g_strdup_printf ("Unknown method \"%.64s\"", method);

      shoal_stratum_session_send_error (session, request->id_json, message);
    }
}
