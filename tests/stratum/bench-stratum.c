/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shoal-bench.h"
#include "stratum-test-util.h"

/* shoal-bench stratum [N]: login reply times while rigs connect at 1,000
 * a second, memory per idle rig, new-work-to-last-rig span, and
 * request-to-reply latency (keepalived, the share path) under load.
 *
 * The miners live in a child process forked before any thread exists, so
 * the server's RSS is the server's alone, and each process has its own
 * open-file limit (10,000 miners are 20,000 sockets).  Both processes read
 * the same monotonic clock.  The child is plain POSIX and epoll. */

#define ROUNDS 8

typedef struct
{
  int    fd;
  char   job_id[32];
  char   session[32];
  char  *buf;
  size_t len;
  int    lines;          /* lines received since the round began */
  int    gone;           /* the server closed it */
  gint64 sent_at;
} Rig;

static Rig *rigs;
static gboolean same_worker;   /* SHOAL_BENCH_ONE_WORKER: all rigs share one name */
static int n_rigs;
static int epfd;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* Raises the soft file limit to the hard one; returns the limit. */
static rlim_t
raise_files (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  limit.rlim_cur = limit.rlim_max;
  setrlimit (RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

/* As many rigs as the file limit lets the server hold: one descriptor
 * each, and a hundred for its own files and threads.  At most 25,000,
 * to keep a run's time and memory within a small machine's. */
#define MAX_CEILING_RIGS 25000

static int
ceiling_rigs (rlim_t limit)
{
  if (limit == RLIM_INFINITY || limit > MAX_CEILING_RIGS + 100)
    return MAX_CEILING_RIGS;
  return (int) limit - 100;
}

static void
copy_field (const char *line,
            const char *key,
            char       *out,
            size_t      size)
{
  const char *p = strstr (line, key);
  size_t i = 0;

  if (p == NULL)
    return;
  p += strlen (key);
  while (*p != '"' && *p != '\0' && i + 1 < size)
    out[i++] = *p++;
  out[i] = '\0';
}

/* Reads what is there; returns the number of complete lines consumed. */
static int
rig_read (Rig *rig)
{
  char chunk[8192];
  int lines = 0;

  for (;;)
    {
      ssize_t n = recv (rig->fd, chunk, sizeof chunk, MSG_DONTWAIT);
      char *nl;

      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        {
          /* Off the epoll set, or its hang-up would wake every wait. */
          rig->gone = 1;
          epoll_ctl (epfd, EPOLL_CTL_DEL, rig->fd, NULL);
        }
      if (n <= 0)
        break;
      rig->buf = realloc (rig->buf, rig->len + n + 1);
      memcpy (rig->buf + rig->len, chunk, n);
      rig->len += n;
      rig->buf[rig->len] = '\0';
      while ((nl = memchr (rig->buf, '\n', rig->len)) != NULL)
        {
          *nl = '\0';
          if (g_getenv ("SHOAL_BENCH_VERBOSE") != NULL && strstr (rig->buf, "\"error\":{") != NULL)
            fprintf (stderr, "bench: %s\n", rig->buf);
          copy_field (rig->buf, "\"job_id\":\"", rig->job_id, sizeof rig->job_id);
          copy_field (rig->buf, "\"result\":{\"id\":\"", rig->session, sizeof rig->session);
          lines++;
          rig->len -= nl + 1 - rig->buf;
          memmove (rig->buf, nl + 1, rig->len);
        }
    }
  return lines;
}

static void
rig_send (Rig        *rig,
          const char *line)
{
  size_t len = strlen (line);

  while (len > 0)
    {
      ssize_t n = send (rig->fd, line, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EAGAIN)
        continue;
      if (n <= 0)
        return;
      line += n;
      len -= n;
    }
}

/* Rig I connects from 127.1.X.Y, four rigs to an address like a LAN's
 * machines: one source address for all would run out of its ephemeral
 * ports near 20,000 rigs (a few runs' closed connections still hold
 * theirs), and the miners' own connect() would then be what is slow. */
static int
connect_rig (int port,
             int i)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct sockaddr_in from = { .sin_family = AF_INET };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int one = 1;
  guint32 host = i / 4 + 1;

  inet_pton (AF_INET, "127.0.0.1", &addr.sin_addr);
  from.sin_addr.s_addr = htonl ((127u << 24) | (1u << 16) | (host & 0xffff));
  if (fd < 0)
    {
      perror ("bench: socket");
      exit (1);
    }
  setsockopt (fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &from, sizeof from) != 0
      || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      perror ("bench: connect");
      exit (1);
    }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Waits until every rig has WANT more lines; returns when the last came. */
static gint64
wait_all (int want)
{
  struct epoll_event events[256];
  int done = 0;
  gint64 last = 0;

  for (int i = 0; i < n_rigs; i++)
    if (rigs[i].lines >= want)
      done++;
  while (done < n_rigs)
    {
      int n = epoll_wait (epfd, events, 256, 20000);

      if (n <= 0)
        {
          fprintf (stderr, "bench: %d of %d rigs heard nothing\n", n_rigs - done, n_rigs);
          exit (1);
        }
      for (int e = 0; e < n; e++)
        {
          Rig *rig = events[e].data.ptr;
          int before = rig->lines;

          rig->lines += rig_read (rig);
          if (before < want && rig->lines >= want)
            {
              done++;
              last = now_us ();
            }
          if (rig->gone)
            {
              fprintf (stderr, "bench: the server closed rig %d\n", (int) (rig - rigs));
              exit (1);
            }
        }
    }
  return last;
}

static void
connect_one (Rig *rig,
             int  i,
             int  port)
{
  char line[512];
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = rig };

  rig->fd = connect_rig (port, i);
  snprintf (line, sizeof line,
            "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x+100000\","
            "\"pass\":\"x\",\"agent\":\"XMRig/6.26.0 bench\",\"rigid\":\"rig%d\","
            "\"algo\":[\"rx/0\"]}}\n", same_worker ? 0 : i);
  rig->sent_at = now_us ();
  rig_send (rig, line);
  epoll_ctl (epfd, EPOLL_CTL_ADD, rig->fd, &ev);
}

/* When the next rig is due at RATE a second from START (0: at once). */
static gint64
next_connect (gint64 start,
              int    connected,
              double rate)
{
  return rate > 0 ? start + (gint64) (connected / rate * G_USEC_PER_SEC) : 0;
}

/* Reads what came; the first line of a rig is its login reply. */
static int
take_login_replies (struct epoll_event *events,
                    int                 n,
                    GArray             *latencies)
{
  int answered = 0;

  for (int e = 0; e < n; e++)
    {
      Rig *rig = events[e].data.ptr;
      int before = rig->lines;
      double ms;

      rig->lines += rig_read (rig);
      if (rig->gone)
        {
          fprintf (stderr, "bench: the server closed rig %d at login\n", (int) (rig - rigs));
          exit (1);
        }
      if (before > 0 || rig->lines == 0)
        continue;
      ms = (now_us () - rig->sent_at) / 1000.0;
      g_array_append_val (latencies, ms);
      answered++;
    }
  return answered;
}

/* N rigs connect at RATE a second (0: as fast as they can), each sending
 * its login at once, like a LAN coming back after a power cut.  Returns
 * the seconds until the last reply; LATENCIES get each login's. */
static double
child_connect (int     n,
               int     port,
               double  rate,
               GArray *latencies)
{
  struct epoll_event events[256];
  gint64 start = now_us ();
  int connected = 0, answered = 0;

  rigs = calloc (n, sizeof (Rig));
  n_rigs = n;
  epfd = epoll_create1 (0);
  while (answered < n)
    {
      int ready, wait_ms = 20000;

      /* A few at a time: replies are read between them, so a miners'
       * process that falls behind its schedule does not count its own
       * delay as the server's. */
      for (int burst = 0; burst < 16 && connected < n
           && now_us () >= next_connect (start, connected, rate); burst++)
        {
          connect_one (&rigs[connected], connected, port);
          connected++;
        }
      if (connected < n)
        wait_ms = (int) MAX ((next_connect (start, connected, rate) - now_us ()) / 1000, 0);
      ready = epoll_wait (epfd, events, 256, wait_ms);
      if (ready <= 0 && connected == n)
        {
          fprintf (stderr, "bench: %d of %d rigs had no login reply\n", n - answered, n);
          exit (1);
        }
      answered += take_login_replies (events, MAX (ready, 0), latencies);
    }
  return (now_us () - start) / 1e6;
}

/* N bare connections for the floor: no login, nothing sent. */
static void
child_plain (int n,
             int port)
{
  rigs = calloc (n, sizeof (Rig));
  n_rigs = n;
  epfd = epoll_create1 (0);
  for (int i = 0; i < n; i++)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &rigs[i] };

      rigs[i].fd = connect_rig (port, i);
      epoll_ctl (epfd, EPOLL_CTL_ADD, rigs[i].fd, &ev);
    }
}

/* RATE submits a second for SECONDS from the first K rigs; RESULT decides
 * the path: a low-difficulty claim (answered on the stratum thread) or a
 * claim that meets the target (hashed by the validator, found wrong).
 * RESULT "keepalived" sends keepalived requests instead. */
static void
child_submit (int         k,
              double      rate,
              double      seconds,
              const char *result,
              GArray     *latencies)
{
  struct epoll_event events[256];
  gint64 start = now_us ();
  gint64 next = start;
  int sent = 0, answered = 0, target = (int) (rate * seconds);
  static guint32 nonce = 0x10000000;

  k = MIN (k, n_rigs);
  for (int i = 0; i < n_rigs; i++)
    rigs[i].lines = 0;
  while (answered < target)
    {
      int n, wait_ms;

      while (sent < target && now_us () >= next)
        {
          Rig *rig = &rigs[sent % k];
          char line[512];

          if (g_str_equal (result, "keepalived"))
            snprintf (line, sizeof line,
                      "{\"id\":%d,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\","
                      "\"params\":{\"id\":\"%s\"}}\n", 100 + sent, rig->session);
          else
            snprintf (line, sizeof line,
                      "{\"id\":%d,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":{\"id\":\"%s\","
                      "\"job_id\":\"%s\",\"nonce\":\"%08x\",\"result\":\"%s\",\"algo\":\"rx/0\"}}\n",
                      100 + sent, rig->session, rig->job_id, nonce++, result);
          rig->sent_at = now_us ();
          rig_send (rig, line);
          sent++;
          next = start + (gint64) (sent / rate * G_USEC_PER_SEC);
        }
      wait_ms = sent < target ? (int) MAX ((next - now_us ()) / 1000, 0) : 20000;
      n = epoll_wait (epfd, events, 256, wait_ms);
      for (int e = 0; e < n; e++)
        {
          Rig *rig = events[e].data.ptr;
          int lines = rig_read (rig);

          /* One submit in flight per rig at these rates: a reply is its answer. */
          for (int l = 0; l < lines; l++)
            {
              double ms = (now_us () - rig->sent_at) / 1000.0;

              g_array_append_val (latencies, ms);
              answered++;
            }
        }
      if (n == 0 && sent >= target)
        break;
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  return g_array_index (values, double, MIN ((guint) (p * values->len), values->len - 1));
}

static void
child_reply (int         fd,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
child_reply (int         fd,
             const char *format,
             ...)
{
  va_list args;
  char line[256];

  va_start (args, format);
  vsnprintf (line, sizeof line, format, args);
  va_end (args);
  if (write (fd, line, strlen (line)) < 0)
    exit (1);
}

/* The miners' side: obeys one command a line from the parent. */
static void G_GNUC_NORETURN
child_main (int in,
            int out)
{
  FILE *commands = fdopen (in, "r");
  char line[256];

  raise_files ();
  same_worker = g_getenv ("SHOAL_BENCH_ONE_WORKER") != NULL;
  while (fgets (line, sizeof line, commands) != NULL)
    {
      int n, port, k;
      double rate, seconds;
      char result[80];

      if (sscanf (line, "connect %d %d %lf", &n, &port, &rate) == 3)
        {
          g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
          double span = child_connect (n, port, rate, latencies);

          child_reply (out, "%.3f %.3f %.3f\n", percentile (latencies, 0.5),
                       percentile (latencies, 0.99), span);
        }
      else if (sscanf (line, "plain %d %d", &n, &port) == 2)
        {
          child_plain (n, port);
          child_reply (out, "connected\n");
        }
      else if (g_str_has_prefix (line, "round"))
        {
          for (int i = 0; i < n_rigs; i++)
            rigs[i].lines = 0;
          child_reply (out, "%" G_GINT64_FORMAT "\n", wait_all (1));
        }
      else if (sscanf (line, "submit %d %lf %lf %64s", &k, &rate, &seconds, result) == 4)
        {
          g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));

          child_submit (k, rate, seconds, result, latencies);
          child_reply (out, "%u %.3f %.3f %.3f\n", latencies->len, percentile (latencies, 0.5),
                       percentile (latencies, 0.99), percentile (latencies, 1.0));
        }
      else if (g_str_has_prefix (line, "close"))
        {
          for (int i = 0; i < n_rigs; i++)
            close (rigs[i].fd), free (rigs[i].buf);
          free (rigs);
          close (epfd);
          n_rigs = 0;
          child_reply (out, "closed\n");
        }
    }
  _exit (0);
}

typedef struct
{
  FILE *from_child;
  int   to_child;
} Child;

static char *
ask (Child      *child,
     const char *command)
{
  char line[256];

  if (write (child->to_child, command, strlen (command)) < 0
      || fgets (line, sizeof line, child->from_child) == NULL)
    g_error ("bench: the miners' process is gone");
  return g_strdup (line);
}

static Child
spawn_child (void)
{
  int down[2], up[2];
  Child child;
  pid_t pid;

  if (pipe (down) != 0 || pipe (up) != 0)
    g_error ("bench: pipe failed");
  pid = fork ();
  if (pid == 0)
    {
      close (down[1]);
      close (up[0]);
      child_main (down[0], up[1]);
    }
  close (down[0]);
  close (up[1]);
  child.to_child = down[1];
  child.from_child = fdopen (up[0], "r");
  return child;
}

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (p = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (p + 6, NULL, 10);
}

/* The server's CPU time: it is this process's, the miners live in the child. */
static double
cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Rigs connect at SHOAL_BENCH_RAMP a second: 1,000 unless set; 0, flat out. */
static double
ramp_rate (void)
{
  const char *env = g_getenv ("SHOAL_BENCH_RAMP");

  return env != NULL ? g_ascii_strtod (env, NULL) : 1000;
}

static void
bench_logins (Child              *child,
              ShoalStratumServer *server,
              int                 n)
{
  double rate = ramp_rate ();
  g_autofree char *command = g_strdup_printf ("connect %d %u %.1f\n", n,
                                              shoal_stratum_server_get_port (server), rate);
  g_autofree char *answer = NULL;
  g_autofree char *how = rate > 0 ? g_strdup_printf ("%.0f/s ramp", rate) : g_strdup ("flat out");
  double cpu_before = cpu_s ();
  double p50, p99, span;

  answer = ask (child, command);
  if (sscanf (answer, "%lf %lf %lf", &p50, &p99, &span) != 3)
    g_error ("bench: bad answer %s", answer);
  g_print ("%6d rigs: logins (%s): reply p50 %.2f ms, p99 %.2f ms; %.0f logins/s; "
           "server CPU %.0f us a login\n", n, how, p50, p99, n / span,
           (cpu_s () - cpu_before) * 1e6 / n);
}

/* The server's own side of fan-out number COUNT: the work reaching its
 * stratum thread to the last line handed to the kernel, in ms. */
static double
server_span_ms (ShoalStratumServer *server,
                guint64             count)
{
  /* Snapshots are spaced by their cost: seconds apart at 10,000 rigs. */
  for (int i = 0; i < 3000; i++)
    {
      g_autoptr(ShoalStratumStats) stats = shoal_stratum_server_get_stats (server);
      const ShoalStratumTotals *totals = shoal_stratum_stats_get_totals (stats);

      if (totals->fan_outs >= count)
        return totals->fan_out_us / 1000.0;
      g_usleep (10 * 1000);
    }
  g_error ("bench: fan-out %" G_GUINT64_FORMAT " never showed in the statistics", count);
}

static guint64
fan_outs_so_far (ShoalStratumServer *server)
{
  g_autoptr(ShoalStratumStats) stats = shoal_stratum_server_get_stats (server);

  return shoal_stratum_stats_get_totals (stats)->fan_outs;
}

static void
bench_miners (Child              *child,
              ShoalStratumServer *server,
              ShoalBlockTemplate **templates,
              guint               n_templates,
              int                 n)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (double));
  gsize before, after;
  double cpu_before, cpu_s_total = 0;

  before = rss_kib ();
  bench_logins (child, server, n);
  g_usleep (300 * 1000);   /* let the stratum thread settle its buffers */
  after = rss_kib ();
  g_print ("%6d rigs: %.0f bytes RSS per idle logged-in rig\n", n, (after - before) * 1024.0 / n);
  for (guint r = 0; r < ROUNDS; r++)
    {
      g_autofree char *last = NULL;
      guint64 count = fan_outs_so_far (server) + 1;
      gint64 start = g_get_monotonic_time ();
      double ms;

      cpu_before = cpu_s ();
      stratum_test_set_template (server, templates[r % n_templates]);
      last = ask (child, "round\n");
      ms = (g_ascii_strtoll (last, NULL, 10) - start) / 1000.0;
      cpu_s_total += cpu_s () - cpu_before;
      g_array_append_val (latencies, ms);
      ms = server_span_ms (server, count);
      g_array_append_val (spans, ms);
    }
  g_print ("%6d rigs: fan-out, new work to last rig: p50 %.1f ms, p99 %.1f ms (%d rounds); "
           "server CPU %.1f ms each\n", n, percentile (latencies, 0.5),
           percentile (latencies, 0.99), ROUNDS, cpu_s_total * 1000 / ROUNDS);
  g_print ("%6d rigs: fan-out, the server's side (work in, last line to the kernel): "
           "p50 %.1f ms, p99 %.1f ms\n", n, percentile (spans, 0.5), percentile (spans, 0.99));
}

/* The floor under the fan-out: the kernel's own cost of one send() to
 * each of N loopback sockets, with the same number of threads as the
 * server's fan-out and a line of the same shape, and nothing else: no
 * blob, no job, no session.  No server can give N rigs new work sooner
 * on this machine. */
#define FLOOR_LINE \
  "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"%0152d\",\"job_id\":" \
  "\"1f3a\",\"target\":\"b88d0600\",\"algo\":\"rx/0\",\"height\":2113,\"seed_hash\":" \
  "\"%064d\"}}\n"

typedef struct
{
  int        *fds;
  int         n;
  int         listener;
  const char *line;
  gint        next;          /* atomic: the next fd to write */
} Floor;

static gpointer
floor_accept (gpointer data)
{
  Floor *floor = data;

  for (int i = 0; i < floor->n; i++)
    if ((floor->fds[i] = accept (floor->listener, NULL, NULL)) < 0)
      g_error ("bench: floor accept: %s", g_strerror (errno));
  return NULL;
}

static gpointer
floor_send (gpointer data)
{
  Floor *floor = data;
  size_t len = strlen (floor->line);

  for (;;)
    {
      int first = g_atomic_int_add (&floor->next, 64);

      for (int i = first; i < MIN (first + 64, floor->n); i++)
        if (send (floor->fds[i], floor->line, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t) len)
          g_error ("bench: floor send: %s", g_strerror (errno));
      if (first + 64 >= floor->n)
        return NULL;
    }
}

static int
floor_listen (int *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  inet_pton (AF_INET, "127.0.0.1", &addr.sin_addr);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 4096) != 0
      || getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    g_error ("bench: floor listen: %s", g_strerror (errno));
  *port = ntohs (addr.sin_port);
  return fd;
}

/* The server's rigs are gone before the floor takes their descriptors. */
static void
wait_server_empty (ShoalStratumServer *server)
{
  for (int i = 0; i < 200; i++)
    {
      g_autoptr(ShoalStratumStats) stats = shoal_stratum_server_get_stats (server);

      if (shoal_stratum_stats_get_totals (stats)->connections == 0)
        return;
      g_usleep (50 * 1000);
    }
}

static void
bench_floor (Child              *child,
             ShoalStratumServer *server,
             int                 n)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sends = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *line = g_strdup_printf (FLOOR_LINE, 0, 0);
  g_autofree char *command = NULL;
  guint threads = MIN (MAX (g_get_num_processors (), 1), 8);
  Floor floor = { .n = n, .line = line };
  GThread *acceptor;
  int port;

  wait_server_empty (server);
  floor.fds = g_new (int, n);
  floor.listener = floor_listen (&port);
  acceptor = g_thread_new ("floor-accept", floor_accept, &floor);
  command = g_strdup_printf ("plain %d %d\n", n, port);
  g_free (ask (child, command));
  g_thread_join (acceptor);
  for (guint r = 0; r < ROUNDS; r++)
    {
      g_autofree char *last = NULL;
      GThread *senders[8];
      gint64 start = g_get_monotonic_time ();
      double ms;

      g_atomic_int_set (&floor.next, 0);
      for (guint t = 1; t < threads; t++)
        senders[t] = g_thread_new ("floor-send", floor_send, &floor);
      floor_send (&floor);
      for (guint t = 1; t < threads; t++)
        g_thread_join (senders[t]);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (sends, ms);
      last = ask (child, "round\n");
      ms = (g_ascii_strtoll (last, NULL, 10) - start) / 1000.0;
      g_array_append_val (latencies, ms);
    }
  g_print ("%6d rigs: the floor, a %zu-byte line sent to every rig from %u threads and nothing "
           "else: p50 %.1f ms, p99 %.1f ms; the last send() returned at p50 %.1f ms, "
           "p99 %.1f ms\n", n, strlen (line), threads,
           percentile (latencies, 0.5), percentile (latencies, 0.99),
           percentile (sends, 0.5), percentile (sends, 0.99));
  g_free (ask (child, "close\n"));
  for (int i = 0; i < n; i++)
    close (floor.fds[i]);
  close (floor.listener);
  g_free (floor.fds);
}

static void
bench_submits (Child      *child,
               int         n,
               int         k,
               double      rate,
               double      seconds,
               const char *result,
               const char *what)
{
  g_autofree char *command = g_strdup_printf ("submit %d %.1f %.1f %s\n", k, rate, seconds, result);
  g_autofree char *answer = ask (child, command);
  guint replies;
  double p50, p99, max;

  if (sscanf (answer, "%u %lf %lf %lf", &replies, &p50, &p99, &max) != 4)
    g_error ("bench: bad answer %s", answer);
  g_print ("%6d rigs: %s, %.0f/s from %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%u)\n",
           n, what, rate, MIN (k, n), p50, p99, max, replies);
}

static void
print_validator (ShoalValidator *validator)
{
  ShoalValidatorStats stats;

  shoal_validator_get_stats (validator, &stats);
  g_print ("  (validator, light mode, %u threads: %.1f hashes/s, its own queue-to-result latency "
           "p50 %.1f ms, p99 %.1f ms)\n", stats.n_threads, stats.hashes_per_second,
           stats.latency_p50_us / 1000.0, stats.latency_p99_us / 1000.0);
}

/* One hash first: the validator's RandomX cache (256 MiB) must not be
 * counted as the miners' memory. */
static void
warm_up (ShoalValidator     *validator,
         ShoalBlockTemplate *tmpl)
{
  g_autoptr(GBytes) blob = shoal_block_template_make_hashing_blob (tmpl, NULL, 0, NULL);
  guint8 hash[32];

  if (!shoal_validator_hash_sync (validator, blob, shoal_block_template_get_seed_hash (tmpl),
                                  hash, NULL))
    g_error ("bench: the validator cannot hash");
}

static int
bench_stratum (int    argc,
               char **argv)
{
  static const char *files[] = {
    "tmpl_h2109_rs8.json", "tmpl_h2110_rs8.json", "tmpl_h2111_rs8.json", "tmpl_h2112_rs8.json",
  };
  ShoalBlockTemplate *templates[G_N_ELEMENTS (files)];
  g_autoptr(ShoalValidator) validator = NULL;
  g_autoptr(ShoalStratumServer) server = NULL;
  g_autoptr(GError) error = NULL;
  int sizes[] = { 100, 1000, 10000, 0 };
  Child child;

  /* Fork first: the miners' process must not inherit threads. */
  child = spawn_child ();
  sizes[G_N_ELEMENTS (sizes) - 1] = ceiling_rigs (raise_files ());
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    templates[i] = stratum_test_load_template (files[i], 8, G_GUINT64_CONSTANT (1000000000000));
  validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT, 0, 0);
  server = shoal_stratum_server_new (validator);
  /* Rigs come four to a 127.1.x.y address: no per-IP cap, no login budget. */
  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, "max-connections-per-ip", 0,
                "login-burst", G_MAXUINT, "min-difficulty", (guint64) 1, NULL);
  stratum_test_set_template (server, templates[G_N_ELEMENTS (files) - 1]);
  if (!shoal_stratum_server_start (server, &error))
    g_error ("bench: %s", error->message);
  warm_up (validator, templates[G_N_ELEMENTS (files) - 1]);
  g_print ("shoal-bench stratum: server on 127.0.0.1, miners four to an address on 127.1.x.y, in a separate process\n");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int n = argc > 1 ? atoi (argv[1]) : sizes[i];

      bench_miners (&child, server, templates, G_N_ELEMENTS (files), n);
      /* keepalived from 100 idle rigs, one at a time: the event loop's cost per event. */
      bench_submits (&child, n, 100, 100, 1, "keepalived", "keepalived");
      /* The share path: a claim under the target, answered on the stratum thread. */
      bench_submits (&child, n, 500, 2000, 3,
                     "000000000000000000000000000000000000000000000000ffffffffffffffff",
                     "share path (low-difficulty rejects)");
      if (n == 1000 || (argc > 1))
        {
          /* Dear path: a claim that meets the target goes through RandomX (light mode). */
          bench_submits (&child, n, 40, 4, 10,
                         "0000000000000000000000000000000000000000000000000000000000000000",
                         "RandomX-verified shares");
          print_validator (validator);
        }
      g_free (ask (&child, "close\n"));
      bench_floor (&child, server, n);
      if (argc > 1)
        break;
    }
  shoal_stratum_server_stop (server);
  close (child.to_child);
  fclose (child.from_child);
  wait (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    shoal_block_template_unref (templates[i]);
  return 0;
}

SHOAL_BENCH_REGISTER ("stratum", "idle miner memory, template fan-out and submit latency", bench_stratum)
