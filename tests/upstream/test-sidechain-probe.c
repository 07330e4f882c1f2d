/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "p2pool-standin.h"
#include "shoal-sidechain-probe.h"
#include "upstream-test-util.h"

/* The sidechain probe against the P2Pool stand-in: its login asks for a
 * fixed difficulty, the stand-in caps it at the sidechain's as P2Pool
 * does, and the probe reports that; an upstream that does not cap it is
 * no P2Pool, and the probe lets it be. */

#define MINER_DIFFICULTY 500001

static ShoalSidechainProbe *
start_probe (P2poolStandin *standin)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint =
    shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (standin), FALSE,
                                 "household", "x");
  ShoalSidechainProbe *probe = shoal_sidechain_probe_new (endpoint);

  shoal_sidechain_probe_start (probe);
  return probe;
}

static gboolean
has_worker (P2poolStandin *standin,
            const char    *name)
{
  g_autoptr(GPtrArray) workers = p2pool_standin_dup_workers (standin);

  for (guint i = 0; i < workers->len; i++)
    if (g_str_equal (g_ptr_array_index (workers, i), name))
      return TRUE;
  return FALSE;
}

static void
test_reads_the_ceiling (void)
{
  P2poolStandin *standin = p2pool_standin_new (MINER_DIFFICULTY);
  g_autoptr(ShoalSidechainProbe) probe = NULL;

  p2pool_standin_set_sidechain_difficulty (standin, 123456789);
  probe = start_probe (standin);
  WAIT_FOR (shoal_sidechain_probe_get_difficulty (probe) != 0);
  g_assert_cmpuint (shoal_sidechain_probe_get_difficulty (probe), ==, 123456789);
  /* P2Pool sees a worker of that name and no more. */
  g_assert_true (has_worker (standin, "shoal-sidechain"));
  g_assert_cmpuint (p2pool_standin_count (standin, P2POOL_COUNT_CONNECTIONS), ==, 1);

  /* The sidechain's difficulty moves; the next job says so. */
  p2pool_standin_set_sidechain_difficulty (standin, 98765432);
  p2pool_standin_push_job (standin, TRUE);
  WAIT_FOR (shoal_sidechain_probe_get_difficulty (probe) == 98765432);
  g_assert_false (shoal_sidechain_probe_is_uncapped (probe));
  g_assert_cmpuint (p2pool_standin_get_submits (standin)->len, ==, 0);

  /* Gone: a figure that may be old is no figure. */
  p2pool_standin_drop_all (standin);
  WAIT_FOR (shoal_sidechain_probe_get_difficulty (probe) == 0);
  shoal_sidechain_probe_stop (probe);
  p2pool_standin_free (standin);
}

static void
test_uncapped_upstream (void)
{
  P2poolStandin *standin = p2pool_standin_new (MINER_DIFFICULTY);
  g_autoptr(ShoalSidechainProbe) probe = start_probe (standin);

  WAIT_FOR (shoal_sidechain_probe_is_uncapped (probe));
  g_assert_cmpuint (shoal_sidechain_probe_get_difficulty (probe), ==, 0);
  /* And it leaves: no idle login stays on a pool it learns nothing from. */
  WAIT_FOR (p2pool_standin_count (standin, P2POOL_COUNT_CONNECTIONS) == 0);
  shoal_sidechain_probe_stop (probe);
  p2pool_standin_free (standin);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sidechain-probe/reads-the-ceiling", test_reads_the_ceiling);
  g_test_add_func ("/sidechain-probe/uncapped-upstream", test_uncapped_upstream);
  return g_test_run ();
}
