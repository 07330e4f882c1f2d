/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "stratum-test-util.h"

/* Every way a share can go, as a raw socket sees it: accepted (and a
 * block), each rejection, the recorder gate, bans. Valid hashes are
 * computed here with RandomX, independently of the server. */

#define POOL_ADDRESS "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)
#define LOW_DIFF_RESULT "000000000000000000000000000000000000000000000000ffffffffffffffff"

typedef struct
{
  StratumClient *client;
  char          *session;
  char          *job_id;
  char          *blob;
  char          *seed;
  gint64         next_id;
} Miner;

static void
miner_free (Miner *miner)
{
  stratum_client_free (miner->client);
  g_free (miner->session);
  g_free (miner->job_id);
  g_free (miner->blob);
  g_free (miner->seed);
  g_free (miner);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Miner, miner_free)

static void
miner_take_job (Miner      *miner,
                JsonObject *job)
{
  g_free (miner->job_id);
  g_free (miner->blob);
  g_free (miner->seed);
  miner->job_id = g_strdup (json_object_get_string_member (job, "job_id"));
  miner->blob = g_strdup (json_object_get_string_member (job, "blob"));
  miner->seed = g_strdup (json_object_get_string_member (job, "seed_hash"));
}

static Miner *
miner_login (ShoalStratumServer *server,
             const char         *login)
{
  Miner *miner = g_new0 (Miner, 1);
  g_autoptr(JsonObject) result = NULL;

  miner->client = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  result = stratum_client_login_result (miner->client, login, NULL);
  miner->session = g_strdup (json_object_get_string_member (result, "id"));
  miner_take_job (miner, json_object_get_object_member (result, "job"));
  miner->next_id = 2;
  return miner;
}

/* Sends a submit and returns the whole reply line. */
static char *
miner_submit (Miner      *miner,
              const char *session,
              const char *job_id,
              const char *nonce,
              const char *result)
{
  g_autofree char *line = g_strdup_printf (
    "{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
    "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%s\",\"result\":\"%s\",\"algo\":\"rx/0\"}}",
    miner->next_id++, session ? session : miner->session, job_id ? job_id : miner->job_id,
    nonce, result);

  stratum_client_send (miner->client, line);
  return stratum_client_read_line (miner->client, 20000);
}

/* The RandomX hash of the miner's job blob with NONCE, as XMRig makes it. */
static char *
real_hash (Miner   *miner,
           guint32  nonce)
{
  return stratum_test_hash (miner->blob, miner->seed, nonce);
}

typedef struct
{
  GBytes     *blob;
  guint64     height;
  char       *id;
  ShoalShare *share;
} Found;

static void
on_block_found (ShoalTemplateSource *source,
                GBytes              *blob,
                guint64              height,
                const char          *id,
                ShoalBlockTemplate  *tmpl,
                gpointer             share,
                Found               *found)
{
  g_assert_null (found->blob);
  found->blob = g_bytes_ref (blob);
  found->height = height;
  found->id = g_strdup (id);
  found->share = shoal_share_copy (share);
}

static gboolean
found_any (gpointer data)
{
  return ((Found *) data)->blob != NULL;
}

static void
test_accepted_block (void)
{
  /* Regtest difficulty 1: every valid share is a block. */
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, 0);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1,
                                                              "pool-address", POOL_ADDRESS, NULL);
  g_autoptr(Miner) miner = miner_login (server, "rig+1");
  g_autofree char *result = real_hash (miner, 0x01020304);
  g_autofree char *reply = miner_submit (miner, NULL, NULL, "04030201", result);
  g_autoptr(GBytes) hashing = NULL;
  g_autoptr(GByteArray) with_len = g_byte_array_new ();
  const guint8 *block, *tmpl_blob;
  guint8 id[32], len_byte;
  g_autofree char *id_hex = NULL;
  Found found = { 0 };
  gsize size;

  g_signal_connect (stratum_test_template_source (server), "block-found",
                    G_CALLBACK (on_block_found), &found);
  g_assert_cmpstr (reply, ==, "{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}");
  g_assert_true (stratum_test_wait (found_any, &found, 5000));
  g_assert_cmpuint (found.height, ==, 12);
  g_assert_true (found.share->is_block);
  g_assert_cmpstr (found.share->worker, ==, "rig");
  g_assert_cmpstr (found.share->address, ==, POOL_ADDRESS);
  g_assert_cmpuint (found.share->difficulty, ==, 1);
  /* The block is the template with this miner's extra nonce and nonce. */
  block = g_bytes_get_data (found.blob, &size);
  tmpl_blob = g_bytes_get_data (shoal_block_template_get_blob (tmpl), NULL);
  g_assert_cmpuint (size, ==, g_bytes_get_size (shoal_block_template_get_blob (tmpl)));
  g_assert_cmpmem (block, 39, tmpl_blob, 39);
  g_assert_cmpmem (block + 39, 4, "\x04\x03\x02\x01", 4);
  g_assert_cmpmem (block + 43, 126 - 43, tmpl_blob + 43, 126 - 43);
  g_assert_cmpmem (block + 134, size - 134, tmpl_blob + 134, size - 134);
  g_assert_true (memcmp (block + 126, tmpl_blob + 126, 8) != 0);
  /* Its id is keccak(varint(len) || hashing blob) of what the miner hashed. */
  hashing = shoal_hex_decode (miner->blob, NULL);
  len_byte = (guint8) g_bytes_get_size (hashing);
  g_byte_array_append (with_len, &len_byte, 1);
  g_byte_array_append (with_len, g_bytes_get_data (hashing, NULL), g_bytes_get_size (hashing));
  memcpy (with_len->data + 1 + 39, "\x04\x03\x02\x01", 4);
  shoal_keccak256 (with_len->data, with_len->len, id);
  id_hex = shoal_hex_encode (id, 32);
  g_assert_cmpstr (found.id, ==, id_hex);
  g_bytes_unref (found.blob);
  g_free (found.id);
  shoal_share_free (found.share);
}

static gboolean
counted (ShoalStratumStats *stats,
         gpointer           data)
{
  const ShoalStratumWorkerStats *w = shoal_stratum_stats_find_worker (stats, "rig");

  return w != NULL && w->accepted + w->rejected >= GPOINTER_TO_UINT (data);
}

static void
expect_error (Miner      *miner,
              const char *session,
              const char *job_id,
              const char *nonce,
              const char *result,
              const char *prefix)
{
  g_autofree char *reply = miner_submit (miner, session, job_id, nonce, result);
  g_autofree char *message = stratum_error_message (reply);

  g_test_message ("%s -> %s", nonce, reply);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, prefix));
}

static void
test_rejections (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalBlockTemplate) next = stratum_test_load_template ("tmpl_h76_rs8_1tx.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1, NULL);
  g_autoptr(Miner) miner = miner_login (server, "rig+1");
  g_autoptr(ShoalStratumStats) stats = NULL;
  const ShoalStratumWorkerStats *w;
  g_autofree char *good = real_hash (miner, 3);
  g_autofree char *ok = NULL;
  g_autofree char *old_job = NULL;
  g_autofree char *job_line = NULL;
  g_autoptr(JsonObject) job = NULL;
  const char *zeros = "0000000000000000000000000000000000000000000000000000000000000000";

  expect_error (miner, "0123456789abcdef", NULL, "00000001", zeros, "Unauthenticated");
  expect_error (miner, NULL, "ffffffffff", "00000001", zeros, "Invalid job id");
  expect_error (miner, NULL, NULL, "xyz", zeros, "Malformed nonce");
  expect_error (miner, NULL, NULL, "00000001", "00", "Malformed result");
  expect_error (miner, NULL, NULL, "00000001", LOW_DIFF_RESULT, "Low difficulty share");
  expect_error (miner, NULL, NULL, "00000001", zeros, "Duplicate share");
  /* Meets the target, but it is not the hash: only RandomX can tell. */
  expect_error (miner, NULL, NULL, "00000002", zeros, "Bad share");
  ok = miner_submit (miner, NULL, NULL, "03000000", good);
  g_assert_null (stratum_error_message (ok));
  old_job = g_strdup (miner->job_id);
  stratum_test_set_template (server, next);
  job_line = stratum_client_expect_line (miner->client);
  job = stratum_parse_object (job_line);
  miner_take_job (miner, json_object_get_object_member (job, "params"));
  expect_error (miner, NULL, old_job, "00000004", zeros, "Stale share");
  stats = stratum_test_wait_stats (server, counted, GUINT_TO_POINTER (10), 5000);
  w = shoal_stratum_stats_find_worker (stats, "rig");
  g_assert_cmpuint (w->accepted, ==, 1);
  g_assert_cmpuint (w->rejected, ==, 8);
  g_assert_cmpuint (w->invalid, ==, 1);
  g_assert_cmpuint (w->stale, ==, 1);
  g_assert_cmpuint (w->blocks, ==, 0);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->accepted, ==, 1);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->rejected, ==, 8);
  /* Localhost is never banned: the connection is still served. */
  g_free (ok);
  ok = miner_submit (miner, NULL, NULL, "05000000", LOW_DIFF_RESULT);
  g_assert_nonnull (ok);
}

/* A recorder that takes its time, and can be told to fail. */
#define TEST_TYPE_RECORDER (test_recorder_get_type ())
G_DECLARE_FINAL_TYPE (TestRecorder, test_recorder, TEST, RECORDER, GObject)

struct _TestRecorder
{
  GObject    parent_instance;
  GMutex     lock;
  GPtrArray *shares;
  guint      delay_ms;
  gboolean   fail;
};

static void test_recorder_iface_init (ShoalShareRecorderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestRecorder, test_recorder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_SHARE_RECORDER,
                                                      test_recorder_iface_init))

static gboolean
recorder_done (gpointer data)
{
  GTask *task = data;
  TestRecorder *self = g_task_get_source_object (task);

  if (self->fail)
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "disk full");
  else
    {
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->shares, shoal_share_copy (g_task_get_task_data (task)));
      g_mutex_unlock (&self->lock);
      g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static void
recorder_record_async (ShoalShareRecorder  *recorder,
                       const ShoalShare    *share,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  TestRecorder *self = TEST_RECORDER (recorder);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GSource *source = g_timeout_source_new (self->delay_ms);

  g_task_set_task_data (task, shoal_share_copy (share), (GDestroyNotify) shoal_share_free);
  g_source_set_callback (source, recorder_done, task, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static gboolean
recorder_record_finish (ShoalShareRecorder  *recorder,
                        GAsyncResult        *result,
                        GError             **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_recorder_iface_init (ShoalShareRecorderInterface *iface)
{
  iface->record_async = recorder_record_async;
  iface->record_finish = recorder_record_finish;
}

static void
test_recorder_finalize (GObject *object)
{
  TestRecorder *self = TEST_RECORDER (object);

  g_ptr_array_unref (self->shares);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_recorder_parent_class)->finalize (object);
}

static void
test_recorder_class_init (TestRecorderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_recorder_finalize;
}

static void
test_recorder_init (TestRecorder *self)
{
  g_mutex_init (&self->lock);
  self->shares = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_share_free);
}

static void
test_recorder_gate (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "min-difficulty", (guint64) 1,
                                                              "pool-address", POOL_ADDRESS, NULL);
  g_autoptr(TestRecorder) recorder = g_object_new (TEST_TYPE_RECORDER, NULL);
  g_autoptr(Miner) miner = miner_login (server, "rig+1");
  g_autofree char *h1 = real_hash (miner, 1);
  g_autofree char *h2 = real_hash (miner, 2);
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  g_autofree char *message = NULL;
  ShoalShare *share;
  gint64 start;

  recorder->delay_ms = 400;
  shoal_stratum_server_set_share_recorder (server, SHOAL_SHARE_RECORDER (recorder));
  start = g_get_monotonic_time ();
  r1 = miner_submit (miner, NULL, NULL, "01000000", h1);
  /* "OK" means recorded: never before the recorder said so. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  g_assert_cmpstr (r1, ==, "{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}");
  g_assert_cmpuint (recorder->shares->len, ==, 1);
  share = g_ptr_array_index (recorder->shares, 0);
  g_assert_cmpstr (share->worker, ==, "rig");
  g_assert_cmpstr (share->address, ==, POOL_ADDRESS);
  g_assert_cmpstr (share->ip, ==, "127.0.0.1");
  g_assert_cmpuint (share->difficulty, ==, 1);
  g_assert_cmpuint (share->height, ==, 12);
  g_assert_false (share->is_block);
  g_assert_cmpint (share->timestamp_us, >, 0);
  {
    g_autofree char *hash_hex = shoal_hex_encode (share->hash, 32);

    g_assert_cmpstr (hash_hex, ==, h1);
  }
  recorder->fail = TRUE;
  r2 = miner_submit (miner, NULL, NULL, "02000000", h2);
  message = stratum_error_message (r2);
  g_assert_cmpstr (message, ==, "Share not recorded: disk full");
  g_assert_cmpuint (recorder->shares->len, ==, 1);
}

static gboolean
banned_count (ShoalStratumStats *stats,
              gpointer           data)
{
  return shoal_stratum_stats_get_totals (stats)->banned_ips == GPOINTER_TO_UINT (data);
}

static void
test_bans (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  /* Loopback can be banned here only because the test asks for it. */
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "ban-localhost", TRUE,
                                                              "ban-seconds", 2, NULL);
  g_autoptr(Miner) bad = miner_login (server, "bad");
  g_autoptr(Miner) bystander = miner_login (server, "same-ip");
  g_autoptr(StratumClient) late = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;
  g_autofree char *line = NULL;
  g_autofree char *refused = NULL;
  g_autoptr(Miner) after = NULL;

  for (guint32 i = 0; i < 3; i++)
    {
      g_autofree char *nonce = g_strdup_printf ("%08x", i);

      expect_error (bad, NULL, NULL, nonce, LOW_DIFF_RESULT, "Low difficulty share");
    }
  g_assert_null (stratum_client_read_line (bad->client, 3000));
  g_assert_true (bad->client->eof);
  /* Every connection from the banned address is told and closed. */
  line = stratum_client_expect_line (bystander->client);
  g_assert_cmpstr (line, ==, "{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,"
                   "\"message\":\"your IP is banned\"}}");
  g_assert_null (stratum_client_read_line (bystander->client, 3000));
  late = stratum_client_connect (shoal_stratum_server_get_port (server), NULL);
  refused = stratum_client_login (late, "late", NULL);
  g_assert_cmpstr (refused, ==, "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,"
                   "\"message\":\"your IP is banned\"}}");
  stats = stratum_test_wait_stats (server, banned_count, GUINT_TO_POINTER (1), 2000);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->banned_ips, ==, 1);
  /* Bans expire. */
  g_usleep (2100 * 1000);
  after = miner_login (server, "after");
  g_assert_nonnull (after->session);
}

static void
test_localhost_never_banned (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalStratumServer) server = stratum_test_server (tmpl, "ban-seconds", 600, NULL);
  g_autoptr(Miner) miner = miner_login (server, "clumsy");
  g_autoptr(Miner) other = NULL;
  g_autoptr(ShoalStratumStats) stats = NULL;

  for (guint32 i = 0; i < 10; i++)
    {
      g_autofree char *nonce = g_strdup_printf ("%08x", i);

      expect_error (miner, NULL, NULL, nonce, LOW_DIFF_RESULT, "Low difficulty share");
    }
  other = miner_login (server, "other");
  g_assert_nonnull (other->session);
  stats = shoal_stratum_server_get_stats (server);
  g_assert_cmpuint (shoal_stratum_stats_get_totals (stats)->banned_ips, ==, 0);
}

static void
test_busy (void)
{
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template ("tmpl_h12_rs8.json", 8, HIGH_DIFFICULTY);
  g_autoptr(ShoalValidator) validator = shoal_validator_new (SHOAL_VALIDATOR_MODE_LIGHT, 1, 1);
  g_autoptr(ShoalStratumServer) server = shoal_stratum_server_new (validator);
  g_autoptr(Miner) miner = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  guint busy = 0, replies = 0;

  g_object_set (server, "bind-address", "127.0.0.1", "port", 0, "min-difficulty", (guint64) 1, NULL);
  stratum_test_set_template (server, tmpl);
  g_assert_true (shoal_stratum_server_start (server, NULL));
  miner = miner_login (server, "rig+1");
  for (int i = 0; i < 8; i++)
    g_string_append_printf (burst, "{\"id\":%d,\"method\":\"submit\",\"params\":{\"id\":\"%s\","
                            "\"job_id\":\"%s\",\"nonce\":\"%08x\",\"result\":\"%064x\"}}\n",
                            10 + i, miner->session, miner->job_id, i, 0);
  stratum_client_send (miner->client, burst->str);
  /* A full queue answers at once ("busy"); nothing is left hanging. */
  for (; replies < 8; replies++)
    {
      g_autofree char *reply = stratum_client_read_line (miner->client, 20000);
      g_autofree char *message = stratum_error_message (reply);

      g_assert_nonnull (message);
      busy += g_str_equal (message, "Server busy, share not checked");
    }
  g_assert_cmpuint (busy, >=, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stratum/submit/accepted-block", test_accepted_block);
  g_test_add_func ("/stratum/submit/rejections", test_rejections);
  g_test_add_func ("/stratum/submit/recorder-gate", test_recorder_gate);
  g_test_add_func ("/stratum/submit/bans", test_bans);
  g_test_add_func ("/stratum/submit/localhost-never-banned", test_localhost_never_banned);
  g_test_add_func ("/stratum/submit/busy", test_busy);
  return g_test_run ();
}
