/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-payer.h"
#include "shoal-payout-proof.h"
#include "shoal-rpc-client.h"   /* SHOAL_RPC_ERROR: what the wallet itself answered */

/* How each state is resolved, and why no path pays twice or loses money:
 *
 * planned  Nothing can have left: a transaction built with do_not_relay
 *          is neither broadcast nor marks its inputs spent.  Build (again).
 *          A wallet refusal (not enough unlocked money, bad address) ->
 *          failed, balances released.
 * built    The stored transactions may or may not have been relayed (a
 *          crash between relay_tx and the store's update, or a relay_tx
 *          error after the daemon took them).  Each one the wallet does
 *          not list as sent is looked up on the node, and relayed again
 *          from its stored metadata if the node lacks it: relaying a
 *          signed transaction twice can only send it once.  All out ->
 *          relayed.  A relay error alone never fails a batch.
 * relayed  Wait for the wallet to list every transaction as "out" (mined)
 *          -> confirmed (reserved -> paid).  A wallet "failed" is not
 *          believed: wallet2 says it when its own node stopped showing the
 *          transaction, while others may still mine it.  The transaction
 *          is looked up on the node and relayed again.
 * Released (failed) after building only on proof that no transaction of
 * the batch can ever be mined: each spends a key image the node reports
 * spent on chain while the transaction itself is not there, and that
 * stays so for SHOAL_PAYER_RELEASE_DEPTH blocks.  Until then the batch
 * stays open with a note that says what is known.
 * A transport failure (wallet or node down, timeout) never changes a
 * state: the batch stays where it is and is reconciled on the next run. */

#define WALLET_ERROR_WRONG_TXID (-8)

typedef enum
{
  TX_UNKNOWN,
  TX_IN_POOL,       /* the wallet lists it as pending, or the node holds it */
  TX_MINED,         /* the wallet lists it as "out" */
  TX_FAILED,        /* the wallet says failed: a claim, not a proof */
  TX_DOUBLE_SPENT,  /* the node: not there, and a key image spent on chain */
} TxSeen;

struct _ShoalPayer
{
  GObject             parent_instance;
  ShoalStore         *store;
  ShoalWalletClient  *wallet;
  ShoalNodeClient    *node;       /* NULL: nothing is ever released after building */
  guint64             threshold;  /* under threshold_lock: set live while a run may hang */
  GMutex              threshold_lock;
  ShoalPayerStepFunc  step_func;
  gpointer            step_data;
  GMutex              run_lock;   /* one reconcile or payout at a time */
  GSource            *timer;
  gboolean            tick_running;  /* owner thread: a scheduled run is in flight */
  gboolean            shut_down;     /* under run_lock: no run starts any more */
  GCancellable       *cancellable;
};

G_DEFINE_FINAL_TYPE (ShoalPayer, shoal_payer, G_TYPE_OBJECT)

static const char *step_names[] = {
  "planned", "wallet-built", "built", "wallet-relayed", "relayed", "confirmed", "failed",
};

const char *
shoal_payer_step_to_string (ShoalPayerStep step)
{
  g_return_val_if_fail (step <= SHOAL_PAYER_STEP_FAILED, NULL);
  return step_names[step];
}

static void
emit_step (ShoalPayer     *self,
           gint64          batch_id,
           ShoalPayerStep  step)
{
  g_debug ("payout batch %" G_GINT64_FORMAT ": %s", batch_id, step_names[step]);
  if (self->step_func != NULL)
    self->step_func (self, batch_id, step, self->step_data);
}

/* --- wallet ------------------------------------------------------------ */

/* What transfer_split built, for the store's built step. */
typedef struct
{
  char    **hashes;
  char    **metadata;
  char    **key_images;  /* may be NULL */
  guint64   fee;
} Built;

static void
built_clear (Built *built)
{
  g_clear_pointer (&built->hashes, g_strfreev);
  g_clear_pointer (&built->metadata, g_strfreev);
  g_clear_pointer (&built->key_images, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Built, built_clear)

static gboolean
wallet_refresh (ShoalPayer    *self,
                GCancellable  *cancellable,
                GError       **error)
{
  return shoal_wallet_client_refresh_sync (self->wallet, cancellable, error);
}

static TxSeen
parse_seen (const char *type)
{
  if (g_strcmp0 (type, "out") == 0)
    return TX_MINED;
  if (g_strcmp0 (type, "pending") == 0 || g_strcmp0 (type, "pool") == 0)
    return TX_IN_POOL;
  if (g_strcmp0 (type, "failed") == 0)
    return TX_FAILED;
  return TX_UNKNOWN;
}

static void
collect_destinations (const ShoalWalletTransfer *transfer,
                      GHashTable                *tx_by_address)
{
  if (tx_by_address == NULL)
    return;
  for (guint i = 0; i < transfer->destinations->len; i++)
    {
      const ShoalWalletDestination *dest = g_ptr_array_index (transfer->destinations, i);

      g_hash_table_insert (tx_by_address, g_strdup (dest->address), g_strdup (transfer->txid));
    }
}

/* Where the wallet sees TXID.  "Transaction not found" is an answer
 * (TX_UNKNOWN), not an error. */
static gboolean
lookup_tx (ShoalPayer    *self,
           const char    *txid,
           TxSeen        *seen,
           GHashTable    *tx_by_address,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ShoalWalletTransfer) transfer =
    shoal_wallet_client_get_transfer_by_txid_sync (self->wallet, txid, cancellable, &local_error);

  if (transfer == NULL)
    {
      if (!g_error_matches (local_error, SHOAL_RPC_ERROR, WALLET_ERROR_WRONG_TXID))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *seen = TX_UNKNOWN;
      return TRUE;
    }
  *seen = parse_seen (transfer->type);
  if (*seen == TX_MINED)
    collect_destinations (transfer, tx_by_address);
  return TRUE;
}

/* transfer_split with do_not_relay to PAYMENTS (ShoalStorePayment): the
 * wallet builds and signs, keeps nothing, and sends nothing. */
static GPtrArray *
build_unrelayed (ShoalPayer    *self,
                 GPtrArray     *payments,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GArray) destinations = g_array_sized_new (FALSE, TRUE, sizeof (ShoalWalletDestination),
                                                      payments->len);

  for (guint i = 0; i < payments->len; i++)
    {
      const ShoalStorePayment *payment = g_ptr_array_index (payments, i);
      ShoalWalletDestination dest = { payment->address, payment->amount };

      g_array_append_val (destinations, dest);
    }
  return shoal_wallet_client_transfer_split_sync (self->wallet,
                                                  (const ShoalWalletDestination *) destinations->data,
                                                  destinations->len, TRUE, cancellable, error);
}

static guint64
sum_fees (GPtrArray *txs)
{
  guint64 total = 0;

  for (guint i = 0; i < txs->len; i++)
    total += ((const ShoalWalletTx *) g_ptr_array_index (txs, i))->fee;
  return total;
}

/* The store keeps hashes and metadata one a line: each is checked. */
static gboolean
check_built_tx (const ShoalWalletTx  *tx,
                guint                 i,
                GError              **error)
{
  if (strlen (tx->tx_hash) == 64 && strchr (tx->tx_hash, '\n') == NULL &&
      *tx->tx_metadata != '\0' && strchr (tx->tx_metadata, '\n') == NULL)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
               "transfer_split: transaction %u has a malformed hash or metadata", i);
  return FALSE;
}

/* The key images each built transaction spends, one line per
 * transaction, read from the signed blobs: NULL when a blob cannot be
 * read (the batch then can only be released by a person). */
static char **
key_images_of (GPtrArray *txs)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();

  for (guint i = 0; i < txs->len; i++)
    {
      const ShoalWalletTx *tx = g_ptr_array_index (txs, i);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) images = shoal_tx_key_images (tx->tx_blob, &error);
      g_autofree char *line = NULL;

      if (images == NULL)
        {
          g_warning ("transaction %u of a payout: %s", i, error->message);
          return NULL;
        }
      line = g_strjoinv (" ", images);
      g_strv_builder_add (lines, line);
    }
  return g_strv_builder_end (lines);
}

static gboolean
built_from_txs (Built      *built,
                GPtrArray  *txs,
                GError    **error)
{
  g_autoptr(GStrvBuilder) hashes = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) metadata = g_strv_builder_new ();

  if (txs->len == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "transfer_split: the wallet built no transaction");
      return FALSE;
    }
  for (guint i = 0; i < txs->len; i++)
    {
      const ShoalWalletTx *tx = g_ptr_array_index (txs, i);

      if (!check_built_tx (tx, i, error))
        return FALSE;
      g_strv_builder_add (hashes, tx->tx_hash);
      g_strv_builder_add (metadata, tx->tx_metadata);
    }
  built->fee = sum_fees (txs);
  built->hashes = g_strv_builder_end (hashes);
  built->metadata = g_strv_builder_end (metadata);
  built->key_images = key_images_of (txs);
  return TRUE;
}

static gboolean
wallet_build (ShoalPayer     *self,
              GPtrArray      *payments,
              Built          *built,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(GPtrArray) txs = build_unrelayed (self, payments, cancellable, error);

  return txs != NULL && built_from_txs (built, txs, error);
}

static gboolean
wallet_relay (ShoalPayer    *self,
              const char    *metadata,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree char *hash = shoal_wallet_client_relay_tx_sync (self->wallet, metadata, cancellable,
                                                             error);

  return hash != NULL;
}

/* --- the state machine ------------------------------------------------- */

static gboolean
fail_batch (ShoalPayer   *self,
            gint64        id,
            const char   *reason,
            GError      **error)
{
  if (!shoal_store_batch_failed_sync (self->store, id, reason, error))
    return FALSE;
  emit_step (self, id, SHOAL_PAYER_STEP_FAILED);
  return TRUE;
}

/* A wallet refusal: the batch fails, and the caller hears why. */
static gboolean
fail_with (ShoalPayer  *self,
           gint64       id,
           GError      *cause,
           GError     **error)
{
  g_autofree char *reason = g_strdup_printf ("the wallet refused it: %s", cause->message);

  if (!fail_batch (self, id, reason, error))
    return FALSE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_RPC,
               "Payout batch %" G_GINT64_FORMAT " failed and its balances were released: %s",
               id, cause->message);
  return FALSE;
}

static char *
format_xmr (guint64 amount)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT " XMR",
                          amount / G_GUINT64_CONSTANT (1000000000000),
                          amount % G_GUINT64_CONSTANT (1000000000000));
}

/* The network fee comes out of the pool's fee account, never out of
 * members' money: a payout it cannot cover fails before anything is
 * sent (the transactions were only built). */
static gboolean
check_fee_covered (ShoalPayer  *self,
                   gint64       id,
                   guint64      fee,
                   GError     **error)
{
  g_autofree char *fee_text = format_xmr (fee);
  g_autofree char *account_text = NULL;
  g_autofree char *reason = NULL;
  guint64 account = 0;

  if (!shoal_store_get_fee_account_sync (self->store, &account, error))
    return FALSE;
  if (fee <= account)
    return TRUE;
  account_text = format_xmr (account);
  reason = g_strdup_printf ("the network fee of %s is more than the pool's fee account holds (%s): "
                            "nothing was sent. Raise the pool fee, or wait until more blocks are "
                            "credited, then pay out again", fee_text, account_text);
  if (!fail_batch (self, id, reason, error))
    return FALSE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "Payout refused: %s.", reason);
  return FALSE;
}

static gboolean
step_planned (ShoalPayer      *self,
              ShoalStoreBatch  *batch,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GPtrArray) payments = NULL;
  g_autoptr(GError) wallet_error = NULL;
  g_auto(Built) built = { NULL, NULL, NULL, 0 };

  payments = shoal_store_list_payments_sync (self->store, batch->id, G_MAXINT, error);
  /* The wallet must know its newest outputs, or it finds nothing unlocked. */
  if (payments == NULL || !wallet_refresh (self, cancellable, error))
    return FALSE;
  if (!wallet_build (self, payments, &built, cancellable, &wallet_error))
    {
      if (wallet_error->domain == SHOAL_RPC_ERROR)
        return fail_with (self, batch->id, wallet_error, error);
      g_propagate_error (error, g_steal_pointer (&wallet_error));
      return FALSE;
    }
  emit_step (self, batch->id, SHOAL_PAYER_STEP_WALLET_BUILT);
  if (!check_fee_covered (self, batch->id, built.fee, error))
    return FALSE;
  if (!shoal_store_batch_built_sync (self->store, batch->id, (const char * const *) built.hashes,
                                     (const char * const *) built.metadata,
                                     (const char * const *) built.key_images, built.fee, error))
    return FALSE;
  emit_step (self, batch->id, SHOAL_PAYER_STEP_BUILT);
  return TRUE;
}

static gboolean
has_transactions (ShoalPayer      *self,
                  ShoalStoreBatch  *batch,
                  GError         **error)
{
  if (batch->tx_hashes != NULL && batch->tx_metadata != NULL &&
      g_strv_length (batch->tx_hashes) > 0 &&
      g_strv_length (batch->tx_hashes) == g_strv_length (batch->tx_metadata))
    return TRUE;
  shoal_store_batch_note_sync (self->store, batch->id, "its stored transactions are incomplete", NULL);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "Payout batch %" G_GINT64_FORMAT " is %s but its stored transactions are "
               "incomplete: check it by hand", batch->id, shoal_batch_state_to_string (batch->state));
  return FALSE;
}

/* --- the facts about one transaction ------------------------------------ */

/* The node's word on transaction I, which the wallet does not list as
 * sent: in its pool or on its chain -> out there; missing, with a key
 * image spent on chain -> double spent (checked for the transaction once
 * more: it may have been mined in between); else unchanged. */
static gboolean
ask_node (ShoalPayer       *self,
          ShoalStoreBatch  *batch,
          guint             i,
          TxSeen           *seen,
          GCancellable     *cancellable,
          GError          **error)
{
  ShoalTxWhere where = SHOAL_TX_MISSING;
  ShoalKeyImagesState spent = SHOAL_KEY_IMAGES_UNSPENT;

  if (self->node == NULL)
    return TRUE;
  if (!shoal_node_client_find_transaction_sync (self->node, batch->tx_hashes[i], &where,
                                                cancellable, error))
    return FALSE;
  if (where == SHOAL_TX_MISSING && batch->key_images != NULL && batch->key_images[i] != NULL &&
      g_strv_length (batch->key_images) == g_strv_length (batch->tx_hashes))
    {
      g_auto(GStrv) images = g_strsplit (batch->key_images[i], " ", -1);

      if (!shoal_node_client_key_images_spent_sync (self->node, (const char * const *) images,
                                                    &spent, cancellable, error) ||
          (spent == SHOAL_KEY_IMAGES_SPENT_ON_CHAIN &&
           !shoal_node_client_find_transaction_sync (self->node, batch->tx_hashes[i], &where,
                                                     cancellable, error)))
        return FALSE;
    }
  if (where != SHOAL_TX_MISSING)
    *seen = TX_IN_POOL;
  else if (spent == SHOAL_KEY_IMAGES_SPENT_ON_CHAIN)
    *seen = TX_DOUBLE_SPENT;
  return TRUE;
}

/* What is known about transaction I: the wallet first; for one it does
 * not list as sent, the node; one that nobody holds is relayed again
 * from the stored metadata (REFUSAL keeps the first relay error). */
static gboolean
settle_tx (ShoalPayer       *self,
           ShoalStoreBatch  *batch,
           guint             i,
           TxSeen           *seen,
           GHashTable       *tx_by_address,
           GError          **refusal,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autoptr(GError) relay_error = NULL;

  if (!lookup_tx (self, batch->tx_hashes[i], seen, tx_by_address, cancellable, error))
    return FALSE;
  if (*seen == TX_MINED || *seen == TX_IN_POOL)
    return TRUE;
  if (!ask_node (self, batch, i, seen, cancellable, error))
    return FALSE;
  if (*seen == TX_IN_POOL || *seen == TX_DOUBLE_SPENT)
    return TRUE;
  if (wallet_relay (self, batch->tx_metadata[i], cancellable, &relay_error))
    {
      *seen = TX_IN_POOL;
      emit_step (self, batch->id, SHOAL_PAYER_STEP_WALLET_RELAYED);
      return TRUE;
    }
  if (relay_error->domain != SHOAL_RPC_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&relay_error));
      return FALSE;
    }
  /* Refused, perhaps after the daemon took it: only the node can say. */
  if (!ask_node (self, batch, i, seen, cancellable, error))
    return FALSE;
  if (*seen != TX_IN_POOL && *refusal == NULL)
    *refusal = g_steal_pointer (&relay_error);
  return TRUE;
}

typedef struct
{
  guint   n;
  guint   mined;         /* "out" in the wallet */
  guint   out;           /* mined, or pending / held by the node */
  guint   double_spent;
  GError *refusal;
} Tally;

static void
tally_clear (Tally *tally)
{
  g_clear_error (&tally->refusal);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Tally, tally_clear)

static gboolean
settle_batch (ShoalPayer       *self,
              ShoalStoreBatch  *batch,
              Tally            *tally,
              GHashTable       *tx_by_address,
              GCancellable     *cancellable,
              GError          **error)
{
  if (!has_transactions (self, batch, error) || !wallet_refresh (self, cancellable, error))
    return FALSE;
  tally->n = g_strv_length (batch->tx_hashes);
  for (guint i = 0; i < tally->n; i++)
    {
      TxSeen seen = TX_UNKNOWN;

      if (!settle_tx (self, batch, i, &seen, tx_by_address, &tally->refusal, cancellable, error))
        return FALSE;
      tally->mined += seen == TX_MINED;
      tally->out += seen == TX_MINED || seen == TX_IN_POOL;
      tally->double_spent += seen == TX_DOUBLE_SPENT;
    }
  return TRUE;
}

/* Every transaction double-spent: the batch is released once the node's
 * chain is SHOAL_PAYER_RELEASE_DEPTH blocks past the first sighting.
 * Anything else forgets an earlier sighting (a reorg undid it). */
static gboolean
weigh_conflict (ShoalPayer       *self,
                ShoalStoreBatch  *batch,
                const Tally      *tally,
                gboolean         *released,
                GCancellable     *cancellable,
                GError          **error)
{
  guint64 height = 0;

  *released = FALSE;
  if (tally->double_spent < tally->n)
    return batch->conflict_height == 0 ||
           shoal_store_batch_conflict_sync (self->store, batch->id, 0, error);
  if (!shoal_node_client_get_block_count_sync (self->node, &height, cancellable, error))
    return FALSE;
  if (batch->conflict_height == 0)
    return shoal_store_batch_conflict_sync (self->store, batch->id, height, error);
  if (height < batch->conflict_height + SHOAL_PAYER_RELEASE_DEPTH)
    return TRUE;
  *released = TRUE;
  return fail_batch (self, batch->id,
                     "every transaction spends an output that other transactions spent on "
                     "chain: it can never be mined, so its balances were released", error);
}

/* What the window shows under an open batch: the facts, and what a
 * person can do. */
static char *
waiting_note (ShoalStoreBatch *batch,
              const Tally     *tally)
{
  if (tally->double_spent == tally->n)
    return g_strdup_printf ("Other transactions spent this batch's inputs on chain: it can never be "
                            "mined. Its balances are released once that is %u blocks deep.",
                            SHOAL_PAYER_RELEASE_DEPTH);
  if (tally->refusal != NULL)
    return g_strdup_printf ("%u of %u transactions are neither in the wallet nor on the node, and "
                            "relaying them again was refused (%s). Nothing is paid again until the "
                            "node shows they can never be mined. Check that the wallet and the node "
                            "are synced; the batch is retried on every check.",
                            tally->n - tally->out - tally->double_spent, tally->n,
                            tally->refusal->message);
  if (tally->out + tally->double_spent == tally->n && tally->double_spent > 0)
    return g_strdup ("Some transactions were mined or sent, others were double-spent: check the "
                     "wallet's history by hand before paying these members again.");
  if (tally->out < tally->n)
    return g_strdup_printf ("%u of %u transactions are not on the network yet; they are relayed "
                            "again on every check.", tally->n - tally->out, tally->n);
  return NULL;
}

static void
note_waiting (ShoalPayer      *self,
              ShoalStoreBatch *batch,
              const Tally     *tally)
{
  g_autofree char *note = waiting_note (batch, tally);

  if (note != NULL && g_strcmp0 (note, batch->note) != 0)
    shoal_store_batch_note_sync (self->store, batch->id, note, NULL);
}

static gboolean
step_built (ShoalPayer      *self,
            ShoalStoreBatch  *batch,
            GCancellable    *cancellable,
            GError         **error)
{
  g_auto(Tally) tally = { 0 };
  gboolean released = FALSE;

  if (!settle_batch (self, batch, &tally, NULL, cancellable, error))
    return FALSE;
  if (tally.out == tally.n)
    {
      if (!shoal_store_batch_relayed_sync (self->store, batch->id, error))
        return FALSE;
      emit_step (self, batch->id, SHOAL_PAYER_STEP_RELAYED);
      return TRUE;
    }
  if (!weigh_conflict (self, batch, &tally, &released, cancellable, error) || released)
    return released;
  note_waiting (self, batch, &tally);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_BUSY,
               "Payout batch %" G_GINT64_FORMAT " stays open: %u of %u transactions are on the "
               "network%s%s", batch->id, tally.out, tally.n,
               tally.refusal ? "; relaying was refused: " : "",
               tally.refusal ? tally.refusal->message : "");
  return FALSE;
}

/* Waits for "out"; a transaction the wallet calls failed or forgot is
 * looked up on the node and relayed again, which the network takes at
 * most once. */
static gboolean
step_relayed (ShoalPayer      *self,
              ShoalStoreBatch  *batch,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GHashTable) tx_by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(Tally) tally = { 0 };
  gboolean released = FALSE;

  if (!settle_batch (self, batch, &tally, tx_by_address, cancellable, error))
    return FALSE;
  if (tally.mined == tally.n)
    {
      if (!shoal_store_batch_confirmed_sync (self->store, batch->id, tx_by_address, error))
        return FALSE;
      emit_step (self, batch->id, SHOAL_PAYER_STEP_CONFIRMED);
      return TRUE;
    }
  if (!weigh_conflict (self, batch, &tally, &released, cancellable, error))
    return FALSE;
  if (!released)
    note_waiting (self, batch, &tally);
  return TRUE;
}

/* Moves one batch as far as it can go now. */
static gboolean
advance (ShoalPayer    *self,
         gint64         id,
         GCancellable  *cancellable,
         GError       **error)
{
  for (;;)
    {
      g_autoptr(ShoalStoreBatch) batch = shoal_store_get_batch_sync (self->store, id, error);
      gboolean ok;

      if (batch == NULL)
        return FALSE;
      if (batch->state == SHOAL_BATCH_PLANNED)
        ok = step_planned (self, batch, cancellable, error);
      else if (batch->state == SHOAL_BATCH_BUILT)
        ok = step_built (self, batch, cancellable, error);
      else if (batch->state == SHOAL_BATCH_RELAYED)
        return step_relayed (self, batch, cancellable, error);
      else
        return TRUE;
      if (!ok)
        return FALSE;
    }
}

static gboolean
reconcile_locked (ShoalPayer    *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GPtrArray) open = shoal_store_list_batches_sync (self->store, G_MAXINT, TRUE, error);

  if (open == NULL)
    return FALSE;
  for (guint i = 0; i < open->len; i++)
    if (!advance (self, ((ShoalStoreBatch *) g_ptr_array_index (open, i))->id, cancellable, error))
      return FALSE;
  return TRUE;
}

static guint64
get_threshold (ShoalPayer *self)
{
  guint64 threshold;

  g_mutex_lock (&self->threshold_lock);
  threshold = self->threshold;
  g_mutex_unlock (&self->threshold_lock);
  return threshold;
}

/* A payout a person confirmed: what they saw, at the threshold they saw. */
typedef struct
{
  guint64    threshold;
  GPtrArray *expected;  /* ShoalStorePayment */
} Confirmed;

static void
confirmed_free (Confirmed *confirmed)
{
  g_clear_pointer (&confirmed->expected, g_ptr_array_unref);
  g_free (confirmed);
}

static gint64
pay_out_locked (ShoalPayer       *self,
                const Confirmed  *confirmed,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 id;

  if (!reconcile_locked (self, cancellable, error))
    return -1;
  id = shoal_store_plan_exact_batch_sync (self->store,
                                          confirmed ? confirmed->threshold : get_threshold (self),
                                          SHOAL_PAYER_MAX_PAYMENTS,
                                          confirmed ? confirmed->expected : NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }
  if (id == 0)
    return 0;
  emit_step (self, id, SHOAL_PAYER_STEP_PLANNED);
  return advance (self, id, cancellable, error) ? id : -1;
}

/* --- public ------------------------------------------------------------ */

/* Called with run_lock held. */
static gboolean
check_running (ShoalPayer  *self,
               GError     **error)
{
  if (!self->shut_down)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The payer was shut down");
  return FALSE;
}

/* Reconciles every unfinished batch with the wallet: call at start-up
 * (pay_out does it first too) and after new blocks, to confirm. */
gboolean
shoal_payer_reconcile_sync (ShoalPayer    *self,
                            GCancellable  *cancellable,
                            GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_PAYER (self), FALSE);

  g_mutex_lock (&self->run_lock);
  ok = check_running (self, error) && reconcile_locked (self, cancellable, error);
  g_mutex_unlock (&self->run_lock);
  return ok;
}

/* Reconciles, then pays every balance at or above the threshold (at most
 * SHOAL_PAYER_MAX_PAYMENTS, largest first).  Returns the new batch's id
 * (usually relayed by then, confirmed once mined), 0 when nobody was due,
 * -1 on error. */
gint64
shoal_payer_pay_out_sync (ShoalPayer    *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  gint64 id;

  g_return_val_if_fail (SHOAL_IS_PAYER (self), -1);

  g_mutex_lock (&self->run_lock);
  id = check_running (self, error) ? pay_out_locked (self, NULL, cancellable, error) : -1;
  g_mutex_unlock (&self->run_lock);
  return id;
}

/* The network fee of paying PAYMENTS (ShoalStorePayment rows, as
 * shoal_payer_preview_sync gives them): the wallet builds the
 * transactions without relaying them, so nothing is spent.  Blocks. */
gboolean
shoal_payer_estimate_fee_sync (ShoalPayer    *self,
                               GPtrArray     *payments,
                               guint64       *fee,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GPtrArray) txs = NULL;

  g_return_val_if_fail (SHOAL_IS_PAYER (self), FALSE);
  g_return_val_if_fail (payments != NULL && fee != NULL, FALSE);

  txs = build_unrelayed (self, payments, cancellable, error);
  if (txs == NULL)
    return FALSE;
  *fee = sum_fees (txs);
  return TRUE;
}

/* What the planner would pay now at THRESHOLD (ShoalStorePayment rows):
 * show it, and pass it to shoal_payer_pay_out_confirmed_sync once a
 * person agreed. */
GPtrArray *
shoal_payer_preview_sync (ShoalPayer  *self,
                          guint64      threshold,
                          GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_PAYER (self), NULL);
  return shoal_store_list_due_sync (self->store, threshold, SHOAL_PAYER_MAX_PAYMENTS, error);
}

/* Reconciles, then pays exactly EXPECTED (from shoal_payer_preview_sync
 * at THRESHOLD), or nothing: if the balances changed meanwhile the payout
 * is refused with SHOAL_ERROR_INVALID. */
gint64
shoal_payer_pay_out_confirmed_sync (ShoalPayer    *self,
                                    guint64        threshold,
                                    GPtrArray     *expected,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  Confirmed confirmed = { threshold, expected };
  gint64 id;

  g_return_val_if_fail (SHOAL_IS_PAYER (self), -1);
  g_return_val_if_fail (expected != NULL, -1);

  g_mutex_lock (&self->run_lock);
  id = check_running (self, error) ? pay_out_locked (self, &confirmed, cancellable, error) : -1;
  g_mutex_unlock (&self->run_lock);
  return id;
}

static void
reconcile_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;

  if (!shoal_payer_reconcile_sync (source, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
shoal_payer_reconcile_async (ShoalPayer          *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_PAYER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_payer_reconcile_async);
  g_task_run_in_thread (task, reconcile_thread);
}

gboolean
shoal_payer_reconcile_finish (ShoalPayer    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
pay_out_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Confirmed *confirmed = task_data;
  GError *error = NULL;
  gint64 id = confirmed != NULL
              ? shoal_payer_pay_out_confirmed_sync (source, confirmed->threshold, confirmed->expected,
                                                    cancellable, &error)
              : shoal_payer_pay_out_sync (source, cancellable, &error);

  if (id < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, id);
}

void
shoal_payer_pay_out_async (ShoalPayer          *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_PAYER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_payer_pay_out_async);
  g_task_run_in_thread (task, pay_out_thread);
}

void
shoal_payer_pay_out_confirmed_async (ShoalPayer          *self,
                                     guint64              threshold,
                                     GPtrArray           *expected,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Confirmed *confirmed;

  g_return_if_fail (SHOAL_IS_PAYER (self));
  g_return_if_fail (expected != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_payer_pay_out_async);
  confirmed = g_new0 (Confirmed, 1);
  confirmed->threshold = threshold;
  confirmed->expected = g_ptr_array_ref (expected);
  g_task_set_task_data (task, confirmed, (GDestroyNotify) confirmed_free);
  g_task_run_in_thread (task, pay_out_thread);
}

/* Same answer as shoal_payer_pay_out_sync. */
gint64
shoal_payer_pay_out_finish (ShoalPayer    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

static void
on_scheduled_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ShoalPayer *self = SHOAL_PAYER (source);
  g_autoptr(GError) error = NULL;

  self->tick_running = FALSE;
  if (shoal_payer_pay_out_finish (self, result, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Scheduled payout: %s", error->message);
}

/* A tick that finds the previous scheduled run still going is skipped:
 * runs never pile up behind a wallet that hangs. */
static gboolean
on_timer (gpointer user_data)
{
  ShoalPayer *self = user_data;

  if (self->tick_running)
    {
      g_debug ("scheduled payout skipped: the previous one is still running");
      return G_SOURCE_CONTINUE;
    }
  self->tick_running = TRUE;
  shoal_payer_pay_out_async (self, self->cancellable, on_scheduled_done, NULL);
  return G_SOURCE_CONTINUE;
}

/* Pays out every SECONDS on the calling thread's default context (0 stops
 * the schedule).  No tick starts while the previous scheduled run runs. */
void
shoal_payer_set_interval (ShoalPayer *self,
                          guint       seconds)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (seconds == 0)
    return;
  self->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_set_static_name (self->timer, "[shoal] payout schedule");
  g_source_attach (self->timer, g_main_context_get_thread_default ());
}

/* The node that proves a batch can never be mined (see the top of this
 * file).  Without one, a built batch is never released.  Set before the
 * first run. */
void
shoal_payer_set_node (ShoalPayer      *self,
                      ShoalNodeClient *node)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));
  g_return_if_fail (node == NULL || SHOAL_IS_NODE_CLIENT (node));

  g_set_object (&self->node, node);
}

/* Stops the schedule, cancels the scheduled run and waits until no run
 * holds the store: call it before the store closes.  Runs asked for later
 * fail with G_IO_ERROR_CANCELLED.  Owner thread. */
void
shoal_payer_shutdown (ShoalPayer *self)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));

  shoal_payer_set_interval (self, 0);
  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->run_lock);
  self->shut_down = TRUE;
  g_mutex_unlock (&self->run_lock);
}

void
shoal_payer_set_threshold (ShoalPayer *self,
                           guint64     threshold)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));

  /* Not run_lock: a run holds it while the wallet answers, and this is
   * called from the window when the setting changes. */
  g_mutex_lock (&self->threshold_lock);
  self->threshold = threshold;
  g_mutex_unlock (&self->threshold_lock);
}

/* Set before the first run; FUNC is called on the payer's thread. */
void
shoal_payer_set_step_func (ShoalPayer         *self,
                           ShoalPayerStepFunc  func,
                           gpointer            user_data)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));
  self->step_func = func;
  self->step_data = user_data;
}

/* THRESHOLD: the smallest balance paid, in atomic units. */
ShoalPayer *
shoal_payer_new (ShoalStore        *store,
                 ShoalWalletClient *wallet,
                 guint64            threshold)
{
  ShoalPayer *self;

  g_return_val_if_fail (SHOAL_IS_STORE (store), NULL);
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (wallet), NULL);

  self = g_object_new (SHOAL_TYPE_PAYER, NULL);
  self->store = g_object_ref (store);
  self->wallet = g_object_ref (wallet);
  self->threshold = threshold;
  return self;
}

static void
shoal_payer_dispose (GObject *object)
{
  ShoalPayer *self = SHOAL_PAYER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  g_clear_object (&self->store);
  g_clear_object (&self->wallet);
  g_clear_object (&self->node);
  G_OBJECT_CLASS (shoal_payer_parent_class)->dispose (object);
}

static void
shoal_payer_finalize (GObject *object)
{
  ShoalPayer *self = SHOAL_PAYER (object);

  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->run_lock);
  g_mutex_clear (&self->threshold_lock);
  G_OBJECT_CLASS (shoal_payer_parent_class)->finalize (object);
}

static void
shoal_payer_class_init (ShoalPayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_payer_dispose;
  G_OBJECT_CLASS (klass)->finalize = shoal_payer_finalize;
}

static void
shoal_payer_init (ShoalPayer *self)
{
  g_mutex_init (&self->run_lock);
  g_mutex_init (&self->threshold_lock);
  self->cancellable = g_cancellable_new ();
}
