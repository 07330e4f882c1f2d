/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A block header as monerod describes it (get_block_header_by_*).
 * DEPTH is the number of blocks on top of it (0 for the tip). */
typedef struct
{
  char     *hash;         /* 64 hex characters */
  char     *prev_hash;
  guint64   height;
  guint64   depth;
  guint64   timestamp;
  guint64   reward;       /* atomic units */
  gboolean  orphan;       /* orphan_status: not on the main chain */
} ShoalBlockHeader;

#define SHOAL_TYPE_BLOCK_HEADER (shoal_block_header_get_type ())
GType             shoal_block_header_get_type  (void) G_GNUC_CONST;
ShoalBlockHeader *shoal_block_header_copy      (const ShoalBlockHeader *header);
void              shoal_block_header_free      (ShoalBlockHeader       *header);
ShoalBlockHeader *shoal_block_header_new_from_json (JsonObject         *object,
                                                    GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBlockHeader, shoal_block_header_free)

/* What get_info says about the node itself: where its chain is, whether
 * it has caught up with the network (a node that has not answers
 * get_block_template with BUSY), and which network it is on. */
typedef struct
{
  guint64   height;          /* blocks in its chain */
  guint64   target_height;   /* the network's, while syncing; 0 once synced */
  gboolean  synchronized;    /* missing from the answer: taken as TRUE */
  gboolean  busy_syncing;
  gboolean  offline;
  gboolean  restricted;      /* a public, restricted RPC port */
  char     *network;         /* "mainnet", "testnet", "stagenet" or "fakechain" (regtest) */
  char     *version;         /* "0.18.0.0-unknown", or "" */
} ShoalNodeStatus;

#define SHOAL_TYPE_NODE_STATUS (shoal_node_status_get_type ())
GType            shoal_node_status_get_type      (void) G_GNUC_CONST;
ShoalNodeStatus *shoal_node_status_new_from_info (JsonObject            *info);
ShoalNodeStatus *shoal_node_status_copy          (const ShoalNodeStatus *status);
void             shoal_node_status_free          (ShoalNodeStatus       *status);
gboolean         shoal_node_status_equal         (const ShoalNodeStatus *a,
                                                  const ShoalNodeStatus *b);
/* Sync progress in whole percent: height / max (target_height, height),
 * at most 99 while syncing, 0 while no peer has told it a target, 100
 * once synchronised. */
guint            shoal_node_status_get_percent   (const ShoalNodeStatus *status);
/* TRUE when the node is on NETWORK ("mainnet", "testnet" or "stagenet");
 * a regtest node counts as mainnet (it takes mainnet addresses). */
gboolean         shoal_node_status_is_network    (const ShoalNodeStatus *status,
                                                  const char            *network);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalNodeStatus, shoal_node_status_free)

/* A monerod JSON-RPC client.  Transport failures (node unreachable, timed
 * out) are retried with backoff, "retries" times; errors that monerod
 * itself answered never are.  get_info is never retried: it is the probe
 * the tip watcher polls every second, which is its own retry.
 * submit_block is retried like the rest: a block that already reached the
 * node answers OK again (duplicate), one that did not would be lost. */
#define SHOAL_TYPE_NODE_CLIENT (shoal_node_client_get_type ())
G_DECLARE_FINAL_TYPE (ShoalNodeClient, shoal_node_client, SHOAL, NODE_CLIENT, GObject)

ShoalNodeClient  *shoal_node_client_new         (const char        *uri,
                                                 const char        *username,
                                                 const char        *password);
/* Another client for the same node, login and settings, with its own
 * connections (a poller that must not queue behind a slow submit). */
ShoalNodeClient  *shoal_node_client_dup         (ShoalNodeClient   *self);
const char       *shoal_node_client_get_uri     (ShoalNodeClient   *self);
guint             shoal_node_client_get_timeout (ShoalNodeClient   *self);
void              shoal_node_client_set_timeout (ShoalNodeClient   *self,
                                                 guint              seconds);
guint             shoal_node_client_get_retries (ShoalNodeClient   *self);
void              shoal_node_client_set_retries (ShoalNodeClient   *self,
                                                 guint              retries);

/* get_info: the "result" object (height, top_block_hash, ...). */
void              shoal_node_client_get_info_async   (ShoalNodeClient     *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
JsonObject       *shoal_node_client_get_info_finish  (ShoalNodeClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
JsonObject       *shoal_node_client_get_info_sync    (ShoalNodeClient     *self,
                                                      GCancellable        *cancellable,
                                                      GError             **error);

/* get_block_template: the "result" object, checked for the fields a
 * template needs.  PREV_BLOCK (hex, or NULL for the tip) asks for a
 * template on another parent: an alternative chain. */
void              shoal_node_client_get_block_template_async  (ShoalNodeClient     *self,
                                                               const char          *wallet_address,
                                                               guint                reserve_size,
                                                               const char          *prev_block,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
JsonObject       *shoal_node_client_get_block_template_finish (ShoalNodeClient     *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);
JsonObject       *shoal_node_client_get_block_template_sync   (ShoalNodeClient     *self,
                                                               const char          *wallet_address,
                                                               guint                reserve_size,
                                                               const char          *prev_block,
                                                               GCancellable        *cancellable,
                                                               GError             **error);

/* submit_block: TRUE on "OK", which is not proof that the block is on the
 * main chain (stale and duplicate blocks get OK too): confirm with
 * get_block_header_by_hash. */
void              shoal_node_client_submit_block_async  (ShoalNodeClient     *self,
                                                         GBytes              *block_blob,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean          shoal_node_client_submit_block_finish (ShoalNodeClient     *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
gboolean          shoal_node_client_submit_block_sync   (ShoalNodeClient     *self,
                                                         GBytes              *block_blob,
                                                         GCancellable        *cancellable,
                                                         GError             **error);

void              shoal_node_client_get_block_header_by_hash_async   (ShoalNodeClient     *self,
                                                                      const char          *hash,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
ShoalBlockHeader *shoal_node_client_get_block_header_by_hash_sync    (ShoalNodeClient     *self,
                                                                      const char          *hash,
                                                                      GCancellable        *cancellable,
                                                                      GError             **error);
void              shoal_node_client_get_block_header_by_height_async (ShoalNodeClient     *self,
                                                                      guint64              height,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
ShoalBlockHeader *shoal_node_client_get_block_header_by_height_sync  (ShoalNodeClient     *self,
                                                                      guint64              height,
                                                                      GCancellable        *cancellable,
                                                                      GError             **error);
void              shoal_node_client_get_last_block_header_async      (ShoalNodeClient     *self,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
ShoalBlockHeader *shoal_node_client_get_last_block_header_sync       (ShoalNodeClient     *self,
                                                                      GCancellable        *cancellable,
                                                                      GError             **error);
/* Finishes any of the three get_block_header_* calls. */
ShoalBlockHeader *shoal_node_client_get_block_header_finish          (ShoalNodeClient     *self,
                                                                      GAsyncResult        *result,
                                                                      GError             **error);

/* Where the node sees a transaction (/get_transactions). */
typedef enum
{
  SHOAL_TX_MISSING,    /* neither in the node's pool nor on its chain */
  SHOAL_TX_IN_POOL,
  SHOAL_TX_IN_CHAIN,
} ShoalTxWhere;

/* The worst state of a set of key images (/is_key_image_spent). */
typedef enum
{
  SHOAL_KEY_IMAGES_UNSPENT,       /* none spent: the transaction may still be mined */
  SHOAL_KEY_IMAGES_SPENT_IN_POOL, /* one spent by a pool transaction: wait */
  SHOAL_KEY_IMAGES_SPENT_ON_CHAIN,/* one spent on chain */
} ShoalKeyImagesState;

/* Blocking calls for worker threads (the payer, the ledger check):
 * get_block_count, the number of blocks on the node's main chain;
 * /get_transactions for one TXID; /is_key_image_spent for KEY_IMAGES
 * (hex), answering the worst state over all of them. */
gboolean          shoal_node_client_get_block_count_sync  (ShoalNodeClient      *self,
                                                           guint64              *count,
                                                           GCancellable         *cancellable,
                                                           GError              **error);
gboolean          shoal_node_client_find_transaction_sync (ShoalNodeClient      *self,
                                                           const char           *txid,
                                                           ShoalTxWhere         *where,
                                                           GCancellable         *cancellable,
                                                           GError              **error);
gboolean          shoal_node_client_key_images_spent_sync (ShoalNodeClient      *self,
                                                           const char * const   *key_images,
                                                           ShoalKeyImagesState  *state,
                                                           GCancellable         *cancellable,
                                                           GError              **error);

/* TRUE for the errors worth retrying later: the node could not be
 * reached or did not answer in time. */
gboolean          shoal_node_error_is_transport (const GError *error);

G_END_DECLS
