/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-hex.h"
#include "fake-job-source.h"

static void test_fake_source_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestFakeSource, test_fake_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      test_fake_source_iface_init))

static ShoalWork *
fake_source_dup_work (ShoalJobSource *source)
{
  TestFakeSource *self = TEST_FAKE_SOURCE (source);

  return self->work != NULL ? shoal_work_ref (self->work) : NULL;
}

static void
fake_source_submit_solution (ShoalJobSource      *source,
                             const ShoalSolution *solution)
{
  TestFakeSource *self = TEST_FAKE_SOURCE (source);

  g_ptr_array_add (self->solutions,
                   shoal_solution_new (solution->work, g_bytes_get_data (solution->unique, NULL),
                                       g_bytes_get_size (solution->unique), solution->nonce,
                                       solution->hash, solution->share));
}

static void
test_fake_source_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = fake_source_dup_work;
  iface->submit_solution = fake_source_submit_solution;
}

static void
test_fake_source_finalize (GObject *object)
{
  TestFakeSource *self = TEST_FAKE_SOURCE (object);

  g_clear_pointer (&self->work, shoal_work_unref);
  g_ptr_array_unref (self->solutions);
  G_OBJECT_CLASS (test_fake_source_parent_class)->finalize (object);
}

static void
test_fake_source_class_init (TestFakeSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_fake_source_finalize;
}

static void
test_fake_source_init (TestFakeSource *self)
{
  self->solutions = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_solution_free);
}

guint8
fake_base_byte (guint variant,
                gsize i)
{
  return i >= FAKE_NONCE_OFFSET && i < FAKE_NONCE_OFFSET + 4 ? 0 : (guint8) (i + variant);
}

GBytes *
fake_blob (gconstpointer  data,
           const guint8  *unique,
           gsize          unique_len,
           GError       **error)
{
  guint8 *blob = g_malloc (FAKE_BLOB_SIZE);

  for (gsize i = 0; i < FAKE_BLOB_SIZE; i++)
    blob[i] = fake_base_byte (GPOINTER_TO_UINT (data), i);
  /* memcpy's source must not be NULL even for zero bytes (UBSan checks) */
  if (unique_len > 0)
    memcpy (blob + FAKE_UNIQUE_OFFSET, unique, unique_len);
  return g_bytes_new_take (blob, FAKE_BLOB_SIZE);
}

ShoalWork *
fake_work (const char *algorithm,
           guint64     epoch,
           guint64     ceiling,
           guint       variant)
{
  guint8 seed[32];
  ShoalWorkParams params = {
    .algorithm = algorithm,
    .height = 100 + epoch,
    .epoch = epoch,
    .seed_hash = seed,
    .ceiling = shoal_difficulty_from_uint64 (ceiling),
    .nonce_offset = FAKE_NONCE_OFFSET,
    .unique_size = FAKE_UNIQUE_SIZE,
    .make_blob = fake_blob,
    .data = GUINT_TO_POINTER (variant),
  };

  g_assert_true (shoal_hex_decode_into (FAKE_SEED_HEX, seed, sizeof seed, NULL));
  return shoal_work_new (&params);
}

void
fake_source_push (TestFakeSource *self,
                  ShoalWork      *work)
{
  g_clear_pointer (&self->work, shoal_work_unref);
  self->work = work;
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (self), work);
}

TestFakeSource *
fake_source_new (ShoalWork *work)
{
  TestFakeSource *self = g_object_new (TEST_TYPE_FAKE_SOURCE, NULL);

  self->work = work;
  return self;
}

gboolean
fake_source_has_solution (gpointer self)
{
  return TEST_FAKE_SOURCE (self)->solutions->len > 0;
}

/* --- rigs --------------------------------------------------------- */

void
rig_free (Rig *rig)
{
  stratum_client_free (rig->client);
  g_free (rig->session);
  g_clear_pointer (&rig->job, json_object_unref);
  g_free (rig);
}

const char *
rig_job (Rig        *rig,
         const char *member)
{
  return json_object_get_string_member (rig->job, member);
}

Rig *
rig_login (guint16     port,
           const char *name)
{
  Rig *rig = g_new0 (Rig, 1);
  g_autoptr(JsonObject) result = NULL;

  rig->client = stratum_client_connect (port, NULL);
  result = stratum_client_login_result (rig->client, name, NULL);
  rig->session = g_strdup (json_object_get_string_member (result, "id"));
  rig->job = json_object_ref (json_object_get_object_member (result, "job"));
  rig->next_id = 2;
  return rig;
}

void
rig_read_job (Rig *rig)
{
  g_autofree char *line = stratum_client_expect_line (rig->client);
  g_autoptr(JsonObject) object = stratum_parse_object (line);

  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "job");
  g_clear_pointer (&rig->job, json_object_unref);
  rig->job = json_object_ref (json_object_get_object_member (object, "params"));
}

char *
rig_submit (Rig        *rig,
            JsonObject *job,
            guint32     nonce)
{
  JsonObject *on = job != NULL ? job : rig->job;
  g_autofree char *hash = stratum_test_hash (json_object_get_string_member (on, "blob"),
                                             json_object_get_string_member (on, "seed_hash"),
                                             nonce);
  g_autofree char *line = g_strdup_printf (
    "{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
    "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%02x%02x%02x%02x\",\"result\":\"%s\"}}",
    rig->next_id++, rig->session, json_object_get_string_member (on, "job_id"),
    nonce & 0xff, nonce >> 8 & 0xff, nonce >> 16 & 0xff, nonce >> 24, hash);
  g_autofree char *reply = NULL;

  stratum_client_send (rig->client, line);
  reply = stratum_client_expect_line (rig->client);
  g_assert_nonnull (reply);
  return stratum_error_message (reply);
}
