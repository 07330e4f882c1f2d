/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shoal-api-server.h"
#include "shoal-test-harness.h"
#include "shoal-bench.h"
#include "api-test-util.h"

/* shoal-bench api [--rate N] [--seconds N] [--idle-seconds N] [--connections N]
 *
 * A pool on the playground node with its API server on loopback, loaded
 * with RATE requests/s for SECONDS, while two probes measure what a
 * request flood does to the rest of Shoal:
 *  - the pool's own stratum server: a logged-in rig sends keepalived
 *    every 10 ms and times the answer;
 *  - the pool's own main context: delay of a call handed to it every 10 ms.
 * Both are measured idle first, then under load.  The load generator runs
 * in this process (niced): on a small machine its own CPU use is part of
 * what the probes feel, which a real LAN client would not add. */

#define PROBE_INTERVAL_US 10000

typedef struct
{
  GMutex  lock;
  GArray *samples;   /* gint64 microseconds */
} Samples;

typedef struct
{
  guint         api_port;
  guint         stratum_port;
  const char   *address;
  GMainContext *pool_context;
  volatile gint stop_probes;
  volatile gint stop_load;
  Samples       stratum;
  Samples       main_loop;
  Samples       api;
  guint64       sent;
  guint64       answered;
  guint64       errors;
  double        rate;
  guint         connections;
  char         *miner_path;
} Bench;

static void
samples_add (Samples *s,
             gint64   us)
{
  g_mutex_lock (&s->lock);
  g_array_append_val (s->samples, us);
  g_mutex_unlock (&s->lock);
}

static GArray *
samples_take (Samples *s)
{
  GArray *taken;

  g_mutex_lock (&s->lock);
  taken = s->samples;
  s->samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_mutex_unlock (&s->lock);
  return taken;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

typedef struct { gint64 p50, p99, max; guint n; } Stats;

static Stats
stats_of (GArray *a)
{
  Stats s = { 0, 0, 0, a->len };

  if (a->len == 0)
    return s;
  g_array_sort (a, compare_int64);
  s.p50 = g_array_index (a, gint64, a->len / 2);
  s.p99 = g_array_index (a, gint64, MIN (a->len - 1, a->len * 99 / 100));
  s.max = g_array_index (a, gint64, a->len - 1);
  return s;
}

static void
sleep_until (gint64 when)
{
  gint64 now = g_get_monotonic_time ();

  if (when > now)
    g_usleep (when - now);
}

static gpointer
stratum_probe (gpointer user_data)
{
  Bench *bench = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  GOutputStream *out;
  gint64 next = g_get_monotonic_time ();

  while (g_atomic_int_get (&bench->stratum_port) == 0)
    g_usleep (1000);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", bench->stratum_port, NULL, NULL);
  g_assert_nonnull (connection);
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  /* A real rig's session on the pool's real stratum server. */
  {
    g_autofree char *login = g_strdup_printf ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                                              "\"params\":{\"login\":\"%s\",\"pass\":\"x\","
                                              "\"agent\":\"shoal-bench\",\"algo\":[\"rx/0\"]}}\n",
                                              bench->address);
    g_autofree char *reply = NULL;

    g_output_stream_write_all (out, login, strlen (login), NULL, NULL, NULL);
    reply = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
    g_assert_nonnull (strstr (reply, "\"status\":\"OK\""));
  }
  for (guint id = 2; !g_atomic_int_get (&bench->stop_probes); id++)
    {
      g_autofree char *line = g_strdup_printf ("{\"id\":%u,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\","
                                               "\"params\":{\"id\":\"x\"}}\n", id);
      g_autofree char *reply = NULL;
      gint64 start;

      next += PROBE_INTERVAL_US;
      sleep_until (next);
      start = g_get_monotonic_time ();
      g_output_stream_write_all (out, line, strlen (line), NULL, NULL, NULL);
      reply = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
      g_assert_nonnull (reply);
      samples_add (&bench->stratum, g_get_monotonic_time () - start);
    }
  return NULL;
}

/* --- the pool's main context ------------------------------------------- */

typedef struct
{
  Bench  *bench;
  gint64  sent;
} Ping;

static gboolean
on_ping (gpointer user_data)
{
  Ping *ping = user_data;

  samples_add (&ping->bench->main_loop, g_get_monotonic_time () - ping->sent);
  return G_SOURCE_REMOVE;
}

static gpointer
main_loop_probe (gpointer user_data)
{
  Bench *bench = user_data;
  gint64 next = g_get_monotonic_time ();

  while (!g_atomic_int_get (&bench->stop_probes))
    {
      Ping *ping = g_new (Ping, 1);

      next += PROBE_INTERVAL_US;
      sleep_until (next);
      ping->bench = bench;
      ping->sent = g_get_monotonic_time ();
      g_main_context_invoke_full (bench->pool_context, G_PRIORITY_DEFAULT, on_ping, ping, g_free);
    }
  return NULL;
}

/* --- the load ------------------------------------------------------------ */

/* A page load's worth of each, summary most; one in ten asks for a miner. */
static const char * const load_paths[] = {
  "/api/v1/summary", "/api/v1/workers", "/api/v1/summary", "/api/v1/blocks", "/metrics",
  "/api/v1/summary", "/api/v1/payments", "/api/v1/history?range=1h", "/",
};

/* FALSE on failure; *CLOSE when the server ends the connection after it. */
static gboolean
one_request (Bench             *bench,
             GSocketConnection *connection,
             GByteArray        *buffer,
             const char        *path,
             gboolean          *close)
{
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
  gint64 start = g_get_monotonic_time ();
  guint8 chunk[16384];

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, strlen (request), NULL, NULL, NULL))
    return FALSE;
  for (;;)
    {
      gsize used = 0;
      g_autoptr(ApiReply) reply = api_reply_parse ((char *) buffer->data, buffer->len, FALSE, &used);
      gssize n;

      if (reply != NULL)
        {
          g_byte_array_remove_range (buffer, 0, used);
          samples_add (&bench->api, g_get_monotonic_time () - start);
          *close = g_strcmp0 (api_reply_header (reply, "connection"), "close") == 0;
          return reply->status == 200 || reply->status == 400;
        }
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                               chunk, sizeof chunk, NULL, NULL);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (buffer, chunk, n);
    }
}

/* The load stands for phones and scrapers elsewhere on the LAN; here it
 * shares the machine, so it runs niced to take as little as possible of
 * the CPU that the probes (and Shoal) would have to themselves. */
static void
nice_this_thread (void)
{
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 19);
}

static gpointer
load_thread (gpointer user_data)
{
  Bench *bench = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  gint64 interval = (gint64) (G_USEC_PER_SEC * bench->connections / bench->rate);
  gint64 next = g_get_monotonic_time () + g_random_int_range (0, (gint32) interval);

  nice_this_thread ();
  for (guint i = 0; !g_atomic_int_get (&bench->stop_load); i++)
    {
      gboolean ok, close = TRUE;

      next += interval;
      sleep_until (next);
      /* The connect is part of the request: the server closes after each
       * answer (see shoal-api-server.c), as a phone's browser sees it. */
      if (connection == NULL)
        connection = g_socket_client_connect_to_host (client, "127.0.0.1", bench->api_port, NULL, NULL);
      ok = connection != NULL &&
           one_request (bench, connection, buffer,
                        i % 10 == 9 ? bench->miner_path : load_paths[i % G_N_ELEMENTS (load_paths)],
                        &close);
      g_atomic_pointer_add (&bench->sent, 1);
      g_atomic_pointer_add (ok ? &bench->answered : &bench->errors, 1);
      if (!ok || close)
        {
          g_clear_object (&connection);
          g_byte_array_set_size (buffer, 0);
        }
    }
  return NULL;
}

/* --- running it ---------------------------------------------------------- */

static void
run_for (guint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds used so far by this process's thread named NAME (the API
 * server's thread is "shoal-api"), from /proc. */
static double
thread_cpu_seconds (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          !g_str_equal (g_strstrip (comm), name) ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (after_name = strrchr (stat, ')')) == NULL)
        continue;
      /* Fields after "(comm)": state is field 3, utime 14, stime 15. */
      fields = g_strsplit (after_name + 2, " ", 0);
      if (g_strv_length (fields) > 12)
        return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
               sysconf (_SC_CLK_TCK);
    }
  return 0;
}

static void
print_stats (const char *what,
             Stats       s)
{
  g_print ("  %-40s n=%-6u p50 %6" G_GINT64_FORMAT " us   p99 %6" G_GINT64_FORMAT
           " us   max %7" G_GINT64_FORMAT " us\n", what, s.n, s.p50, s.p99, s.max);
}

static void
print_change (const char *what,
              Stats       idle,
              Stats       loaded)
{
  g_print ("  %-40s p50 %+.1f %%   p99 %+.1f %%\n", what,
           idle.p50 > 0 ? 100.0 * (loaded.p50 - idle.p50) / idle.p50 : 0.0,
           idle.p99 > 0 ? 100.0 * (loaded.p99 - idle.p99) / idle.p99 : 0.0);
}

static void
on_pool_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_pool_start_finish (SHOAL_POOL (source), result, &error))
    g_error ("pool: %s", error->message);
  *(gboolean *) user_data = TRUE;
}

static ShoalPool *
start_pool (ShoalPlayground *playground)
{
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  ShoalPool *pool;
  gboolean started = FALSE;

  g_object_set (config,
                "node-url", shoal_playground_get_node_uri (playground),
                "pool-address", shoal_playground_get_wallet (playground)->address,
                "stratum-bind", "127.0.0.1",
                "stratum-port", (guint64) 0,
                "validator-mode", "light",
                NULL);
  pool = shoal_pool_new (config);
  shoal_pool_start_async (pool, NULL, on_pool_started, &started);
  while (!started)
    g_main_context_iteration (NULL, TRUE);
  return pool;
}

static void
measure (Bench      *bench,
         guint       idle_seconds,
         guint       load_seconds)
{
  g_autoptr(GPtrArray) loaders = g_ptr_array_new ();
  g_autoptr(GArray) stratum_idle = NULL, main_idle = NULL, stratum_load = NULL, main_load = NULL;
  g_autoptr(GArray) api = NULL;
  double cpu, api_cpu;
  Stats si, sl, mi, ml;

  run_for (idle_seconds);
  stratum_idle = samples_take (&bench->stratum);
  main_idle = samples_take (&bench->main_loop);
  cpu = cpu_seconds ();
  api_cpu = thread_cpu_seconds ("shoal-api");
  for (guint i = 0; i < bench->connections; i++)
    g_ptr_array_add (loaders, g_thread_new ("load", load_thread, bench));
  run_for (load_seconds);
  stratum_load = samples_take (&bench->stratum);
  main_load = samples_take (&bench->main_loop);
  g_atomic_int_set (&bench->stop_load, 1);
  for (guint i = 0; i < loaders->len; i++)
    g_thread_join (loaders->pdata[i]);
  cpu = cpu_seconds () - cpu;
  api_cpu = thread_cpu_seconds ("shoal-api") - api_cpu;
  api = samples_take (&bench->api);

  g_print ("api: %.0f requests/s asked for %u s from %u client threads\n",
           bench->rate, load_seconds, bench->connections);
  g_print ("  sent %" G_GUINT64_FORMAT ", answered %" G_GUINT64_FORMAT " (%.0f/s), errors %"
           G_GUINT64_FORMAT "\n", bench->sent, bench->answered,
           bench->answered / (double) load_seconds, bench->errors);
  g_print ("  CPU: API server thread %.1f s (%.0f %% of one core, %.0f us per request); "
           "whole process with the load generator %.1f s\n",
           api_cpu, 100.0 * api_cpu / load_seconds,
           bench->answered > 0 ? 1e6 * api_cpu / bench->answered : 0.0, cpu);
  print_stats ("API response time", stats_of (api));
  si = stats_of (stratum_idle);
  sl = stats_of (stratum_load);
  mi = stats_of (main_idle);
  ml = stats_of (main_load);
  print_stats ("stratum round trip, idle", si);
  print_stats ("stratum round trip, under load", sl);
  print_change ("stratum round trip, change", si, sl);
  print_stats ("pool main-loop delay, idle", mi);
  print_stats ("pool main-loop delay, under load", ml);
  print_change ("pool main-loop delay, change", mi, ml);
  g_print ("  (stratum round trip: a logged-in rig's keepalived on the pool's own stratum\n"
           "   server; the load generator runs in this process, on the same cores)\n");
}

static int
bench_api (int    argc,
           char **argv)
{
  Bench bench = { 0 };
  gint rate = 2000, seconds = 30, idle = 10, connections = 8;
  GOptionEntry entries[] = {
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "Requests per second", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of load", "N" },
    { "idle-seconds", 0, 0, G_OPTION_ARG_INT, &idle, "Seconds measured idle first", "N" },
    { "connections", 0, 0, G_OPTION_ARG_INT, &connections, "Client threads", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalApiServer) server = NULL;
  g_autoptr(ShoalPool) pool = NULL;
  g_autoptr(ShoalApiFeed) feed = NULL;
  ShoalPlayground *playground;
  GThread *threads[3] = { NULL };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || rate <= 0 || seconds <= 0 ||
      connections <= 0)
    {
      g_printerr ("api: %s\n", error != NULL ? error->message : "rate, seconds and connections must be > 0");
      return 2;
    }
  bench.rate = rate;
  bench.connections = connections;
  for (Samples *s = &bench.stratum; s <= &bench.api; s++)
    {
      g_mutex_init (&s->lock);
      s->samples = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  playground = shoal_test_harness_start (1);
  pool = start_pool (playground);
  server = shoal_api_server_new ();
  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, NULL);
  feed = shoal_api_feed_new (pool, server);
  if (!shoal_api_server_start (server, &error))
    g_error ("api: %s", error->message);
  bench.api_port = shoal_api_server_get_port (server);
  bench.pool_context = g_main_context_default ();
  bench.miner_path = g_strconcat ("/api/v1/miner/", shoal_playground_get_wallet (playground)->address,
                                  NULL);

  bench.address = shoal_playground_get_wallet (playground)->address;
  while (shoal_pool_get_snapshot (pool)->network_difficulty == 0)
    g_main_context_iteration (NULL, TRUE);  /* logins wait for the first template */
  g_atomic_int_set (&bench.stratum_port, shoal_pool_get_stratum_port (pool));
  threads[1] = g_thread_new ("stratum-probe", stratum_probe, &bench);
  threads[2] = g_thread_new ("main-probe", main_loop_probe, &bench);
  run_for (2);   /* let the pool settle before measuring */
  samples_take (&bench.stratum);
  samples_take (&bench.main_loop);
  measure (&bench, idle, seconds);

  g_atomic_int_set (&bench.stop_probes, 1);
  g_main_context_wakeup (NULL);
  g_thread_join (threads[1]);
  g_thread_join (threads[2]);
  run_for (0);
  g_clear_object (&feed);
  shoal_api_server_stop (server);
  shoal_pool_stop (pool);
  shoal_test_harness_stop (playground);
  g_free (bench.miner_path);
  return 0;
}

SHOAL_BENCH_REGISTER ("api", "LAN API under 2,000 requests/s: share-path latency idle vs loaded",
                      bench_api)
