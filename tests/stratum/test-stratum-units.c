/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "shoal-error.h"
#include "shoal-interner.h"
#include "shoal-ip-table.h"
#include "shoal-nonce-splits.h"
#include "shoal-stratum-protocol.h"
#include "shoal-stratum-timers.h"
#include "shoal-vardiff.h"

/* The stratum server's pure parts: line parser, replies, login
 * conventions, vardiff and hashrate maths, the ban score, the timer wheel. */

static ShoalStratumRequest *
parse (const char *line,
       GError    **error)
{
  return shoal_stratum_request_parse (line, strlen (line), error);
}

static void
test_parse_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalStratumRequest) request =
    parse ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4abc+5000\","
           "\"pass\":\"x\",\"rigid\":\"rig1\",\"algo\":[\"rx/0\"]}}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (request->id_json, ==, "1");
  g_assert_cmpstr (request->method, ==, "login");
  g_assert_cmpstr (shoal_stratum_request_get_string (request, "login"), ==, "4abc+5000");
  g_assert_cmpstr (shoal_stratum_request_get_string (request, "rigid"), ==, "rig1");
  g_assert_null (shoal_stratum_request_get_string (request, "algo"));
}

static void
test_parse_ids (void)
{
  g_autoptr(ShoalStratumRequest) with_string = parse ("{\"id\":\"a\\\"b\",\"method\":\"x\"}", NULL);
  g_autoptr(ShoalStratumRequest) with_null = parse ("{\"id\":null,\"method\":\"x\"}", NULL);
  g_autoptr(ShoalStratumRequest) without = parse ("{\"method\":\"x\"}", NULL);
  g_autoptr(ShoalStratumRequest) big = parse ("{\"id\":9007199254740993,\"method\":\"x\"}", NULL);

  g_assert_cmpstr (with_string->id_json, ==, "\"a\\\"b\"");
  g_assert_cmpstr (with_null->id_json, ==, "null");
  g_assert_cmpstr (without->id_json, ==, "null");
  g_assert_cmpstr (big->id_json, ==, "9007199254740993");
  g_assert_nonnull (without->params);
}

static void
test_parse_bad (void)
{
  static const char *bad[] = {
    "not json", "[1,2]", "{\"id\":1}", "{\"id\":1,\"method\":5}",
    "{\"id\":1.5,\"method\":\"login\"}", "{\"id\":[1],\"method\":\"login\"}",
    "{\"id\":1,\"method\":\"login\",\"params\":[1]}", "{\"id\":1,\"method\":\"login\"",
    "\"just a string\"", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalStratumRequest) request = parse (bad[i], &error);

      g_assert_null (request);
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
      g_assert_nonnull (error->message);
    }
}

static void
test_parse_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) huge = g_string_new ("{\"id\":1,\"method\":\"");
  g_autoptr(ShoalStratumRequest) request = NULL;
  const char with_nul[] = "{\"id\":1,\"method\":\"a\0b\"}";

  while (huge->len <= SHOAL_STRATUM_MAX_LINE)
    g_string_append_c (huge, 'a');
  g_string_append (huge, "\"}");
  request = parse (huge->str, &error);
  g_assert_null (request);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  request = shoal_stratum_request_parse (with_nul, sizeof with_nul - 1, &error);
  g_assert_null (request);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_clear_error (&error);
  request = parse ("{\"id\":1,\"method\":\"\xff\xfe\"}", &error);
  g_assert_null (request);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
}

static void
test_replies (void)
{
  g_autofree char *error = shoal_stratum_reply_error ("7", -1, "bad \"quote\" \\ and\nnewline\x01");
  g_autofree char *status = shoal_stratum_reply_status ("2", "OK");
  g_autofree char *job = shoal_stratum_job_json ("00", "1f", "b88d0600", "rx/0", 12, "ab");
  g_autofree char *notify = shoal_stratum_notify_job (job);
  g_autofree char *login = shoal_stratum_login_result ("0123", job);

  g_assert_cmpstr (error, ==, "{\"id\":7,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,\"message\":"
                   "\"bad \\\"quote\\\" \\\\ and\\u000anewline\\u0001\"}}\n");
  g_assert_cmpstr (status, ==, "{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":null,"
                   "\"result\":{\"status\":\"OK\"}}\n");
  g_assert_cmpstr (notify, ==, "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"00\","
                   "\"job_id\":\"1f\",\"target\":\"b88d0600\",\"algo\":\"rx/0\",\"height\":12,"
                   "\"seed_hash\":\"ab\"}}\n");
  g_assert_null (strstr (notify, "\"id\""));
  g_assert_true (g_str_has_prefix (login, "{\"id\":\"0123\",\"job\":{"));
  g_assert_nonnull (strstr (login, "\"extensions\":[\"algo\",\"keepalive\"]"));
}

typedef struct
{
  const char *login, *pass, *rigid;
  gboolean    from_base;
  const char *base, *worker;
  guint64     diff;
} LoginCase;

static void
test_login_conventions (void)
{
  static const LoginCase cases[] = {
    { "4Addr", "x", NULL, FALSE, "4Addr", "default", 0 },
    { "4Addr", "x", NULL, TRUE, "4Addr", "4Addr", 0 },
    { "4Addr.rig7", "x", NULL, FALSE, "4Addr", "rig7", 0 },
    { "4Addr+5000", "x", NULL, FALSE, "4Addr", "default", 5000 },
    { "4Addr.rig7+5000", "x", NULL, FALSE, "4Addr", "rig7", 5000 },
    { "4Addr+5000.rig7", "x", NULL, FALSE, "4Addr", "rig7", 5000 },
    { "4Addr.rig.with.dots", "x", NULL, FALSE, "4Addr", "rig.with.dots", 0 },
    { "4Addr.rig7", "x", "rigid1", FALSE, "4Addr", "rigid1", 0 },
    { "4Addr", "kitchen", NULL, FALSE, "4Addr", "kitchen", 0 },
    { "4Addr", "", "", FALSE, "4Addr", "default", 0 },
    { "my rig", "x", NULL, TRUE, "my rig", "my_rig", 0 },
    { "4Addr", "x", "r\xc3\xa9g \"1\"", FALSE, "4Addr", "r_g_1_", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ShoalStratumLogin) login = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_true (shoal_stratum_login_parse (cases[i].login, cases[i].pass, cases[i].rigid,
                                                cases[i].from_base, &login, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (login.base, ==, cases[i].base);
      g_assert_cmpstr (login.worker, ==, cases[i].worker);
      g_assert_cmpuint (login.fixed_difficulty, ==, cases[i].diff);
    }
}

static void
test_login_bad (void)
{
  static const char *bad[] = { "", "4Addr+", "4Addr+abc", "4Addr+0", "4Addr+99999999999999999999" };
  g_autofree char *long_name = g_strnfill (200, 'w');
  g_autofree char *clean = shoal_stratum_sanitize_name (long_name);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(ShoalStratumLogin) login = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_stratum_login_parse (bad[i], "x", NULL, FALSE, &login, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
    }
  g_assert_cmpuint (strlen (clean), ==, 64);
  g_assert_null (shoal_stratum_sanitize_name ("  "));
}

static void
test_algo (void)
{
  g_autoptr(JsonNode) with = json_from_string ("[\"cn/1\",\"RX/0\"]", NULL);
  g_autoptr(JsonNode) without = json_from_string ("[\"cn/1\",\"rx/wow\",5]", NULL);
  g_autoptr(JsonNode) not_list = json_from_string ("\"rx/0\"", NULL);

  g_assert_true (shoal_stratum_algo_supported (NULL, "rx/0"));
  g_assert_true (shoal_stratum_algo_supported (with, "rx/0"));
  g_assert_false (shoal_stratum_algo_supported (without, "rx/0"));
  g_assert_false (shoal_stratum_algo_supported (not_list, "rx/0"));
}

static void
test_hex_fields (void)
{
  guint32 nonce = 0;
  guint8 hash[32];
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_stratum_parse_nonce ("d0030040", &nonce, NULL));
  g_assert_cmphex (nonce, ==, 0x400003d0);
  g_assert_false (shoal_stratum_parse_nonce ("d003004", &nonce, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (shoal_stratum_parse_nonce ("d003004g", &nonce, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (shoal_stratum_parse_nonce (NULL, &nonce, &error));
  g_clear_error (&error);
  g_assert_true (shoal_stratum_parse_hash ("00112233445566778899aabbccddeeff"
                                           "00112233445566778899AABBCCDDEEFF", hash, NULL));
  g_assert_cmphex (hash[31], ==, 0xff);
  g_assert_false (shoal_stratum_parse_hash ("0011", hash, &error));
}

/* A rig at a steady HASHRATE: work accrues continuously and a share goes
 * out each time it adds up to the difficulty; the server ticks every second. */
static guint64
simulate_steady (ShoalVardiff             *v,
                 const ShoalVardiffParams *params,
                 double                    hashrate,
                 double                    seconds,
                 double                   *last_interval)
{
  double t = 0, work = 0, last_share = 0, next_tick = 1;
  guint changes = 0;

  while (t < seconds)
    {
      double share_at = t + ((double) v->difficulty - work) / hashrate;

      if (next_tick < share_at)
        {
          work += (next_tick - t) * hashrate;
          t = next_tick;
          next_tick += 1;
          changes += shoal_vardiff_tick (v, params, (gint64) (t * G_USEC_PER_SEC));
          continue;
        }
      t = share_at;
      work = 0;
      *last_interval = t - last_share;
      last_share = t;
      changes += shoal_vardiff_share (v, params, v->difficulty, (gint64) (t * G_USEC_PER_SEC));
    }
  return changes;
}

static void
test_vardiff_converges (void)
{
  ShoalVardiffParams params = { .min_difficulty = 1, .max_difficulty = 0, .interval_s = 15 };
  double starts[] = { 100, 10000, 1e7 };

  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      ShoalVardiff v;
      double interval = 0;

      shoal_vardiff_init (&v, &params, (guint64) starts[i], 0);
      /* 5 kH/s: wants difficulty 75000. */
      simulate_steady (&v, &params, 5000, 3600, &interval);
      g_assert_cmpfloat (fabs (interval - 15) / 15, <, 0.2);
      g_assert_cmpfloat (fabs ((double) v.difficulty - 75000) / 75000, <, 0.2);
    }
}

static void
test_vardiff_bounds (void)
{
  ShoalVardiffParams params = { .min_difficulty = 1000, .max_difficulty = 50000, .interval_s = 15 };
  ShoalVardiff v;
  double interval;

  shoal_vardiff_init (&v, &params, 10, 0);
  g_assert_cmpuint (v.difficulty, ==, 1000);
  shoal_vardiff_init (&v, &params, 1000000, 0);
  g_assert_cmpuint (v.difficulty, ==, 50000);
  /* 1 MH/s would want 15M: capped by the network difficulty. */
  simulate_steady (&v, &params, 1e6, 600, &interval);
  g_assert_cmpuint (v.difficulty, ==, 50000);
  /* 1 H/s would want 15: floored. */
  shoal_vardiff_init (&v, &params, 1000, 0);
  simulate_steady (&v, &params, 1, 20000, &interval);
  g_assert_cmpuint (v.difficulty, ==, 1000);
}

static void
test_vardiff_quiet (void)
{
  ShoalVardiffParams params = { .min_difficulty = 100, .max_difficulty = 0, .interval_s = 10 };
  ShoalVardiff v;

  shoal_vardiff_init (&v, &params, 6400, 0);
  g_assert_false (shoal_vardiff_tick (&v, &params, 59 * G_USEC_PER_SEC));
  g_assert_true (shoal_vardiff_tick (&v, &params, 61 * G_USEC_PER_SEC));
  g_assert_cmpuint (v.difficulty, ==, 3200);
  g_assert_false (shoal_vardiff_tick (&v, &params, 62 * G_USEC_PER_SEC));
  for (int s = 63; s < 2000; s++)
    shoal_vardiff_tick (&v, &params, (gint64) s * G_USEC_PER_SEC);
  g_assert_cmpuint (v.difficulty, ==, 100);
}

static void
test_vardiff_next_tick (void)
{
  ShoalVardiffParams params = { .min_difficulty = 100, .max_difficulty = 0, .interval_s = 10 };
  ShoalVardiff v;
  gint64 next;

  shoal_vardiff_init (&v, &params, 6400, 0);
  next = shoal_vardiff_next_tick (&v, &params);
  g_assert_false (shoal_vardiff_tick (&v, &params, next - 1));
  g_assert_true (shoal_vardiff_tick (&v, &params, next));
  /* With a share in the window, the window may close sooner. */
  shoal_vardiff_share (&v, &params, 3200, next + 1);
  g_assert_cmpint (shoal_vardiff_next_tick (&v, &params), <, next + 60 * G_USEC_PER_SEC);
}

/* Real shares arrive as a Poisson process: difficulty must stay near the
 * target without chasing every lucky streak. */
static void
vardiff_poisson (guint32 seed)
{
  ShoalVardiffParams params = { .min_difficulty = 1, .max_difficulty = 0, .interval_s = 15 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  ShoalVardiff v;
  double t = 0;
  double hashrate = 2000;
  guint changes = 0;
  guint shares = 0;
  double lo = G_MAXDOUBLE, hi = 0;

  shoal_vardiff_init (&v, &params, 30000, 0);
  while (t < 6 * 3600)
    {
      guint64 difficulty = v.difficulty;

      t += -log (1 - g_rand_double (rand)) * (double) difficulty / hashrate;
      changes += shoal_vardiff_share (&v, &params, difficulty, (gint64) (t * G_USEC_PER_SEC));
      shares++;
      if (t > 600)
        {
          lo = MIN (lo, v.difficulty);
          hi = MAX (hi, v.difficulty);
        }
    }
  g_test_message ("poisson seed %u: %u shares, %u changes, difficulty %.0f..%.0f (aim 30000)",
                  seed, shares, changes, lo, hi);
  g_assert_cmpfloat (lo, >, 30000 / 2.0);
  g_assert_cmpfloat (hi, <, 30000 * 2.0);
  g_assert_cmpuint (changes, <, shares / 8);
}

static void
test_vardiff_poisson (void)
{
  for (guint32 seed = 1; seed <= 8; seed++)
    vardiff_poisson (seed);
}

typedef struct
{
  ShoalStratumTimer timer;
  int               fired;
  gint64            fired_at;
  ShoalStratumTimer *cancel;     /* cancelled when this one fires */
  gint64            again;       /* > 0: rescheduled for this when it fires */
  ShoalStratumTimers *wheel;
} TestTimer;

static void
on_test_timer (ShoalStratumTimer *timer,
               gint64             now,
               gpointer           user_data)
{
  TestTimer *t = (TestTimer *) timer;

  t->fired++;
  t->fired_at = now;
  if (t->cancel != NULL)
    shoal_stratum_timer_cancel (t->cancel);
  if (t->again > 0)
    shoal_stratum_timers_schedule (t->wheel, timer, t->again);
}

/* Nothing fires before its deadline, rounded up to a tick; far deadlines
 * survive laps of the wheel; a callback may cancel or reschedule. */
static void
test_timers (void)
{
  g_autoptr(ShoalStratumTimers) wheel = shoal_stratum_timers_new (500, 0);
  TestTimer a = { 0 }, b = { 0 }, far = { 0 }, past = { 0 };
  const gint64 ms = 1000;

  shoal_stratum_timers_schedule (wheel, &a.timer, 1200 * ms);
  shoal_stratum_timers_schedule (wheel, &b.timer, 1200 * ms);
  shoal_stratum_timers_schedule (wheel, &far.timer, 900 * G_USEC_PER_SEC);
  shoal_stratum_timers_schedule (wheel, &past.timer, -5);
  a.cancel = &b.timer;
  a.again = 1600 * ms;
  a.wheel = wheel;
  shoal_stratum_timers_advance (wheel, 499 * ms, on_test_timer, NULL);
  g_assert_cmpint (past.fired, ==, 0);
  shoal_stratum_timers_advance (wheel, 500 * ms, on_test_timer, NULL);
  g_assert_cmpint (past.fired, ==, 1);
  shoal_stratum_timers_advance (wheel, 1499 * ms, on_test_timer, NULL);
  g_assert_cmpint (a.fired, ==, 0);   /* 1.2 s is the tick of 1.5 s */
  shoal_stratum_timers_advance (wheel, 1500 * ms, on_test_timer, NULL);
  g_assert_cmpint (a.fired, ==, 1);   /* first in, first called: b is cancelled before its turn */
  g_assert_cmpint (b.fired, ==, 0);
  g_assert_cmpint (a.fired_at, ==, 1500 * ms);
  a.again = 0;
  shoal_stratum_timers_advance (wheel, 1999 * ms, on_test_timer, NULL);
  g_assert_cmpint (a.fired, ==, 1);
  shoal_stratum_timers_advance (wheel, 2000 * ms, on_test_timer, NULL);
  g_assert_cmpint (a.fired, ==, 2);
  for (gint64 t = 2; t < 900; t++)
    shoal_stratum_timers_advance (wheel, t * G_USEC_PER_SEC, on_test_timer, NULL);
  g_assert_cmpint (far.fired, ==, 0);
  /* Late by more than a lap: each timer still fires once. */
  shoal_stratum_timers_advance (wheel, (gint64) 5000 * G_USEC_PER_SEC, on_test_timer, NULL);
  g_assert_cmpint (far.fired, ==, 1);
  g_assert_cmpint (a.fired, ==, 2);
  g_assert_cmpint (past.fired, ==, 1);
  shoal_stratum_timers_schedule (wheel, &b.timer, 0);   /* left in the wheel at its free */
}

static void
test_hashrate (void)
{
  ShoalHashrate rate;
  gint64 t;

  shoal_hashrate_init (&rate, 0);
  /* 1000 H/s: a share of difficulty 10000 every 10 s. */
  for (t = 10; t <= 60; t += 10)
    shoal_hashrate_add (&rate, 10000, t * G_USEC_PER_SEC);
  for (guint w = 0; w < SHOAL_HASHRATE_N_WINDOWS; w++)
    g_assert_cmpfloat (fabs (shoal_hashrate_get (&rate, w, 60 * G_USEC_PER_SEC) - 1000), <, 100);
  for (; t <= 7200; t += 10)
    shoal_hashrate_add (&rate, 10000, t * G_USEC_PER_SEC);
  for (guint w = 0; w < SHOAL_HASHRATE_N_WINDOWS; w++)
    g_assert_cmpfloat (fabs (shoal_hashrate_get (&rate, w, (gint64) 7200 * G_USEC_PER_SEC) - 1000), <, 100);
  /* Ten quiet minutes: the 1-minute figure is gone, the hour one has not. */
  g_assert_cmpfloat (shoal_hashrate_get (&rate, SHOAL_HASHRATE_1M, (gint64) 7800 * G_USEC_PER_SEC), <, 1);
  g_assert_cmpfloat (shoal_hashrate_get (&rate, SHOAL_HASHRATE_1H, (gint64) 7800 * G_USEC_PER_SEC), >, 800);
}

static void
test_ip_table (void)
{
  ShoalIpTable *table = shoal_ip_table_new ();
  ShoalIpEntry *remote = shoal_ip_table_acquire (table, "192.0.2.7", FALSE);
  ShoalIpEntry *local = shoal_ip_table_acquire (table, "127.0.0.1", TRUE);
  gint64 ban = (gint64) 600 * G_USEC_PER_SEC;
  gint64 now = 1000;

  /* Good history buys some slack, but not much. */
  for (int i = 0; i < 100; i++)
    shoal_ip_table_score (table, remote, SHOAL_IP_SCORE_GOOD, ban, FALSE, now);
  g_assert_cmpint (remote->score, ==, SHOAL_IP_SCORE_MAX);
  for (int i = 0; i < 4; i++)
    g_assert_false (shoal_ip_table_score (table, remote, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  g_assert_true (shoal_ip_table_score (table, remote, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  g_assert_true (shoal_ip_entry_is_banned (remote, now + ban - 1));
  g_assert_false (shoal_ip_entry_is_banned (remote, now + ban));
  g_assert_cmpuint (shoal_ip_table_count_banned (table, now), ==, 1);
  /* Localhost: never, unless a test asks. */
  for (int i = 0; i < 10; i++)
    g_assert_false (shoal_ip_table_score (table, local, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  g_assert_false (shoal_ip_entry_is_banned (local, now));
  local = shoal_ip_table_acquire (table, "::1", TRUE);
  for (int i = 0; i < 2; i++)
    g_assert_false (shoal_ip_table_score (table, local, SHOAL_IP_SCORE_BAD, ban, TRUE, now));
  g_assert_true (shoal_ip_table_score (table, local, SHOAL_IP_SCORE_BAD, ban, TRUE, now));
  /* A banned IP is remembered with no connection open, until the ban ends. */
  shoal_ip_table_release (table, remote);
  shoal_ip_table_expire (table, ban, now + 1);
  g_assert_true (shoal_ip_entry_is_banned (remote, now + 2));
  shoal_ip_table_expire (table, ban, now + 2 * ban);
  remote = shoal_ip_table_acquire (table, "192.0.2.7", FALSE);
  g_assert_cmpint (remote->score, ==, 0);
  g_assert_false (shoal_ip_entry_is_banned (remote, now + 2 * ban));
  shoal_ip_table_free (table);
}

/* One machine gets a whole /64: its addresses share one entry, one
 * connection count, one score and one ban; the next /64 is someone else. */
static void
test_ip_table_ipv6_prefix (void)
{
  ShoalIpTable *table = shoal_ip_table_new ();
  ShoalIpEntry *a = shoal_ip_table_acquire (table, "2001:db8:1:2::1", FALSE);
  ShoalIpEntry *b = shoal_ip_table_acquire (table, "2001:db8:1:2:ffff:eeee:dddd:cccc", FALSE);
  ShoalIpEntry *other = shoal_ip_table_acquire (table, "2001:db8:1:3::1", FALSE);
  ShoalIpEntry *v4 = shoal_ip_table_acquire (table, "192.0.2.7", FALSE);
  gint64 now = 1000000, ban = 60 * G_USEC_PER_SEC;
  g_autofree char *key = shoal_ip_table_key ("2001:db8:1:2:abcd::9");

  g_assert_true (a == b);
  g_assert_cmpstr (a->ip, ==, "2001:db8:1:2::/64");
  g_assert_cmpstr (key, ==, "2001:db8:1:2::/64");
  g_assert_cmpuint (a->connections, ==, 2);
  g_assert_true (other != a);
  g_assert_cmpstr (v4->ip, ==, "192.0.2.7");
  /* Bad requests from three different addresses of the /64 ban all of it. */
  g_assert_false (shoal_ip_table_score (table, a, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  g_assert_false (shoal_ip_table_score (table, b, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  b = shoal_ip_table_acquire (table, "2001:db8:1:2::77", FALSE);
  g_assert_true (shoal_ip_table_score (table, b, SHOAL_IP_SCORE_BAD, ban, FALSE, now));
  g_assert_true (shoal_ip_entry_is_banned (a, now));
  g_assert_false (shoal_ip_entry_is_banned (other, now));
  g_assert_cmpuint (shoal_ip_table_size (table), ==, 3);
  shoal_ip_table_free (table);
}

static void
test_ip_table_login_budget (void)
{
  ShoalIpTable *table = shoal_ip_table_new ();
  ShoalIpEntry *entry = shoal_ip_table_acquire (table, "192.0.2.7", FALSE);
  gint64 now = 1000000;

  for (int i = 0; i < 3; i++)
    g_assert_true (shoal_ip_entry_take_login (entry, 3, 60, now));
  g_assert_false (shoal_ip_entry_take_login (entry, 3, 60, now));
  /* 60 a minute: one more a second later, and never more than the burst. */
  g_assert_true (shoal_ip_entry_take_login (entry, 3, 60, now + G_USEC_PER_SEC));
  g_assert_false (shoal_ip_entry_take_login (entry, 3, 60, now + G_USEC_PER_SEC));
  now += (gint64) 3600 * G_USEC_PER_SEC;
  for (int i = 0; i < 3; i++)
    g_assert_true (shoal_ip_entry_take_login (entry, 3, 60, now));
  g_assert_false (shoal_ip_entry_take_login (entry, 3, 60, now));
  shoal_ip_table_free (table);
}

/* Bytes 1..255, each once; 0 when all are held; a byte given back comes
 * round again only after the others. */
static void
test_nonce_splits (void)
{
  ShoalNonceSplits splits = { 0 };
  gboolean seen[256] = { FALSE };

  for (guint i = 0; i < SHOAL_NONCE_SPLITS_MAX; i++)
    {
      guint8 byte = shoal_nonce_splits_take (&splits);

      g_assert_cmpuint (byte, !=, 0);
      g_assert_false (seen[byte]);
      seen[byte] = TRUE;
    }
  g_assert_cmpuint (shoal_nonce_splits_take (&splits), ==, 0);
  shoal_nonce_splits_release (&splits, 7);
  shoal_nonce_splits_release (&splits, 0);
  g_assert_cmpuint (shoal_nonce_splits_take (&splits), ==, 7);
  shoal_nonce_splits_release (&splits, 7);
  shoal_nonce_splits_release (&splits, 9);
  g_assert_cmpuint (shoal_nonce_splits_take (&splits), ==, 9);
  g_assert_cmpuint (shoal_nonce_splits_take (&splits), ==, 7);
}

/* One copy per text, held by the table; at its bound it starts over,
 * and what holders have stays theirs. */
static void
test_shared_strings (void)
{
  g_autoptr(ShoalInterner) table = shoal_interner_new (2);
  char *a = shoal_interner_get (table, "192.0.2.1");
  char *again = shoal_interner_get (table, "192.0.2.1");
  char *b = shoal_interner_get (table, "XMRig/6.26.0");
  char *c = NULL;

  g_assert_true (a == again);
  g_assert_cmpuint (shoal_interner_size (table), ==, 2);
  c = shoal_interner_get (table, "192.0.2.2");
  g_assert_cmpuint (shoal_interner_size (table), ==, 1);
  g_assert_cmpstr (a, ==, "192.0.2.1");
  g_assert_cmpstr (b, ==, "XMRig/6.26.0");
  g_ref_string_release (again);
  g_ref_string_release (a);
  g_ref_string_release (b);
  again = shoal_interner_get (table, "192.0.2.2");
  g_assert_true (again == c);
  g_ref_string_release (again);
  g_ref_string_release (c);
}

#define RACE_ROUNDS 200000

static gpointer
release_all (gpointer data)
{
  GAsyncQueue *queue = data;
  char *text;

  while ((text = g_async_queue_pop (queue)) != (char *) queue)
    g_ref_string_release (text);
  return NULL;
}

/* The stratum thread shares an IP's text with every snapshot, and
 * snapshots die on other threads: a text whose last holder lets go on
 * one thread while the owner asks for it again on another must come back
 * alive.  GLib's own interning (2.74) fails this with "old_value > 0". */
static void
test_shared_strings_released_elsewhere (void)
{
  g_autoptr(ShoalInterner) table = shoal_interner_new (1);
  g_autoptr(GAsyncQueue) queue = g_async_queue_new ();
  GThread *releaser = g_thread_new ("release", release_all, queue);

  for (guint i = 0; i < RACE_ROUNDS; i++)
    {
      /* A bound of one: every other text makes the table let go, so the
       * releaser's reference is often the last. */
      char *text = shoal_interner_get (table, i % 2 ? "127.0.0.1" : "XMRig/6.26.0");

      g_assert_cmpstr (text, ==, i % 2 ? "127.0.0.1" : "XMRig/6.26.0");
      g_async_queue_push (queue, text);
    }
  g_async_queue_push (queue, queue);
  g_thread_join (releaser);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/protocol/parse-login", test_parse_login);
  g_test_add_func ("/stratum/protocol/parse-ids", test_parse_ids);
  g_test_add_func ("/stratum/protocol/parse-bad", test_parse_bad);
  g_test_add_func ("/stratum/protocol/parse-limits", test_parse_limits);
  g_test_add_func ("/stratum/protocol/replies", test_replies);
  g_test_add_func ("/stratum/protocol/login-conventions", test_login_conventions);
  g_test_add_func ("/stratum/protocol/login-bad", test_login_bad);
  g_test_add_func ("/stratum/protocol/algo", test_algo);
  g_test_add_func ("/stratum/protocol/hex-fields", test_hex_fields);
  g_test_add_func ("/stratum/vardiff/converges", test_vardiff_converges);
  g_test_add_func ("/stratum/vardiff/bounds", test_vardiff_bounds);
  g_test_add_func ("/stratum/vardiff/quiet", test_vardiff_quiet);
  g_test_add_func ("/stratum/vardiff/next-tick", test_vardiff_next_tick);
  g_test_add_func ("/stratum/vardiff/poisson", test_vardiff_poisson);
  g_test_add_func ("/stratum/timers", test_timers);
  g_test_add_func ("/stratum/hashrate", test_hashrate);
  g_test_add_func ("/stratum/ip-table", test_ip_table);
  g_test_add_func ("/stratum/nonce-splits", test_nonce_splits);
  g_test_add_func ("/stratum/ip-table/ipv6-per-64", test_ip_table_ipv6_prefix);
  g_test_add_func ("/stratum/ip-table/login-budget", test_ip_table_login_budget);
  g_test_add_func ("/stratum/shared-strings", test_shared_strings);
  g_test_add_func ("/stratum/shared-strings/released-elsewhere",
                   test_shared_strings_released_elsewhere);
  return g_test_run ();
}
