/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "shoal-stratum-server-private.h"
#include "stratum-test-util.h"

/* What one hostile (or merely big) host on the LAN can do to the stratum
 * server: churn logins, bring a farm behind one address, go away in the
 * middle of a ban.  A real server on loopback, raw sockets. */

#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static ShoalBlockTemplate *
test_template (void)
{
  return stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
}

static char *
login_line (const char *rigid)
{
  return g_strdup_printf ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
                          "{\"login\":\"x\",\"pass\":\"x\",\"rigid\":\"%s\",\"agent\":\"XMRig/6.26.0\","
                          "\"algo\":[\"rx/0\"]}}", rigid);
}

/* Logs in as RIGID and asserts on the reply: a job and no error. */
static void
assert_login (StratumClient *client,
              const char    *rigid)
{
  g_autofree char *line = login_line (rigid);
  g_autofree char *reply = NULL;

  stratum_client_send (client, line);
  reply = stratum_client_read_line (client, 30000);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{"));
  g_assert_nonnull (strstr (reply, "\"job\":{"));
}

/* Closes with a reset: no TIME_WAIT left behind, so a hundred thousand
 * connections do not run out of local ports, and the server sees the
 * peer gone at once. */
static void
client_reset (StratumClient *client)
{
  struct linger linger = { 1, 0 };

  setsockopt (g_socket_get_fd (client->socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  stratum_client_free (client);
}

/* ---- Code run on the stratum thread ---------------------------------
 * The server's tables belong to its thread: a test that looks at them,
 * or needs two events in one step of the server, runs there. */

typedef struct
{
  void     (*func) (gpointer data);
  gpointer   data;
  GMutex     mutex;
  GCond      cond;
  gboolean   done;
} InThread;

static gboolean
in_thread_cb (gpointer data)
{
  InThread *run = data;

  run->func (run->data);
  g_mutex_lock (&run->mutex);
  run->done = TRUE;
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->mutex);
  return G_SOURCE_REMOVE;
}

static void
run_in_server_thread (ShoalStratumServer *server,
                      void              (*func) (gpointer data),
                      gpointer            data)
{
  InThread run = { func, data };

  g_mutex_init (&run.mutex);
  g_cond_init (&run.cond);
  g_main_context_invoke (server->context, in_thread_cb, &run);
  g_mutex_lock (&run.mutex);
  while (!run.done)
    g_cond_wait (&run.cond, &run.mutex);
  g_mutex_unlock (&run.mutex);
  g_mutex_clear (&run.mutex);
  g_cond_clear (&run.cond);
}

/* Which of two ready sockets the server reads first is up to GLib; to
 * have the ban meet a connection whose peer is already gone, the test
 * resets that peer and scores the bad one in one callback on the server's
 * thread, as the server would on BAD's third bad line. */
typedef struct
{
  ShoalStratumServer *server;
  StratumClient      *gone;
  guint16             bad_port;     /* BAD's local port: finds its session */
} Ban;

static ShoalStratumSession *
session_from_port (ShoalStratumServer *server,
                   guint16             port)
{
  /* Plain sessions keep only their fd. */
  for (ShoalStratumSession *s = server->sessions; s != NULL; s = s->next)
    {
      struct sockaddr_storage native;
      socklen_t len = sizeof native;
      g_autoptr(GSocketAddress) remote = NULL;

      if (getpeername (s->fd, (struct sockaddr *) &native, &len) == 0)
        remote = g_socket_address_new_from_native (&native, len);
      if (remote != NULL && g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)) == port)
        return s;
    }
  return NULL;
}

static void
ban_in_thread (gpointer data)
{
  Ban *ban = data;
  ShoalStratumSession *bad = session_from_port (ban->server, ban->bad_port);

  g_assert_nonnull (bad);
  /* On loopback the reset reaches the server's socket at once: the next
   * send to it fails. */
  client_reset (ban->gone);
  shoal_stratum_session_ref (bad);
  for (int i = 0; i < 3; i++)
    shoal_stratum_session_score (bad, SHOAL_IP_SCORE_BAD);
  shoal_stratum_session_unref (bad);
}

static guint16
local_port (StratumClient *client)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (client->socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static char *
keepalived (StratumClient *client)
{
  stratum_client_send (client, "{\"id\":7,\"method\":\"keepalived\",\"params\":{}}");
  return stratum_client_read_line (client, 10000);
}

/* A ban tells every other connection of the IP; one of them has been
 * reset by its peer, so the send fails and closes (and frees) it in the
 * middle of the ban.  The server used to touch it after that (a
 * use-after-free AddressSanitizer reports); now it walks on, and the ban
 * holds. */
static void
test_ban_while_peer_resets (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = test_template ();
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "ban-localhost", TRUE, NULL);
  guint16 port = shoal_stratum_server_get_port (server);
  g_autoptr(StratumClient) bad = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) later = NULL;
  g_autofree char *message = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  Ban ban = { server, stratum_client_connect (port, NULL), local_port (bad) };

  a = keepalived (bad);
  b = keepalived (ban.gone);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  run_in_server_thread (server, ban_in_thread, &ban);
  /* BAD is closed; the ban holds for whoever comes next from that IP. */
  reply = stratum_client_read_line (bad, 10000);
  g_assert_null (reply);
  g_assert_true (bad->eof);
  later = stratum_client_connect (port, NULL);
  message = login_line ("later");
  stratum_client_send (later, message);
  reply = stratum_client_read_line (later, 10000);
  g_assert_nonnull (reply);
  g_clear_pointer (&message, g_free);
  message = stratum_error_message (reply);
  g_assert_cmpstr (message, ==, "your IP is banned");
}

static gsize
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + 6, NULL, 10);
}

static gboolean
all_gone (ShoalStratumStats *stats,
          gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->connections == 0;
}

static void
churn (guint16 port,
       guint   from,
       guint   to)
{
  for (guint i = from; i < to; i++)
    {
      StratumClient *client = stratum_client_connect (port, NULL);
      g_autofree char *rigid = g_strdup_printf ("churn-%06u-%s", i, "padding-to-a-realistic-name");

      assert_login (client, rigid);
      client_reset (client);
    }
}

/* 100,000 logins from one host, each with a name never seen before and
 * closed at once: nothing of them is kept, and the process (server and
 * client together) grows by no more than CHURN_BOUND_KB after the first
 * few thousand have warmed the allocator up.  Before, each one left a
 * worker record of 1.66 KB for an hour: 158 MB. */
#define CHURN_LOGINS      100000
#define CHURN_WARMUP      5000
#define CHURN_BOUND_KB    (4 * 1024)

static gboolean
seed_ready (gpointer tmpl)
{
  return shoal_validator_is_seed_ready (stratum_test_validator (),
                                        shoal_block_template_get_seed_hash (tmpl));
}

static void
test_churned_logins (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = test_template ();
  /* The login budget is its own test: here every login goes through. */
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "login-burst", G_MAXUINT, NULL);
  g_autoptr(ShoalStratumStats) stats = NULL;
  guint16 port = shoal_stratum_server_get_port (server);
  guint total = CHURN_LOGINS;
  gsize before, after;

#ifdef UNDER_ASAN
  total = 20000;   /* AddressSanitizer keeps freed memory in quarantine: no RSS bound */
#endif
  churn (port, 0, CHURN_WARMUP);
  stats = stratum_test_wait_stats (server, all_gone, NULL, 30000);
  /* The validator builds its 256 MiB RandomX cache for the template's
   * seed in the background; on a busy machine that outlasts the warm-up,
   * and its pages are not the logins'. */
  g_assert_true (stratum_test_wait (seed_ready, tmpl, 120000));
  before = rss_kb ();
  churn (port, CHURN_WARMUP, total);
  g_clear_pointer (&stats, shoal_stratum_stats_unref);
  stats = stratum_test_wait_stats (server, all_gone, NULL, 30000);
  after = rss_kb ();
  g_test_message ("%u churned logins: RSS %zu kB before, %zu kB after", total, before, after);
  g_assert_cmpuint (shoal_stratum_stats_get_n_workers (stats), ==, 0);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->miners, ==, 0);
#ifndef UNDER_ASAN
  g_assert_cmpuint (after, <=, before + CHURN_BOUND_KB);
#endif
}

/* A farm behind one NAT address (or an xmrig-proxy in simple mode): with
 * the per-IP cap set to 0 (none), 2,000 rigs from 127.0.0.1 all log in. */
#define FARM_RIGS 2000

static gboolean
farm_counted (ShoalStratumStats *stats,
              gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->miners == FARM_RIGS;
}

static void
test_no_per_ip_cap (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = test_template ();
  g_autoptr(ShoalStratumServer) server = NULL;
  g_autoptr(GPtrArray) rigs = g_ptr_array_new_with_free_func ((GDestroyNotify) stratum_client_free);
  g_autoptr(ShoalStratumStats) stats = NULL;
  struct rlimit limit;
  guint16 port;

  stratum_raise_file_limit ();
  /* Both ends of every connection are in this process. */
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < 2 * FARM_RIGS + 100)
    {
      g_test_skip_printf ("needs %d open files (ulimit -n), has %lu", 2 * FARM_RIGS + 100,
                          (unsigned long) limit.rlim_cur);
      return;
    }
  server = stratum_test_server (tmpl, "max-connections-per-ip", 0, NULL);
  port = shoal_stratum_server_get_port (server);
  for (guint i = 0; i < FARM_RIGS; i++)
    {
      StratumClient *client = stratum_client_connect (port, NULL);
      g_autofree char *rigid = g_strdup_printf ("farm-%04u", i);

      assert_login (client, rigid);
      g_ptr_array_add (rigs, client);
    }
  stats = stratum_test_wait_stats (server, farm_counted, NULL, 30000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->miners, ==, FARM_RIGS);
  g_assert_cmpuint (shoal_stratum_stats_get_n_workers (stats), ==, FARM_RIGS);
}

/* Over its login budget an IP is refused, told why, scored like a bad
 * share: three refusals ban it (localhost is bannable in tests only). */
static void
test_login_rate (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = test_template ();
  g_autoptr(ShoalStratumServer) server =
    stratum_test_server (tmpl, "login-burst", 3, "logins-per-minute", 1, "ban-localhost", TRUE,
                         NULL);
  guint16 port = shoal_stratum_server_get_port (server);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) stratum_client_free);

  for (int i = 0; i < 3; i++)
    {
      StratumClient *client = stratum_client_connect (port, NULL);
      g_autofree char *rigid = g_strdup_printf ("rig-%d", i);

      assert_login (client, rigid);
      g_ptr_array_add (kept, client);
    }
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(StratumClient) client = stratum_client_connect (port, NULL);
      g_autofree char *line = login_line ("one-too-many");
      g_autofree char *reply = NULL;
      g_autofree char *message = NULL;

      stratum_client_send (client, line);
      reply = stratum_client_read_line (client, 10000);
      g_assert_nonnull (reply);
      message = stratum_error_message (reply);
      if (i < 2)
        g_assert_cmpstr (message, ==, "Too many logins from your IP address: wait a minute");
      else
        g_assert_nonnull (message);
    }
  /* Banned now: the rigs that were in are told and closed, a newcomer is turned away. */
  for (guint i = 0; i < kept->len; i++)
    {
      StratumClient *client = g_ptr_array_index (kept, i);
      g_autofree char *line = stratum_client_read_line (client, 10000);
      g_autofree char *message = NULL;

      g_assert_nonnull (line);
      message = stratum_error_message (line);
      g_assert_cmpstr (message, ==, "your IP is banned");
    }
}

/* Rigs that sent shares and left: RIGS records from IP, each with one
 * accepted share, let go in order. */
typedef struct
{
  ShoalStratumServer *server;
  const char         *ip;
  guint               rigs;
  guint               first;
} Leavers;

static void
leave_in_thread (gpointer data)
{
  Leavers *l = data;

  for (guint i = l->first; i < l->first + l->rigs; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-rig-%05u", l->ip, i);
      ShoalStratumWorker *w = shoal_stratum_server_get_worker (l->server, "pool", name);

      g_clear_pointer (&w->ip, g_ref_string_release);
      w->ip = shoal_interner_get (l->server->strings, l->ip);
      w->accepted = 1;
      shoal_stratum_server_release_worker (l->server, w);
    }
}

typedef struct
{
  ShoalStratumServer *server;
  const char         *name;
  gboolean            found;
  guint               total;
} Lookup;

static void
lookup_in_thread (gpointer data)
{
  Lookup *lookup = data;
  ShoalStratumWorker probe = { .address = "pool", .name = (char *) lookup->name };

  lookup->found = g_hash_table_contains (lookup->server->workers, &probe);
  lookup->total = g_hash_table_size (lookup->server->workers);
}

static Lookup
lookup (ShoalStratumServer *server,
        const char         *name)
{
  Lookup result = { server, name };

  run_in_server_thread (server, lookup_in_thread, &result);
  return result;
}

/* The records of rigs that left with shares are kept up to a cap per IP
 * and in all; past it the least recently used one goes. */
static void
test_kept_records (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = test_template ();
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, NULL);
  Leavers one_ip = { server, "192.0.2.1", SHOAL_STRATUM_KEPT_PER_GROUP + 10, 0 };
  guint n_ips = SHOAL_STRATUM_KEPT_MAX / SHOAL_STRATUM_KEPT_PER_GROUP + 1;
  Lookup l;

  run_in_server_thread (server, leave_in_thread, &one_ip);
  l = lookup (server, "192.0.2.1-rig-00009");
  g_assert_false (l.found);                      /* the ten oldest went */
  g_assert_cmpuint (l.total, ==, SHOAL_STRATUM_KEPT_PER_GROUP);
  l = lookup (server, "192.0.2.1-rig-00010");
  g_assert_true (l.found);
  /* Coming back makes a record the most recently used. */
  one_ip.rigs = 1;
  one_ip.first = 10;
  run_in_server_thread (server, leave_in_thread, &one_ip);
  one_ip.first = SHOAL_STRATUM_KEPT_PER_GROUP + 10;
  run_in_server_thread (server, leave_in_thread, &one_ip);
  g_assert_true (lookup (server, "192.0.2.1-rig-00010").found);
  g_assert_false (lookup (server, "192.0.2.1-rig-00011").found);
  /* Many IPs: the total cap. */
  for (guint i = 0; i < n_ips; i++)
    {
      g_autofree char *ip = g_strdup_printf ("198.51.100.%u", i + 1);
      Leavers full = { server, ip, SHOAL_STRATUM_KEPT_PER_GROUP, 0 };

      run_in_server_thread (server, leave_in_thread, &full);
    }
  l = lookup (server, "198.51.100.1-rig-00000");
  g_assert_cmpuint (l.total, ==, SHOAL_STRATUM_KEPT_MAX);
  g_assert_false (lookup (server, "192.0.2.1-rig-00010").found);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/limits/ban-while-peer-resets", test_ban_while_peer_resets);
  g_test_add_func ("/stratum/limits/login-rate", test_login_rate);
  g_test_add_func ("/stratum/limits/kept-records", test_kept_records);
  g_test_add_func ("/stratum/limits/no-per-ip-cap", test_no_per_ip_cap);
  g_test_add_func ("/stratum/limits/churned-logins", test_churned_logins);
  return g_test_run ();
}
