/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One payee: AMOUNT in atomic units (1 XMR = 10^12). */
typedef struct
{
  char    *address;
  guint64  amount;
} ShoalWalletDestination;

#define SHOAL_TYPE_WALLET_DESTINATION (shoal_wallet_destination_get_type ())
GType                   shoal_wallet_destination_get_type (void) G_GNUC_CONST;
ShoalWalletDestination *shoal_wallet_destination_new      (const char                   *address,
                                                           guint64                       amount);
ShoalWalletDestination *shoal_wallet_destination_copy     (const ShoalWalletDestination *dest);
void                    shoal_wallet_destination_free     (ShoalWalletDestination       *dest);

/* One transaction built by transfer_split.  TX_BLOB and TX_METADATA are
 * hex; the metadata is what relay_tx takes to broadcast it later. */
typedef struct
{
  char    *tx_hash;
  guint64  amount;
  guint64  fee;
  char    *tx_blob;
  char    *tx_metadata;
} ShoalWalletTx;

#define SHOAL_TYPE_WALLET_TX (shoal_wallet_tx_get_type ())
GType          shoal_wallet_tx_get_type (void) G_GNUC_CONST;
ShoalWalletTx *shoal_wallet_tx_copy     (const ShoalWalletTx *tx);
void           shoal_wallet_tx_free     (ShoalWalletTx       *tx);

/* One entry of get_transfers / get_transfer_by_txid.  TYPE is the
 * wallet's word: "in", "out", "pending", "failed", "pool" or "block"
 * (a coinbase).  DESTINATIONS (ShoalWalletDestination) is filled for
 * outgoing transfers. */
typedef struct
{
  char      *txid;
  char      *type;
  char      *address;
  guint64    amount;
  guint64    fee;
  guint64    height;
  guint64    confirmations;
  guint64    timestamp;
  guint64    unlock_time;
  gboolean   locked;
  GPtrArray *destinations;
} ShoalWalletTransfer;

#define SHOAL_TYPE_WALLET_TRANSFER (shoal_wallet_transfer_get_type ())
GType                shoal_wallet_transfer_get_type (void) G_GNUC_CONST;
ShoalWalletTransfer *shoal_wallet_transfer_copy     (const ShoalWalletTransfer *transfer);
void                 shoal_wallet_transfer_free     (ShoalWalletTransfer       *transfer);

typedef enum
{
  SHOAL_TRANSFER_IN      = 1 << 0,
  SHOAL_TRANSFER_OUT     = 1 << 1,
  SHOAL_TRANSFER_PENDING = 1 << 2,
  SHOAL_TRANSFER_POOL    = 1 << 3,
  SHOAL_TRANSFER_FAILED  = 1 << 4,
  SHOAL_TRANSFER_ALL     = 0x1f,
} ShoalTransferFilter;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalWalletDestination, shoal_wallet_destination_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalWalletTx, shoal_wallet_tx_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalWalletTransfer, shoal_wallet_transfer_free)

/* A monero-wallet-rpc client: digest auth when a username is given
 * (--rpc-login), none otherwise (--disable-rpc-login).  Nothing is ever
 * retried: a transfer sent twice pays twice.  A caller that lost an
 * answer reconciles with get_transfers instead. */
#define SHOAL_TYPE_WALLET_CLIENT (shoal_wallet_client_get_type ())
G_DECLARE_FINAL_TYPE (ShoalWalletClient, shoal_wallet_client, SHOAL, WALLET_CLIENT, GObject)

ShoalWalletClient *shoal_wallet_client_new         (const char        *uri,
                                                    const char        *username,
                                                    const char        *password);
const char        *shoal_wallet_client_get_uri     (ShoalWalletClient *self);
void               shoal_wallet_client_set_timeout (ShoalWalletClient *self,
                                                    guint              seconds);

/* get_version: the wallet-rpc interface version, MAJOR.MINOR (1.27 for
 * wallet-rpc 0.18).  Cheap: the pool's probe of whether the wallet
 * answers and takes its login. */
void        shoal_wallet_client_get_version_async  (ShoalWalletClient   *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean    shoal_wallet_client_get_version_finish (ShoalWalletClient   *self,
                                                    GAsyncResult        *result,
                                                    guint               *major,
                                                    guint               *minor,
                                                    GError             **error);
gboolean    shoal_wallet_client_get_version_sync   (ShoalWalletClient   *self,
                                                    guint               *major,
                                                    guint               *minor,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

/* get_address: the primary address of account 0. */
void        shoal_wallet_client_get_address_async  (ShoalWalletClient   *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
char       *shoal_wallet_client_get_address_finish (ShoalWalletClient   *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
char       *shoal_wallet_client_get_address_sync   (ShoalWalletClient   *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

/* get_balance of account 0, atomic units. */
void        shoal_wallet_client_get_balance_async  (ShoalWalletClient   *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean    shoal_wallet_client_get_balance_finish (ShoalWalletClient   *self,
                                                    GAsyncResult        *result,
                                                    guint64             *balance,
                                                    guint64             *unlocked_balance,
                                                    GError             **error);
gboolean    shoal_wallet_client_get_balance_sync   (ShoalWalletClient   *self,
                                                    guint64             *balance,
                                                    guint64             *unlocked_balance,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

/* validate_address for the wallet's own network.  Returns FALSE only when
 * the wallet could not be asked; VALID says what it thinks. */
void        shoal_wallet_client_validate_address_async  (ShoalWalletClient   *self,
                                                         const char          *address,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean    shoal_wallet_client_validate_address_finish (ShoalWalletClient   *self,
                                                         GAsyncResult        *result,
                                                         gboolean            *valid,
                                                         gboolean            *subaddress,
                                                         GError             **error);
gboolean    shoal_wallet_client_validate_address_sync   (ShoalWalletClient   *self,
                                                         const char          *address,
                                                         gboolean            *valid,
                                                         gboolean            *subaddress,
                                                         GCancellable        *cancellable,
                                                         GError             **error);

/* refresh: scan new blocks now rather than at the wallet's next
 * auto-refresh. */
void        shoal_wallet_client_refresh_async  (ShoalWalletClient   *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean    shoal_wallet_client_refresh_finish (ShoalWalletClient   *self,
                                                GAsyncResult        *result,
                                                GError             **error);
gboolean    shoal_wallet_client_refresh_sync   (ShoalWalletClient   *self,
                                                GCancellable        *cancellable,
                                                GError             **error);

/* transfer_split to N_DESTINATIONS payees, with get_tx_hex and
 * get_tx_metadata; DO_NOT_RELAY builds without broadcasting (relay_tx
 * later).  Returns a GPtrArray of ShoalWalletTx. */
void        shoal_wallet_client_transfer_split_async  (ShoalWalletClient            *self,
                                                       const ShoalWalletDestination *destinations,
                                                       guint                         n_destinations,
                                                       gboolean                      do_not_relay,
                                                       GCancellable                 *cancellable,
                                                       GAsyncReadyCallback           callback,
                                                       gpointer                      user_data);
GPtrArray  *shoal_wallet_client_transfer_split_finish (ShoalWalletClient            *self,
                                                       GAsyncResult                 *result,
                                                       GError                      **error);
GPtrArray  *shoal_wallet_client_transfer_split_sync   (ShoalWalletClient            *self,
                                                       const ShoalWalletDestination *destinations,
                                                       guint                         n_destinations,
                                                       gboolean                      do_not_relay,
                                                       GCancellable                 *cancellable,
                                                       GError                      **error);

/* relay_tx: broadcasts a transaction built with do_not_relay, from its
 * hex metadata; returns its hash. */
void        shoal_wallet_client_relay_tx_async  (ShoalWalletClient   *self,
                                                 const char          *tx_metadata,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
char       *shoal_wallet_client_relay_tx_finish (ShoalWalletClient   *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
char       *shoal_wallet_client_relay_tx_sync   (ShoalWalletClient   *self,
                                                 const char          *tx_metadata,
                                                 GCancellable        *cancellable,
                                                 GError             **error);

/* get_transfers: a GPtrArray of ShoalWalletTransfer of the kinds FILTER
 * names. */
void        shoal_wallet_client_get_transfers_async  (ShoalWalletClient   *self,
                                                      ShoalTransferFilter  filter,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GPtrArray  *shoal_wallet_client_get_transfers_finish (ShoalWalletClient   *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
GPtrArray  *shoal_wallet_client_get_transfers_sync   (ShoalWalletClient   *self,
                                                      ShoalTransferFilter  filter,
                                                      GCancellable        *cancellable,
                                                      GError             **error);

/* get_transfer_by_txid; an unknown txid is an error from the wallet. */
void                 shoal_wallet_client_get_transfer_by_txid_async  (ShoalWalletClient   *self,
                                                                      const char          *txid,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
ShoalWalletTransfer *shoal_wallet_client_get_transfer_by_txid_finish (ShoalWalletClient   *self,
                                                                      GAsyncResult        *result,
                                                                      GError             **error);
ShoalWalletTransfer *shoal_wallet_client_get_transfer_by_txid_sync   (ShoalWalletClient   *self,
                                                                      const char          *txid,
                                                                      GCancellable        *cancellable,
                                                                      GError             **error);

G_END_DECLS
