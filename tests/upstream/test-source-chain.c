/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "p2pool-standin.h"
#include "shoal-source-chain.h"
#include "shoal-upstream-source.h"
#include "upstream-test-util.h"

/* The source chain over a real upstream source (on the P2Pool stand-in)
 * and a fallback that always has work, as the node's templates do:
 * which work goes out, when it switches, and where solutions go. */

#define SEED_HEX "0202020202020202020202020202020202020202020202020202020202020202"

/* The fallback: one piece of work, and the solutions it got back. */
#define TEST_TYPE_FALLBACK (test_fallback_get_type ())
G_DECLARE_FINAL_TYPE (TestFallback, test_fallback, TEST, FALLBACK, GObject)

struct _TestFallback
{
  GObject    parent_instance;
  ShoalWork *work;
  guint      solutions;
};

static void test_fallback_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestFallback, test_fallback, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      test_fallback_iface_init))

static ShoalWork *
fallback_dup_work (ShoalJobSource *source)
{
  return shoal_work_ref (TEST_FALLBACK (source)->work);
}

static void
fallback_submit (ShoalJobSource      *source,
                 const ShoalSolution *solution)
{
  TestFallback *self = TEST_FALLBACK (source);

  g_assert_true (solution->work == self->work);
  self->solutions++;
}

static void
test_fallback_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = fallback_dup_work;
  iface->submit_solution = fallback_submit;
}

static void
test_fallback_finalize (GObject *object)
{
  shoal_work_unref (TEST_FALLBACK (object)->work);
  G_OBJECT_CLASS (test_fallback_parent_class)->finalize (object);
}

static void
test_fallback_class_init (TestFallbackClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_fallback_finalize;
}

static GBytes *
fallback_blob (gconstpointer  data,
               const guint8  *unique,
               gsize          unique_len,
               GError       **error)
{
  return g_bytes_new_take (g_malloc0 (76), 76);
}

static void
test_fallback_init (TestFallback *self)
{
  guint8 seed[32] = { 3 };
  ShoalWorkParams params = {
    .algorithm = "rx/0", .height = 50, .epoch = 9, .seed_hash = seed,
    .ceiling = shoal_difficulty_from_uint64 (1000000), .nonce_offset = 39, .unique_size = 8,
    .make_blob = fallback_blob,
  };

  self->work = shoal_work_new (&params);
}

typedef struct
{
  P2poolStandin       *standin;
  ShoalUpstreamSource *upstream;
  TestFallback        *fallback;
  ShoalSourceChain    *chain;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;

  fixture->standin = p2pool_standin_new (1000);
  p2pool_standin_set_work (fixture->standin, bytes, SEED_HEX, 100);
  endpoint = shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (fixture->standin),
                                          FALSE, "household", "x");
  fixture->upstream = shoal_upstream_source_new (endpoint);
  fixture->fallback = g_object_new (TEST_TYPE_FALLBACK, NULL);
  fixture->chain = shoal_source_chain_new ();
  shoal_source_chain_append (fixture->chain, SHOAL_JOB_SOURCE (fixture->upstream));
  shoal_source_chain_append (fixture->chain, SHOAL_JOB_SOURCE (fixture->fallback));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  shoal_upstream_source_stop (fixture->upstream);
  shoal_test_assert_finalized (g_steal_pointer (&fixture->chain));
  shoal_test_assert_finalized (g_steal_pointer (&fixture->upstream));
  shoal_test_assert_finalized (g_steal_pointer (&fixture->fallback));
  p2pool_standin_free (fixture->standin);
}

static ShoalWork *
chain_work (Fixture *fixture)
{
  ShoalWork *work = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (fixture->chain));

  g_assert_nonnull (work);
  g_assert_true (shoal_work_get_source_tag (work) == fixture->chain);
  return work;
}

static void
solve (Fixture   *fixture,
       ShoalWork *work)
{
  ShoalShare share = { .worker = (char *) "rig", .address = (char *) "household" };
  guint8 hash[32] = { 0 };
  guint8 unique[8] = { 1 };
  g_autoptr(ShoalSolution) solution = shoal_solution_new (work, unique,
                                                          shoal_work_get_unique_size (work), 1,
                                                          hash, &share);

  shoal_job_source_submit_solution (SHOAL_JOB_SOURCE (fixture->chain), solution);
}

/* The fallback until the upstream is connected; then the upstream, then
 * the fallback the moment it goes, and back once it returns. */
static void
test_switches (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(ShoalWork) fallback = chain_work (fixture);
  g_autoptr(ShoalWork) upstream = NULL;
  g_autoptr(ShoalWork) again = NULL;
  g_autoptr(ShoalWork) back = NULL;

  g_assert_cmpint (shoal_source_chain_get_active_index (fixture->chain), ==, 1);
  g_assert_cmpuint (shoal_work_get_height (fallback), ==, 50);
  shoal_upstream_source_start (fixture->upstream);
  WAIT_FOR (shoal_source_chain_get_active_index (fixture->chain) == 0);
  upstream = chain_work (fixture);
  g_assert_cmpuint (shoal_work_get_height (upstream), ==, 100);
  g_assert_cmpuint (shoal_work_get_unique_size (upstream), ==, 1);
  g_assert_cmpuint (shoal_work_get_epoch (upstream), >, shoal_work_get_epoch (fallback));

  p2pool_standin_set_offline (fixture->standin, TRUE);
  p2pool_standin_drop_all (fixture->standin);
  WAIT_FOR (shoal_source_chain_get_active_index (fixture->chain) == 1);
  again = chain_work (fixture);
  g_assert_cmpuint (shoal_work_get_height (again), ==, 50);
  g_assert_cmpuint (shoal_work_get_epoch (again), >, shoal_work_get_epoch (upstream));
  /* A solution on the fallback's work goes to the fallback. */
  solve (fixture, again);
  g_assert_cmpuint (fixture->fallback->solutions, ==, 1);

  p2pool_standin_set_offline (fixture->standin, FALSE);
  WAIT_FOR (shoal_source_chain_get_active_index (fixture->chain) == 0);
  back = chain_work (fixture);
  g_assert_cmpuint (shoal_work_get_height (back), ==, 100);
  g_assert_cmpuint (shoal_work_get_epoch (back), >, shoal_work_get_epoch (again));
}

/* A solution on the upstream's work found after the switch still goes to
 * the upstream, which refuses it itself: its connection is gone. */
static void
test_late_solution (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ShoalWork) upstream = NULL;
  guint64 rejected;

  shoal_upstream_source_start (fixture->upstream);
  WAIT_FOR (shoal_source_chain_get_active_index (fixture->chain) == 0);
  upstream = chain_work (fixture);
  p2pool_standin_set_offline (fixture->standin, TRUE);
  p2pool_standin_drop_all (fixture->standin);
  WAIT_FOR (shoal_source_chain_get_active_index (fixture->chain) == 1);
  rejected = shoal_upstream_source_get_rejected (fixture->upstream);
  solve (fixture, upstream);
  g_assert_cmpuint (shoal_upstream_source_get_rejected (fixture->upstream), ==, rejected + 1);
  g_assert_cmpuint (fixture->fallback->solutions, ==, 0);
}

static void
count_lane_work (ShoalJobSource *chain,
                 ShoalWork      *work,
                 guint          *lane_works)
{
  if (shoal_work_get_lane (work) == 7)
    lane_works[0]++;
}

static gboolean
holds_worker (P2poolStandin *standin,
              const char    *name)
{
  g_autoptr(GPtrArray) workers = p2pool_standin_dup_workers (standin);

  return g_ptr_array_find_with_equal_func (workers, name, g_str_equal, NULL);
}

/* A lane the stratum server opened moves with the upstream in use: from
 * the first, gone, to the second (logged in there under the rig's name),
 * and its work comes out as the lane's; closed, it is gone from both. */
static void
test_lanes_move (Fixture       *fixture,
                 gconstpointer  data)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);
  P2poolStandin *second = p2pool_standin_new (1000);
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;
  g_autoptr(ShoalUpstreamSource) backup = NULL;
  g_autoptr(ShoalSourceChain) chain = shoal_source_chain_new ();
  guint lane_works = 0;

  p2pool_standin_set_work (second, bytes, SEED_HEX, 100);
  endpoint = shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (second), FALSE,
                                          "household", "x");
  backup = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_set_relay (fixture->upstream, SHOAL_UPSTREAM_RELAY_PER_RIG);
  shoal_upstream_source_set_relay (backup, SHOAL_UPSTREAM_RELAY_PER_RIG);
  shoal_source_chain_append (chain, SHOAL_JOB_SOURCE (fixture->upstream));
  shoal_source_chain_append (chain, SHOAL_JOB_SOURCE (backup));
  shoal_source_chain_append (chain, SHOAL_JOB_SOURCE (fixture->fallback));
  g_signal_connect (chain, "work-changed", G_CALLBACK (count_lane_work), &lane_works);
  shoal_upstream_source_start (fixture->upstream);
  shoal_upstream_source_start (backup);
  WAIT_FOR (shoal_source_chain_get_active_index (chain) == 0);

  shoal_job_source_open_lane (SHOAL_JOB_SOURCE (chain), 7, "rig.x+1");
  WAIT_FOR (holds_worker (fixture->standin, "rig_x_1") && lane_works == 1);
  g_assert_false (holds_worker (second, "rig_x_1"));

  p2pool_standin_set_offline (fixture->standin, TRUE);
  p2pool_standin_drop_all (fixture->standin);
  WAIT_FOR (shoal_source_chain_get_active_index (chain) == 1
            && holds_worker (second, "rig_x_1") && lane_works == 2);
  g_assert_cmpuint (p2pool_standin_count (fixture->standin, P2POOL_COUNT_CONNECTIONS), ==, 0);

  shoal_job_source_close_lane (SHOAL_JOB_SOURCE (chain), 7);
  WAIT_FOR (p2pool_standin_count (second, P2POOL_COUNT_CONNECTIONS) == 1);
  g_assert_false (holds_worker (second, "rig_x_1"));

  shoal_upstream_source_stop (backup);
  g_signal_handlers_disconnect_by_data (chain, &lane_works);
  g_clear_object (&chain);
  g_clear_object (&backup);
  p2pool_standin_free (second);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/source-chain/switches", Fixture, NULL, fixture_set_up, test_switches,
              fixture_tear_down);
  g_test_add ("/source-chain/late-solution", Fixture, NULL, fixture_set_up, test_late_solution,
              fixture_tear_down);
  g_test_add ("/source-chain/lanes-move", Fixture, NULL, fixture_set_up, test_lanes_move,
              fixture_tear_down);
  return g_test_run ();
}
