/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-hex.h"
#include "shoal-keccak.h"
#include "shoal-rpc-client.h"
#include "shoal-varint.h"
#include "shoal-block-template.h"

/* A template blob is a block without its transactions: header, miner tx,
 * and the hashes of the pool transactions.  Everything here is read from
 * a daemon we do not control, so every length is checked against what is
 * left before it is used. */

/* Far above any real template (32 bytes a transaction: 131,000 of them). */
#define TEMPLATE_MAX_SIZE (4 * 1024 * 1024)
/* TX_EXTRA_NONCE carries at most 255 bytes. */
#define RESERVED_MAX_SIZE 255
#define NONCE_SIZE 4
#define TXIN_GEN 0xff
#define TXOUT_TO_KEY 0x02
#define TXOUT_TO_TAGGED_KEY 0x03
#define RCT_TYPE_NULL 0x00

struct _ShoalBlockTemplate
{
  gatomicrefcount  ref_count;
  GBytes          *blob;

  guint64          major_version;
  guint64          timestamp;
  guint8           prev_hash[SHOAL_HASH_SIZE];
  gsize            nonce_offset;

  gsize            miner_tx_offset;   /* first byte of the miner tx */
  gsize            miner_tx_prefix_end; /* end of extra */
  gsize            miner_tx_end;      /* after the RingCT type byte */
  gsize            extra_offset;
  gsize            extra_size;
  gsize            reserved_offset;
  gsize            reserved_size;
  guint64          height;
  guint64          reward;

  gsize            tx_hashes_offset;
  guint            n_transactions;
  /* Siblings of the miner tx on its way to the Merkle root, so that a new
   * extra nonce costs log2(n) hashes instead of a whole tree. */
  guint8          *branch;
  guint            branch_len;

  /* Only known when made from an RPC answer. */
  guint8           seed_hash[SHOAL_HASH_SIZE];
  guint8           next_seed_hash[SHOAL_HASH_SIZE];
  gboolean         has_next_seed;
  ShoalDifficulty  difficulty;
  guint64          expected_reward;
};

G_DEFINE_BOXED_TYPE (ShoalBlockTemplate, shoal_block_template,
                     shoal_block_template_ref, shoal_block_template_unref)

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} Reader;

static gboolean
read_varint (Reader      *r,
             const char  *what,
             guint64     *value,
             GError     **error)
{
  if (!shoal_varint_read (r->data, r->len, &r->pos, value, error))
    {
      g_prefix_error (error, "Block template: %s: ", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
skip_bytes (Reader      *r,
            guint64      n,
            const char  *what,
            GError     **error)
{
  if (n > r->len - r->pos)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TRUNCATED,
                   "Block template: %s needs %" G_GUINT64_FORMAT " bytes at byte %"
                   G_GSIZE_FORMAT ", only %" G_GSIZE_FORMAT " are left",
                   what, n, r->pos, r->len - r->pos);
      return FALSE;
    }
  r->pos += n;
  return TRUE;
}

static gboolean
read_byte (Reader      *r,
           const char  *what,
           guint8      *value,
           GError     **error)
{
  if (!skip_bytes (r, 1, what, error))
    return FALSE;
  *value = r->data[r->pos - 1];
  return TRUE;
}

static gboolean
expect_value (guint64      value,
              guint64      expected,
              const char  *what,
              GError     **error)
{
  if (value != expected)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Block template: %s is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                   what, value, expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_header (ShoalBlockTemplate  *self,
              Reader              *r,
              GError             **error)
{
  guint64 minor;

  if (!read_varint (r, "major version", &self->major_version, error) ||
      !read_varint (r, "minor version", &minor, error) ||
      !read_varint (r, "timestamp", &self->timestamp, error))
    return FALSE;
  if (self->major_version == 0 || self->major_version > G_MAXUINT8 || minor > G_MAXUINT8)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Block template: version %" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT
                   " is not a block version", self->major_version, minor);
      return FALSE;
    }
  if (!skip_bytes (r, SHOAL_HASH_SIZE, "previous block id", error))
    return FALSE;
  memcpy (self->prev_hash, r->data + r->pos - SHOAL_HASH_SIZE, SHOAL_HASH_SIZE);
  self->nonce_offset = r->pos;
  return skip_bytes (r, NONCE_SIZE, "nonce", error);
}

static gboolean
parse_output (ShoalBlockTemplate  *self,
              Reader              *r,
              GError             **error)
{
  guint64 amount;
  guint8 type;

  if (!read_varint (r, "output amount", &amount, error) ||
      !read_byte (r, "output type", &type, error))
    return FALSE;
  if (amount > G_MAXUINT64 - self->reward)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Block template: miner transaction outputs sum past 2^64");
      return FALSE;
    }
  self->reward += amount;
  if (type == TXOUT_TO_KEY)
    return skip_bytes (r, SHOAL_HASH_SIZE, "output key", error);
  if (type == TXOUT_TO_TAGGED_KEY)
    return skip_bytes (r, SHOAL_HASH_SIZE + 1, "tagged output key", error);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
               "Block template: output type 0x%02x at byte %" G_GSIZE_FORMAT " is not supported",
               type, r->pos - 1);
  return FALSE;
}

static gboolean
parse_miner_inputs (ShoalBlockTemplate  *self,
                    Reader              *r,
                    GError             **error)
{
  guint64 version, unlock_time, n_inputs;
  guint8 input_type;

  self->miner_tx_offset = r->pos;
  if (!read_varint (r, "miner transaction version", &version, error) ||
      !expect_value (version, 2, "miner transaction version", error) ||
      !read_varint (r, "unlock time", &unlock_time, error) ||
      !read_varint (r, "input count", &n_inputs, error) ||
      !expect_value (n_inputs, 1, "miner transaction input count", error) ||
      !read_byte (r, "input type", &input_type, error) ||
      !expect_value (input_type, TXIN_GEN, "miner transaction input type", error))
    return FALSE;
  return read_varint (r, "height", &self->height, error);
}

static gboolean
parse_miner_outputs (ShoalBlockTemplate  *self,
                     Reader              *r,
                     GError             **error)
{
  guint64 n_outputs;

  if (!read_varint (r, "output count", &n_outputs, error))
    return FALSE;
  if (n_outputs == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Block template: the miner transaction has no outputs");
      return FALSE;
    }
  for (guint64 i = 0; i < n_outputs; i++)
    if (!parse_output (self, r, error))
      return FALSE;
  return TRUE;
}

static gboolean
parse_miner_extra (ShoalBlockTemplate  *self,
                   Reader              *r,
                   GError             **error)
{
  guint64 extra_size;
  guint8 rct_type;

  if (!read_varint (r, "extra size", &extra_size, error))
    return FALSE;
  self->extra_offset = r->pos;
  if (!skip_bytes (r, extra_size, "extra", error))
    return FALSE;
  self->extra_size = extra_size;
  self->miner_tx_prefix_end = r->pos;
  if (!read_byte (r, "RingCT type", &rct_type, error) ||
      !expect_value (rct_type, RCT_TYPE_NULL, "miner transaction RingCT type", error))
    return FALSE;
  self->miner_tx_end = r->pos;
  return TRUE;
}

static gboolean
parse_tx_hashes (ShoalBlockTemplate  *self,
                 Reader              *r,
                 GError             **error)
{
  guint64 count;

  if (!read_varint (r, "transaction count", &count, error))
    return FALSE;
  if (count > (r->len - r->pos) / SHOAL_HASH_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TRUNCATED,
                   "Block template: %" G_GUINT64_FORMAT " transaction hashes announced, room "
                   "for %" G_GSIZE_FORMAT, count, (r->len - r->pos) / SHOAL_HASH_SIZE);
      return FALSE;
    }
  self->tx_hashes_offset = r->pos;
  self->n_transactions = count;
  r->pos += count * SHOAL_HASH_SIZE;
  if (r->pos != r->len)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Block template: %" G_GSIZE_FORMAT " unexpected bytes after the "
                   "transaction hashes", r->len - r->pos);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_reserved (ShoalBlockTemplate  *self,
                gsize                reserved_offset,
                gsize                reserved_size,
                GError             **error)
{
  if (reserved_size == 0)
    return TRUE;
  if (reserved_size > RESERVED_MAX_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                   "Block template: reserved size %" G_GSIZE_FORMAT " is over %d bytes",
                   reserved_size, RESERVED_MAX_SIZE);
      return FALSE;
    }
  if (reserved_offset < self->extra_offset ||
      reserved_offset > self->extra_offset + self->extra_size ||
      reserved_size > self->extra_offset + self->extra_size - reserved_offset)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Block template: reserved bytes %" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT
                   " lie outside the miner transaction extra (%" G_GSIZE_FORMAT "+%"
                   G_GSIZE_FORMAT ")", reserved_offset, reserved_size, self->extra_offset,
                   self->extra_size);
      return FALSE;
    }
  self->reserved_offset = reserved_offset;
  self->reserved_size = reserved_size;
  return TRUE;
}

static void
hash_pair (const guint8 *left,
           const guint8 *right,
           guint8        out[SHOAL_HASH_SIZE])
{
  guint8 pair[2 * SHOAL_HASH_SIZE];

  memcpy (pair, left, SHOAL_HASH_SIZE);
  memcpy (pair + SHOAL_HASH_SIZE, right, SHOAL_HASH_SIZE);
  shoal_keccak256 (pair, sizeof pair, out);
}

/* The largest power of two below COUNT (COUNT > 2). */
static gsize
tree_hash_cnt (gsize count)
{
  gsize cnt = 1;

  while (cnt * 2 < count)
    cnt *= 2;
  return cnt;
}

/* Runs Monero's tree_hash on LEAVES; when BRANCH is given, also records
 * the value leaf 0 is paired with at each level.  Leaf 0 never changes
 * any of those values, which is what makes the branch reusable. */
static void
tree_hash_with_branch (const guint8 *leaves,
                       gsize         count,
                       guint8        out[SHOAL_HASH_SIZE],
                       GByteArray   *branch)
{
  g_autofree guint8 *ints = NULL;
  gsize cnt, copied;

  if (count == 1)
    {
      memcpy (out, leaves, SHOAL_HASH_SIZE);
      return;
    }
  if (count == 2)
    {
      if (branch != NULL)
        g_byte_array_append (branch, leaves + SHOAL_HASH_SIZE, SHOAL_HASH_SIZE);
      hash_pair (leaves, leaves + SHOAL_HASH_SIZE, out);
      return;
    }

  cnt = tree_hash_cnt (count);
  copied = 2 * cnt - count;
  ints = g_malloc (cnt * SHOAL_HASH_SIZE);
  memcpy (ints, leaves, copied * SHOAL_HASH_SIZE);
  if (copied == 0 && branch != NULL)
    g_byte_array_append (branch, leaves + SHOAL_HASH_SIZE, SHOAL_HASH_SIZE);
  for (gsize i = copied, j = copied; j < cnt; i += 2, j++)
    hash_pair (leaves + i * SHOAL_HASH_SIZE, leaves + (i + 1) * SHOAL_HASH_SIZE,
               ints + j * SHOAL_HASH_SIZE);
  while (cnt > 2)
    {
      cnt /= 2;
      if (branch != NULL)
        g_byte_array_append (branch, ints + SHOAL_HASH_SIZE, SHOAL_HASH_SIZE);
      for (gsize i = 0, j = 0; j < cnt; i += 2, j++)
        hash_pair (ints + i * SHOAL_HASH_SIZE, ints + (i + 1) * SHOAL_HASH_SIZE,
                   ints + j * SHOAL_HASH_SIZE);
    }
  if (branch != NULL)
    g_byte_array_append (branch, ints + SHOAL_HASH_SIZE, SHOAL_HASH_SIZE);
  hash_pair (ints, ints + SHOAL_HASH_SIZE, out);
}

void
shoal_tree_hash (const guint8 *leaves,
                 gsize         count,
                 guint8        out[32])
{
  g_return_if_fail (leaves != NULL && count > 0 && out != NULL);

  tree_hash_with_branch (leaves, count, out, NULL);
}

static void
compute_branch (ShoalBlockTemplate *self)
{
  const guint8 *data = g_bytes_get_data (self->blob, NULL);
  gsize count = self->n_transactions + 1;
  g_autofree guint8 *leaves = g_malloc0 (count * SHOAL_HASH_SIZE);
  g_autoptr(GByteArray) branch = g_byte_array_new ();
  guint8 root[SHOAL_HASH_SIZE];

  memcpy (leaves + SHOAL_HASH_SIZE, data + self->tx_hashes_offset,
          self->n_transactions * SHOAL_HASH_SIZE);
  tree_hash_with_branch (leaves, count, root, branch);
  self->branch_len = branch->len / SHOAL_HASH_SIZE;
  self->branch = g_byte_array_free (g_steal_pointer (&branch), FALSE);
}

static ShoalBlockTemplate *
template_alloc (GBytes *blob)
{
  ShoalBlockTemplate *self = g_new0 (ShoalBlockTemplate, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->blob = g_bytes_ref (blob);
  return self;
}

static gboolean
parse_blob (ShoalBlockTemplate  *self,
            GError             **error)
{
  Reader r = { 0 };

  r.data = g_bytes_get_data (self->blob, &r.len);
  if (r.len > TEMPLATE_MAX_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                   "Block template: %" G_GSIZE_FORMAT " bytes is over the %d-byte limit",
                   r.len, TEMPLATE_MAX_SIZE);
      return FALSE;
    }
  return parse_header (self, &r, error) &&
         parse_miner_inputs (self, &r, error) &&
         parse_miner_outputs (self, &r, error) &&
         parse_miner_extra (self, &r, error) &&
         parse_tx_hashes (self, &r, error);
}

ShoalBlockTemplate *
shoal_block_template_new_from_blob (GBytes  *blob,
                                    gsize    reserved_offset,
                                    gsize    reserved_size,
                                    GError **error)
{
  g_autoptr(ShoalBlockTemplate) self = NULL;

  g_return_val_if_fail (blob != NULL, NULL);

  self = template_alloc (blob);
  if (!parse_blob (self, error) ||
      !check_reserved (self, reserved_offset, reserved_size, error))
    return NULL;
  compute_branch (self);
  return g_steal_pointer (&self);
}

ShoalBlockTemplate *
shoal_block_template_ref (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_block_template_unref (ShoalBlockTemplate *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_bytes_unref (self->blob);
  g_free (self->branch);
  g_free (self);
}

/* keccak (keccak (prefix) || keccak (RingCT base) || zero prunable hash):
 * a coinbase's RingCT base is its type byte and it has nothing prunable. */
static void
miner_tx_hash (const guint8 *tx,
               gsize         prefix_len,
               gsize         tx_len,
               guint8        out[SHOAL_HASH_SIZE])
{
  guint8 parts[3 * SHOAL_HASH_SIZE] = { 0 };

  shoal_keccak256 (tx, prefix_len, parts);
  shoal_keccak256 (tx + prefix_len, tx_len - prefix_len, parts + SHOAL_HASH_SIZE);
  shoal_keccak256 (parts, sizeof parts, out);
}

void
shoal_block_template_get_miner_tx_hash (ShoalBlockTemplate *self,
                                        guint8              out[32])
{
  const guint8 *data;

  g_return_if_fail (self != NULL && out != NULL);

  data = g_bytes_get_data (self->blob, NULL);
  miner_tx_hash (data + self->miner_tx_offset, self->miner_tx_prefix_end - self->miner_tx_offset,
                 self->miner_tx_end - self->miner_tx_offset, out);
}

static void
merkle_root (ShoalBlockTemplate *self,
             const guint8       *miner_hash,
             guint8              out[SHOAL_HASH_SIZE])
{
  memmove (out, miner_hash, SHOAL_HASH_SIZE);
  for (guint i = 0; i < self->branch_len; i++)
    hash_pair (out, self->branch + i * SHOAL_HASH_SIZE, out);
}

static gboolean
check_extra_nonce (ShoalBlockTemplate  *self,
                   const guint8        *extra_nonce,
                   gsize                extra_nonce_len,
                   GError             **error)
{
  if (extra_nonce_len > self->reserved_size)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                   "Extra nonce of %" G_GSIZE_FORMAT " bytes does not fit the %" G_GSIZE_FORMAT
                   " reserved bytes", extra_nonce_len, self->reserved_size);
      return FALSE;
    }
  if (extra_nonce == NULL && extra_nonce_len > 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "Extra nonce is missing");
      return FALSE;
    }
  return TRUE;
}

GBytes *
shoal_block_template_make_hashing_blob (ShoalBlockTemplate  *self,
                                        const guint8        *extra_nonce,
                                        gsize                extra_nonce_len,
                                        GError             **error)
{
  const guint8 *data;
  gsize tx_len;
  g_autofree guint8 *tx = NULL;
  GByteArray *out;
  guint8 hash[SHOAL_HASH_SIZE];

  g_return_val_if_fail (self != NULL, NULL);

  if (!check_extra_nonce (self, extra_nonce, extra_nonce_len, error))
    return NULL;
  data = g_bytes_get_data (self->blob, NULL);
  tx_len = self->miner_tx_end - self->miner_tx_offset;
  tx = g_memdup2 (data + self->miner_tx_offset, tx_len);
  if (extra_nonce_len > 0)
    memcpy (tx + self->reserved_offset - self->miner_tx_offset, extra_nonce, extra_nonce_len);
  miner_tx_hash (tx, self->miner_tx_prefix_end - self->miner_tx_offset, tx_len, hash);
  merkle_root (self, hash, hash);

  out = g_byte_array_sized_new (self->miner_tx_offset + SHOAL_HASH_SIZE + 10);
  g_byte_array_append (out, data, self->miner_tx_offset);
  memset (out->data + self->nonce_offset, 0, NONCE_SIZE);
  g_byte_array_append (out, hash, SHOAL_HASH_SIZE);
  shoal_varint_write (out, (guint64) self->n_transactions + 1);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
shoal_block_template_make_block_blob (ShoalBlockTemplate  *self,
                                      const guint8        *extra_nonce,
                                      gsize                extra_nonce_len,
                                      guint32              nonce,
                                      GError             **error)
{
  gsize len;
  const guint8 *data;
  guint8 *copy;

  g_return_val_if_fail (self != NULL, NULL);

  if (!check_extra_nonce (self, extra_nonce, extra_nonce_len, error))
    return NULL;
  data = g_bytes_get_data (self->blob, &len);
  copy = g_memdup2 (data, len);
  if (extra_nonce_len > 0)
    memcpy (copy + self->reserved_offset, extra_nonce, extra_nonce_len);
  shoal_patch_nonce (copy, len, self->nonce_offset, nonce);
  return g_bytes_new_take (copy, len);
}

void
shoal_patch_nonce (guint8  *blob,
                   gsize    blob_len,
                   gsize    offset,
                   guint32  nonce)
{
  g_return_if_fail (blob != NULL);
  g_return_if_fail (offset <= blob_len && blob_len - offset >= NONCE_SIZE);

  for (guint i = 0; i < NONCE_SIZE; i++)
    blob[offset + i] = (nonce >> (8 * i)) & 0xff;
}

void
shoal_block_id (const guint8 *hashing_blob,
                gsize         len,
                guint8        out[32])
{
  g_autoptr(GByteArray) buffer = g_byte_array_sized_new (len + 10);

  g_return_if_fail (hashing_blob != NULL && out != NULL);

  shoal_varint_write (buffer, len);
  g_byte_array_append (buffer, hashing_blob, len);
  shoal_keccak256 (buffer->data, buffer->len, out);
}

static gboolean
rpc_hash (JsonObject  *result,
          const char  *member,
          guint8       out[SHOAL_HASH_SIZE],
          GError     **error)
{
  const char *hex = shoal_json_get_string (result, member, error);

  if (hex == NULL)
    return FALSE;
  if (!shoal_hex_decode_into (hex, out, SHOAL_HASH_SIZE, error))
    {
      g_prefix_error (error, "Block template: field \"%s\": ", member);
      return FALSE;
    }
  return TRUE;
}

/* "wide_difficulty" where the daemon sends it, else the 64-bit split
 * fields that older daemons send. */
static gboolean
rpc_difficulty (JsonObject       *result,
                ShoalDifficulty  *out,
                GError          **error)
{
  guint64 lo, hi = 0;

  if (json_object_has_member (result, "wide_difficulty"))
    {
      const char *wide = shoal_json_get_string (result, "wide_difficulty", error);

      return wide != NULL && shoal_difficulty_parse (wide, out, error);
    }
  if (!shoal_json_get_uint64 (result, "difficulty", &lo, error))
    return FALSE;
  if (json_object_has_member (result, "difficulty_top64") &&
      !shoal_json_get_uint64 (result, "difficulty_top64", &hi, error))
    return FALSE;
  if (lo == 0 && hi == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "Block template: difficulty is zero");
      return FALSE;
    }
  out->lo = lo;
  out->hi = hi;
  return TRUE;
}

static gboolean
rpc_next_seed (ShoalBlockTemplate  *self,
               JsonObject          *result,
               GError             **error)
{
  const char *hex;

  if (!json_object_has_member (result, "next_seed_hash"))
    return TRUE;
  hex = shoal_json_get_string (result, "next_seed_hash", error);
  if (hex == NULL)
    return FALSE;
  if (*hex == '\0')
    return TRUE;
  self->has_next_seed = TRUE;
  return rpc_hash (result, "next_seed_hash", self->next_seed_hash, error);
}

static gboolean
check_same (guint64      from_rpc,
            guint64      from_blob,
            const char  *what,
            GError     **error)
{
  if (from_rpc != from_blob)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Block template: the answer says %s %" G_GUINT64_FORMAT
                   ", its blob says %" G_GUINT64_FORMAT, what, from_rpc, from_blob);
      return FALSE;
    }
  return TRUE;
}

static gboolean
rpc_check_prev_hash (ShoalBlockTemplate  *self,
                     JsonObject          *result,
                     GError             **error)
{
  guint8 prev[SHOAL_HASH_SIZE];

  if (!rpc_hash (result, "prev_hash", prev, error))
    return FALSE;
  if (memcmp (prev, self->prev_hash, SHOAL_HASH_SIZE) != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Block template: prev_hash differs from the blob's previous block id");
      return FALSE;
    }
  return TRUE;
}

/* The nonce is left out: we always leave it zero, a daemon may not. */
static gboolean
same_except_nonce (GBytes *a,
                   GBytes *b,
                   gsize   nonce_offset)
{
  gsize len_a, len_b;
  const guint8 *da = g_bytes_get_data (a, &len_a);
  const guint8 *db = g_bytes_get_data (b, &len_b);
  gsize after = nonce_offset + NONCE_SIZE;

  return len_a == len_b && len_a >= after &&
         memcmp (da, db, nonce_offset) == 0 &&
         memcmp (da + after, db + after, len_a - after) == 0;
}

/* The daemon's own hashing blob, when it sends one, must be what we
 * compute from its template with the reserved bytes as they are: if not,
 * every block we build from it would be rejected. */
static gboolean
rpc_check_hashing_blob (ShoalBlockTemplate  *self,
                        JsonObject          *result,
                        GError             **error)
{
  const guint8 *data = g_bytes_get_data (self->blob, NULL);
  g_autoptr(GBytes) theirs = NULL;
  g_autoptr(GBytes) ours = NULL;
  const char *hex;

  if (!json_object_has_member (result, "blockhashing_blob"))
    return TRUE;
  hex = shoal_json_get_string (result, "blockhashing_blob", error);
  if (hex == NULL || (theirs = shoal_hex_decode (hex, error)) == NULL)
    return FALSE;
  ours = shoal_block_template_make_hashing_blob (self, data + self->reserved_offset,
                                                 self->reserved_size, error);
  if (ours == NULL)
    return FALSE;
  if (!same_except_nonce (theirs, ours, self->nonce_offset))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Block template: blockhashing_blob differs from the one computed from "
                   "blocktemplate_blob");
      return FALSE;
    }
  return TRUE;
}

static gboolean
rpc_read_fields (ShoalBlockTemplate  *self,
                 JsonObject          *result,
                 GError             **error)
{
  guint64 height;

  return shoal_json_get_uint64 (result, "height", &height, error) &&
         check_same (height, self->height, "height", error) &&
         shoal_json_get_uint64 (result, "expected_reward", &self->expected_reward, error) &&
         check_same (self->expected_reward, self->reward, "reward", error) &&
         rpc_check_prev_hash (self, result, error) &&
         rpc_hash (result, "seed_hash", self->seed_hash, error) &&
         rpc_next_seed (self, result, error) &&
         rpc_difficulty (result, &self->difficulty, error) &&
         rpc_check_hashing_blob (self, result, error);
}

static gboolean
rpc_check_status (JsonObject  *result,
                  GError     **error)
{
  const char *status;

  if (!json_object_has_member (result, "status"))
    return TRUE;
  status = shoal_json_get_string (result, "status", error);
  if (status == NULL)
    return FALSE;
  if (g_strcmp0 (status, "OK") != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_RPC,
                   "Block template: the daemon answered status \"%s\"", status);
      return FALSE;
    }
  return TRUE;
}

ShoalBlockTemplate *
shoal_block_template_new_from_rpc (JsonObject  *result,
                                   gsize        reserved_size,
                                   GError     **error)
{
  g_autoptr(ShoalBlockTemplate) self = NULL;
  g_autoptr(GBytes) blob = NULL;
  const char *hex;
  guint64 reserved_offset;

  g_return_val_if_fail (result != NULL, NULL);

  if (!rpc_check_status (result, error))
    return NULL;
  hex = shoal_json_get_string (result, "blocktemplate_blob", error);
  if (hex == NULL || !shoal_json_get_uint64 (result, "reserved_offset", &reserved_offset, error))
    return NULL;
  blob = shoal_hex_decode (hex, error);
  if (blob == NULL)
    {
      g_prefix_error (error, "Block template: field \"blocktemplate_blob\": ");
      return NULL;
    }
  if (reserved_size > 0 && reserved_offset == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Block template: %" G_GSIZE_FORMAT " reserved bytes asked for, none given",
                   reserved_size);
      return NULL;
    }
  self = shoal_block_template_new_from_blob (blob, MIN (reserved_offset, G_MAXSIZE),
                                             reserved_size, error);
  if (self == NULL || !rpc_read_fields (self, result, error))
    return NULL;
  return g_steal_pointer (&self);
}

GBytes *
shoal_block_template_get_blob (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->blob;
}

guint64
shoal_block_template_get_height (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

const guint8 *
shoal_block_template_get_prev_hash (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->prev_hash;
}

const guint8 *
shoal_block_template_get_seed_hash (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->seed_hash;
}

const guint8 *
shoal_block_template_get_next_seed_hash (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->has_next_seed ? self->next_seed_hash : NULL;
}

const ShoalDifficulty *
shoal_block_template_get_difficulty (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->difficulty;
}

guint64
shoal_block_template_get_expected_reward (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->expected_reward;
}

gsize
shoal_block_template_get_nonce_offset (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->nonce_offset;
}

gsize
shoal_block_template_get_reserved_offset (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->reserved_offset;
}

gsize
shoal_block_template_get_reserved_size (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->reserved_size;
}

guint
shoal_block_template_get_n_transactions (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_transactions;
}

guint64
shoal_block_template_get_reward (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->reward;
}

guint
shoal_block_template_get_major_version (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->major_version;
}

guint64
shoal_block_template_get_timestamp (ShoalBlockTemplate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->timestamp;
}
