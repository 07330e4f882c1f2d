/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SHOAL_NETWORK_MAINNET,   /* regtest uses mainnet addresses */
  SHOAL_NETWORK_TESTNET,
  SHOAL_NETWORK_STAGENET,
} ShoalNetwork;

typedef enum
{
  SHOAL_ADDRESS_STANDARD,
  SHOAL_ADDRESS_SUBADDRESS,
  SHOAL_ADDRESS_INTEGRATED,
} ShoalAddressKind;

typedef struct
{
  ShoalNetwork     network;
  ShoalAddressKind kind;
  guint8           spend_key[32];
  guint8           view_key[32];
  guint8           payment_id[8];  /* integrated addresses only */
} ShoalAddress;

/* Every way an address can be wrong gets its own message (bad character,
 * wrong length, bad checksum, unknown network tag...). */
gboolean    shoal_address_parse        (const char        *text,
                                        ShoalAddress      *out,
                                        GError           **error);
/* Parse and require NETWORK, with a message naming both networks if not. */
gboolean    shoal_address_check        (const char        *text,
                                        ShoalNetwork       network,
                                        ShoalAddress      *out,
                                        GError           **error);
/* The address's text form (network tag, keys, payment id, checksum). */
char       *shoal_address_to_string    (const ShoalAddress *address);
const char *shoal_network_to_string    (ShoalNetwork       network);
const char *shoal_address_kind_to_string (ShoalAddressKind kind);

/* Monero base58: 8-byte blocks to 11 characters, a short last block. */
char       *shoal_base58_encode        (const guint8      *data,
                                        gsize              len);
GBytes     *shoal_base58_decode        (const char        *text,
                                        GError           **error);

G_END_DECLS
