/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "p2pool-standin.h"
#include "shoal-error.h"
#include "shoal-upstream-client.h"
#include "upstream-test-util.h"

/* The upstream client against a stand-in that speaks P2Pool's dialect:
 * what goes over the wire and what the client makes of the answers. */

typedef struct
{
  P2poolStandin       *standin;
  ShoalUpstreamClient *client;
  GError              *closed;
  guint                jobs;
  gboolean             connected;
  GError              *connect_error;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  accepted;
  GError   *error;
} Verdict;

static void
on_job (ShoalUpstreamClient *client,
        ShoalUpstreamJob    *job,
        Fixture             *fixture)
{
  fixture->jobs++;
}

static void
on_closed (ShoalUpstreamClient *client,
           const GError        *why,
           Fixture             *fixture)
{
  g_assert_null (fixture->closed);
  fixture->closed = g_error_copy (why);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->connected = shoal_upstream_client_connect_finish (SHOAL_UPSTREAM_CLIENT (source), result,
                                                             &fixture->connect_error);
}

static void
fixture_connect (Fixture *fixture)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint =
    shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (fixture->standin), FALSE,
                                 "household", "x");

  fixture->client = shoal_upstream_client_new (endpoint);
  g_signal_connect (fixture->client, "job", G_CALLBACK (on_job), fixture);
  g_signal_connect (fixture->client, "closed", G_CALLBACK (on_closed), fixture);
  shoal_upstream_client_connect_async (fixture->client, NULL, on_connected, fixture);
  WAIT_FOR (fixture->connected || fixture->connect_error != NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->standin = p2pool_standin_new (500001);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->client != NULL)
    {
      shoal_upstream_client_close (fixture->client);
      shoal_test_assert_finalized (g_steal_pointer (&fixture->client));
    }
  p2pool_standin_free (fixture->standin);
  g_clear_error (&fixture->closed);
  g_clear_error (&fixture->connect_error);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Verdict *verdict = user_data;

  verdict->accepted = shoal_upstream_client_submit_finish (SHOAL_UPSTREAM_CLIENT (source), result,
                                                           &verdict->error);
  verdict->done = TRUE;
}

/* Submits to JOB_ID a hash whose tail is TAIL (the part the target is
 * checked against) and waits for the verdict. */
static void
submit (Fixture    *fixture,
        const char *job_id,
        guint32     nonce,
        guint8      tail,
        Verdict    *verdict)
{
  guint8 hash[32] = { 0 };

  memset (hash + 24, tail, 8);
  shoal_upstream_client_submit_async (fixture->client, job_id, nonce, hash, NULL, on_submitted,
                                      verdict);
  WAIT_FOR (verdict->done);
}

static P2poolSubmit *
last_submit (Fixture *fixture)
{
  GPtrArray *submits = p2pool_standin_get_submits (fixture->standin);

  g_assert_cmpuint (submits->len, >, 0);
  return g_ptr_array_index (submits, submits->len - 1);
}

static void
test_login_and_first_job (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(ShoalUpstreamJob) job = NULL;

  fixture_connect (fixture);
  g_assert_no_error (fixture->connect_error);
  g_assert_true (shoal_upstream_client_is_connected (fixture->client));
  g_assert_cmpuint (strlen (shoal_upstream_client_get_session_id (fixture->client)), ==, 8);
  g_assert_cmpuint (fixture->jobs, ==, 1);

  job = shoal_upstream_client_dup_job (fixture->client);
  g_assert_cmpstr (job->job_id, ==, "1");
  g_assert_cmpstr (job->algorithm, ==, "rx/0");
  g_assert_cmpuint (g_bytes_get_size (job->blob), ==, 76);
  /* A 4-byte target: the difficulty comes back as XMRig reads it, within
   * the 4-byte form's rounding. */
  g_assert_cmpuint (shoal_upstream_job_get_difficulty (job), >=, 500001 - 500001 / 1000);
  g_assert_cmpuint (shoal_upstream_job_get_difficulty (job), <=, 500001 + 500001 / 1000);
  g_assert_cmpuint (p2pool_standin_count (fixture->standin, P2POOL_COUNT_LOGINS), ==, 1);
}

static void
test_eight_byte_target (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ShoalUpstreamJob) job = NULL;

  p2pool_standin_set_difficulty (fixture->standin, 90000000);
  fixture_connect (fixture);
  job = shoal_upstream_client_dup_job (fixture->client);
  g_assert_cmpuint (shoal_upstream_job_get_difficulty (job), ==, 90000000);
}

static void
test_share_verdicts (Fixture       *fixture,
                     gconstpointer  data)
{
  Verdict good = { 0 }, low = { 0 };
  P2poolSubmit *sent;

  fixture_connect (fixture);
  submit (fixture, "1", 0x11223344, 0x00, &good);
  g_assert_no_error (good.error);
  g_assert_true (good.accepted);
  sent = last_submit (fixture);
  /* The nonce goes as the blob's bytes, little-endian. */
  g_assert_cmpstr (sent->nonce, ==, "44332211");
  g_assert_cmpstr (sent->job_id, ==, "1");
  g_assert_cmpuint (strlen (sent->result), ==, 64);
  g_assert_cmpstr (sent->verdict, ==, "OK");

  submit (fixture, "1", 2, 0xff, &low);
  g_assert_error (low.error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY);
  g_assert_cmpstr (low.error->message, ==, "Low diff share");
  g_assert_true (shoal_upstream_client_is_connected (fixture->client));
  g_clear_error (&low.error);
}

static void
test_old_and_stale_jobs (Fixture       *fixture,
                         gconstpointer  data)
{
  Verdict kept = { 0 }, forgotten = { 0 }, stale = { 0 };
  g_autoptr(ShoalUpstreamJob) job = NULL;

  fixture_connect (fixture);
  for (int i = 0; i < 3; i++)
    p2pool_standin_push_job (fixture->standin, FALSE);
  WAIT_FOR (fixture->jobs == 4);
  job = shoal_upstream_client_dup_job (fixture->client);
  g_assert_cmpstr (job->job_id, ==, "4");
  submit (fixture, "1", 1, 0x00, &kept);
  g_assert_true (kept.accepted);

  /* Only the last 4 jobs are kept upstream. */
  p2pool_standin_push_job (fixture->standin, FALSE);
  WAIT_FOR (fixture->jobs == 5);
  submit (fixture, "1", 2, 0x00, &forgotten);
  g_assert_error (forgotten.error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_INVALID_JOB);

  /* A new sidechain tip makes older jobs stale. */
  p2pool_standin_push_job (fixture->standin, TRUE);
  WAIT_FOR (fixture->jobs == 6);
  submit (fixture, "5", 3, 0x00, &stale);
  g_assert_error (stale.error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_STALE);
  g_clear_error (&forgotten.error);
  g_clear_error (&stale.error);
}

static void
test_keepalive_without_reply (Fixture       *fixture,
                              gconstpointer  data)
{
  fixture_connect (fixture);
  /* P2Pool never answers keepalived: a reply timeout shorter than the
   * wait must not close the connection over it. */
  shoal_upstream_client_set_timing (fixture->client, 1, 1);
  WAIT_FOR (p2pool_standin_count (fixture->standin, P2POOL_COUNT_KEEPALIVES) >= 3);
  g_assert_true (shoal_upstream_client_is_connected (fixture->client));
  g_assert_null (fixture->closed);
  g_assert_cmpuint (p2pool_standin_count (fixture->standin, P2POOL_COUNT_BANS), ==, 0);
}

static void
test_offline_upstream (Fixture       *fixture,
                       gconstpointer  data)
{
  p2pool_standin_set_offline (fixture->standin, TRUE);
  fixture_connect (fixture);
  g_assert_false (fixture->connected);
  g_assert_error (fixture->connect_error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_OFFLINE);
  g_assert_nonnull (strstr (fixture->connect_error->message, "Disconnected from P2Pool network"));
  g_assert_nonnull (fixture->closed);
  g_assert_false (shoal_upstream_client_is_connected (fixture->client));
}

static void
test_upstream_goes_away (Fixture       *fixture,
                         gconstpointer  data)
{
  Verdict pending = { 0 }, after = { 0 };
  guint8 hash[32] = { 0 };

  fixture_connect (fixture);
  p2pool_standin_set_silent (fixture->standin, TRUE);
  shoal_upstream_client_submit_async (fixture->client, "1", 1, hash, NULL, on_submitted, &pending);
  WAIT_FOR (p2pool_standin_get_submits (fixture->standin)->len == 1);
  p2pool_standin_drop_all (fixture->standin);
  WAIT_FOR (fixture->closed != NULL);
  /* The share in flight fails with the connection, it is not lost silently. */
  WAIT_FOR (pending.done);
  g_assert_false (pending.accepted);
  g_assert_nonnull (pending.error);
  submit (fixture, "1", 2, 0x00, &after);
  g_assert_error (after.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&pending.error);
  g_clear_error (&after.error);
}

static void
test_unanswered_share (Fixture       *fixture,
                       gconstpointer  data)
{
  Verdict verdict = { 0 };

  fixture_connect (fixture);
  shoal_upstream_client_set_timing (fixture->client, 60, 1);
  p2pool_standin_set_silent (fixture->standin, TRUE);
  submit (fixture, "1", 1, 0x00, &verdict);
  g_assert_error (verdict.error, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT);
  g_assert_error (fixture->closed, SHOAL_ERROR, SHOAL_ERROR_TIMED_OUT);
  g_clear_error (&verdict.error);
}

static void
test_hostile_lines (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *kind = data;

  fixture_connect (fixture);
  if (g_str_equal (kind, "long"))
    {
      g_autofree char *line = g_strnfill (70 * 1024, 'a');
      p2pool_standin_send_raw (fixture->standin, line);
      WAIT_FOR (fixture->closed != NULL);
      g_assert_error (fixture->closed, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE);
    }
  else if (g_str_equal (kind, "short-blob"))
    {
      p2pool_standin_send_raw (fixture->standin,
                               "{\"jsonrpc\":\"2.0\",\"method\":\"job\","
                               "\"params\":{\"blob\":\"1010\","
                               "\"job_id\":\"9\",\"target\":\"b88d0600\",\"seed_hash\":\""
                               "00000000000000000000000000000000"
                               "00000000000000000000000000000000\"}}");
      WAIT_FOR (fixture->closed != NULL);
      g_assert_error (fixture->closed, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
      g_assert_nonnull (strstr (fixture->closed->message, "cannot use"));
    }
  else
    {
      p2pool_standin_send_raw (fixture->standin, "not json at all");
      WAIT_FOR (fixture->closed != NULL);
      g_assert_error (fixture->closed, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
    }
  /* The job the client had stays what the upstream really sent. */
  g_assert_cmpuint (fixture->jobs, ==, 1);
}

static void
test_stray_replies_ignored (Fixture       *fixture,
                            gconstpointer  data)
{
  Verdict verdict = { 0 };

  fixture_connect (fixture);
  /* A reply to a keepalive or to nothing, and a notification we do not know. */
  p2pool_standin_send_raw (fixture->standin,
                           "{\"id\":999,\"jsonrpc\":\"2.0\","
                           "\"result\":{\"status\":\"KEEPALIVED\"}}");
  p2pool_standin_send_raw (fixture->standin,
                           "{\"jsonrpc\":\"2.0\",\"method\":\"news\",\"params\":{}}");
  submit (fixture, "1", 1, 0x00, &verdict);
  g_assert_true (verdict.accepted);
  g_assert_null (fixture->closed);
}

/* The upstream-urls setting's entries, and the mistakes a user makes. */
static void
test_endpoint_urls (void)
{
  static const char *bad[] = {
    "http://pool:3333", "stratum+tcp://pool", "stratum+tcp://pool:3333#abcd",
    "stratum+ssl://pool:3333#xyz", "stratum+ssl://pool:3333#abcd", "",
  };
  g_autofree char *pin = g_strnfill (64, 'a');
  g_autofree char *pinned = g_strconcat ("stratum+ssl://[::1]:3334#", pin, NULL);
  g_autoptr(ShoalUpstreamEndpoint) tcp = NULL;
  g_autoptr(ShoalUpstreamEndpoint) tls = NULL;
  g_autoptr(ShoalUpstreamEndpoint) bare = NULL;
  g_autoptr(ShoalUpstreamEndpoint) copy = NULL;

  tcp = shoal_upstream_endpoint_parse ("stratum+tcp://p2pool.lan:3333", "rig", NULL);
  g_assert_nonnull (tcp);
  g_assert_cmpstr (tcp->host, ==, "p2pool.lan");
  g_assert_cmpuint (tcp->port, ==, 3333);
  g_assert_false (tcp->use_tls);
  g_assert_cmpstr (tcp->login, ==, "rig");
  g_assert_null (tcp->fingerprint);
  tls = shoal_upstream_endpoint_parse (pinned, "rig", NULL);
  g_assert_nonnull (tls);
  g_assert_cmpstr (tls->host, ==, "::1");
  g_assert_true (tls->use_tls);
  copy = shoal_upstream_endpoint_copy (tls);
  g_assert_cmpstr (copy->fingerprint, ==, pin);
  g_assert_true (tcp->login_set);
  bare = shoal_upstream_endpoint_parse ("127.0.0.1:18080", "rig", NULL);
  g_assert_nonnull (bare);
  g_assert_false (bare->use_tls);
  g_clear_pointer (&bare, shoal_upstream_endpoint_free);
  bare = shoal_upstream_endpoint_parse ("127.0.0.1:18080", "", NULL);
  g_assert_false (bare->login_set);
  g_clear_pointer (&bare, shoal_upstream_endpoint_free);
  /* "LOGIN@": this upstream's own login, before the one for all. */
  bare = shoal_upstream_endpoint_parse ("stratum+tcp://4Wallet+5000@pool.example:3333", "rig",
                                        NULL);
  g_assert_cmpstr (bare->login, ==, "4Wallet+5000");
  g_assert_cmpstr (bare->host, ==, "pool.example");
  g_assert_true (bare->login_set);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      ShoalUpstreamEndpoint *none = shoal_upstream_endpoint_parse (bad[i], "rig", &error);

      g_assert_null (none);
      g_assert_nonnull (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/upstream-client/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("login-and-first-job", test_login_and_first_job, NULL);
  ADD ("eight-byte-target", test_eight_byte_target, NULL);
  ADD ("share-verdicts", test_share_verdicts, NULL);
  ADD ("old-and-stale-jobs", test_old_and_stale_jobs, NULL);
  ADD ("keepalive-without-reply", test_keepalive_without_reply, NULL);
  ADD ("offline-upstream", test_offline_upstream, NULL);
  ADD ("upstream-goes-away", test_upstream_goes_away, NULL);
  ADD ("unanswered-share", test_unanswered_share, NULL);
  ADD ("hostile/long-line", test_hostile_lines, "long");
  ADD ("hostile/short-blob", test_hostile_lines, "short-blob");
  ADD ("hostile/not-json", test_hostile_lines, "json");
  ADD ("stray-replies-ignored", test_stray_replies_ignored, NULL);
#undef ADD
  g_test_add_func ("/upstream-client/endpoint-urls", test_endpoint_urls);
  return g_test_run ();
}
