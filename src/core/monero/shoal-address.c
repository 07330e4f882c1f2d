/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-keccak.h"
#include "shoal-varint.h"
#include "shoal-address.h"

/* Monero's base58 works on 8-byte blocks, each written as exactly 11
 * characters (a short last block as fewer), so lengths are fixed and a
 * lost character is always a length error, never a silent shift. */

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define FULL_BLOCK_SIZE 8
#define FULL_ENCODED_BLOCK_SIZE 11
#define CHECKSUM_SIZE 4
#define STANDARD_CHARS 95
#define INTEGRATED_CHARS 106

/* Characters that encode 0..8 bytes. */
static const guint encoded_block_sizes[FULL_BLOCK_SIZE + 1] = { 0, 2, 3, 5, 6, 7, 9, 10, 11 };

typedef struct
{
  guint64          tag;
  ShoalNetwork     network;
  ShoalAddressKind kind;
} NetworkTag;

static const NetworkTag network_tags[] = {
  { 18, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_STANDARD },
  { 19, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_INTEGRATED },
  { 42, SHOAL_NETWORK_MAINNET, SHOAL_ADDRESS_SUBADDRESS },
  { 53, SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_STANDARD },
  { 54, SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_INTEGRATED },
  { 63, SHOAL_NETWORK_TESTNET, SHOAL_ADDRESS_SUBADDRESS },
  { 24, SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_STANDARD },
  { 25, SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_INTEGRATED },
  { 36, SHOAL_NETWORK_STAGENET, SHOAL_ADDRESS_SUBADDRESS },
};

static int
alphabet_index (char c)
{
  const char *at = c != '\0' ? strchr (alphabet, c) : NULL;

  return at != NULL ? at - alphabet : -1;
}

static void
encode_block (const guint8 *data,
              gsize         size,
              GString      *out)
{
  guint64 num = 0;
  guint n_chars = encoded_block_sizes[size];
  gsize start = out->len;

  for (gsize i = 0; i < size; i++)
    num = (num << 8) | data[i];
  g_string_set_size (out, start + n_chars);
  for (guint i = n_chars; i > 0; i--)
    {
      out->str[start + i - 1] = alphabet[num % 58];
      num /= 58;
    }
}

char *
shoal_base58_encode (const guint8 *data,
                     gsize         len)
{
  GString *out;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_string_sized_new ((len / FULL_BLOCK_SIZE + 1) * FULL_ENCODED_BLOCK_SIZE);
  for (gsize at = 0; at < len; at += FULL_BLOCK_SIZE)
    encode_block (data + at, MIN (FULL_BLOCK_SIZE, len - at), out);
  return g_string_free (out, FALSE);
}

static gboolean
check_characters (const char  *text,
                  GError     **error)
{
  for (gsize i = 0; text[i] != '\0'; i++)
    if (alphabet_index (text[i]) < 0)
      {
        if (g_ascii_isprint (text[i]))
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Character '%c' at position %" G_GSIZE_FORMAT " is not used in "
                       "Monero addresses", text[i], i + 1);
        else
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Byte 0x%02x at position %" G_GSIZE_FORMAT " is not used in "
                       "Monero addresses", (guint8) text[i], i + 1);
        return FALSE;
      }
  return TRUE;
}

/* Returns the byte count a last block of N_CHARS characters stands for,
 * or -1 when no block is written with that many. */
static int
decoded_block_size (gsize n_chars)
{
  for (guint i = 0; i <= FULL_BLOCK_SIZE; i++)
    if (encoded_block_sizes[i] == n_chars)
      return i;
  return -1;
}

static gboolean
decode_block (const char  *chars,
              gsize        n_chars,
              gsize        size,
              guint8      *out)
{
  guint64 num = 0;

  for (gsize i = 0; i < n_chars; i++)
    {
      guint64 digit = alphabet_index (chars[i]);

      if (num > (G_MAXUINT64 - digit) / 58)
        return FALSE;
      num = num * 58 + digit;
    }
  if (size < FULL_BLOCK_SIZE && num >> (8 * size) != 0)
    return FALSE;
  for (gsize i = size; i > 0; i--, num >>= 8)
    out[i - 1] = num & 0xff;
  return TRUE;
}

GBytes *
shoal_base58_decode (const char  *text,
                     GError     **error)
{
  gsize len, n_full, last_chars, out_len;
  int last_size;
  g_autofree guint8 *out = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!check_characters (text, error))
    return NULL;
  len = strlen (text);
  n_full = len / FULL_ENCODED_BLOCK_SIZE;
  last_chars = len % FULL_ENCODED_BLOCK_SIZE;
  last_size = decoded_block_size (last_chars);
  if (last_size < 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Base58 text of %" G_GSIZE_FORMAT " characters cannot be decoded: "
                   "a character is missing or extra", len);
      return NULL;
    }
  out_len = n_full * FULL_BLOCK_SIZE + last_size;
  out = g_malloc (out_len + 1);
  for (gsize b = 0; b * FULL_ENCODED_BLOCK_SIZE < len; b++)
    {
      gsize n_chars = MIN (FULL_ENCODED_BLOCK_SIZE, len - b * FULL_ENCODED_BLOCK_SIZE);
      gsize size = b < n_full ? FULL_BLOCK_SIZE : (gsize) last_size;

      if (!decode_block (text + b * FULL_ENCODED_BLOCK_SIZE, n_chars, size,
                         out + b * FULL_BLOCK_SIZE))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Characters %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT
                       " are not a valid base58 block", b * FULL_ENCODED_BLOCK_SIZE + 1,
                       b * FULL_ENCODED_BLOCK_SIZE + n_chars);
          return NULL;
        }
    }
  return g_bytes_new_take (g_steal_pointer (&out), out_len);
}

static const NetworkTag *
find_tag (guint64 tag)
{
  for (guint i = 0; i < G_N_ELEMENTS (network_tags); i++)
    if (network_tags[i].tag == tag)
      return &network_tags[i];
  return NULL;
}

static gsize
chars_for_kind (ShoalAddressKind kind)
{
  return kind == SHOAL_ADDRESS_INTEGRATED ? INTEGRATED_CHARS : STANDARD_CHARS;
}

static gboolean
check_length (const char  *text,
              GError     **error)
{
  gsize len = strlen (text);

  if (len == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "The address is empty");
      return FALSE;
    }
  if (len != STANDARD_CHARS && len != INTEGRATED_CHARS)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "The address has %" G_GSIZE_FORMAT " characters; a Monero address has %d "
                   "(%d when integrated)", len, STANDARD_CHARS, INTEGRATED_CHARS);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_checksum (const guint8  *payload,
                gsize          len,
                GError       **error)
{
  guint8 hash[SHOAL_HASH_SIZE];

  shoal_keccak256 (payload, len - CHECKSUM_SIZE, hash);
  if (memcmp (hash, payload + len - CHECKSUM_SIZE, CHECKSUM_SIZE) != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "The address checksum does not match: a character is mistyped");
      return FALSE;
    }
  return TRUE;
}

static const char *
kind_noun (ShoalAddressKind kind)
{
  switch (kind)
    {
    case SHOAL_ADDRESS_SUBADDRESS:
      return "subaddress";
    case SHOAL_ADDRESS_INTEGRATED:
      return "integrated address";
    case SHOAL_ADDRESS_STANDARD:
    default:
      return "standard address";
    }
}

/* Reads the network tag at the start of PAYLOAD and checks that the
 * rest has the length that kind of address needs. */
static const NetworkTag *
read_tag (const guint8  *payload,
          gsize          len,
          gsize         *pos,
          gsize          text_len,
          GError       **error)
{
  const NetworkTag *known;
  guint64 tag;

  if (!shoal_varint_read (payload, len, pos, &tag, error))
    return NULL;
  known = find_tag (tag);
  if (known == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Unknown network tag %" G_GUINT64_FORMAT ": not a Monero mainnet, testnet "
                   "or stagenet address", tag);
      return NULL;
    }
  if (text_len != chars_for_kind (known->kind) ||
      len != *pos + 64 + (known->kind == SHOAL_ADDRESS_INTEGRATED ? 8 : 0) + CHECKSUM_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Tag %" G_GUINT64_FORMAT " marks a %s %s of %" G_GSIZE_FORMAT
                   " characters, but this address has %" G_GSIZE_FORMAT, tag,
                   shoal_network_to_string (known->network), kind_noun (known->kind),
                   chars_for_kind (known->kind), text_len);
      return NULL;
    }
  return known;
}

gboolean
shoal_address_parse (const char    *text,
                     ShoalAddress  *out,
                     GError       **error)
{
  g_autoptr(GBytes) decoded = NULL;
  const NetworkTag *tag;
  const guint8 *payload;
  gsize len, pos = 0;
  ShoalAddress address = { 0 };

  g_return_val_if_fail (text != NULL, FALSE);

  if (!check_characters (text, error) || !check_length (text, error))
    return FALSE;
  decoded = shoal_base58_decode (text, error);
  if (decoded == NULL)
    return FALSE;
  payload = g_bytes_get_data (decoded, &len);
  if (!check_checksum (payload, len, error))
    return FALSE;
  tag = read_tag (payload, len, &pos, strlen (text), error);
  if (tag == NULL)
    return FALSE;

  address.network = tag->network;
  address.kind = tag->kind;
  memcpy (address.spend_key, payload + pos, 32);
  memcpy (address.view_key, payload + pos + 32, 32);
  if (tag->kind == SHOAL_ADDRESS_INTEGRATED)
    memcpy (address.payment_id, payload + pos + 64, 8);
  if (out != NULL)
    *out = address;
  return TRUE;
}

gboolean
shoal_address_check (const char    *text,
                     ShoalNetwork   network,
                     ShoalAddress  *out,
                     GError       **error)
{
  ShoalAddress address;

  if (!shoal_address_parse (text, &address, error))
    return FALSE;
  if (address.network != network)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "This is a %s address, but the node runs on %s",
                   shoal_network_to_string (address.network), shoal_network_to_string (network));
      return FALSE;
    }
  if (out != NULL)
    *out = address;
  return TRUE;
}

char *
shoal_address_to_string (const ShoalAddress *address)
{
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  guint8 hash[SHOAL_HASH_SIZE];
  const NetworkTag *tag = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (network_tags) && tag == NULL; i++)
    if (network_tags[i].network == address->network && network_tags[i].kind == address->kind)
      tag = &network_tags[i];
  g_return_val_if_fail (tag != NULL, NULL);

  shoal_varint_write (payload, tag->tag);
  g_byte_array_append (payload, address->spend_key, 32);
  g_byte_array_append (payload, address->view_key, 32);
  if (address->kind == SHOAL_ADDRESS_INTEGRATED)
    g_byte_array_append (payload, address->payment_id, 8);
  shoal_keccak256 (payload->data, payload->len, hash);
  g_byte_array_append (payload, hash, CHECKSUM_SIZE);
  return shoal_base58_encode (payload->data, payload->len);
}

const char *
shoal_network_to_string (ShoalNetwork network)
{
  switch (network)
    {
    case SHOAL_NETWORK_MAINNET:
      return "mainnet";
    case SHOAL_NETWORK_TESTNET:
      return "testnet";
    case SHOAL_NETWORK_STAGENET:
      return "stagenet";
    default:
      return "unknown network";
    }
}

const char *
shoal_address_kind_to_string (ShoalAddressKind kind)
{
  switch (kind)
    {
    case SHOAL_ADDRESS_STANDARD:
      return "standard";
    case SHOAL_ADDRESS_SUBADDRESS:
      return "subaddress";
    case SHOAL_ADDRESS_INTEGRATED:
      return "integrated";
    default:
      return "unknown kind of";
    }
}
