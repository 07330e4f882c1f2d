/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "fake-job-source.h"
#include "p2pool-standin.h"
#include "shoal-hex.h"
#include "shoal-source-chain.h"
#include "shoal-upstream-source.h"
#include "stratum-test-util.h"
#include "upstream-test-util.h"

/* Raw rigs -> a real stratum server -> the upstream source in each relay
 * mode -> the P2Pool stand-in, all on loopback.  What is checked is what
 * the stand-in sees (its connections, their login names, the shares on
 * each) and the bytes the rigs get. */

#define SEED_HEX   "0101010101010101010101010101010101010101010101010101010101010101"
#define SPLIT_RIGS 300
#define LANE_ZERO_BYTES 255   /* rigs lane 0's split work has a nonce byte for */
#define ADDRESS    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBB" \
                   "Et7f2wfn3RVGQBEP3A"

typedef struct
{
  P2poolStandin       *standin;
  ShoalUpstreamSource *source;
  ShoalStratumServer  *server;
  GHashTable          *accepted;   /* rig name -> upstream verdicts "accepted" */
  ShoalSourceChain    *chain;      /* with a node stand-in behind the upstream, or NULL */
  TestFakeSource      *node;
} Relay;

typedef struct
{
  StratumClient *client;
  char          *name;
  char          *session;
  char          *job_id;
  char          *blob_hex;
} RelayRig;

static void
on_verdict (ShoalUpstreamSource *source,
            const ShoalShare    *share,
            gboolean             accepted,
            const GError        *error,
            Relay               *relay)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (relay->accepted, share->worker));

  g_assert_true (accepted);
  g_hash_table_insert (relay->accepted, g_strdup (share->worker), GUINT_TO_POINTER (n + 1));
}

/* With BEHIND, the upstream is first in a source chain that ends in a
 * stand-in for the node's templates, as in upstream mode.  LOGIN: the
 * upstream's configured login; "": none, and Shoal's own connection logs
 * in with the pool address, as the pool does then. */
static void
relay_set_up_login (Relay              *relay,
                    ShoalUpstreamRelay  mode,
                    gboolean            behind,
                    const char         *login)
{
  guint8 blob[76] = { 16, 16 };
  g_autoptr(GBytes) bytes = g_bytes_new (blob, sizeof blob);
  g_autoptr(ShoalUpstreamEndpoint) endpoint = NULL;
  g_autoptr(ShoalWork) work = NULL;

  relay->standin = p2pool_standin_new (1);
  p2pool_standin_set_work (relay->standin, bytes, SEED_HEX, 100);
  endpoint = shoal_upstream_endpoint_new ("127.0.0.1", p2pool_standin_get_port (relay->standin),
                                          FALSE, login, "x");
  if (!endpoint->login_set)
    {
      g_free (endpoint->login);
      endpoint->login = g_strdup (ADDRESS);
    }
  relay->source = shoal_upstream_source_new (endpoint);
  shoal_upstream_source_set_relay (relay->source, mode);
  relay->accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (relay->source, "share-verdict", G_CALLBACK (on_verdict), relay);
  shoal_upstream_source_start (relay->source);
  WAIT_FOR ((work = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (relay->source))) != NULL);
  relay->server = stratum_test_server (NULL, "max-connections-per-ip", 0,
                                       "min-difficulty", (guint64) 1,
                                       "start-difficulty", (guint64) 1, NULL);
  if (!behind)
    {
      shoal_stratum_server_set_job_source (relay->server, SHOAL_JOB_SOURCE (relay->source));
      return;
    }
  relay->node = fake_source_new (fake_work ("rx/0", 1, FAKE_HIGH_DIFFICULTY, 0));
  relay->chain = shoal_source_chain_new ();
  shoal_source_chain_append (relay->chain, SHOAL_JOB_SOURCE (relay->source));
  shoal_source_chain_append (relay->chain, SHOAL_JOB_SOURCE (relay->node));
  g_assert_cmpint (shoal_source_chain_get_active_index (relay->chain), ==, 0);
  shoal_stratum_server_set_job_source (relay->server, SHOAL_JOB_SOURCE (relay->chain));
}

static void
relay_set_up (Relay              *relay,
              ShoalUpstreamRelay  mode,
              gboolean            behind)
{
  relay_set_up_login (relay, mode, behind, "household");
}

static void
relay_tear_down (Relay *relay)
{
  g_signal_handlers_disconnect_by_data (relay->source, relay);
  shoal_stratum_server_stop (relay->server);
  g_object_unref (relay->server);
  shoal_upstream_source_stop (relay->source);
  g_clear_object (&relay->chain);
  g_clear_object (&relay->node);
  g_object_unref (relay->source);
  p2pool_standin_free (relay->standin);
  g_hash_table_unref (relay->accepted);
}

static void
relay_rig_clear (RelayRig *rig)
{
  g_clear_pointer (&rig->client, stratum_client_free);
  g_clear_pointer (&rig->name, g_free);
  g_clear_pointer (&rig->session, g_free);
  g_clear_pointer (&rig->job_id, g_free);
  g_clear_pointer (&rig->blob_hex, g_free);
}

static void
relay_rig_take_job (RelayRig        *rig,
              JsonObject *job)
{
  g_free (rig->job_id);
  g_free (rig->blob_hex);
  rig->job_id = g_strdup (json_object_get_string_member (job, "job_id"));
  rig->blob_hex = g_strdup (json_object_get_string_member (job, "blob"));
}

/* NULL when the relay said to try again shortly (a connection upward
 * for more rigs is on its way). */
static char *
relay_rig_try_log_in (RelayRig     *rig,
                guint16  port)
{
  g_autofree char *reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  char *error;
  JsonObject *result;

  rig->client = stratum_client_connect (port, NULL);
  reply = stratum_client_login (rig->client, "household", rig->name);
  g_assert_nonnull (reply);
  error = stratum_error_message (reply);
  if (error != NULL)
    {
      g_clear_pointer (&rig->client, stratum_client_free);
      return error;
    }
  object = stratum_parse_object (reply);
  result = json_object_get_object_member (object, "result");
  rig->session = g_strdup (json_object_get_string_member (result, "id"));
  relay_rig_take_job (rig, json_object_get_object_member (result, "job"));
  return NULL;
}

static void
relay_rig_log_in (RelayRig        *rig,
            guint16     port,
            const char *name)
{
  g_autofree char *error = NULL;

  rig->name = g_strdup (name);
  while ((error = relay_rig_try_log_in (rig, port)) != NULL)
    {
      gint64 until = g_get_monotonic_time () + 50 * 1000;

      g_assert_nonnull (strstr (error, "try again shortly"));
      g_clear_pointer (&error, g_free);
      WAIT_FOR (g_get_monotonic_time () >= until);
    }
  stratum_test_drain ();
}

/* The job notification the rig's own upstream connection brought. */
static void
relay_rig_expect_job (RelayRig *rig)
{
  g_autofree char *line = stratum_client_expect_line (rig->client);
  g_autoptr(JsonObject) object = NULL;

  g_assert_nonnull (line);
  object = stratum_parse_object (line);
  g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "job");
  relay_rig_take_job (rig, json_object_get_object_member (object, "params"));
}

static guint8
blob_byte (const char *blob_hex,
           guint       offset)
{
  g_autoptr(GBytes) blob = shoal_hex_decode (blob_hex, NULL);

  g_assert_nonnull (blob);
  g_assert_cmpuint (g_bytes_get_size (blob), >, offset);
  return ((const guint8 *) g_bytes_get_data (blob, NULL))[offset];
}

/* A share at NONCE, hashed here, answered OK by the relay. */
static void
relay_rig_submit (RelayRig     *rig,
            guint32  nonce,
            gint64   id)
{
  g_autofree char *hash = stratum_test_hash (rig->blob_hex, SEED_HEX, nonce);
  g_autofree char *line = g_strdup_printf (
    "{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
    "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%02x%02x%02x%02x\",\"result\":\"%s\"}}",
    id, rig->session, rig->job_id, nonce & 0xff, nonce >> 8 & 0xff, nonce >> 16 & 0xff,
    nonce >> 24, hash);
  g_autofree char *reply = NULL;
  g_autofree char *error = NULL;

  stratum_client_send (rig->client, line);
  reply = stratum_client_expect_line (rig->client);
  g_assert_nonnull (reply);
  error = stratum_error_message (reply);
  g_assert_null (error);
}

static gboolean
workers_hold (P2poolStandin *standin,
              const char    *name)
{
  g_autoptr(GPtrArray) workers = p2pool_standin_dup_workers (standin);

  return g_ptr_array_find_with_equal_func (workers, name, g_str_equal, NULL);
}

static const P2poolSubmit *
submit_of (P2poolStandin *standin,
           const char    *worker)
{
  GPtrArray *submits = p2pool_standin_get_submits (standin);

  for (guint i = 0; i < submits->len; i++)
    {
      const P2poolSubmit *submit = submits->pdata[i];

      if (g_strcmp0 (submit->worker, worker) == 0)
        return submit;
    }
  return NULL;
}

/* Each rig is a connection of its own upstream, under its own name, with
 * its own work and the whole nonce; its shares go up on it and its
 * verdicts are its own; a rig that leaves takes its connection along. */
static void
test_per_rig (void)
{
  static const char *names[] = { "rig-a", "rig-b", "rig-c" };
  Relay relay = { 0 };
  RelayRig rigs[G_N_ELEMENTS (names)] = { { 0 } };
  guint16 port;

  relay_set_up (&relay, SHOAL_UPSTREAM_RELAY_PER_RIG, FALSE);
  port = shoal_stratum_server_get_port (relay.server);
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_log_in (&rigs[i], port, names[i]);
  WAIT_FOR (shoal_upstream_source_get_n_connected (relay.source) == 1 + G_N_ELEMENTS (rigs));
  g_assert_cmpuint (p2pool_standin_count (relay.standin, P2POOL_COUNT_CONNECTIONS), ==, 4);
  g_assert_true (workers_hold (relay.standin, "household"));
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      g_assert_true (workers_hold (relay.standin, names[i]));
      relay_rig_expect_job (&rigs[i]);
      g_assert_cmpuint (blob_byte (rigs[i].blob_hex, 42), ==, 0);   /* the whole nonce */
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (rigs[i].blob_hex, !=, rigs[j].blob_hex);  /* its own upstream work */
    }

  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_submit (&rigs[i], 0x7f000000 + i, 10);
  WAIT_FOR (p2pool_standin_get_submits (relay.standin)->len == G_N_ELEMENTS (rigs)
            && g_hash_table_size (relay.accepted) == G_N_ELEMENTS (rigs));
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      const P2poolSubmit *submit = submit_of (relay.standin, names[i]);

      g_assert_nonnull (submit);
      g_assert_cmpstr (submit->verdict, ==, "OK");
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (relay.accepted, names[i])), ==, 1);
      for (guint j = 0; j < i; j++)
        g_assert_cmpuint (submit->connection, !=, submit_of (relay.standin, names[j])->connection);
    }

  /* A rig that leaves while its share is on its way up: its connection
   * stays until the upstream has answered. */
  p2pool_standin_hold_answers (relay.standin, TRUE);
  relay_rig_submit (&rigs[0], 0x7e000000, 11);
  WAIT_FOR (p2pool_standin_get_submits (relay.standin)->len == G_N_ELEMENTS (rigs) + 1);
  relay_rig_clear (&rigs[0]);
  WAIT_FOR (shoal_upstream_source_get_n_connected (relay.source) == G_N_ELEMENTS (rigs));
  g_assert_cmpuint (p2pool_standin_count (relay.standin, P2POOL_COUNT_CONNECTIONS), ==, 4);
  p2pool_standin_hold_answers (relay.standin, FALSE);
  WAIT_FOR (p2pool_standin_count (relay.standin, P2POOL_COUNT_CONNECTIONS) == 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (relay.accepted, "rig-a")), ==, 2);
  g_assert_cmpstr (submit_of (relay.standin, "rig-a")->verdict, ==, "OK");
  g_assert_false (workers_hold (relay.standin, "rig-a"));
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_clear (&rigs[i]);
  relay_tear_down (&relay);
}

/* 300 rigs on split work: two connections upward, every rig's job on a
 * (connection, top nonce byte) of its own, and a share of a rig on the
 * second connection goes up on it. */
static void
test_split_past_255 (void)
{
  Relay relay = { 0 };
  g_autofree RelayRig *rigs = g_new0 (RelayRig, SPLIT_RIGS);
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *submits;
  guint16 port;

  stratum_raise_file_limit ();
  relay_set_up (&relay, SHOAL_UPSTREAM_RELAY_SPLIT, FALSE);
  port = shoal_stratum_server_get_port (relay.server);
  for (guint i = 0; i < SPLIT_RIGS; i++)
    {
      g_autofree char *name = g_strdup_printf ("rig-%u", i);

      relay_rig_log_in (&rigs[i], port, name);
      g_assert_cmpuint (blob_byte (rigs[i].blob_hex, 42), !=, 0);
      /* Byte 42 is the rig's; the stand-in writes its connection's extra
       * nonce at 43: the two together must be the rig's alone. */
      g_assert_true (g_hash_table_add (pairs, g_strndup (rigs[i].blob_hex + 84, 10)));
    }
  WAIT_FOR (shoal_upstream_source_get_n_connected (relay.source) == 2);
  g_assert_cmpuint (p2pool_standin_count (relay.standin, P2POOL_COUNT_CONNECTIONS), ==, 2);
  g_assert_cmpuint (p2pool_standin_count (relay.standin, P2POOL_COUNT_LOGINS), ==, 2);

  relay_rig_submit (&rigs[0], (guint32) blob_byte (rigs[0].blob_hex, 42) << 24 | 1, 10);
  relay_rig_submit (&rigs[SPLIT_RIGS - 1],
              (guint32) blob_byte (rigs[SPLIT_RIGS - 1].blob_hex, 42) << 24 | 1, 10);
  submits = p2pool_standin_get_submits (relay.standin);
  WAIT_FOR (submits->len == 2 && g_hash_table_size (relay.accepted) == 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (((P2poolSubmit *) submits->pdata[i])->verdict, ==, "OK");
  g_assert_cmpuint (((P2poolSubmit *) submits->pdata[0])->connection, !=,
                    ((P2poolSubmit *) submits->pdata[1])->connection);

  for (guint i = 0; i < SPLIT_RIGS; i++)
    relay_rig_clear (&rigs[i]);
  relay_tear_down (&relay);
}

/* The stand-in's work (its blob starts 0x10 0x10) with the whole nonce:
 * what a rig's own connection brings. */
static gboolean
relay_rig_on_own_lane (RelayRig *rig)
{
  return g_str_has_prefix (rig->blob_hex, "1010") && blob_byte (rig->blob_hex, 42) == 0;
}

/* Back on the upstream, a rig mines lane 0's split work until its own
 * connection has a job: reads jobs until that one. */
static void
relay_rig_expect_own_job (RelayRig *rig)
{
  for (guint i = 0; i < 4; i++)
    {
      relay_rig_expect_job (rig);
      if (relay_rig_on_own_lane (rig))
        return;
    }
  g_assert_not_reached ();
}

/* The login reply a rig got: its session and its job. */
static void
relay_rig_take_login (RelayRig   *rig,
                      const char *reply)
{
  g_autoptr(JsonObject) object = stratum_parse_object (reply);
  g_autofree char *error = stratum_error_message (reply);
  JsonObject *result;

  g_assert_cmpstr (error, ==, NULL);
  result = json_object_get_object_member (object, "result");
  g_assert_nonnull (result);
  rig->session = g_strdup (json_object_get_string_member (result, "id"));
  relay_rig_take_job (rig, json_object_get_object_member (result, "job"));
}

typedef struct
{
  RelayRig *rigs;
  guint     n;
  guint     answered;
} Crowd;

/* The rig's next line if it has come, else NULL at once: the source
 * needs this thread too. */
static char *
relay_rig_read_ready (RelayRig *rig)
{
  if (strchr (rig->client->buffer->str, '\n') == NULL
      && g_socket_condition_check (rig->client->socket, G_IO_IN) == 0)
    return NULL;
  return stratum_client_read_line (rig->client, 1000);
}

/* Reads what has come: each rig's first line is its login's answer. */
static gboolean
crowd_answered (Crowd *crowd)
{
  for (guint i = 0; i < crowd->n; i++)
    {
      RelayRig *rig = &crowd->rigs[i];
      g_autofree char *line = NULL;

      if (rig->session != NULL || (line = relay_rig_read_ready (rig)) == NULL)
        continue;
      relay_rig_take_login (rig, line);
      crowd->answered++;
    }
  return crowd->answered == crowd->n;
}

/* 300 rigs log in at once in per-rig relay, before any of their own
 * connections upward is made: lane 0's split work has 255 bytes to lend,
 * and the rigs past them are answered when their own connection has a job,
 * not refused.  Each ends on a connection of its own, under its name. */
static void
test_per_rig_crowd (void)
{
  Relay relay = { 0 };
  g_autofree RelayRig *rigs = g_new0 (RelayRig, SPLIT_RIGS);
  Crowd crowd = { rigs, SPLIT_RIGS, 0 };
  guint16 port;

  stratum_raise_file_limit ();
  relay_set_up (&relay, SHOAL_UPSTREAM_RELAY_PER_RIG, FALSE);
  port = shoal_stratum_server_get_port (relay.server);
  /* The source lives on this thread: no lane opens until the logins are in. */
  for (guint i = 0; i < SPLIT_RIGS; i++)
    {
      g_autofree char *line = NULL;

      rigs[i].name = g_strdup_printf ("rig-%u", i);
      rigs[i].client = stratum_client_connect (port, NULL);
      line = g_strdup_printf ("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
                              "{\"login\":\"household\",\"pass\":\"x\",\"rigid\":\"%s\","
                              "\"algo\":[\"rx/0\"]}}", rigs[i].name);
      stratum_client_send (rigs[i].client, line);
    }
  WAIT_FOR (crowd_answered (&crowd));
  WAIT_FOR (shoal_upstream_source_get_n_connected (relay.source) == 1 + SPLIT_RIGS);
  g_assert_cmpuint (p2pool_standin_count (relay.standin, P2POOL_COUNT_CONNECTIONS), ==,
                    1 + SPLIT_RIGS);
  for (guint i = 0; i < SPLIT_RIGS; i++)
    {
      g_assert_true (workers_hold (relay.standin, rigs[i].name));
      if (!relay_rig_on_own_lane (&rigs[i]))
        relay_rig_expect_own_job (&rigs[i]);
    }
  relay_rig_submit (&rigs[SPLIT_RIGS - 1], 0x01000000, 10);
  WAIT_FOR (g_hash_table_contains (relay.accepted, rigs[SPLIT_RIGS - 1].name));
  g_assert_cmpstr (submit_of (relay.standin, rigs[SPLIT_RIGS - 1].name)->verdict, ==, "OK");

  for (guint i = 0; i < SPLIT_RIGS; i++)
    relay_rig_clear (&rigs[i]);
  relay_tear_down (&relay);
}

/* A rig past lane 0's 255 bytes whose own connection never gets a job
 * (the upstream holds its login's answer) is told to try again one login
 * timeout after it logged in, not left waiting. */
static void
test_per_rig_crowd_unanswered (void)
{
  Relay relay = { 0 };
  g_autofree RelayRig *rigs = g_new0 (RelayRig, LANE_ZERO_BYTES + 1);
  RelayRig *last = &rigs[LANE_ZERO_BYTES];
  g_autofree char *line = NULL;
  g_autofree char *error = NULL;
  gint64 sent;
  guint16 port;

  stratum_raise_file_limit ();
  relay_set_up (&relay, SHOAL_UPSTREAM_RELAY_PER_RIG, FALSE);
  g_object_set (relay.server, "login-timeout-ms", 1000, NULL);
  port = shoal_stratum_server_get_port (relay.server);
  p2pool_standin_hold_answers (relay.standin, TRUE);
  for (guint i = 0; i < LANE_ZERO_BYTES; i++)
    {
      g_autofree char *name = g_strdup_printf ("rig-%u", i);
      g_autofree char *reply = NULL;

      rigs[i].client = stratum_client_connect (port, NULL);
      reply = stratum_client_login (rigs[i].client, "household", name);
      relay_rig_take_login (&rigs[i], reply);
    }
  last->client = stratum_client_connect (port, NULL);
  sent = g_get_monotonic_time ();
  stratum_client_send (last->client, "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                       "\"params\":{\"login\":\"household\",\"rigid\":\"late\"}}");
  WAIT_FOR ((line = relay_rig_read_ready (last)) != NULL);
  g_assert_cmpint (g_get_monotonic_time () - sent, >=, 900 * 1000);
  error = stratum_error_message (line);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "try again shortly"));
  g_assert_nonnull (strstr (line, "\"id\":7"));

  p2pool_standin_hold_answers (relay.standin, FALSE);
  for (guint i = 0; i <= LANE_ZERO_BYTES; i++)
    relay_rig_clear (&rigs[i]);
  relay_tear_down (&relay);
}

/* The login a rig's own connection made upward, with CONFIGURED as the
 * upstream's login: checked against LOGIN, PASS and RIGID. */
static void
check_rig_login (const char *configured,
                 const char *login,
                 const char *pass,
                 const char *rigid)
{
  Relay relay = { 0 };
  RelayRig rig = { 0 };
  GPtrArray *logins;
  const P2poolLogin *own;

  relay_set_up_login (&relay, SHOAL_UPSTREAM_RELAY_PER_RIG, FALSE, configured);
  relay_rig_log_in (&rig, shoal_stratum_server_get_port (relay.server), "rig-a");
  logins = p2pool_standin_get_logins (relay.standin);
  WAIT_FOR (logins->len == 2 && shoal_upstream_source_get_n_connected (relay.source) == 2);
  own = logins->pdata[1];
  g_assert_cmpstr (own->login, ==, login);
  g_assert_cmpstr (own->pass, ==, pass);
  g_assert_cmpstr (own->rigid, ==, rigid);
  relay_rig_expect_job (&rig);
  relay_rig_clear (&rig);
  relay_tear_down (&relay);
}

/* A rig's own connection keeps what the configured login means: an
 * address (a pool that pays by login) stays the login, "+DIFF" and all,
 * with the rig's name as rigid and pass; a name, or none (P2Pool, which
 * reads only a name), gives way to the rig's name, a "+DIFF" kept. */
static void
test_per_rig_logins (void)
{
  check_rig_login (ADDRESS "+5000", ADDRESS "+5000", "rig-a", "rig-a");
  check_rig_login (ADDRESS, ADDRESS, "rig-a", "rig-a");
  check_rig_login ("household+5000", "rig-a+5000", "x", NULL);
  check_rig_login ("household", "rig-a", "x", NULL);
  check_rig_login ("", "rig-a", "x", NULL);
}

/* The upstream gone: the rigs, still connected, mine the node's work
 * within 5 s, their connections upward closed; back on the upstream, each
 * gets its own connection again and its shares go up on it. */
static void
test_per_rig_failover (void)
{
  static const char *names[] = { "rig-a", "rig-b" };
  Relay relay = { 0 };
  RelayRig rigs[G_N_ELEMENTS (names)] = { { 0 } };
  guint16 port;
  gint64 gone;

  relay_set_up (&relay, SHOAL_UPSTREAM_RELAY_PER_RIG, TRUE);
  port = shoal_stratum_server_get_port (relay.server);
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_log_in (&rigs[i], port, names[i]);
  WAIT_FOR (shoal_upstream_source_get_n_connected (relay.source) == 3);
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_expect_job (&rigs[i]);

  p2pool_standin_set_offline (relay.standin, TRUE);
  p2pool_standin_drop_all (relay.standin);
  gone = g_get_monotonic_time ();
  WAIT_FOR (shoal_source_chain_get_active_index (relay.chain) == 1);
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      relay_rig_expect_job (&rigs[i]);
      g_assert_cmpuint (blob_byte (rigs[i].blob_hex, 1), ==, fake_base_byte (0, 1));
    }
  g_assert_cmpint (g_get_monotonic_time () - gone, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (shoal_upstream_source_get_n_connected (relay.source), ==, 0);

  p2pool_standin_set_offline (relay.standin, FALSE);
  WAIT_FOR (shoal_source_chain_get_active_index (relay.chain) == 0
            && shoal_upstream_source_get_n_connected (relay.source) == 3);
  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      g_assert_true (workers_hold (relay.standin, names[i]));
      relay_rig_expect_own_job (&rigs[i]);
      g_assert_false (rigs[i].client->eof);
    }
  relay_rig_submit (&rigs[1], 0x01000000, 20);
  WAIT_FOR (g_hash_table_contains (relay.accepted, "rig-b"));
  g_assert_cmpstr (submit_of (relay.standin, "rig-b")->verdict, ==, "OK");

  for (guint i = 0; i < G_N_ELEMENTS (rigs); i++)
    relay_rig_clear (&rigs[i]);
  relay_tear_down (&relay);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/upstream-relay/per-rig", test_per_rig);
  g_test_add_func ("/upstream-relay/split-past-255", test_split_past_255);
  g_test_add_func ("/upstream-relay/per-rig-failover", test_per_rig_failover);
  g_test_add_func ("/upstream-relay/per-rig-crowd", test_per_rig_crowd);
  g_test_add_func ("/upstream-relay/per-rig-logins", test_per_rig_logins);
  g_test_add_func ("/upstream-relay/per-rig-crowd-unanswered", test_per_rig_crowd_unanswered);
  return g_test_run ();
}
