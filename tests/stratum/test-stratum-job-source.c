/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-hex.h"
#include "fake-job-source.h"

/* The stratum server on a job source that is no node: synthetic work on
 * a 76-byte blob, no monerod, no template.  What the server owes any
 * source: its unique bytes where the work says, shares that meet the
 * ceiling handed back as solutions, older epochs answered stale, the
 * algorithm the work's own.  Hashes are RandomX (light mode), computed
 * here independently of the server. */

#define BLOB_SIZE       FAKE_BLOB_SIZE
#define NONCE_OFFSET    FAKE_NONCE_OFFSET
#define UNIQUE_OFFSET   FAKE_UNIQUE_OFFSET
#define UNIQUE_SIZE     FAKE_UNIQUE_SIZE
#define SPLIT_BYTE      (NONCE_OFFSET + 3)
#define SPLIT_RIGS      255
#define HIGH_DIFFICULTY FAKE_HIGH_DIFFICULTY
#define SEED_HEX        FAKE_SEED_HEX

/* An upstream pool's job as ShoalUpstreamSource makes it: one unique
 * byte, the top nonce byte (blob byte 42). */
static GBytes *
split_blob (gconstpointer  data,
            const guint8  *unique,
            gsize          unique_len,
            GError       **error)
{
  GBytes *bytes = fake_blob (data, NULL, 0, error);
  guint8 *blob = g_bytes_unref_to_data (bytes, &(gsize) { 0 });

  if (unique_len > 0)
    blob[SPLIT_BYTE] = unique[0];
  return g_bytes_new_take (blob, BLOB_SIZE);
}

static ShoalWork *
split_work (guint64 ceiling)
{
  guint8 seed[32];
  ShoalWorkParams params = {
    .algorithm = "rx/0",
    .height = 200,
    .epoch = 1,
    .seed_hash = seed,
    .ceiling = shoal_difficulty_from_uint64 (ceiling),
    .nonce_offset = NONCE_OFFSET,
    .unique_size = 1,
    .make_blob = split_blob,
    .data = GUINT_TO_POINTER (1),
  };

  g_assert_true (shoal_hex_decode_into (SEED_HEX, seed, sizeof seed, NULL));
  return shoal_work_new (&params);
}

static ShoalStratumServer *
fake_server (TestFakeSource *source)
{
  ShoalStratumServer *server = shoal_stratum_server_new (stratum_test_validator ());
  g_autoptr(GError) error = NULL;

  g_object_set (server, "bind-address", "127.0.0.1", "port", 0,
                "min-difficulty", (guint64) 1, NULL);
  shoal_stratum_server_set_job_source (server, SHOAL_JOB_SOURCE (source));
  if (!shoal_stratum_server_start (server, &error))
    g_error ("cannot start the stratum server: %s", error->message);
  return server;
}

static Rig *
server_rig (ShoalStratumServer *server,
            const char         *name)
{
  return rig_login (shoal_stratum_server_get_port (server), name);
}

static GBytes *
job_blob (Rig *rig)
{
  GBytes *blob = shoal_hex_decode (rig_job (rig, "blob"), NULL);

  g_assert_nonnull (blob);
  g_assert_cmpuint (g_bytes_get_size (blob), ==, BLOB_SIZE);
  return blob;
}

static void
test_unique_bytes (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (fake_work ("rx/0", 1, HIGH_DIFFICULTY, 1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  g_autoptr(Rig) a = server_rig (server, "rig-a");
  g_autoptr(Rig) b = server_rig (server, "rig-b");
  g_autoptr(GBytes) blob_a = job_blob (a);
  g_autoptr(GBytes) blob_b = job_blob (b);
  const guint8 *bytes_a = g_bytes_get_data (blob_a, NULL);
  const guint8 *bytes_b = g_bytes_get_data (blob_b, NULL);

  /* The source's blob, with the server's bytes where the work said only. */
  for (gsize i = 0; i < BLOB_SIZE; i++)
    {
      if (i >= UNIQUE_OFFSET && i < UNIQUE_OFFSET + UNIQUE_SIZE)
        continue;
      g_assert_cmpuint (bytes_a[i], ==, fake_base_byte (1, i));
      g_assert_cmpuint (bytes_b[i], ==, fake_base_byte (1, i));
    }
  g_assert_true (memcmp (bytes_a + UNIQUE_OFFSET, bytes_b + UNIQUE_OFFSET, UNIQUE_SIZE) != 0);
  g_assert_cmpstr (rig_job (a, "algo"), ==, "rx/0");
  g_assert_cmpstr (rig_job (a, "seed_hash"), ==, SEED_HEX);
  g_assert_cmpint (json_object_get_int_member (a->job, "height"), ==, 101);
}

static void
test_solution (void)
{
  /* Ceiling 1: every good share is a solution. */
  g_autoptr(TestFakeSource) source = fake_source_new (fake_work ("rx/0", 1, 1, 1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  g_autoptr(Rig) rig = server_rig (server, "rig");
  g_autoptr(GBytes) blob = job_blob (rig);
  g_autofree char *message = rig_submit (rig, NULL, 7);
  g_autofree char *hash = NULL;
  g_autofree char *expected = NULL;
  ShoalSolution *solution;

  g_assert_null (message);
  g_assert_true (stratum_test_wait (fake_source_has_solution, source, 5000));
  g_assert_cmpuint (source->solutions->len, ==, 1);
  solution = g_ptr_array_index (source->solutions, 0);
  g_assert_true (solution->work == source->work);
  g_assert_cmpuint (solution->nonce, ==, 7);
  g_assert_cmpuint (g_bytes_get_size (solution->unique), ==, UNIQUE_SIZE);
  g_assert_cmpmem (g_bytes_get_data (solution->unique, NULL), UNIQUE_SIZE,
                   (const guint8 *) g_bytes_get_data (blob, NULL) + UNIQUE_OFFSET, UNIQUE_SIZE);
  hash = shoal_hex_encode (solution->hash, 32);
  expected = stratum_test_hash (rig_job (rig, "blob"), SEED_HEX, 7);
  g_assert_cmpstr (hash, ==, expected);
  g_assert_cmpstr (solution->share->worker, ==, "rig");
  g_assert_cmpuint (solution->share->height, ==, 101);
  g_assert_true (solution->share->is_block);
}

static void
test_epochs (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (fake_work ("rx/0", 1, HIGH_DIFFICULTY, 1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  g_autoptr(Rig) rig = server_rig (server, "rig+1");   /* difficulty 1: every good share counts */
  g_autoptr(JsonObject) first = json_object_ref (rig->job);
  g_autoptr(JsonObject) second = NULL;
  g_autofree char *m1 = rig_submit (rig, NULL, 1);
  g_autofree char *m2 = NULL;
  g_autofree char *m3 = NULL;
  g_autofree char *m4 = NULL;

  /* Below the ceiling: accepted, and no solution. */
  g_assert_null (m1);
  /* The same epoch (new transactions): the older job is still good. */
  fake_source_push (source, fake_work ("rx/0", 1, HIGH_DIFFICULTY, 2));
  rig_read_job (rig);
  g_assert_cmpstr (rig_job (rig, "blob"), !=, json_object_get_string_member (first, "blob"));
  m2 = rig_submit (rig, first, 2);
  g_assert_null (m2);
  /* A new epoch: jobs of the last one are stale. */
  second = json_object_ref (rig->job);
  fake_source_push (source, fake_work ("rx/0", 2, HIGH_DIFFICULTY, 3));
  rig_read_job (rig);
  m3 = rig_submit (rig, second, 3);
  g_assert_true (g_str_has_prefix (m3, "Stale share"));
  /* A closed epoch: its own jobs are stale before new work comes. */
  shoal_job_source_emit_epoch_closed (SHOAL_JOB_SOURCE (source), 2);
  m4 = rig_submit (rig, NULL, 4);
  g_assert_true (g_str_has_prefix (m4, "Stale share"));
  stratum_test_drain ();
  g_assert_cmpuint (source->solutions->len, ==, 0);
}

static void
test_algorithm (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (fake_work ("rx/2", 1, HIGH_DIFFICULTY, 1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  guint16 port = shoal_stratum_server_get_port (server);
  g_autoptr(StratumClient) old = stratum_client_connect (port, NULL);
  g_autoptr(StratumClient) able = stratum_client_connect (port, NULL);
  g_autofree char *refused = NULL;
  g_autofree char *message = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonObject *job;

  stratum_client_send (old, "{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"old\","
                            "\"algo\":[\"rx/0\"]}}");
  refused = stratum_client_expect_line (old);
  message = stratum_error_message (refused);
  g_assert_cmpstr (message, ==, "Unsupported algorithm: this pool mines rx/2 (RandomX); "
                                "enable rx/2 on the miner");
  stratum_client_send (able, "{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"able\","
                             "\"algo\":[\"rx/0\",\"rx/2\"]}}");
  reply = stratum_client_expect_line (able);
  object = stratum_parse_object (reply);
  g_assert_nonnull (object);
  job = json_object_get_object_member (json_object_get_object_member (object, "result"), "job");
  g_assert_cmpstr (json_object_get_string_member (job, "algo"), ==, "rx/2");
}

static guint8
rig_split_byte (Rig *rig)
{
  g_autoptr(GBytes) blob = job_blob (rig);

  return ((const guint8 *) g_bytes_get_data (blob, NULL))[SPLIT_BYTE];
}

/* NONCE with RIG's split byte on top, as XMRig in NiceHash mode makes it. */
static guint32
rig_nonce (Rig     *rig,
           guint32  low)
{
  return (low & 0xffffff) | (guint32) rig_split_byte (rig) << 24;
}

static void
test_nonce_split (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (split_work (1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  g_autoptr(Rig) a = server_rig (server, "rig-a+1");
  g_autoptr(Rig) b = server_rig (server, "rig-b+1");
  guint8 byte_a = rig_split_byte (a);
  guint8 byte_b = rig_split_byte (b);
  g_autofree char *ok_a = rig_submit (a, NULL, rig_nonce (a, 5));
  g_autofree char *ok_b = rig_submit (b, NULL, rig_nonce (b, 5));
  g_autofree char *stolen = rig_submit (a, NULL, rig_nonce (b, 6));
  ShoalSolution *solution;

  /* Both non-zero (zero would make XMRig mine the whole nonce), and apart. */
  g_assert_cmpuint (byte_a, !=, 0);
  g_assert_cmpuint (byte_b, !=, 0);
  g_assert_cmpuint (byte_a, !=, byte_b);
  g_assert_null (ok_a);
  g_assert_null (ok_b);
  g_assert_cmpstr (stolen, ==, "Invalid nonce; is miner not compatible with NiceHash?");
  g_assert_true (stratum_test_wait (fake_source_has_solution, source, 5000));
  while (source->solutions->len < 2)
    g_main_context_iteration (NULL, TRUE);
  solution = g_ptr_array_index (source->solutions, 0);
  g_assert_cmpuint (g_bytes_get_size (solution->unique), ==, 1);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (solution->unique, NULL))[0], ==,
                    solution->nonce >> 24);
}

/* Two real miners (shoal-testminer hashes with RandomX and keeps the top
 * byte as XMRig does): each gets a byte of its own and every share holds. */
static void
test_nonce_split_miners (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (split_work (HIGH_DIFFICULTY));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  guint16 port = shoal_stratum_server_get_port (server);
  gint64 bytes[2];

  for (guint i = 0; i < G_N_ELEMENTS (bytes); i++)
    {
      g_autoptr(JsonObject) summary = stratum_run_testminer (port, "--user=x+1", "--max-shares=3",
                                                             "--duration=60", NULL);

      g_assert_nonnull (summary);
      g_assert_cmpint (json_object_get_int_member (summary, "violations"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (summary, "accepted"), ==, 3);
      g_assert_cmpint (json_object_get_int_member (summary, "rejected"), ==, 0);
      bytes[i] = json_object_get_int_member (summary, "top_byte");
      g_assert_cmpint (bytes[i], >, 0);
    }
  g_assert_cmpint (bytes[0], !=, bytes[1]);
}

/* Past 255 rigs on split work a login is refused, not given another
 * rig's nonces; a byte given back lets the next one in. */
static void
test_nonce_split_full (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (split_work (HIGH_DIFFICULTY));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  guint16 port = shoal_stratum_server_get_port (server);
  g_autoptr(GPtrArray) rigs = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_free);
  g_autoptr(StratumClient) extra = NULL;
  gboolean late_in = FALSE;
  g_autofree char *reply = NULL;
  g_autofree char *message = NULL;
  gboolean seen[256] = { FALSE };

  stratum_raise_file_limit ();
  g_object_set (server, "max-connections-per-ip", 1000, NULL);
  for (guint i = 0; i < SPLIT_RIGS; i++)
    {
      Rig *rig = server_rig (server, "rig");
      guint8 byte = rig_split_byte (rig);

      g_assert_cmpuint (byte, !=, 0);
      g_assert_false (seen[byte]);
      seen[byte] = TRUE;
      g_ptr_array_add (rigs, rig);
    }
  extra = stratum_client_connect (port, NULL);
  reply = stratum_client_login (extra, "one-too-many", NULL);
  message = stratum_error_message (reply);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "This relay is full"));
  g_ptr_array_remove_index (rigs, 0);
  /* The server gives the byte back when it sees the connection close. */
  for (guint tries = 0; !late_in && tries < 100; tries++)
    {
      g_autoptr(StratumClient) client = stratum_client_connect (port, NULL);
      g_autofree char *line = stratum_client_login (client, "late", NULL);
      g_autofree char *error = stratum_error_message (line);

      late_in = error == NULL;
      if (!late_in)
        g_usleep (50 * 1000);
    }
  g_assert_true (late_in);
}

/* A rig that came in while every byte was held, on work that needed
 * none: when split work comes it is closed rather than left hashing work
 * that is gone, and the others get the new work. */
static void
test_nonce_split_full_later (void)
{
  g_autoptr(TestFakeSource) source = fake_source_new (fake_work ("rx/0", 1, HIGH_DIFFICULTY, 1));
  g_autoptr(ShoalStratumServer) server = fake_server (source);
  g_autoptr(GPtrArray) rigs = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_free);
  g_autoptr(Rig) extra = NULL;
  g_autofree char *line = NULL;

  stratum_raise_file_limit ();
  g_object_set (server, "max-connections-per-ip", 1000, NULL);
  for (guint i = 0; i < SPLIT_RIGS; i++)
    g_ptr_array_add (rigs, server_rig (server, "rig"));
  extra = server_rig (server, "one-too-many");
  fake_source_push (source, split_work (HIGH_DIFFICULTY));
  rig_read_job (g_ptr_array_index (rigs, 0));
  g_assert_cmpuint (rig_split_byte (g_ptr_array_index (rigs, 0)), !=, 0);
  line = stratum_client_expect_line (extra->client);
  g_assert_null (line);
  g_assert_true (extra->client->eof);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/job-source/unique-bytes", test_unique_bytes);
  g_test_add_func ("/stratum/job-source/solution", test_solution);
  g_test_add_func ("/stratum/job-source/epochs", test_epochs);
  g_test_add_func ("/stratum/job-source/algorithm", test_algorithm);
  g_test_add_func ("/stratum/job-source/nonce-split", test_nonce_split);
  g_test_add_func ("/stratum/job-source/nonce-split-miners", test_nonce_split_miners);
  g_test_add_func ("/stratum/job-source/nonce-split-full", test_nonce_split_full);
  g_test_add_func ("/stratum/job-source/nonce-split-full-later", test_nonce_split_full_later);
  return g_test_run ();
}
