/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p2pool-standin.h"
#include "shoal-hex.h"
#include "shoal-bench.h"
#include "shoal-upstream-source.h"
#include "stratum-test-util.h"
#include "upstream-test-util.h"

/* Rigs -> Shoal relaying onto an upstream (the P2Pool stand-in, nonce
 * split: every rig on one upstream connection) -> the upstream, all on
 * loopback in this process.  Prints what a rig's share costs on its way
 * up beside what its RandomX check alone costs here, and the memory a
 * relayed rig takes. */

#define SEED_HEX "0101010101010101010101010101010101010101010101010101010101010101"

typedef struct
{
  StratumClient *client;
  char          *session;
  char          *job_id;
  char          *blob_hex;
  guint8         top;        /* the nonce byte Shoal fixed for this rig */
  gint64         next_id;
} Rig;

typedef struct
{
  Rig     *rig;
  guint32  nonce;
  char    *hash;
} Share;

static void
rig_clear (Rig *rig)
{
  g_clear_pointer (&rig->client, stratum_client_free);
  g_free (rig->session);
  g_free (rig->job_id);
  g_free (rig->blob_hex);
}

static gsize
rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (p = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (p + 6, NULL, 10) * 1024;
}

/* Idle rigs live in a process of their own, forked before any thread,
 * so the memory measured is Shoal's alone: it reads "N PORT", logs in N
 * rigs, answers "ok" and keeps them until its pipe closes. */
static void G_GNUC_NORETURN
idle_rigs_main (int in,
                int out)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (
    (GDestroyNotify) stratum_client_free);
  char line[64];
  FILE *commands = fdopen (in, "r");
  guint n, port;

  stratum_raise_file_limit ();
  while (fgets (line, sizeof line, commands) != NULL)
    if (sscanf (line, "%u %u", &n, &port) == 2)
      {
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *rigid = g_strdup_printf ("idle-%u", clients->len);
            StratumClient *client = stratum_client_connect ((guint16) port, NULL);
            g_autofree char *reply = stratum_client_login (client, "household", rigid);

            if (reply == NULL || strstr (reply, "\"job\"") == NULL)
              _exit (1);
            g_ptr_array_add (clients, client);
          }
        if (write (out, "ok\n", 3) != 3)
          _exit (1);
      }
  _exit (0);
}

typedef struct
{
  int   to;
  FILE *from;
} IdleRigs;

static IdleRigs
fork_idle_rigs (void)
{
  int down[2], up[2];
  IdleRigs rigs;

  if (pipe (down) != 0 || pipe (up) != 0)
    g_error ("bench: pipe failed");
  if (fork () == 0)
    {
      close (down[1]);
      close (up[0]);
      idle_rigs_main (down[0], up[1]);
    }
  close (down[0]);
  close (up[1]);
  rigs.to = down[1];
  rigs.from = fdopen (up[0], "r");
  return rigs;
}

/* Shoal's resident bytes per idle relayed rig, N of them. */
static double
idle_rig_bytes (IdleRigs *rigs,
                guint16   port,
                guint     n)
{
  g_autofree char *command = g_strdup_printf ("%u %u\n", n, port);
  char line[16];
  gsize before = rss_bytes ();

  if (write (rigs->to, command, strlen (command)) < 0
      || fgets (line, sizeof line, rigs->from) == NULL)
    g_error ("bench: the idle rigs' process failed");
  return (double) (rss_bytes () - before) / n;
}

static double
percentile (GArray *ms,
            double  p)
{
  if (ms->len == 0)
    return 0;
  return g_array_index (ms, double, MIN ((guint) (p * ms->len), ms->len - 1));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
print_figure (const char *what,
              GArray     *ms)
{
  g_array_sort (ms, compare_doubles);
  g_print ("  %-40s p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms (%u)\n", what,
           percentile (ms, 0.5), percentile (ms, 0.99), percentile (ms, 1.0), ms->len);
}

static ShoalUpstreamSource *
start_source (P2poolStandin *standin)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;
  ShoalUpstreamSource *source;
  g_autoptr(ShoalWork) work = NULL;

  p2pool_standin_set_work (standin, bytes, SEED_HEX, 100);
  endpoint = shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (standin), FALSE,
                                          "household", "x");
  source = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_start (source);
  WAIT_FOR ((work = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (source))) != NULL);
  return source;
}

static void
rig_log_in (Rig     *rig,
            guint16  port,
            guint    index)
{
  g_autofree char *name = g_strdup_printf ("rig-%u", index);
  g_autoptr(JsonObject) result = NULL;
  JsonObject *job;
  g_autoptr(GBytes) blob = NULL;

  rig->client = stratum_client_connect (port, NULL);
  result = stratum_client_login_result (rig->client, "household", name);
  job = json_object_get_object_member (result, "job");
  rig->session = g_strdup (json_object_get_string_member (result, "id"));
  rig->job_id = g_strdup (json_object_get_string_member (job, "job_id"));
  rig->blob_hex = g_strdup (json_object_get_string_member (job, "blob"));
  rig->next_id = 2;
  blob = shoal_hex_decode (rig->blob_hex, NULL);
  g_assert (blob != NULL && g_bytes_get_size (blob) > 42);
  rig->top = ((const guint8 *) g_bytes_get_data (blob, NULL))[42];
}

/* The shares to send, hashed before the clock starts: what a rig spends
 * finding them is not the relay's time.  Returns the light-mode hash
 * time of each, the floor under any share's check. */
static GArray *
prepare_shares (Rig   *rigs,
                guint  n_rigs,
                Share *shares,
                guint  n_shares)
{
  GArray *hash_ms = g_array_new (FALSE, FALSE, sizeof (double));

  /* The first hash builds the light-mode cache: not a share's cost. */
  g_free (stratum_test_hash (rigs[0].blob_hex, SEED_HEX, 0));
  for (guint i = 0; i < n_shares; i++)
    {
      Rig *rig = &rigs[i % n_rigs];
      gint64 start = g_get_monotonic_time ();
      double ms;

      shares[i].rig = rig;
      shares[i].nonce = (guint32) rig->top << 24 | (i + 1);
      shares[i].hash = stratum_test_hash (rig->blob_hex, SEED_HEX, shares[i].nonce);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (hash_ms, ms);
    }
  return hash_ms;
}

static char *
submit_line (Share *share)
{
  guint32 nonce = share->nonce;

  return g_strdup_printf (
    "{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
    "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%02x%02x%02x%02x\",\"result\":\"%s\"}}",
    share->rig->next_id++, share->rig->session, share->rig->job_id,
    nonce & 0xff, nonce >> 8 & 0xff, nonce >> 16 & 0xff, nonce >> 24, share->hash);
}

/* One share at a time: the time to the upstream is read when the
 * stand-in (on this thread's context) has it, the rig's reply after. */
static guint
send_shares (P2poolStandin *standin,
             Share         *shares,
             guint          n_shares,
             GArray        *up_ms,
             GArray        *reply_ms)
{
  GPtrArray *submits = p2pool_standin_get_submits (standin);
  guint refused = 0;

  for (guint i = 0; i < n_shares; i++)
    {
      g_autofree char *line = submit_line (&shares[i]);
      g_autofree char *reply = NULL;
      g_autofree char *error = NULL;
      guint before = submits->len;
      gint64 start = g_get_monotonic_time ();
      double up, answered;

      stratum_client_send (shares[i].rig->client, line);
      WAIT_FOR (submits->len > before);
      up = (g_get_monotonic_time () - start) / 1000.0;
      reply = stratum_client_expect_line (shares[i].rig->client);
      answered = (g_get_monotonic_time () - start) / 1000.0;
      g_assert_nonnull (reply);
      error = stratum_error_message (reply);
      if (error != NULL)
        {
          g_printerr ("bench: share refused downstream: %s\n", error);
          refused++;
          continue;
        }
      g_array_append_val (up_ms, up);
      g_array_append_val (reply_ms, answered);
    }
  return refused;
}

static int
bench_upstream (int    argc,
                char **argv)
{
  guint n_idle = argc > 1 ? (guint) atoi (argv[1]) : 230;
  guint n_shares = argc > 2 ? (guint) atoi (argv[2]) : 200;
  guint n_rigs = 20;
  g_autoptr(GArray) up_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) reply_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hash_ms = NULL;
  g_autofree Rig *rigs = NULL;
  g_autofree Share *shares = NULL;
  P2poolStandin *standin;
  ShoalUpstreamSource *source;
  ShoalStratumServer *server;
  IdleRigs idle;
  guint refused;

  /* A nonce split holds 255 rigs on one upstream connection. */
  n_idle = CLAMP (n_idle, 1, 255 - n_rigs);
  n_shares = MAX (n_shares, 1);
  idle = fork_idle_rigs ();
  stratum_raise_file_limit ();
  standin = p2pool_standin_new (1);
  source = start_source (standin);
  server = stratum_test_server (NULL, "max-connections-per-ip", 0, "min-difficulty", (guint64) 1,
                                "start-difficulty", (guint64) 1, NULL);
  shoal_stratum_server_set_job_source (server, SHOAL_JOB_SOURCE (source));
  g_print ("shoal-bench upstream: rigs -> Shoal (nonce split, one upstream connection) -> "
           "a P2Pool-dialect stand-in, on 127.0.0.1\n");

  rigs = g_new0 (Rig, n_rigs);
  for (guint i = 0; i < n_rigs; i++)
    rig_log_in (&rigs[i], shoal_stratum_server_get_port (server), i);

  shares = g_new0 (Share, n_shares);
  hash_ms = prepare_shares (rigs, n_rigs, shares, n_shares);
  refused = send_shares (standin, shares, n_shares, up_ms, reply_ms);
  WAIT_FOR (shoal_upstream_source_get_accepted (source)
            + shoal_upstream_source_get_rejected (source) >= up_ms->len);
  print_figure ("rig submit -> upstream has it:", up_ms);
  print_figure ("rig submit -> rig's answer:", reply_ms);
  print_figure ("RandomX light hash alone (the check):", hash_ms);
  g_print ("  upstream: %" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " rejected; "
           "%u refused downstream\n", shoal_upstream_source_get_accepted (source),
           shoal_upstream_source_get_rejected (source), refused);
  /* Measured last, once what is made once is made (the validator's
   * RandomX cache is built in the background from the first job on). */
  g_print ("  %u idle relayed rigs: %.0f bytes RSS each in Shoal\n", n_idle,
           idle_rig_bytes (&idle, shoal_stratum_server_get_port (server), n_idle));

  for (guint i = 0; i < n_shares; i++)
    g_free (shares[i].hash);
  for (guint i = 0; i < n_rigs; i++)
    rig_clear (&rigs[i]);
  shoal_stratum_server_stop (server);
  g_object_unref (server);
  shoal_upstream_source_stop (source);
  g_object_unref (source);
  p2pool_standin_free (standin);
  close (idle.to);
  fclose (idle.from);
  wait (NULL);
  return refused == 0 ? 0 : 1;
}

SHOAL_BENCH_REGISTER ("upstream", "relayed share latency and memory per relayed rig",
                      bench_upstream)
