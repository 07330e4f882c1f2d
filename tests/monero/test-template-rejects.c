/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-block-template.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-varint.h"
#include "shoal-test-harness.h"

/* Every malformed, truncated or oversized template is refused with a
 * GError that says what is wrong; none crashes or reads past its end
 * (the fuzzer in tests/fuzz covers the same parser under ASan). */

static JsonNode *
load_result (const char *name)
{
  g_autofree char *path = shoal_test_vectors_path (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  return json_node_copy (json_object_get_member (root, "result"));
}

static GByteArray *
vector_blob (const char *name)
{
  g_autoptr(JsonNode) result = load_result (name);
  g_autoptr(GBytes) blob = shoal_test_hex_to_bytes (
    json_object_get_string_member (json_node_get_object (result), "blocktemplate_blob"));

  return g_bytes_unref_to_array (g_steal_pointer (&blob));
}

static void
assert_rejected (const guint8 *data,
                 gsize         len,
                 gsize         reserved_offset,
                 gsize         reserved_size,
                 int           code,
                 const char   *message_part)
{
  g_autoptr(GBytes) blob = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockTemplate) tmpl = NULL;

  tmpl = shoal_block_template_new_from_blob (blob, reserved_offset, reserved_size, &error);
  g_assert_null (tmpl);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (code >= 0)
    g_assert_error (error, SHOAL_ERROR, code);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, message_part);
}

static void
test_every_truncation (void)
{
  const char *names[] = { "tmpl_h12_rs8.json", "tmpl_h107_rs16_3tx.json", "tmpl_h2113_rs8.json" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autoptr(GByteArray) blob = vector_blob (names[n]);

      for (gsize len = 0; len < blob->len; len++)
        {
          /* An exact-size copy, so that ASan sees any read past LEN. */
          g_autofree guint8 *copy = g_memdup2 (blob->data, len);

          assert_rejected (copy, len, 0, 0, SHOAL_ERROR_TRUNCATED, NULL);
        }
      g_byte_array_append (blob, (const guint8 *) "\0", 1);
      assert_rejected (blob->data, blob->len, 0, 0, SHOAL_ERROR_MALFORMED, "unexpected bytes");
    }
}

/* Offsets in tmpl_h12_rs8: the miner tx starts right after the nonce. */
typedef struct
{
  gsize version, unlock, n_inputs, input_type, height, n_outputs, amount, output_type;
  gsize extra_size, rct_type, tx_count;
} Layout;

static Layout
layout_of (GByteArray *blob)
{
  Layout l;
  gsize pos = 43;

  l.version = pos++;
  l.unlock = pos;
  g_assert_true (shoal_varint_read (blob->data, blob->len, &pos, NULL, NULL));
  l.n_inputs = pos++;
  l.input_type = pos++;
  l.height = pos;
  g_assert_true (shoal_varint_read (blob->data, blob->len, &pos, NULL, NULL));
  l.n_outputs = pos++;
  l.amount = pos;
  g_assert_true (shoal_varint_read (blob->data, blob->len, &pos, NULL, NULL));
  l.output_type = pos;
  pos += 1 + 33;
  l.extra_size = pos;
  pos += 1 + blob->data[l.extra_size];
  l.rct_type = pos++;
  l.tx_count = pos;
  g_assert_cmpuint (l.tx_count + 1, ==, blob->len);
  return l;
}

static void
assert_byte_rejected (gsize       offset,
                      guint8      value,
                      int         code,
                      const char *message_part)
{
  g_autoptr(GByteArray) blob = vector_blob ("tmpl_h12_rs8.json");

  blob->data[offset] = value;
  assert_rejected (blob->data, blob->len, 126, 8, code, message_part);
}

static void
test_mutations (void)
{
  g_autoptr(GByteArray) blob = vector_blob ("tmpl_h12_rs8.json");
  Layout l = layout_of (blob);

  assert_byte_rejected (0, 0x00, SHOAL_ERROR_MALFORMED, "not a block version");
  assert_byte_rejected (l.version, 0x03, SHOAL_ERROR_MALFORMED, "miner transaction version is 3");
  assert_byte_rejected (l.n_inputs, 0x02, SHOAL_ERROR_MALFORMED, "input count is 2");
  assert_byte_rejected (l.input_type, 0xfe, SHOAL_ERROR_MALFORMED, "input type");
  assert_byte_rejected (l.n_outputs, 0x00, SHOAL_ERROR_MALFORMED, "no outputs");
  assert_byte_rejected (l.output_type, 0x01, SHOAL_ERROR_MALFORMED, "output type 0x01");
  assert_byte_rejected (l.extra_size, 0x7f, SHOAL_ERROR_TRUNCATED, "extra needs");
  assert_byte_rejected (l.rct_type, 0x05, SHOAL_ERROR_MALFORMED, "RingCT type is 5");
  assert_byte_rejected (l.tx_count, 0x01, SHOAL_ERROR_TRUNCATED, "1 transaction hashes announced");
  assert_byte_rejected (l.n_outputs, 0x02, SHOAL_ERROR_MALFORMED, NULL);
}

static void
test_varints_in_blob (void)
{
  g_autoptr(GByteArray) blob = vector_blob ("tmpl_h12_rs8.json");
  g_autoptr(GByteArray) padded = g_byte_array_new ();
  g_autoptr(GByteArray) huge = vector_blob ("tmpl_h12_rs8.json");
  const guint8 many[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };

  /* Minor version 16 written as 0x90 0x00: the same number, not canonical. */
  g_byte_array_append (padded, blob->data, 1);
  g_byte_array_append (padded, (const guint8 *) "\x90\x00", 2);
  g_byte_array_append (padded, blob->data + 2, blob->len - 2);
  assert_rejected (padded->data, padded->len, 0, 0, SHOAL_ERROR_MALFORMED, "shortest form");

  /* A transaction count far beyond the blob, never multiplied out. */
  g_byte_array_set_size (huge, huge->len - 1);
  g_byte_array_append (huge, many, sizeof many);
  assert_rejected (huge->data, huge->len, 0, 0, SHOAL_ERROR_TRUNCATED, "announced");

  /* Major version above 255. */
  blob->data[0] = 0x80;
  assert_rejected (blob->data, blob->len, 0, 0, SHOAL_ERROR_MALFORMED, NULL);
}

static void
test_reserved_area (void)
{
  g_autoptr(GByteArray) blob = vector_blob ("tmpl_h12_rs8.json");
  Layout l = layout_of (blob);
  gsize extra_end = l.rct_type;
  g_autoptr(GBytes) ok_blob = g_bytes_new (blob->data, blob->len);
  g_autoptr(ShoalBlockTemplate) at_end = NULL;

  assert_rejected (blob->data, blob->len, 0, 8, SHOAL_ERROR_INVALID, "outside");
  assert_rejected (blob->data, blob->len, extra_end - 4, 8, SHOAL_ERROR_INVALID, "outside");
  assert_rejected (blob->data, blob->len, G_MAXSIZE - 2, 8, SHOAL_ERROR_INVALID, "outside");
  assert_rejected (blob->data, blob->len, 126, 256, SHOAL_ERROR_TOO_LARGE, "reserved size");
  at_end = shoal_block_template_new_from_blob (ok_blob, extra_end - 8, 8, NULL);
  g_assert_nonnull (at_end);
}

static void
test_oversized (void)
{
  gsize len = 4 * 1024 * 1024 + 1;
  g_autofree guint8 *big = g_malloc0 (len);

  assert_rejected (big, len, 0, 0, SHOAL_ERROR_TOO_LARGE, "limit");
}

/* Random damage: whatever the parser accepts must also build blobs. */
static void
test_random_damage (void)
{
  const char *names[] = { "tmpl_h12_rs8.json", "tmpl_h107_rs16_3tx.json", "tmpl_h2049_rs8.json" };
  guint accepted = 0, rejected = 0;

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint round = 0; round < 5000; round++)
      {
        g_autoptr(GByteArray) blob = vector_blob (names[n]);
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(ShoalBlockTemplate) tmpl = NULL;
        guint flips = g_test_rand_int_range (1, 4);

        for (guint f = 0; f < flips; f++)
          blob->data[g_test_rand_int_range (0, blob->len)] = g_test_rand_int_range (0, 256);
        if (g_test_rand_bit ())
          g_byte_array_set_size (blob, g_test_rand_int_range (0, blob->len + 1));
        bytes = g_bytes_new (blob->data, blob->len);
        tmpl = shoal_block_template_new_from_blob (bytes, 126, 8, &error);
        if (tmpl == NULL)
          {
            g_assert_nonnull (error);
            rejected++;
            continue;
          }
        accepted++;
        g_bytes_unref (shoal_block_template_make_hashing_blob (tmpl, NULL, 0, NULL));
        g_bytes_unref (shoal_block_template_make_block_blob (tmpl, NULL, 0, 7, NULL));
      }
  g_test_message ("%u damaged blobs accepted, %u rejected", accepted, rejected);
  g_assert_cmpuint (rejected, >, 0);
}

typedef void (*Damage) (JsonObject *result);

static void
damage_height (JsonObject *r)
{
  json_object_set_int_member (r, "height", json_object_get_int_member (r, "height") + 1);
}

static void
damage_prev_hash (JsonObject *r)
{
  json_object_set_string_member (r, "prev_hash", "00000000000000000000000000000000"
                                 "00000000000000000000000000000000");
}

static void
damage_reward (JsonObject *r)
{
  json_object_set_int_member (r, "expected_reward",
                              json_object_get_int_member (r, "expected_reward") + 1);
}

static void
damage_hashing_blob (JsonObject *r)
{
  g_autofree char *hex = g_strdup (json_object_get_string_member (r, "blockhashing_blob"));

  hex[90] = hex[90] == '0' ? '1' : '0';
  json_object_set_string_member (r, "blockhashing_blob", hex);
}

static void
damage_difficulty (JsonObject *r)
{
  json_object_set_string_member (r, "wide_difficulty", "0x0");
}

static void
damage_blob_missing (JsonObject *r)
{
  json_object_remove_member (r, "blocktemplate_blob");
}

static void
damage_blob_hex (JsonObject *r)
{
  g_autofree char *hex = g_strdup (json_object_get_string_member (r, "blocktemplate_blob"));

  hex[strlen (hex) - 1] = '\0';
  json_object_set_string_member (r, "blocktemplate_blob", hex);
}

static void
damage_seed (JsonObject *r)
{
  json_object_set_string_member (r, "seed_hash", "418015bb");
}

static void
damage_next_seed (JsonObject *r)
{
  json_object_set_int_member (r, "next_seed_hash", 5);
}

static void
damage_status (JsonObject *r)
{
  json_object_set_string_member (r, "status", "BUSY");
}

static void
damage_reserved_offset (JsonObject *r)
{
  json_object_set_int_member (r, "reserved_offset", 0);
}

static void
damage_reserved_negative (JsonObject *r)
{
  json_object_set_int_member (r, "reserved_offset", -126);
}

static void
damage_height_string (JsonObject *r)
{
  json_object_set_string_member (r, "height", "12");
}

static void
test_rpc_rejects (void)
{
  const struct { Damage damage; const char *part; } cases[] = {
    { damage_height, "height" }, { damage_prev_hash, "prev_hash" },
    { damage_reward, "reward" }, { damage_hashing_blob, "blockhashing_blob" },
    { damage_difficulty, "zero" }, { damage_blob_missing, "blocktemplate_blob" },
    { damage_blob_hex, "odd" }, { damage_seed, "Expected 32 bytes" },
    { damage_next_seed, "next_seed_hash" }, { damage_status, "BUSY" },
    { damage_reserved_offset, "reserved" }, { damage_reserved_negative, "reserved_offset" },
    { damage_height_string, "height" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) result = load_result ("tmpl_h12_rs8.json");
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalBlockTemplate) tmpl = NULL;

      cases[i].damage (json_node_get_object (result));
      tmpl = shoal_block_template_new_from_rpc (json_node_get_object (result), 8, &error);
      g_assert_null (tmpl);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      if (strstr (error->message, cases[i].part) == NULL)
        g_error ("case %u: \"%s\" does not mention \"%s\"", i, error->message, cases[i].part);
    }
  {
    g_autoptr(JsonNode) result = load_result ("tmpl_h12_rs8.json");
    g_autoptr(GError) error = NULL;

    /* More reserved bytes than the extra holds. */
    g_assert_null (shoal_block_template_new_from_rpc (json_node_get_object (result), 100, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monero/template-rejects/every-truncation", test_every_truncation);
  g_test_add_func ("/monero/template-rejects/mutations", test_mutations);
  g_test_add_func ("/monero/template-rejects/varints", test_varints_in_blob);
  g_test_add_func ("/monero/template-rejects/reserved-area", test_reserved_area);
  g_test_add_func ("/monero/template-rejects/oversized", test_oversized);
  g_test_add_func ("/monero/template-rejects/random-damage", test_random_damage);
  g_test_add_func ("/monero/template-rejects/rpc", test_rpc_rejects);
  return g_test_run ();
}
