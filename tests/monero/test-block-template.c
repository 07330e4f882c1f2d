/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <randomx.h>

#include "shoal-block-template.h"
#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "shoal-varint.h"
#include "shoal-test-harness.h"

/* A vector: get_block_template's result object and what we asked for. */
typedef struct
{
  char       *name;
  JsonParser *parser;
  JsonObject *result;
  gsize       reserve_size;
} Vector;

static void
vector_free (Vector *v)
{
  g_free (v->name);
  g_clear_object (&v->parser);
  g_free (v);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vector, vector_free)

/* The reserve size asked for is in the name (_rsN); the extra-nonce
 * vector asked for its 10-byte extra_nonce instead. */
static gsize
reserve_size_from_name (const char *name)
{
  const char *rs = strstr (name, "_rs");

  if (strstr (name, "extranonce") != NULL)
    return 10;
  if (rs == NULL)
    return 8;
  return g_ascii_strtoull (rs + 3, NULL, 10);
}

static Vector *
vector_load (const char *name)
{
  g_autofree char *path = shoal_test_vectors_path (name);
  g_autoptr(GError) error = NULL;
  Vector *v = g_new0 (Vector, 1);

  v->name = g_strdup (name);
  v->parser = json_parser_new ();
  json_parser_load_from_file (v->parser, path, &error);
  g_assert_no_error (error);
  v->result = json_object_get_object_member (json_node_get_object (json_parser_get_root (v->parser)),
                                             "result");
  g_assert_nonnull (v->result);
  v->reserve_size = reserve_size_from_name (name);
  return v;
}

static GPtrArray *
all_template_vectors (void)
{
  const char *dir = shoal_test_vectors_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "tmpl_") && g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (names->len, ==, 24);
  return names;
}

static GBytes *
member_bytes (JsonObject *o,
              const char *member)
{
  return shoal_test_hex_to_bytes (json_object_get_string_member (o, member));
}

static void
assert_bytes_hex (GBytes     *bytes,
                  const char *hex)
{
  g_autofree char *ours = shoal_hex_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_cmpstr (ours, ==, hex);
}

static ShoalBlockTemplate *
template_from_vector (Vector *v)
{
  g_autoptr(GError) error = NULL;
  ShoalBlockTemplate *tmpl = shoal_block_template_new_from_rpc (v->result, v->reserve_size, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tmpl);
  return tmpl;
}

/* Builds the hashing blob the slow way: the whole tree over every leaf. */
static GBytes *
hashing_blob_by_hand (ShoalBlockTemplate *tmpl)
{
  gsize len;
  const guint8 *blob = g_bytes_get_data (shoal_block_template_get_blob (tmpl), &len);
  guint n = shoal_block_template_get_n_transactions (tmpl);
  g_autofree guint8 *leaves = g_malloc ((n + 1) * 32);
  GByteArray *out = g_byte_array_new ();
  guint8 root[32];
  gsize header_len = shoal_block_template_get_nonce_offset (tmpl) + 4;

  shoal_block_template_get_miner_tx_hash (tmpl, leaves);
  memcpy (leaves + 32, blob + len - n * 32, n * 32);
  shoal_tree_hash (leaves, n + 1, root);
  g_byte_array_append (out, blob, header_len);
  g_byte_array_append (out, root, 32);
  shoal_varint_write (out, n + 1);
  return g_byte_array_free_to_bytes (out);
}

static void
test_every_vector_hashing_blob (void)
{
  g_autoptr(GPtrArray) names = all_template_vectors ();

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(Vector) v = vector_load (names->pdata[i]);
      g_autoptr(ShoalBlockTemplate) tmpl = template_from_vector (v);
      const guint8 *blob = g_bytes_get_data (shoal_block_template_get_blob (tmpl), NULL);
      gsize reserved = shoal_block_template_get_reserved_offset (tmpl);
      g_autoptr(GBytes) hashing = shoal_block_template_make_hashing_blob (
        tmpl, blob + reserved, shoal_block_template_get_reserved_size (tmpl), NULL);
      g_autoptr(GBytes) by_hand = hashing_blob_by_hand (tmpl);
      const char *expected = json_object_get_string_member (v->result, "blockhashing_blob");

      g_test_message ("%s: %u transactions", v->name, shoal_block_template_get_n_transactions (tmpl));
      assert_bytes_hex (hashing, expected);
      assert_bytes_hex (by_hand, expected);
      g_assert_cmpuint (shoal_block_template_get_nonce_offset (tmpl), ==, 39);
      g_assert_cmpuint (shoal_block_template_get_height (tmpl), ==,
                        json_object_get_int_member (v->result, "height"));
      g_assert_cmpuint (shoal_block_template_get_reserved_offset (tmpl), ==,
                        json_object_get_int_member (v->result, "reserved_offset"));
      g_assert_cmpuint (shoal_block_template_get_reward (tmpl), ==,
                        json_object_get_int_member (v->result, "expected_reward"));
      g_assert_cmpuint (shoal_block_template_get_difficulty (tmpl)->lo, ==, 1);
      g_assert_cmpuint (shoal_block_template_get_major_version (tmpl), ==, 16);
    }
}

static void
assert_hash_member (const guint8 *hash,
                    JsonObject   *o,
                    const char   *member)
{
  g_autofree char *hex = hash ? shoal_hex_encode (hash, 32) : g_strdup ("");

  g_assert_cmpstr (hex, ==, json_object_get_string_member (o, member));
}

static void
test_vector_fields (void)
{
  const struct { const char *name; guint n_tx; } counts[] = {
    { "tmpl_h12_rs0.json", 0 }, { "tmpl_h76_rs8_1tx.json", 1 }, { "tmpl_h107_rs16_1tx.json", 1 },
    { "tmpl_h107_rs16_5tx.json", 5 }, { "tmpl_h107_rs16_9tx.json", 9 },
    { "tmpl_h2049_rs8.json", 0 }, { "tmpl_h2113_rs8.json", 0 }, { "tmpl_prevblock_h5.json", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autoptr(Vector) v = vector_load (counts[i].name);
      g_autoptr(ShoalBlockTemplate) tmpl = template_from_vector (v);

      g_assert_cmpuint (shoal_block_template_get_n_transactions (tmpl), ==, counts[i].n_tx);
      assert_hash_member (shoal_block_template_get_prev_hash (tmpl), v->result, "prev_hash");
      assert_hash_member (shoal_block_template_get_seed_hash (tmpl), v->result, "seed_hash");
      assert_hash_member (shoal_block_template_get_next_seed_hash (tmpl), v->result,
                          "next_seed_hash");
      g_assert_cmpuint (shoal_block_template_get_expected_reward (tmpl), ==,
                        json_object_get_int_member (v->result, "expected_reward"));
    }
}

static void
test_miner_tx_hashes (void)
{
  const struct { const char *name, *hash; } table[] = {
    { "tmpl_h12_rs8.json", "b93d27be7c74ba764b23d581a6f2c1adee9a2dfc1f011957766e196db8c52d14" },
    { "tmpl_h12_rs16.json", "832dca33594f82c79b66770870619fab4da525e6643f0ce4a6b81c2d0d6f66d7" },
    { "tmpl_h12_rs0.json", "e914d024c0fdcac72aea5f6e8dd7a4d18ea45d989fb82e9406633cf69051a7b5" },
    { "tmpl_h107_rs16_9tx.json", "ab0a876c8fdcbfe9372ab3827b183a2ae30add63609022ed9f63425929fd58d9" },
    { "tmpl_h2113_rs8.json", "ce24890b43d7d1ec18964c04a7870c1d5b44d9404b048c8936fd16563c968c94" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(Vector) v = vector_load (table[i].name);
      g_autoptr(ShoalBlockTemplate) tmpl = template_from_vector (v);
      guint8 hash[32];
      g_autofree char *hex = NULL;

      shoal_block_template_get_miner_tx_hash (tmpl, hash);
      hex = shoal_hex_encode (hash, 32);
      g_assert_cmpstr (hex, ==, table[i].hash);
    }
}

/* The extra-nonce vector's blob with its extra nonce wiped is a template
 * we fill in ourselves: the result must be the daemon's own hashing blob. */
static void
test_extra_nonce_written (void)
{
  const guint8 extra_nonce[] = { 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0x00, 0x11 };
  g_autoptr(Vector) v = vector_load ("tmpl_h12_extranonce.json");
  g_autoptr(GBytes) original = member_bytes (v->result, "blocktemplate_blob");
  gsize len;
  g_autofree guint8 *wiped = g_memdup2 (g_bytes_get_data (original, &len), g_bytes_get_size (original));
  g_autoptr(GBytes) wiped_bytes = NULL;
  g_autoptr(ShoalBlockTemplate) tmpl = NULL;
  g_autoptr(GBytes) without = NULL;
  g_autoptr(GBytes) with = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected = json_object_get_string_member (v->result, "blockhashing_blob");

  len = g_bytes_get_size (original);
  g_assert_cmpmem (wiped + 126, 10, extra_nonce, 10);
  memset (wiped + 126, 0, 10);
  wiped_bytes = g_bytes_new (wiped, len);
  tmpl = shoal_block_template_new_from_blob (wiped_bytes, 126, 10, &error);
  g_assert_no_error (error);

  without = shoal_block_template_make_hashing_blob (tmpl, NULL, 0, &error);
  g_assert_no_error (error);
  with = shoal_block_template_make_hashing_blob (tmpl, extra_nonce, sizeof extra_nonce, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (without, with));
  assert_bytes_hex (with, expected);

  block = shoal_block_template_make_block_blob (tmpl, extra_nonce, sizeof extra_nonce, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (block, original));

  /* One byte more than reserved is refused, not written past. */
  {
    guint8 too_long[11] = { 0 };
    g_autoptr(GError) long_error = NULL;

    g_assert_null (shoal_block_template_make_hashing_blob (tmpl, too_long, 11, &long_error));
    g_assert_error (long_error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE);
  }
}

/* Replaces the template's pool transactions by N made-up hashes. */
static GBytes *
blob_with_n_transactions (GBytes *base_blob,
                          gsize   base_tx_offset,
                          guint   n)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, g_bytes_get_data (base_blob, NULL), base_tx_offset);
  shoal_varint_write (out, n);
  for (guint i = 0; i < n; i++)
    {
      guint8 hash[32];
      guint32 seed = i * 2654435761u + n;

      shoal_keccak256 (&seed, sizeof seed, hash);
      g_byte_array_append (out, hash, 32);
    }
  return g_byte_array_free_to_bytes (out);
}

/* The cached Merkle branch gives the same root as a whole tree for every
 * tree shape up to 70 leaves (every power of two and its neighbours). */
static void
test_tree_shapes (void)
{
  g_autoptr(Vector) v = vector_load ("tmpl_h12_rs8.json");
  g_autoptr(GBytes) base = member_bytes (v->result, "blocktemplate_blob");
  gsize tx_offset = g_bytes_get_size (base) - 1;

  for (guint n = 0; n < 70; n++)
    {
      g_autoptr(GBytes) blob = blob_with_n_transactions (base, tx_offset, n);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalBlockTemplate) tmpl = shoal_block_template_new_from_blob (blob, 126, 8, &error);
      g_autoptr(GBytes) fast = NULL;
      g_autoptr(GBytes) slow = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (shoal_block_template_get_n_transactions (tmpl), ==, n);
      fast = shoal_block_template_make_hashing_blob (tmpl, NULL, 0, &error);
      slow = hashing_blob_by_hand (tmpl);
      g_assert_true (g_bytes_equal (fast, slow));
    }
}

static void
test_tree_hash_small (void)
{
  guint8 leaves[3 * 32], out[32], pair_hash[32], expected[32], buf[64];

  for (guint i = 0; i < sizeof leaves; i++)
    leaves[i] = i;
  shoal_tree_hash (leaves, 1, out);
  g_assert_cmpmem (out, 32, leaves, 32);
  shoal_tree_hash (leaves, 2, out);
  shoal_keccak256 (leaves, 64, expected);
  g_assert_cmpmem (out, 32, expected, 32);
  /* 3 leaves: leaf 0 kept, leaves 1 and 2 paired, then the two hashed. */
  shoal_tree_hash (leaves, 3, out);
  shoal_keccak256 (leaves + 32, 64, pair_hash);
  memcpy (buf, leaves, 32);
  memcpy (buf + 32, pair_hash, 32);
  shoal_keccak256 (buf, 64, expected);
  g_assert_cmpmem (out, 32, expected, 32);
}

typedef struct
{
  JsonObject *o;
  JsonParser *parser;
} Solved;

static GPtrArray *
solved_blocks (void)
{
  g_autofree char *path = shoal_test_vectors_path ("solved_blocks.jsonl");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *parsers = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonParser *parser;

      if (*lines[i] == '\0')
        continue;
      parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      g_ptr_array_add (parsers, parser);
    }
  g_assert_cmpuint (parsers->len, ==, 5);
  return parsers;
}

static JsonObject *
solved_object (GPtrArray *parsers,
               guint      i)
{
  return json_node_get_object (json_parser_get_root (parsers->pdata[i]));
}

/* Each solved block: its blob parsed as a template (a block with no
 * extra room is one) rebuilds the hashing blob with its nonce, the block
 * id matches, and the difficulty verdict is the daemon's. */
static void
test_solved_blocks (void)
{
  g_autoptr(GPtrArray) parsers = solved_blocks ();

  for (guint i = 0; i < parsers->len; i++)
    {
      JsonObject *o = solved_object (parsers, i);
      g_autoptr(GBytes) block = member_bytes (o, "block_blob");
      g_autoptr(GBytes) pow = member_bytes (o, "pow_hash");
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalBlockTemplate) tmpl = shoal_block_template_new_from_blob (
        block, json_object_get_int_member (o, "reserved_offset"), 8, &error);
      const guint8 *b = g_bytes_get_data (block, NULL);
      guint32 nonce = b[39] | b[40] << 8 | b[41] << 16 | (guint32) b[42] << 24;
      g_autoptr(GBytes) hashing = NULL;
      guint8 id[32];
      g_autofree char *id_hex = NULL;
      ShoalDifficulty difficulty = shoal_difficulty_from_uint64 (json_object_get_int_member (o, "difficulty"));
      gboolean accepted = g_str_equal (json_object_get_string_member (o, "kind"), "accepted");

      g_assert_no_error (error);
      g_assert_cmpuint (shoal_block_template_get_height (tmpl), ==,
                        json_object_get_int_member (o, "height"));
      hashing = shoal_block_template_make_hashing_blob (tmpl, b + shoal_block_template_get_reserved_offset (tmpl), 8, &error);
      g_assert_no_error (error);
      {
        g_autofree guint8 *with_nonce = g_memdup2 (g_bytes_get_data (hashing, NULL), g_bytes_get_size (hashing));

        shoal_patch_nonce (with_nonce, g_bytes_get_size (hashing), 39, nonce);
        shoal_block_id (with_nonce, g_bytes_get_size (hashing), id);
        id_hex = shoal_hex_encode (with_nonce, g_bytes_get_size (hashing));
        g_assert_cmpstr (id_hex, ==, json_object_get_string_member (o, "hashing_blob"));
        g_free (id_hex);
      }
      id_hex = shoal_hex_encode (id, 32);
      g_assert_cmpstr (id_hex, ==, json_object_get_string_member (o, "block_id"));
      g_assert_cmpint (shoal_difficulty_check_hash (g_bytes_get_data (pow, NULL), &difficulty), ==,
                       json_object_get_boolean_member (o, "meets_difficulty"));
      g_assert_cmpint (shoal_difficulty_check_hash (g_bytes_get_data (pow, NULL), &difficulty), ==,
                       accepted);
    }
}

/* RandomX light mode, once per seed: the pow_hash in the vectors is what
 * RandomX gives for the hashing blob with the seed as key. */
static void
test_solved_blocks_randomx (void)
{
  g_autoptr(GPtrArray) parsers = solved_blocks ();
  randomx_flags flags = randomx_get_flags ();
  randomx_cache *cache = randomx_alloc_cache (flags);
  randomx_vm *vm = NULL;
  char *current_seed = NULL;

  g_assert_nonnull (cache);
  for (guint i = 0; i < parsers->len; i++)
    {
      JsonObject *o = solved_object (parsers, i);
      const char *seed = json_object_get_string_member (o, "seed_hash");
      g_autoptr(GBytes) hashing = member_bytes (o, "hashing_blob");
      guint8 hash[32];
      g_autofree char *hex = NULL;

      if (g_strcmp0 (seed, current_seed) != 0)
        {
          g_autoptr(GBytes) key = shoal_test_hex_to_bytes (seed);

          randomx_init_cache (cache, g_bytes_get_data (key, NULL), g_bytes_get_size (key));
          if (vm == NULL)
            vm = randomx_create_vm (flags, cache, NULL);
          else
            randomx_vm_set_cache (vm, cache);
          g_assert_nonnull (vm);
          g_free (current_seed);
          current_seed = g_strdup (seed);
        }
      randomx_calculate_hash (vm, g_bytes_get_data (hashing, NULL), g_bytes_get_size (hashing), hash);
      hex = shoal_hex_encode (hash, 32);
      g_assert_cmpstr (hex, ==, json_object_get_string_member (o, "pow_hash"));
    }
  g_free (current_seed);
  randomx_destroy_vm (vm);
  randomx_release_cache (cache);
}

static void
test_boxed (void)
{
  g_autoptr(Vector) v = vector_load ("tmpl_h12_rs8.json");
  ShoalBlockTemplate *tmpl = template_from_vector (v);
  ShoalBlockTemplate *copy = g_boxed_copy (SHOAL_TYPE_BLOCK_TEMPLATE, tmpl);

  g_assert_true (copy == tmpl);
  shoal_block_template_unref (tmpl);
  g_assert_cmpuint (shoal_block_template_get_height (copy), ==, 12);
  g_boxed_free (SHOAL_TYPE_BLOCK_TEMPLATE, copy);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monero/template/every-vector-hashing-blob", test_every_vector_hashing_blob);
  g_test_add_func ("/monero/template/vector-fields", test_vector_fields);
  g_test_add_func ("/monero/template/miner-tx-hashes", test_miner_tx_hashes);
  g_test_add_func ("/monero/template/extra-nonce-written", test_extra_nonce_written);
  g_test_add_func ("/monero/template/tree-shapes", test_tree_shapes);
  g_test_add_func ("/monero/template/tree-hash-small", test_tree_hash_small);
  g_test_add_func ("/monero/template/solved-blocks", test_solved_blocks);
  g_test_add_func ("/monero/template/solved-blocks-randomx", test_solved_blocks_randomx);
  g_test_add_func ("/monero/template/boxed", test_boxed);
  return g_test_run ();
}
