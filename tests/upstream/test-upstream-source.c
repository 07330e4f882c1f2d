/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "p2pool-standin.h"
#include "shoal-upstream-source.h"
#include "upstream-test-util.h"

/* The upstream job source against the P2Pool stand-in: the work the
 * stratum server would get, and which shares go up. */

#define SEED_HEX "0101010101010101010101010101010101010101010101010101010101010101"

typedef struct
{
  P2poolStandin       *standin;
  ShoalUpstreamSource *source;
  guint                works;
  guint                verdicts;
  gboolean             last_accepted;
  GError              *last_error;
} Fixture;

static void
on_work_changed (ShoalJobSource *source,
                 ShoalWork      *work,
                 Fixture        *fixture)
{
  fixture->works++;
}

static void
on_verdict (ShoalUpstreamSource *source,
            const ShoalShare    *share,
            gboolean             accepted,
            const GError        *error,
            Fixture             *fixture)
{
  g_assert_cmpstr (share->worker, ==, "rig-7");
  fixture->verdicts++;
  fixture->last_accepted = accepted;
  g_clear_error (&fixture->last_error);
  fixture->last_error = error != NULL ? g_error_copy (error) : NULL;
}

static void
set_work (P2poolStandin *standin,
          guint64        height,
          guint8         nonce_top)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = NULL;

  blob[5] = (guint8) height;        /* something that differs per height */
  blob[42] = nonce_top;
  bytes = g_bytes_new (blob, sizeof blob);
  p2pool_standin_set_work (standin, bytes, SEED_HEX, height);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->standin = p2pool_standin_new (1000);
  set_work (fixture->standin, 100, 0);
  g_autoptr(ShoalUpstreamEndpoint) endpoint =
    shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (fixture->standin), FALSE,
                                 "household", "x");

  fixture->source = shoal_upstream_source_new (endpoint);
  g_signal_connect (fixture->source, "work-changed", G_CALLBACK (on_work_changed), fixture);
  g_signal_connect (fixture->source, "share-verdict", G_CALLBACK (on_verdict), fixture);
  shoal_upstream_source_start (fixture->source);
  WAIT_FOR (shoal_upstream_source_is_connected (fixture->source));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  shoal_upstream_source_stop (fixture->source);
  shoal_test_assert_finalized (g_steal_pointer (&fixture->source));
  p2pool_standin_free (fixture->standin);
  g_clear_error (&fixture->last_error);
}

static ShoalWork *
current_work (Fixture *fixture)
{
  ShoalWork *work = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (fixture->source));

  g_assert_nonnull (work);
  return work;
}

/* Hands the source a solution for WORK whose hash tail is TAIL. */
static void
solve (Fixture   *fixture,
       ShoalWork *work,
       guint32    nonce,
       guint8     tail)
{
  ShoalShare share = { .worker = (char *) "rig-7", .address = (char *) "household" };
  guint8 hash[32] = { 0 };
  guint8 unique = 7;
  g_autoptr(ShoalSolution) solution = NULL;
  guint before = fixture->verdicts;

  memset (hash + 24, tail, 8);
  memcpy (share.hash, hash, 32);
  solution = shoal_solution_new (work, &unique, 1, nonce, hash, &share);
  shoal_job_source_submit_solution (SHOAL_JOB_SOURCE (fixture->source), solution);
  WAIT_FOR (fixture->verdicts > before);
}

static void
test_work_from_upstream (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ShoalWork) work = current_work (fixture);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  guint8 unique = 0x2a;
  const guint8 *bytes;

  g_assert_cmpstr (shoal_work_get_algorithm (work), ==, "rx/0");
  g_assert_cmpuint (shoal_work_get_height (work), ==, 100);
  g_assert_cmpuint (shoal_work_get_seed_hash (work)[0], ==, 1);
  g_assert_cmpuint (shoal_work_get_nonce_offset (work), ==, 39);
  /* The stand-in's target is 4 bytes: its difficulty within rounding. */
  g_assert_cmpuint (shoal_work_get_ceiling (work)->lo, >=, 999);
  g_assert_cmpuint (shoal_work_get_ceiling (work)->lo, <=, 1001);
  /* Nonce splitting: one unique byte, the top nonce byte. */
  g_assert_cmpuint (shoal_work_get_unique_size (work), ==, 1);
  blob = shoal_work_make_blob (work, &unique, 1, &error);
  g_assert_no_error (error);
  bytes = g_bytes_get_data (blob, NULL);
  g_assert_cmpuint (g_bytes_get_size (blob), ==, 76);
  g_assert_cmpuint (bytes[42], ==, 0x2a);
  g_assert_cmpuint (bytes[39] | bytes[40] | bytes[41], ==, 0);
  g_assert_cmpuint (bytes[5], ==, 100);
}

static void
test_reserved_nonce_not_split (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(ShoalWork) work = NULL;

  /* An upstream that fixed part of the nonce itself (a nicehash pool). */
  set_work (fixture->standin, 100, 0x55);
  p2pool_standin_push_job (fixture->standin, FALSE);
  WAIT_FOR (fixture->works >= 2);
  work = current_work (fixture);
  g_assert_cmpuint (shoal_work_get_unique_size (work), ==, 0);
}

static void
test_shares_go_up (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ShoalWork) work = current_work (fixture);
  GPtrArray *submits = p2pool_standin_get_submits (fixture->standin);
  P2poolSubmit *sent;

  solve (fixture, work, 0x07000001, 0x00);
  g_assert_true (fixture->last_accepted);
  g_assert_cmpuint (submits->len, ==, 1);
  sent = g_ptr_array_index (submits, 0);
  g_assert_cmpstr (sent->job_id, ==, "1");
  g_assert_cmpstr (sent->nonce, ==, "01000007");
  g_assert_cmpstr (sent->verdict, ==, "OK");

  /* Below the upstream's target: it never leaves Shoal. */
  solve (fixture, work, 0x07000002, 0xff);
  g_assert_false (fixture->last_accepted);
  g_assert_error (fixture->last_error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY);
  /* The same share twice: sent once. */
  solve (fixture, work, 0x07000001, 0x00);
  g_assert_false (fixture->last_accepted);
  g_assert_cmpuint (submits->len, ==, 1);
  g_assert_cmpuint (shoal_upstream_source_get_accepted (fixture->source), ==, 1);
  g_assert_cmpuint (shoal_upstream_source_get_rejected (fixture->source), ==, 2);
}

static void
test_upstream_verdict_reported (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ShoalWork) work = current_work (fixture);

  /* A new sidechain tip at the same height: still the same epoch for the
   * rigs, but the upstream calls the old job's shares stale. */
  p2pool_standin_push_job (fixture->standin, TRUE);
  WAIT_FOR (fixture->works >= 2);
  {
    g_autoptr(ShoalWork) newer = current_work (fixture);
    g_assert_cmpuint (shoal_work_get_epoch (newer), ==, shoal_work_get_epoch (work));
  }
  solve (fixture, work, 0x07000003, 0x00);
  g_assert_false (fixture->last_accepted);
  g_assert_error (fixture->last_error, SHOAL_UPSTREAM_ERROR, SHOAL_UPSTREAM_ERROR_STALE);
}

static void
test_new_height_new_epoch (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(ShoalWork) before = current_work (fixture);
  g_autoptr(ShoalWork) after = NULL;

  set_work (fixture->standin, 101, 0);
  p2pool_standin_push_job (fixture->standin, TRUE);
  WAIT_FOR (fixture->works >= 2);
  after = current_work (fixture);
  g_assert_cmpuint (shoal_work_get_height (after), ==, 101);
  g_assert_cmpuint (shoal_work_get_epoch (after), >, shoal_work_get_epoch (before));
}

static void
test_reconnects (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ShoalWork) old = current_work (fixture);
  g_autoptr(ShoalWork) fresh = NULL;
  guint works = fixture->works;

  p2pool_standin_drop_all (fixture->standin);
  WAIT_FOR (!shoal_upstream_source_is_connected (fixture->source));
  g_assert_nonnull (shoal_upstream_source_get_last_error (fixture->source));
  WAIT_FOR (shoal_upstream_source_is_connected (fixture->source));
  g_assert_cmpuint (fixture->works, >, works);
  g_assert_cmpuint (p2pool_standin_count (fixture->standin, P2POOL_COUNT_LOGINS), ==, 2);
  fresh = current_work (fixture);
  /* The old connection's job ids mean nothing to the new one. */
  g_assert_cmpuint (shoal_work_get_epoch (fresh), >, shoal_work_get_epoch (old));
  solve (fixture, old, 0x07000004, 0x00);
  g_assert_false (fixture->last_accepted);
  g_assert_cmpuint (p2pool_standin_get_submits (fixture->standin)->len, ==, 0);
  solve (fixture, fresh, 0x07000005, 0x00);
  g_assert_true (fixture->last_accepted);
}

/* A port nothing listens on: bound, then given back. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* A source started on a context of its own (not the default one) that
 * is stopped while a retry is pending takes that retry off its own
 * context: a retry left behind would fire on a freed source, and one
 * cancelled by id is looked for in the default context. */
static void
test_retry_on_own_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ShoalUpstreamEndpoint) endpoint =
    shoal_upstream_endpoint_new ("127.0.0.1", closed_port (), FALSE, "household", "x");
  gint64 give_up = g_get_monotonic_time () + SHOAL_TEST_PATIENCE_MS * 1000;
  ShoalUpstreamSource *source;

  g_main_context_push_thread_default (context);
  source = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_start (source);
  while (shoal_upstream_source_get_last_error (source) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      g_main_context_iteration (context, TRUE);
    }
  g_assert_false (shoal_upstream_source_is_connected (source));
  shoal_upstream_source_stop (source);
  while (g_main_context_iteration (context, FALSE))
    ;
  shoal_test_assert_finalized (source);
  g_main_context_pop_thread_default (context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/upstream-source/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("work-from-upstream", test_work_from_upstream);
  ADD ("reserved-nonce-not-split", test_reserved_nonce_not_split);
  ADD ("shares-go-up", test_shares_go_up);
  ADD ("upstream-verdict-reported", test_upstream_verdict_reported);
  ADD ("new-height-new-epoch", test_new_height_new_epoch);
  ADD ("reconnects", test_reconnects);
#undef ADD
  g_test_add_func ("/upstream-source/retry-on-own-context", test_retry_on_own_context);
  return g_test_run ();
}
