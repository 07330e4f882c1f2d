/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-block-template.h"
#include "shoal-keccak.h"
#include "shoal-varint.h"

/* Template blobs and get_block_template answers come from a daemon we do
 * not control.  Input starting with '{' is taken as the RPC's result
 * object, anything else as a raw blob.  Besides "no crash, no over-read",
 * what parses must be self-consistent: the cached Merkle branch gives the
 * whole tree's root, and a block built with an extra nonce hashes like a
 * template that already held it. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
check_root (ShoalBlockTemplate *tmpl,
            GBytes             *hashing)
{
  gsize len;
  const guint8 *blob = g_bytes_get_data (shoal_block_template_get_blob (tmpl), &len);
  guint n = shoal_block_template_get_n_transactions (tmpl);
  g_autofree guint8 *leaves = g_malloc ((n + 1) * SHOAL_HASH_SIZE);
  gsize header = shoal_block_template_get_nonce_offset (tmpl) + 4;
  guint8 root[SHOAL_HASH_SIZE];

  shoal_block_template_get_miner_tx_hash (tmpl, leaves);
  memcpy (leaves + SHOAL_HASH_SIZE, blob + len - (gsize) n * SHOAL_HASH_SIZE,
          (gsize) n * SHOAL_HASH_SIZE);
  shoal_tree_hash (leaves, n + 1, root);
  if (g_bytes_get_size (hashing) != header + SHOAL_HASH_SIZE + shoal_varint_size (n + 1) ||
      memcmp ((const guint8 *) g_bytes_get_data (hashing, NULL) + header, root, SHOAL_HASH_SIZE) != 0)
    abort ();
}

static void
check_extra_nonce (ShoalBlockTemplate *tmpl,
                   const guint8       *data,
                   size_t              size)
{
  gsize reserved = shoal_block_template_get_reserved_size (tmpl);
  g_autofree guint8 *extra = g_malloc0 (reserved + 1);
  g_autoptr(GBytes) hashing = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(ShoalBlockTemplate) rebuilt = NULL;
  g_autoptr(GBytes) rehashed = NULL;

  memcpy (extra, data, MIN (reserved, size));
  hashing = shoal_block_template_make_hashing_blob (tmpl, extra, reserved, NULL);
  block = shoal_block_template_make_block_blob (tmpl, extra, reserved, 0x01020304, NULL);
  if (hashing == NULL || block == NULL)
    abort ();
  rebuilt = shoal_block_template_new_from_blob (block, shoal_block_template_get_reserved_offset (tmpl),
                                                reserved, NULL);
  if (rebuilt == NULL)
    abort ();
  /* REBUILT holds the extra nonce in its blob: its miner tx is HASHING's. */
  check_root (rebuilt, hashing);
  rehashed = shoal_block_template_make_hashing_blob (rebuilt, NULL, 0, NULL);
  if (!g_bytes_equal (rehashed, hashing))
    abort ();
  if (shoal_block_template_make_hashing_blob (tmpl, extra, reserved + 1, NULL) != NULL)
    abort ();
}

static void
fuzz_blob (const guint8 *data,
           size_t        size)
{
  g_autoptr(GBytes) blob = g_bytes_new (data, size);
  /* Where real templates put the reserved bytes, and one place that
   * depends on the input, so that the fuzzer can move it. */
  const gsize offsets[][2] = {
    { 0, 0 }, { 126, 8 }, { 127, 16 }, { size > 0 ? data[size - 1] : 0, size > 1 ? data[1] % 40 : 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      g_autoptr(ShoalBlockTemplate) tmpl =
        shoal_block_template_new_from_blob (blob, offsets[i][0], offsets[i][1], NULL);

      if (tmpl != NULL)
        check_extra_nonce (tmpl, data, size);
    }
}

static void
fuzz_rpc (const guint8 *data,
          size_t        size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ShoalBlockTemplate) tmpl = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  tmpl = shoal_block_template_new_from_rpc (json_node_get_object (root), 8, NULL);
  if (tmpl != NULL)
    check_extra_nonce (tmpl, data, size);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  if (size > 0 && data[0] == '{')
    fuzz_rpc (data, size);
  else
    fuzz_blob (data, size);
  return 0;
}
