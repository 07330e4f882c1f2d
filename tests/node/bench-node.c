/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include <zmq.h>

#include "shoal-bench.h"
#include "shoal-pool.h"
#include "shoal-test-harness.h"

/* shoal-bench new-block [RIGS [ROUNDS]]: a block is generated on the
 * playground's monerod; how long until the first and the last of RIGS
 * logged-in rigs (default 1,000) have a job for the next height.  Run
 * twice in one go, against the same node: Shoal polling get_info every
 * second, then Shoal on monerod's ZMQ feed.  The rigs are raw sockets
 * read by one epoll thread of this process; a random pause before each
 * block spreads it over the poll's phase.  Time starts when monerod
 * publishes the block (seen on its ZMQ feed by a subscriber of our own,
 * in both runs). */

#define ADDRESS "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
#define POLL_MS 1000

typedef struct
{
  int      fd;
  GString *buf;
  guint64  height;
  gint64   job_us;      /* when a job for TARGET came */
} Rig;

static Rig *rigs;
static int n_rigs;
static int epfd;
static guint64 target;  /* atomic: the height being waited for */
static gint reached;    /* atomic: rigs with a job for TARGET */
static gint stop_reader;
static gint64 announced_us;  /* atomic: when monerod last published a new block */
static gint stop_clock;

static void
raise_files (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static void
rig_line (Rig        *rig,
          const char *line)
{
  const char *p = strstr (line, "\"height\":");
  guint64 height;

  if (p == NULL)
    return;
  height = g_ascii_strtoull (p + 9, NULL, 10);
  if (height <= rig->height)
    return;
  rig->height = height;
  if (height >= (guint64) g_atomic_pointer_get ((gpointer *) &target))
    {
      rig->job_us = g_get_monotonic_time ();
      g_atomic_int_inc (&reached);
    }
}

static void
rig_read (Rig *rig)
{
  char chunk[16384];
  ssize_t n;
  char *nl;

  while ((n = read (rig->fd, chunk, sizeof chunk)) > 0)
    g_string_append_len (rig->buf, chunk, n);
  while ((nl = memchr (rig->buf->str, '\n', rig->buf->len)) != NULL)
    {
      *nl = '\0';
      rig_line (rig, rig->buf->str);
      g_string_erase (rig->buf, 0, nl - rig->buf->str + 1);
    }
}

static gpointer
reader_thread (gpointer data)
{
  struct epoll_event events[256];

  while (!g_atomic_int_get (&stop_reader))
    {
      int n = epoll_wait (epfd, events, G_N_ELEMENTS (events), 100);

      for (int i = 0; i < n; i++)
        rig_read (&rigs[events[i].data.u32]);
    }
  return NULL;
}

/* The reference: the moment monerod publishes the block on its ZMQ feed,
 * seen by a subscriber of our own.  The same clock for both modes. */
static gpointer
clock_thread (gpointer data)
{
  void *context = zmq_ctx_new ();
  void *socket = zmq_socket (context, ZMQ_SUB);
  int timeout = 100, linger = 0;
  char buf[64];

  zmq_setsockopt (socket, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt (socket, ZMQ_SUBSCRIBE, "json-minimal-chain_main", 23);
  zmq_connect (socket, data);
  while (!g_atomic_int_get (&stop_clock))
    if (zmq_recv (socket, buf, sizeof buf, 0) >= 0)
      g_atomic_pointer_set ((gpointer *) &announced_us,
                            GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  zmq_close (socket);
  zmq_ctx_term (context);
  return NULL;
}

static gint64
announced (void)
{
  return (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get ((gpointer *) &announced_us));
}

static gboolean
announced_after (gpointer data)
{
  return announced () > *(gint64 *) data;
}

static gboolean
connect_rig (Rig     *rig,
             guint32  index,
             guint16  port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  static const char login[] =
    "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"" ADDRESS
    "\",\"pass\":\"x\",\"agent\":\"shoal-bench\",\"algo\":[\"rx/0\"]}}\n";
  struct epoll_event event = { .events = EPOLLIN | EPOLLET, .data.u32 = index };
  int one = 1;

  /* Shoal takes at most 256 connections per address: 200 rigs each on
   * 127.0.0.10, .11, ... like rigs on a LAN. */
  struct sockaddr_in from = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK + 9 + index / 200) };

  rig->fd = socket (AF_INET, SOCK_STREAM, 0);
  if (rig->fd < 0 || bind (rig->fd, (struct sockaddr *) &from, sizeof from) != 0 ||
      connect (rig->fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    return FALSE;
  setsockopt (rig->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (write (rig->fd, login, strlen (login)) != (ssize_t) strlen (login))
    return FALSE;
  rig->buf = g_string_new (NULL);
  g_unix_set_fd_nonblocking (rig->fd, TRUE, NULL);
  return epoll_ctl (epfd, EPOLL_CTL_ADD, rig->fd, &event) == 0;
}

static void
spin_until (gboolean (*done) (gpointer),
            gpointer  data,
            guint     ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while ((done == NULL || !done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (200);
}

static gboolean
has_template (gpointer data)
{
  return shoal_pool_get_snapshot (data)->network_difficulty > 0 &&
         shoal_pool_get_stratum_port (data) != 0;
}

static gboolean
all_reached (gpointer data)
{
  return g_atomic_int_get (&reached) >= n_rigs;
}

static ShoalPool *
start_pool (ShoalPlayground *pg,
            const char      *dir,
            const char      *zmq)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autofree char *path = g_build_filename (dir, zmq[0] ? "zmq.conf" : "poll.conf", NULL);
  g_autofree char *text = NULL;
  ShoalPool *pool;

  text = g_strdup_printf ("[shoal]\nnode-url=%s\nnode-zmq-url=%s\nnode-poll-interval=%u\n"
                          "pool-address=" ADDRESS "\nmode=solo\nstratum-bind=127.0.0.1\n"
                          "stratum-port=0\nvalidator-mode=light\nvalidator-threads=1\n"
                          "database=%s/%s.db\n", shoal_playground_get_node_uri (pg), zmq,
                          POLL_MS, dir, zmq[0] ? "zmq" : "poll");
  if (!g_file_set_contents (path, text, -1, NULL) ||
      !shoal_config_load_key_file (config, path, NULL))
    g_error ("cannot write %s", path);
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, NULL, NULL);
  spin_until (has_template, pool, 60000);
  return pool;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_double);
  return g_array_index (values, double, MIN ((guint) (p * values->len), values->len - 1));
}

/* One block: TRUE when every rig had its job within 10 s. */
static gboolean
one_round (ShoalPlayground *pg,
           GArray          *first,
           GArray          *last)
{
  gint64 t0, lo = G_MAXINT64, hi = 0;

  spin_until (NULL, NULL, g_random_int_range (0, POLL_MS));
  g_atomic_pointer_set ((gpointer *) &target, GSIZE_TO_POINTER ((gsize) rigs[0].height + 1));
  g_atomic_int_set (&reached, 0);
  t0 = announced ();
  if (!shoal_playground_generate_blocks (pg, 1, ADDRESS, NULL))
    return FALSE;
  spin_until (announced_after, &t0, 10000);
  t0 = announced ();
  spin_until (all_reached, NULL, 10000);
  if (!all_reached (NULL))
    return FALSE;
  for (int i = 0; i < n_rigs; i++)
    lo = MIN (lo, rigs[i].job_us), hi = MAX (hi, rigs[i].job_us);
  g_array_append_val (first, (double) { (lo - t0) / 1000.0 });
  g_array_append_val (last, (double) { (hi - t0) / 1000.0 });
  return TRUE;
}

static void
run_mode (ShoalPlayground *pg,
          const char      *dir,
          const char      *zmq,
          const char      *label,
          guint            rounds)
{
  g_autoptr(ShoalPool) pool = start_pool (pg, dir, zmq);
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) last = g_array_new (FALSE, FALSE, sizeof (double));
  GThread *reader;
  guint failed = 0;

  epfd = epoll_create1 (0);
  rigs = g_new0 (Rig, n_rigs);
  for (int i = 0; i < n_rigs; i++)
    if (!connect_rig (&rigs[i], i, shoal_pool_get_stratum_port (pool)))
      g_error ("rig %d cannot connect: %s", i, g_strerror (errno));
  g_atomic_pointer_set ((gpointer *) &target, GSIZE_TO_POINTER (1));
  g_atomic_int_set (&stop_reader, 0);
  reader = g_thread_new ("rigs", reader_thread, NULL);
  spin_until (all_reached, NULL, 60000);
  for (guint r = 0; r < rounds; r++)
    failed += !one_round (pg, first, last);
  g_atomic_int_set (&stop_reader, 1);
  g_thread_join (reader);
  for (int i = 0; i < n_rigs; i++)
    close (rigs[i].fd), g_string_free (rigs[i].buf, TRUE);
  g_clear_pointer (&rigs, g_free);
  close (epfd);
  shoal_pool_stop (pool);
  if (first->len == 0)
    {
      g_print ("%-34s no block reached every rig\n", label);
      return;
    }
  g_print ("%-34s first rig p50 %7.1f ms p99 %7.1f ms | last rig p50 %7.1f ms p99 %7.1f ms"
           " (%u blocks%s)\n", label, percentile (first, 0.5), percentile (first, 0.99),
           percentile (last, 0.5), percentile (last, 0.99), first->len,
           failed ? ", some not delivered in 10 s" : "");
}

static int
bench_new_block (int    argc,
                 char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-bench-node-XXXXXX", &error);
  g_autofree char *poll_label = g_strdup_printf ("polling get_info every %u ms:", POLL_MS);
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 20;
  ShoalPlayground *pg;
  GThread *clock;

  n_rigs = argc > 1 ? atoi (argv[1]) : 1000;
  raise_files ();
  pg = shoal_test_harness_start (1);
  clock = g_thread_new ("zmq-clock", clock_thread, (gpointer) shoal_playground_get_zmq_uri (pg));
  g_usleep (G_USEC_PER_SEC);
  g_print ("new block on monerod -> job for the next height at %d rigs, %u blocks each way:\n",
           n_rigs, rounds);
  run_mode (pg, dir, "", poll_label, rounds);
  run_mode (pg, dir, shoal_playground_get_zmq_uri (pg), "monerod's ZMQ feed:", rounds);
  g_atomic_int_set (&stop_clock, 1);
  g_thread_join (clock);
  shoal_test_harness_stop (pg);
  return 0;
}

SHOAL_BENCH_REGISTER ("new-block", "new block -> first/last of N rigs with a new job: polling vs ZMQ",
                      bench_new_block)
