/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "stratum-test-util.h"

/* shoal-testminer against the real server: a well-behaved rig, each way
 * of misbehaving, and vardiff settling on a rig of steady hashrate.  The
 * miner's own count of accepted/rejected shares is compared with the
 * server's. */

#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

static ShoalStratumServer *
miner_server (ShoalBlockTemplate *tmpl,
              const char         *first_property,
              ...)
{
  ShoalStratumServer *server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1, NULL);
  va_list args;

  va_start (args, first_property);
  if (first_property != NULL)
    g_object_set_valist (G_OBJECT (server), first_property, args);
  va_end (args);
  return server;
}

static gint64
member (JsonObject *summary,
        const char *name)
{
  return json_object_get_int_member_with_default (summary, name, -1);
}

static gboolean
worker_settled (ShoalStratumStats *stats,
                gpointer           data)
{
  const ShoalStratumWorkerStats *w = shoal_stratum_stats_find_worker (stats, data);

  return w != NULL && w->connections == 0;
}

static const ShoalStratumWorkerStats *
final_worker (ShoalStratumServer  *server,
              const char          *name,
              ShoalStratumStats  **stats)
{
  *stats = stratum_test_wait_stats (server, worker_settled, (gpointer) name, 5000);
  return shoal_stratum_stats_find_worker (*stats, name);
}

static void
test_valid_shares (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = miner_server (tmpl, NULL);
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumWorkerStats *w;

  summary = stratum_run_testminer (shoal_stratum_server_get_port (server), "--user=x+4",
                                   "--rigid=good", "--max-shares=5", "--duration=60", NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "violations"), ==, 0);
  g_assert_cmpint (member (summary, "duplicate_jobs"), ==, 0);
  g_assert_cmpint (member (summary, "accepted"), ==, 5);
  g_assert_cmpint (member (summary, "rejected"), ==, 0);
  g_assert_cmpint (member (summary, "last_difficulty"), ==, 4);
  w = final_worker (server, "good", &stats);
  g_assert_nonnull (w);
  g_assert_cmpuint (w->accepted, ==, (guint64) member (summary, "accepted"));
  g_assert_cmpuint (w->rejected, ==, 0);
  g_assert_cmpfloat (w->hashrate_1m, >, 0);
}

typedef struct
{
  const char *flag;
  const char *message;
  gint64      accepted;
  gint64      rejected;
} Misbehaviour;

static gint64
errors_starting (JsonObject *summary,
                 const char *prefix)
{
  JsonObject *errors = json_object_get_object_member (summary, "errors");
  g_autoptr(GList) names = json_object_get_members (errors);
  gint64 n = 0;

  for (GList *l = names; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, prefix))
      n += json_object_get_int_member (errors, l->data);
  return n;
}

static void
test_misbehaviour (gconstpointer data)
{
  const Misbehaviour *m = data;
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = miner_server (tmpl, "login-timeout-ms", 500, NULL);
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumWorkerStats *w;

  summary = stratum_run_testminer (shoal_stratum_server_get_port (server), "--user=x+1",
                                   "--rigid=bad", "--max-shares=2", "--duration=30", m->flag, NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "violations"), ==, 0);
  g_assert_cmpint (member (summary, "accepted"), ==, m->accepted);
  g_assert_cmpint (member (summary, "rejected"), ==, m->rejected);
  g_assert_cmpint (errors_starting (summary, m->message), >=, 1);
  if (m->rejected == 0)
    return;
  w = final_worker (server, "bad", &stats);
  g_assert_cmpuint (w->accepted, ==, (guint64) m->accepted);
  g_assert_cmpuint (w->rejected, ==, (guint64) m->rejected);
}

static const Misbehaviour duplicate = { "--duplicate", "Duplicate share", 2, 2 };
static const Misbehaviour wrong_result = {
  "--wrong-result", "Bad share: ", 0, 2
};
static const Misbehaviour low_diff = { "--low-diff", "Low difficulty share", 0, 2 };
static const Misbehaviour garbage = {
  "--garbage", "Malformed request: ", 0, 0
};
static const Misbehaviour slow_login = {
  "--slow-login", "Login timeout", 0, 0
};

static void
on_miner_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  char **out = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, out, NULL, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

/* --stale holds its shares until a job at a new height arrives: feed the
 * server ever higher tips until the miner has had its say.  The heights
 * only ever rise, so whenever the held share reaches the server, however
 * late, the block it was for is already found. */
static void
test_stale (void)
{
  static const char * const tips[] = {
    "tmpl_h76_rs8_1tx.json", "tmpl_h2047_rs8.json", "tmpl_h2048_rs8.json", "tmpl_h2049_rs8.json",
    "tmpl_h2050_rs8.json", "tmpl_h2109_rs8.json", "tmpl_h2110_rs8.json", "tmpl_h2111_rs8.json",
  };
  g_autoptr(ShoalBlockTemplate) a = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = miner_server (a, NULL);
  g_autofree char *path = stratum_testminer_path ();
  g_autofree char *port = g_strdup_printf ("--port=%u", shoal_stratum_server_get_port (server));
  g_autoptr(GSubprocess) miner = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  guint round = 0;

  miner = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, path, port, "--json",
                            "--user=x+1", "--stale", "--max-shares=1", "--duration=60", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (miner, NULL, NULL, on_miner_done, &out);
  while (out == NULL)
    {
      gint64 next = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

      while (out == NULL && g_get_monotonic_time () < next)
        g_main_context_iteration (NULL, FALSE), g_usleep (10000);
      if (out == NULL && round < G_N_ELEMENTS (tips))
        {
          g_autoptr(ShoalBlockTemplate) tip = stratum_test_load_template (tips[round++], 8,
                                                                          HIGH_DIFFICULTY);

          stratum_test_set_template (server, tip);
        }
    }
  summary = stratum_parse_object (out);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "accepted"), ==, 0);
  g_assert_cmpint (member (summary, "rejected"), ==, 1);
  g_assert_cmpint (stratum_json_errors (summary, "Stale share: the block it was for is already found"), ==, 1);
}

/* A rig of 2 H/s against a 4 s share interval wants difficulty 8; it
 * starts 4x too low.  Vardiff must move it up, towards 8 and never far
 * past it, and the rig and the server must agree on what happened.  How
 * fast it settles is a figure of `shoal-bench vardiff`, not of this test:
 * on a busy machine the rig itself may fall behind its 2 H/s. */
static void
test_vardiff_settles (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = miner_server (tmpl, "share-interval", 4,
                                                       "start-difficulty", (guint64) 2, NULL);
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumWorkerStats *w;
  JsonArray *changes;
  guint n;

  summary = stratum_run_testminer (shoal_stratum_server_get_port (server), "--rigid=steady",
                                   "--rate=2", "--threads=2", "--duration=40", NULL);
  g_assert_nonnull (summary);
  g_assert_cmpint (member (summary, "violations"), ==, 0);
  g_assert_cmpint (member (summary, "rejected"), ==, 0);
  g_assert_cmpint (member (summary, "accepted"), >=, 3);
  changes = json_object_get_array_member (summary, "difficulty_changes");
  n = json_array_get_length (changes);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (changes, 0), 1), ==, 2);
  for (guint i = 1; i < n; i++)
    {
      gint64 d = json_array_get_int_element (json_array_get_array_element (changes, i), 1);

      g_test_message ("difficulty %" G_GINT64_FORMAT " at %.1f s", d,
                      json_array_get_double_element (json_array_get_array_element (changes, i), 0));
      /* A 2 H/s rig never justifies more than 8; bursts of late shares
       * on a busy machine may look faster, but not 4x faster. */
      g_assert_cmpint (d, <=, 32);
    }
  g_assert_cmpint (member (summary, "last_difficulty"), >, 2);
  w = final_worker (server, "steady", &stats);
  g_assert_cmpuint (w->accepted, ==, (guint64) member (summary, "accepted"));
  g_assert_cmpuint (w->difficulty, ==, (guint64) member (summary, "last_difficulty"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/miner/valid-shares", test_valid_shares);
  g_test_add_data_func ("/stratum/miner/duplicate", &duplicate, test_misbehaviour);
  g_test_add_data_func ("/stratum/miner/wrong-result", &wrong_result, test_misbehaviour);
  g_test_add_data_func ("/stratum/miner/low-diff", &low_diff, test_misbehaviour);
  g_test_add_data_func ("/stratum/miner/garbage", &garbage, test_misbehaviour);
  g_test_add_data_func ("/stratum/miner/slow-login", &slow_login, test_misbehaviour);
  g_test_add_func ("/stratum/miner/stale", test_stale);
  g_test_add_func ("/stratum/miner/vardiff-settles", test_vardiff_settles);
  return g_test_run ();
}
