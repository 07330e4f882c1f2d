/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
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

/* Rigs -> Shoal relaying onto an upstream (the P2Pool stand-in) -> the
 * upstream, all on loopback, in each relay: split (every rig on one
 * upstream connection, by its nonce byte) and per-rig (a connection
 * upward for each rig).  Prints, side by side, what a rig's share costs on
 * its way up beside what its RandomX check alone costs here, and the
 * memory a relayed rig takes.  Each relay runs in a process of its own, so
 * that neither finds memory the other freed. */

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

/* What one relay's run measured; sent whole from its process. */
typedef struct
{
  double  up[2];          /* rig submit -> upstream has it: p50, p99 (ms) */
  double  reply[2];       /* rig submit -> rig's answer */
  double  hash[2];        /* one RandomX light hash: the check's floor */
  guint64 accepted;
  guint64 rejected;
  guint   refused;
  guint   n_idle;
  guint   connections;    /* upward, once the idle rigs are in */
  double  idle_bytes;     /* Shoal's resident bytes per idle relayed rig */
} Figures;

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

/* A process of the bench's own: commands go TO it, answers come FROM it. */
typedef struct
{
  int   to;
  FILE *from;
} Child;

/* Forked before any thread: the child runs CHILD_MAIN and never returns. */
static Child
fork_child (void (*child_main) (int in, int out))
{
  int down[2], up[2];
  Child child;

  if (pipe (down) != 0 || pipe (up) != 0)
    g_error ("bench: pipe failed");
  if (fork () == 0)
    {
      close (down[1]);
      close (up[0]);
      child_main (down[0], up[1]);
      _exit (0);
    }
  close (down[0]);
  close (up[1]);
  child.to = down[1];
  child.from = fdopen (up[0], "r");
  return child;
}

static void
child_done (Child *child)
{
  close (child->to);
  fclose (child->from);
}

static void
set_bench_work (P2poolStandin *standin)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);

  p2pool_standin_set_work (standin, bytes, SEED_HEX, 100);
}

static gboolean
on_parent_gone (int           fd,
                GIOCondition  condition,
                gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The upstream of the idle rigs, in a process of its own too: in per-rig
 * relay each idle rig holds a connection to it, whose cost upstream is
 * not Shoal's.  Writes its port, serves until its pipe closes. */
static void G_GNUC_NORETURN
standin_main (int in,
              int out)
{
  P2poolStandin *standin;
  g_autofree char *port = NULL;
  gboolean gone = FALSE;

  stratum_raise_file_limit ();
  standin = p2pool_standin_new (1);
  set_bench_work (standin);
  port = g_strdup_printf ("%u\n", p2pool_standin_get_port (standin));
  if (write (out, port, strlen (port)) < 0)
    _exit (1);
  g_unix_fd_add (in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_parent_gone, &gone);
  while (!gone)
    g_main_context_iteration (NULL, TRUE);
  _exit (0);
}

/* Shoal's resident bytes per idle relayed rig, N of them. */
static double
idle_rig_bytes (Child               *rigs,
                ShoalUpstreamSource *source,
                guint16              port,
                guint                n,
                gboolean             per_rig)
{
  g_autofree char *command = g_strdup_printf ("%u %u\n", n, port);
  char line[16];
  gsize before = rss_bytes ();

  if (write (rigs->to, command, strlen (command)) < 0
      || fgets (line, sizeof line, rigs->from) == NULL)
    g_error ("bench: the idle rigs' process failed");
  /* Per-rig: their connections upward are part of what they cost. */
  if (per_rig)
    WAIT_FOR (shoal_upstream_source_get_n_connected (source) == 1 + n);
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

/* P50 and P99 of MS, in OUT. */
static void
summarize (GArray *ms,
           double  out[2])
{
  g_array_sort (ms, compare_doubles);
  out[0] = percentile (ms, 0.5);
  out[1] = percentile (ms, 0.99);
}

static ShoalUpstreamSource *
start_source (guint16            port,
              ShoalUpstreamRelay relay)
{
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;
  ShoalUpstreamSource *source;
  g_autoptr(ShoalWork) work = NULL;

  endpoint = shoal_upstream_endpoint_new ("127.0.0.1", port, FALSE, "household", "x");
  source = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_set_relay (source, relay);
  shoal_upstream_source_start (source);
  WAIT_FOR ((work = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (source))) != NULL);
  return source;
}

static ShoalStratumServer *
start_server (ShoalUpstreamSource *source)
{
  ShoalStratumServer *server = stratum_test_server (NULL, "max-connections-per-ip", 0,
                                                    "min-difficulty", (guint64) 1,
                                                    "start-difficulty", (guint64) 1, NULL);

  shoal_stratum_server_set_job_source (server, SHOAL_JOB_SOURCE (source));
  return server;
}

static void
stop_relay (ShoalStratumServer  *server,
            ShoalUpstreamSource *source)
{
  shoal_stratum_server_stop (server);
  g_object_unref (server);
  shoal_upstream_source_stop (source);
  g_object_unref (source);
}

static void
rig_take_job (Rig        *rig,
              JsonObject *job)
{
  g_autoptr(GBytes) blob = NULL;

  g_free (rig->job_id);
  g_free (rig->blob_hex);
  rig->job_id = g_strdup (json_object_get_string_member (job, "job_id"));
  rig->blob_hex = g_strdup (json_object_get_string_member (job, "blob"));
  blob = shoal_hex_decode (rig->blob_hex, NULL);
  g_assert (blob != NULL && g_bytes_get_size (blob) > 42);
  rig->top = ((const guint8 *) g_bytes_get_data (blob, NULL))[42];
}

/* Per-rig: the job of the rig's own connection (the whole nonce, so no
 * byte of it fixed), after the shared one it mined meanwhile. */
static void
rig_take_own_job (Rig *rig)
{
  for (guint i = 0; i < 4 && rig->top != 0; i++)
    {
      g_autofree char *line = stratum_client_expect_line (rig->client);
      g_autoptr(JsonObject) object = NULL;

      g_assert (line != NULL);
      object = stratum_parse_object (line);
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", ""), "job")
          == 0)
        rig_take_job (rig, json_object_get_object_member (object, "params"));
    }
  g_assert (rig->top == 0);
}

static void
rig_log_in (Rig     *rig,
            guint16  port,
            guint    index)
{
  g_autofree char *name = g_strdup_printf ("rig-%u", index);
  g_autoptr(JsonObject) result = NULL;

  rig->client = stratum_client_connect (port, NULL);
  result = stratum_client_login_result (rig->client, "household", name);
  rig->session = g_strdup (json_object_get_string_member (result, "id"));
  rig->next_id = 2;
  rig_take_job (rig, json_object_get_object_member (result, "job"));
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

/* N_RIGS rigs on RELAY, logged in; per-rig, on their own connections. */
static void
rigs_log_in (Rig                 *rigs,
             guint                n_rigs,
             ShoalStratumServer  *server,
             ShoalUpstreamSource *source,
             gboolean             per_rig)
{
  for (guint i = 0; i < n_rigs; i++)
    rig_log_in (&rigs[i], shoal_stratum_server_get_port (server), i);
  if (!per_rig)
    return;
  WAIT_FOR (shoal_upstream_source_get_n_connected (source) == 1 + n_rigs);
  for (guint i = 0; i < n_rigs; i++)
    rig_take_own_job (&rigs[i]);
}

/* Measured last, once what is made once is made (the validator's RandomX
 * cache is built in the background from the first job on): idle rigs on a
 * second relay, whose upstream lives in a process of its own. */
static void
measure_idle (Child              *idle,
              Child              *remote,
              ShoalUpstreamRelay  relay,
              Figures            *figures)
{
  ShoalUpstreamSource *source;
  ShoalStratumServer *server;
  char line[16];

  if (fgets (line, sizeof line, remote->from) == NULL)
    g_error ("bench: the upstream's process failed");
  source = start_source ((guint16) atoi (line), relay);
  server = start_server (source);
  figures->idle_bytes = idle_rig_bytes (idle, source, shoal_stratum_server_get_port (server),
                                        figures->n_idle, relay == SHOAL_UPSTREAM_RELAY_PER_RIG);
  figures->connections = shoal_upstream_source_get_n_connected (source);
  stop_relay (server, source);
}

/* One relay, in this (forked) process: N_RIGS rigs send N_SHARES shares
 * one at a time, then the idle rigs. */
static void
run_relay (ShoalUpstreamRelay  relay,
           guint               n_rigs,
           guint               n_shares,
           Figures            *figures)
{
  Child idle = fork_child (idle_rigs_main);
  Child remote = fork_child (standin_main);
  g_autoptr(GArray) up_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) reply_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hash_ms = NULL;
  g_autofree Rig *rigs = g_new0 (Rig, n_rigs);
  g_autofree Share *shares = g_new0 (Share, n_shares);
  P2poolStandin *standin;
  ShoalUpstreamSource *source;
  ShoalStratumServer *server;

  stratum_raise_file_limit ();
  standin = p2pool_standin_new (1);
  set_bench_work (standin);
  source = start_source (p2pool_standin_get_port (standin), relay);
  server = start_server (source);
  rigs_log_in (rigs, n_rigs, server, source, relay == SHOAL_UPSTREAM_RELAY_PER_RIG);
  hash_ms = prepare_shares (rigs, n_rigs, shares, n_shares);
  figures->refused = send_shares (standin, shares, n_shares, up_ms, reply_ms);
  WAIT_FOR (shoal_upstream_source_get_accepted (source)
            + shoal_upstream_source_get_rejected (source) >= up_ms->len);
  summarize (up_ms, figures->up);
  summarize (reply_ms, figures->reply);
  summarize (hash_ms, figures->hash);
  figures->accepted = shoal_upstream_source_get_accepted (source);
  figures->rejected = shoal_upstream_source_get_rejected (source);
  measure_idle (&idle, &remote, relay, figures);

  for (guint i = 0; i < n_shares; i++)
    g_free (shares[i].hash);
  for (guint i = 0; i < n_rigs; i++)
    rig_clear (&rigs[i]);
  stop_relay (server, source);
  p2pool_standin_free (standin);
  child_done (&idle);
  child_done (&remote);
  while (wait (NULL) > 0)
    ;
}

/* Runs RELAY in a process of its own; its figures come back whole. */
static gboolean
run_relay_apart (ShoalUpstreamRelay  relay,
                 guint               n_rigs,
                 guint               n_shares,
                 Figures            *figures)
{
  int fds[2];
  pid_t pid;
  int status = 0;

  if (pipe (fds) != 0)
    g_error ("bench: pipe failed");
  pid = fork ();
  if (pid == 0)
    {
      close (fds[0]);
      run_relay (relay, n_rigs, n_shares, figures);
      _exit (write (fds[1], figures, sizeof *figures) == sizeof *figures ? 0 : 1);
    }
  close (fds[1]);
  if (read (fds[0], figures, sizeof *figures) != sizeof *figures)
    figures->n_idle = 0;
  close (fds[0]);
  waitpid (pid, &status, 0);
  return figures->n_idle != 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static void
print_row (const char *what,
           double      split[2],
           double      per_rig[2])
{
  g_print ("  %-38s p50 %6.2f, p99 %6.2f ms   p50 %6.2f, p99 %6.2f ms\n", what,
           split[0], split[1], per_rig[0], per_rig[1]);
}

static void
print_figures (Figures figures[2])
{
  g_print ("  %-38s %-28s%s\n", "", "split (one connection)", "per-rig (one a rig)");
  print_row ("rig submit -> upstream has it", figures[0].up, figures[1].up);
  print_row ("rig submit -> rig's answer", figures[0].reply, figures[1].reply);
  print_row ("RandomX light hash alone (the check)", figures[0].hash, figures[1].hash);
  for (guint i = 0; i < 2; i++)
    g_print ("  %s: upstream verdicts %" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT
             " rejected, %u refused downstream; %u idle relayed rigs: %.0f bytes RSS each in "
             "Shoal, upstream connections: %u\n", i == 0 ? "split" : "per-rig",
             figures[i].accepted, figures[i].rejected, figures[i].refused, figures[i].n_idle,
             figures[i].idle_bytes, figures[i].connections);
}

static int
bench_upstream (int    argc,
                char **argv)
{
  guint n_idle = argc > 1 ? (guint) atoi (argv[1]) : 230;
  guint n_shares = argc > 2 ? (guint) atoi (argv[2]) : 200;
  guint n_rigs = 20;
  Figures figures[2] = { { { 0 } } };
  gboolean ok = TRUE;

  /* A nonce split holds 255 rigs on one upstream connection. */
  n_idle = CLAMP (n_idle, 1, 255 - n_rigs);
  n_shares = MAX (n_shares, 1);
  g_print ("shoal-bench upstream: %u rigs send %u shares one at a time, then %u idle rigs log "
           "in; rigs -> Shoal -> a P2Pool-dialect stand-in, on 127.0.0.1\n",
           n_rigs, n_shares, n_idle);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      figures[i].n_idle = n_idle;
      ok &= run_relay_apart (i == 0 ? SHOAL_UPSTREAM_RELAY_SPLIT : SHOAL_UPSTREAM_RELAY_PER_RIG,
                             n_rigs, n_shares, &figures[i]);
    }
  print_figures (figures);
  return ok && figures[0].refused == 0 && figures[1].refused == 0 ? 0 : 1;
}

SHOAL_BENCH_REGISTER ("upstream", "relayed share latency and memory per relayed rig",
                      bench_upstream)
