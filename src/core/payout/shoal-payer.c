/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-payer.h"

/* How each state is resolved, and why no path pays twice or loses money:
 *
 * planned  Nothing can have left: a transaction built with do_not_relay
 *          is neither broadcast nor marks its inputs spent.  Build (again).
 *          A wallet refusal (not enough unlocked money, bad address) ->
 *          failed, balances released.
 * built    The stored transactions may or may not have been relayed (a
 *          crash between relay_tx and the store's update).  Ask the wallet
 *          for each hash: known as pending/out -> relayed; unknown ->
 *          relay the stored metadata; if that is refused and the wallet
 *          still does not know the hash, it never left -> failed.
 * relayed  Wait for the wallet to list every transaction as "out" (mined)
 *          -> confirmed (reserved -> paid).  If the wallet reports them
 *          "failed" (dropped, double spend) -> failed, released.
 * A transport failure (wallet down, timeout) never changes a state: the
 * batch stays where it is and is reconciled on the next run. */

#define WALLET_ERROR_WRONG_TXID (-8)

typedef enum
{
  TX_UNKNOWN,
  TX_IN_POOL,
  TX_MINED,
  TX_FAILED,
} TxSeen;

struct _ShoalPayer
{
  GObject             parent_instance;
  ShoalStore         *store;
  ShoalRpcClient     *wallet;
  guint64             threshold;  /* atomic-ish: read under run_lock */
  ShoalPayerStepFunc  step_func;
  gpointer            step_data;
  GMutex              run_lock;   /* one reconcile or payout at a time */
  GSource            *timer;
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

static JsonNode *
wallet_call (ShoalPayer    *self,
             const char    *method,
             JsonBuilder   *params,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (params != NULL)
    root = json_builder_get_root (params);
  else
    {
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
    }
  return shoal_rpc_client_call_sync (self->wallet, method, root, cancellable, error);
}

static gboolean
wallet_refresh (ShoalPayer    *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(JsonNode) answer = wallet_call (self, "refresh", NULL, cancellable, error);

  return answer != NULL;
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
collect_destinations (JsonObject  *transfer,
                      const char  *txid,
                      GHashTable  *tx_by_address)
{
  JsonNode *node = json_object_get_member (transfer, "destinations");
  JsonArray *destinations;

  if (tx_by_address == NULL || node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  destinations = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (destinations); i++)
    {
      JsonNode *item = json_array_get_element (destinations, i);
      const char *address;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      address = json_object_get_string_member_with_default (json_node_get_object (item),
                                                            "address", NULL);
      if (address != NULL)
        g_hash_table_insert (tx_by_address, g_strdup (address), g_strdup (txid));
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
  g_autoptr(JsonBuilder) params = json_builder_new ();
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *transfer;

  json_builder_begin_object (params);
  json_builder_set_member_name (params, "txid");
  json_builder_add_string_value (params, txid);
  json_builder_end_object (params);
  answer = wallet_call (self, "get_transfer_by_txid", params, cancellable, &local_error);
  if (answer == NULL)
    {
      if (!g_error_matches (local_error, SHOAL_RPC_ERROR, WALLET_ERROR_WRONG_TXID))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *seen = TX_UNKNOWN;
      return TRUE;
    }
  transfer = json_object_get_member (json_node_get_object (answer), "transfer");
  if (transfer == NULL || !JSON_NODE_HOLDS_OBJECT (transfer))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "get_transfer_by_txid: the answer has no transfer object");
      return FALSE;
    }
  *seen = parse_seen (json_object_get_string_member_with_default (json_node_get_object (transfer),
                                                                  "type", NULL));
  if (*seen == TX_MINED)
    collect_destinations (json_node_get_object (transfer), txid, tx_by_address);
  return TRUE;
}

static JsonBuilder *
transfer_params (GPtrArray *payments)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "destinations");
  json_builder_begin_array (builder);
  for (guint i = 0; i < payments->len; i++)
    {
      ShoalStorePayment *payment = g_ptr_array_index (payments, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "amount");
      json_builder_add_int_value (builder, (gint64) payment->amount);
      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, payment->address);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "do_not_relay");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "get_tx_metadata");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  return builder;
}

/* A list of strings from the wallet's answer, each checked. */
static char **
string_list (JsonObject  *answer,
             const char  *member,
             gboolean     hash,
             GError     **error)
{
  JsonNode *node = json_object_get_member (answer, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) == 0)
    goto malformed;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *text;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        goto malformed;
      text = json_node_get_string (item);
      if ((hash && strlen (text) != 64) || *text == '\0' || strchr (text, '\n') != NULL)
        goto malformed;
      g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);

malformed:
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
               "transfer_split: \"%s\" is missing or malformed", member);
  return NULL;
}

static guint64
sum_fees (JsonObject *answer)
{
  JsonNode *node = json_object_get_member (answer, "fee_list");
  guint64 total = 0;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return 0;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
    {
      gint64 fee = json_array_get_int_element (json_node_get_array (node), i);

      total += fee > 0 ? (guint64) fee : 0;
    }
  return total;
}

/* transfer_split with do_not_relay: the wallet builds and signs, keeps
 * nothing, and sends nothing. */
static gboolean
wallet_build (ShoalPayer     *self,
              GPtrArray      *payments,
              char         ***hashes,
              char         ***metadata,
              guint64        *fee,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(JsonBuilder) params = transfer_params (payments);
  g_autoptr(JsonNode) answer = wallet_call (self, "transfer_split", params, cancellable, error);
  g_auto(GStrv) tx_hashes = NULL;
  g_auto(GStrv) tx_metadata = NULL;

  if (answer == NULL)
    return FALSE;
  tx_hashes = string_list (json_node_get_object (answer), "tx_hash_list", TRUE, error);
  if (tx_hashes == NULL)
    return FALSE;
  tx_metadata = string_list (json_node_get_object (answer), "tx_metadata_list", FALSE, error);
  if (tx_metadata == NULL)
    return FALSE;
  if (g_strv_length (tx_hashes) != g_strv_length (tx_metadata))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "transfer_split: %u transactions but %u metadata blobs",
                   g_strv_length (tx_hashes), g_strv_length (tx_metadata));
      return FALSE;
    }
  *fee = sum_fees (json_node_get_object (answer));
  *hashes = g_steal_pointer (&tx_hashes);
  *metadata = g_steal_pointer (&tx_metadata);
  return TRUE;
}

static gboolean
wallet_relay (ShoalPayer    *self,
              const char    *metadata,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(JsonBuilder) params = json_builder_new ();
  g_autoptr(JsonNode) answer = NULL;

  json_builder_begin_object (params);
  json_builder_set_member_name (params, "hex");
  json_builder_add_string_value (params, metadata);
  json_builder_end_object (params);
  answer = wallet_call (self, "relay_tx", params, cancellable, error);
  return answer != NULL;
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

static gboolean
step_planned (ShoalPayer      *self,
              ShoalStoreBatch  *batch,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GPtrArray) payments = NULL;
  g_autoptr(GError) wallet_error = NULL;
  g_auto(GStrv) hashes = NULL;
  g_auto(GStrv) metadata = NULL;
  guint64 fee = 0;

  payments = shoal_store_list_payments_sync (self->store, batch->id, G_MAXINT, error);
  /* The wallet must know its newest outputs, or it finds nothing unlocked. */
  if (payments == NULL || !wallet_refresh (self, cancellable, error))
    return FALSE;
  if (!wallet_build (self, payments, &hashes, &metadata, &fee, cancellable, &wallet_error))
    {
      if (wallet_error->domain == SHOAL_RPC_ERROR)
        return fail_with (self, batch->id, wallet_error, error);
      g_propagate_error (error, g_steal_pointer (&wallet_error));
      return FALSE;
    }
  emit_step (self, batch->id, SHOAL_PAYER_STEP_WALLET_BUILT);
  if (!shoal_store_batch_built_sync (self->store, batch->id, (const char * const *) hashes,
                                     (const char * const *) metadata, fee, error))
    return FALSE;
  emit_step (self, batch->id, SHOAL_PAYER_STEP_BUILT);
  return TRUE;
}

/* Relays what the wallet does not know yet; counts what is out there. */
static gboolean
relay_unknown (ShoalPayer      *self,
               ShoalStoreBatch  *batch,
               TxSeen          *seen,
               guint           *n_out,
               GError         **refusal,
               GCancellable    *cancellable,
               GError         **error)
{
  gboolean relayed = FALSE;

  *n_out = 0;
  for (guint i = 0; batch->tx_hashes[i] != NULL; i++)
    {
      g_autoptr(GError) relay_error = NULL;

      if (seen[i] == TX_UNKNOWN && wallet_relay (self, batch->tx_metadata[i], cancellable, &relay_error))
        {
          seen[i] = TX_IN_POOL;
          relayed = TRUE;
        }
      else if (relay_error != NULL && relay_error->domain != SHOAL_RPC_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&relay_error));
          return FALSE;
        }
      else if (relay_error != NULL)
        {
          /* Refused: maybe because it is out there already.  Ask again. */
          if (!lookup_tx (self, batch->tx_hashes[i], &seen[i], NULL, cancellable, error))
            return FALSE;
          if (seen[i] == TX_UNKNOWN && *refusal == NULL)
            *refusal = g_steal_pointer (&relay_error);
        }
      if (seen[i] == TX_IN_POOL || seen[i] == TX_MINED)
        (*n_out)++;
    }
  if (relayed)
    emit_step (self, batch->id, SHOAL_PAYER_STEP_WALLET_RELAYED);
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

static gboolean
step_built (ShoalPayer      *self,
            ShoalStoreBatch  *batch,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autofree TxSeen *seen = NULL;
  g_autoptr(GError) refusal = NULL;
  guint n, n_out = 0;

  /* The store only takes a built step with both lists of equal length;
   * a file edited by hand gets no guess from us. */
  if (!has_transactions (self, batch, error))
    return FALSE;
  n = g_strv_length (batch->tx_hashes);
  seen = g_new0 (TxSeen, n);
  if (!wallet_refresh (self, cancellable, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!lookup_tx (self, batch->tx_hashes[i], &seen[i], NULL, cancellable, error))
      return FALSE;
  if (!relay_unknown (self, batch, seen, &n_out, &refusal, cancellable, error))
    return FALSE;
  if (n_out == n)
    {
      if (!shoal_store_batch_relayed_sync (self->store, batch->id, error))
        return FALSE;
      emit_step (self, batch->id, SHOAL_PAYER_STEP_RELAYED);
      return TRUE;
    }
  if (n_out == 0 && refusal != NULL)
    return fail_with (self, batch->id, refusal, error);
  if (n_out == 0)
    return fail_batch (self, batch->id, "the wallet reports its transactions as failed", error);
  /* Some transactions went out and some cannot: a person must look. */
  shoal_store_batch_note_sync (self->store, batch->id,
                               "only part of this batch could be relayed", NULL);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
               "Payout batch %" G_GINT64_FORMAT ": only %u of %u transactions could be relayed: %s",
               batch->id, n_out, n, refusal ? refusal->message : "unknown reason");
  return FALSE;
}

static gboolean
finish_relayed (ShoalPayer      *self,
                ShoalStoreBatch  *batch,
                GHashTable      *tx_by_address,
                guint            n_mined,
                guint            n_failed,
                GError         **error)
{
  guint n = g_strv_length (batch->tx_hashes);

  if (n_mined == n)
    {
      if (!shoal_store_batch_confirmed_sync (self->store, batch->id, tx_by_address, error))
        return FALSE;
      emit_step (self, batch->id, SHOAL_PAYER_STEP_CONFIRMED);
    }
  else if (n_failed == n)
    return fail_batch (self, batch->id, "the wallet reports its transactions as failed", error);
  else if (n_failed > 0)
    shoal_store_batch_note_sync (self->store, batch->id,
                                 "some transactions failed, others did not: check the wallet", NULL);
  return TRUE;
}

/* Waits for "out"; re-sends a transaction the wallet forgot (it may have
 * been restored from its keys), which the network takes at most once. */
static gboolean
step_relayed (ShoalPayer      *self,
              ShoalStoreBatch  *batch,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GHashTable) tx_by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n_mined = 0, n_failed = 0;

  if (!has_transactions (self, batch, error) || !wallet_refresh (self, cancellable, error))
    return FALSE;
  for (guint i = 0; batch->tx_hashes[i] != NULL; i++)
    {
      TxSeen seen = TX_UNKNOWN;

      if (!lookup_tx (self, batch->tx_hashes[i], &seen, tx_by_address, cancellable, error))
        return FALSE;
      n_mined += seen == TX_MINED;
      n_failed += seen == TX_FAILED;
      if (seen == TX_UNKNOWN && batch->tx_metadata != NULL && batch->tx_metadata[i] != NULL)
        wallet_relay (self, batch->tx_metadata[i], cancellable, NULL);
    }
  return finish_relayed (self, batch, tx_by_address, n_mined, n_failed, error);
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

static gint64
pay_out_locked (ShoalPayer    *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 id;

  if (!reconcile_locked (self, cancellable, error))
    return -1;
  id = shoal_store_plan_batch_sync (self->store, self->threshold, SHOAL_PAYER_MAX_PAYMENTS,
                                    &local_error);
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
  ok = reconcile_locked (self, cancellable, error);
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
  id = pay_out_locked (self, cancellable, error);
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
  GError *error = NULL;
  gint64 id = shoal_payer_pay_out_sync (source, cancellable, &error);

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
  g_autoptr(GError) error = NULL;

  if (shoal_payer_pay_out_finish (SHOAL_PAYER (source), result, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Scheduled payout: %s", error->message);
}

static gboolean
on_timer (gpointer user_data)
{
  ShoalPayer *self = user_data;

  shoal_payer_pay_out_async (self, self->cancellable, on_scheduled_done, NULL);
  return G_SOURCE_CONTINUE;
}

/* Pays out every SECONDS on the calling thread's default context (0 stops
 * the schedule).  A tick that finds a run in progress waits for it. */
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

void
shoal_payer_set_threshold (ShoalPayer *self,
                           guint64     threshold)
{
  g_return_if_fail (SHOAL_IS_PAYER (self));

  g_mutex_lock (&self->run_lock);
  self->threshold = threshold;
  g_mutex_unlock (&self->run_lock);
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
shoal_payer_new (ShoalStore     *store,
                 ShoalRpcClient *wallet,
                 guint64         threshold)
{
  ShoalPayer *self;

  g_return_val_if_fail (SHOAL_IS_STORE (store), NULL);
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (wallet), NULL);

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
  G_OBJECT_CLASS (shoal_payer_parent_class)->dispose (object);
}

static void
shoal_payer_finalize (GObject *object)
{
  ShoalPayer *self = SHOAL_PAYER (object);

  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->run_lock);
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
  self->cancellable = g_cancellable_new ();
}
