/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "shoal-bench.h"
#include "stratum-test-util.h"

/* shoal-bench vardiff: how fast vardiff settles a rig that starts 4x too
 * low, printed beside this machine's own reference from the same run: the
 * rate the simulated rig really delivered (it hashes in RandomX light
 * mode and falls behind on a busy machine) and the difficulty that rate
 * calls for. */

#define TARGET_INTERVAL_S 4
#define ASKED_RATE        2.0
#define DURATION_S        60

static double
delivered_rate (JsonObject *summary)
{
  JsonArray *changes = json_object_get_array_member (summary, "difficulty_changes");
  JsonArray *times = json_object_get_array_member (summary, "share_times");
  guint n = json_array_get_length (times);
  double work = 0, last_t = 0;

  /* Each accepted share is worth the difficulty in force when it was found. */
  for (guint i = 0; i < n; i++)
    {
      double t = json_array_get_double_element (times, i);
      gint64 d = 0;

      for (guint k = 0; k < json_array_get_length (changes); k++)
        {
          JsonArray *change = json_array_get_array_element (changes, k);

          if (json_array_get_double_element (change, 0) <= t)
            d = json_array_get_int_element (change, 1);
        }
      work += d;
      last_t = t;
    }
  return last_t > 0 ? work / last_t : 0;
}

static double
settle_time (JsonObject *summary,
             double      want)
{
  JsonArray *changes = json_object_get_array_member (summary, "difficulty_changes");

  for (guint k = 0; k < json_array_get_length (changes); k++)
    {
      JsonArray *change = json_array_get_array_element (changes, k);

      if (fabs (json_array_get_int_element (change, 1) - want) / want < 0.2)
        return json_array_get_double_element (change, 0);
    }
  return -1;
}

static int
bench_vardiff (int    argc,
               char **argv)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8,
                                                                   G_GUINT64_CONSTANT (1000000000000));
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1,
                                                              "share-interval", TARGET_INTERVAL_S,
                                                              "start-difficulty", (guint64) 2, NULL);
  g_autofree char *duration = g_strdup_printf ("--duration=%d", DURATION_S);
  g_autoptr(JsonObject) summary = NULL;
  JsonArray *times;
  guint n;
  double rate, ideal;

  g_print ("vardiff: a rig asked to do %.0f H/s, share interval %d s, start difficulty 2, %d s\n",
           ASKED_RATE, TARGET_INTERVAL_S, DURATION_S);
  summary = stratum_run_testminer (shoal_stratum_server_get_port (server), "--rigid=steady",
                                   "--rate=2", "--threads=2", duration, NULL);
  if (summary == NULL)
    {
      g_printerr ("the test miner printed no summary\n");
      return 1;
    }
  times = json_object_get_array_member (summary, "share_times");
  n = json_array_get_length (times);
  rate = delivered_rate (summary);
  ideal = rate * TARGET_INTERVAL_S;
  g_print ("  reference: the rig delivered %.2f H/s, which calls for difficulty %.1f\n", rate, ideal);
  g_print ("  accepted %u, rejected %" G_GINT64_FORMAT ", late shares %" G_GINT64_FORMAT "\n", n,
           json_object_get_int_member (summary, "rejected"),
           json_object_get_int_member (summary, "late_shares"));
  g_print ("  settled within 20 %% of the reference after %.1f s (-1: never); final difficulty %"
           G_GINT64_FORMAT "\n", settle_time (summary, ideal),
           json_object_get_int_member (summary, "last_difficulty"));
  if (n >= 5)
    g_print ("  last 4 share intervals: %.2f s on average (target %d s)\n",
             (json_array_get_double_element (times, n - 1) - json_array_get_double_element (times, n - 5)) / 4,
             TARGET_INTERVAL_S);
  return 0;
}

SHOAL_BENCH_REGISTER ("vardiff", "time for vardiff to settle a rig started 4x too low", bench_vardiff)
