/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-pplns.h"
#include "shoal-accounting.h"

struct _ShoalAccounting
{
  GObject     parent_instance;
  ShoalStore *store;
  ShoalMode   mode;
  guint       fee_bps;
  guint       window_factor;
  GMutex      lock;   /* one crediting pass at a time */
};

G_DEFINE_FINAL_TYPE (ShoalAccounting, shoal_accounting, G_TYPE_OBJECT)

static void
shoal_accounting_finalize (GObject *object)
{
  ShoalAccounting *self = SHOAL_ACCOUNTING (object);

  g_clear_object (&self->store);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (shoal_accounting_parent_class)->finalize (object);
}

static void
shoal_accounting_class_init (ShoalAccountingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_accounting_finalize;
}

static void
shoal_accounting_init (ShoalAccounting *self)
{
  g_mutex_init (&self->lock);
}

/* FEE_BPS is the pool fee in basis points (100 = 1 %); WINDOW_FACTOR is
 * PPLNS's N (0 means the default, 2). */
ShoalAccounting *
shoal_accounting_new (ShoalStore *store,
                      ShoalMode   mode,
                      guint       fee_bps,
                      guint       window_factor)
{
  ShoalAccounting *self;

  g_return_val_if_fail (SHOAL_IS_STORE (store), NULL);
  g_return_val_if_fail (fee_bps <= SHOAL_PPLNS_MAX_FEE_BPS, NULL);

  self = g_object_new (SHOAL_TYPE_ACCOUNTING, NULL);
  self->store = g_object_ref (store);
  self->mode = mode;
  self->fee_bps = fee_bps;
  self->window_factor = window_factor ? window_factor : SHOAL_PPLNS_DEFAULT_WINDOW_FACTOR;
  return self;
}

ShoalMode
shoal_accounting_get_mode (ShoalAccounting *self)
{
  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), SHOAL_MODE_SOLO);
  return self->mode;
}

/* What crediting BLOCK_HASH would do now: ShoalCredit rows with weights
 * and amounts, and the fee.  Changes nothing. */
GPtrArray *
shoal_accounting_preview_sync (ShoalAccounting  *self,
                               const char       *block_hash,
                               guint64          *fee,
                               GError          **error)
{
  g_autoptr(ShoalStoreBlock) block = NULL;
  g_autoptr(GPtrArray) credits = NULL;
  g_autoptr(GError) local_error = NULL;
  guint window_factor, fee_bps;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), NULL);
  g_return_val_if_fail (block_hash != NULL && fee != NULL, NULL);

  block = shoal_store_get_block_sync (self->store, block_hash, &local_error);
  if (block == NULL)
    {
      if (local_error == NULL)
        g_set_error (&local_error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "No block %s", block_hash);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* The terms the block was found under; the current ones only for
   * blocks stored before terms were recorded. */
  window_factor = block->has_terms && block->terms.window_factor > 0 ? block->terms.window_factor
                                                                      : self->window_factor;
  fee_bps = block->has_terms ? block->terms.fee_bps : self->fee_bps;
  credits = shoal_store_pplns_window_sync (self->store, block_hash,
                                           shoal_pplns_window (block->difficulty, window_factor),
                                           error);
  if (credits == NULL || !shoal_pplns_split (block->reward, fee_bps, credits, fee, error))
    return NULL;
  return g_steal_pointer (&credits);
}

static gboolean
credit_locked (ShoalAccounting  *self,
               const char       *block_hash,
               GError          **error)
{
  g_autoptr(GPtrArray) credits = NULL;
  g_autoptr(ShoalStoreBlock) block = shoal_store_get_block_sync (self->store, block_hash, NULL);
  gboolean pplns = block != NULL && block->has_terms ? block->terms.pplns
                                                     : self->mode == SHOAL_MODE_PPLNS;
  guint64 fee = 0;

  /* Solo or pool as it was when the block was found. */
  if (!pplns)
    return shoal_store_unlock_block_sync (self->store, block_hash, error);
  credits = shoal_accounting_preview_sync (self, block_hash, &fee, error);
  return credits != NULL &&
         shoal_store_credit_block_sync (self->store, block_hash, credits, fee, error);
}

/* Credits one unlocked block (solo: marks it unlocked).  The store refuses
 * a block that is not pending with 60 confirmations, so calling this
 * twice for one block credits it once and fails the second time. */
gboolean
shoal_accounting_credit_block_sync (ShoalAccounting  *self,
                                    const char       *block_hash,
                                    GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), FALSE);
  g_return_val_if_fail (block_hash != NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = credit_locked (self, block_hash, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Credits every pending block that has unlocked; returns how many. */
guint
shoal_accounting_process_sync (ShoalAccounting  *self,
                               GError          **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  guint done = 0;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), 0);

  g_mutex_lock (&self->lock);
  pending = shoal_store_list_blocks_in_state_sync (self->store, SHOAL_STORE_BLOCK_PENDING, error);
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      ShoalStoreBlock *block = g_ptr_array_index (pending, i);

      if (block->confirmations < SHOAL_BLOCK_UNLOCK_CONFIRMATIONS)
        continue;
      if (!credit_locked (self, block->hash, error))
        break;
      done++;
    }
  g_mutex_unlock (&self->lock);
  return done;
}

static JsonObject *
header_of (JsonNode  *answer,
           GError   **error)
{
  JsonNode *header = json_object_get_member (json_node_get_object (answer), "block_header");

  if (header == NULL || !JSON_NODE_HOLDS_OBJECT (header))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED, "the node's answer has no block_header");
      return NULL;
    }
  return json_node_get_object (header);
}

static JsonNode *
header_call (ShoalRpcClient  *node,
             const char      *method,
             const char      *member,
             JsonNode        *value,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonNode) node_params = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (params, member, value);
  json_node_set_object (node_params, params);
  return shoal_rpc_client_call_sync (node, method, node_params, cancellable, error);
}

/* The lookup by id failed with an answer from the node: only another
 * block on the main chain at BLOCK's height orphans it; anything else
 * (BUSY, no block at that height yet) leaves it as it is (*KNOWN FALSE). */
static gboolean
ask_by_height (ShoalRpcClient        *node,
               const ShoalStoreBlock *block,
               gboolean              *known,
               gboolean              *orphaned,
               GCancellable          *cancellable,
               GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) answer = header_call (node, "get_block_header_by_height", "height",
                                            json_node_init_int (json_node_alloc (), (gint64) block->height),
                                            cancellable, &local_error);
  JsonObject *header;

  *known = FALSE;
  if (answer == NULL && local_error->domain != SHOAL_RPC_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (answer == NULL || (header = header_of (answer, NULL)) == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (json_object_get_string_member_with_default (header, "hash", ""), block->hash) == 0)
    return TRUE;
  *known = TRUE;
  *orphaned = TRUE;
  return TRUE;
}

/* Asks the node where one block stands.  Orphaned only on a definitive
 * answer: orphan_status, or another block at its height on the main
 * chain.  *KNOWN FALSE: no answer this time. */
static gboolean
ask_node (ShoalRpcClient         *node,
          const ShoalStoreBlock  *block,
          gboolean               *known,
          guint64                *depth,
          gboolean               *orphaned,
          guint64                *reward,
          GCancellable           *cancellable,
          GError                **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) answer = header_call (node, "get_block_header_by_hash", "hash",
                                            json_node_init_string (json_node_alloc (), block->hash),
                                            cancellable, &local_error);
  JsonObject *header;

  *depth = 0;
  *reward = 0;
  *orphaned = FALSE;
  if (answer == NULL && local_error->domain == SHOAL_RPC_ERROR)
    return ask_by_height (node, block, known, orphaned, cancellable, error);
  if (answer == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if ((header = header_of (answer, error)) == NULL)
    return FALSE;
  *known = TRUE;
  *orphaned = json_object_get_boolean_member_with_default (header, "orphan_status", FALSE);
  return shoal_json_get_uint64 (header, "depth", depth, error) &&
         shoal_json_get_uint64 (header, "reward", reward, error);
}

static gboolean
refresh_state (ShoalAccounting  *self,
               ShoalRpcClient   *node,
               ShoalStoreBlockState   state,
               GCancellable     *cancellable,
               GError          **error)
{
  g_autoptr(GPtrArray) blocks = shoal_store_list_blocks_in_state_sync (self->store, state, error);

  for (guint i = 0; blocks != NULL && i < blocks->len; i++)
    {
      ShoalStoreBlock *block = g_ptr_array_index (blocks, i);
      guint64 depth = 0, reward = 0;
      gboolean orphaned = FALSE, known = FALSE;

      if (!ask_node (node, block, &known, &depth, &orphaned, &reward, cancellable, error))
        return FALSE;
      if (known && !shoal_store_update_block_sync (self->store, block->hash, depth, orphaned, reward,
                                                   error))
        return FALSE;
    }
  return blocks != NULL;
}

/* The block confirmer: asks NODE (monerod) about every pending or
 * orphaned block, stores confirmations and orphan status, then credits
 * the blocks that unlocked (*N_FINISHED of them). */
gboolean
shoal_accounting_refresh_sync (ShoalAccounting  *self,
                               ShoalRpcClient   *node,
                               GCancellable     *cancellable,
                               guint            *n_finished,
                               GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  guint done;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (node), FALSE);

  if (!refresh_state (self, node, SHOAL_STORE_BLOCK_PENDING, cancellable, error) ||
      !refresh_state (self, node, SHOAL_STORE_BLOCK_ORPHANED, cancellable, error))
    return FALSE;
  done = shoal_accounting_process_sync (self, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (n_finished != NULL)
    *n_finished = done;
  return TRUE;
}

static void
refresh_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  guint done = 0;

  if (!shoal_accounting_refresh_sync (source, task_data, cancellable, &done, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, done);
}

void
shoal_accounting_refresh_async (ShoalAccounting     *self,
                                ShoalRpcClient      *node,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_ACCOUNTING (self));
  g_return_if_fail (SHOAL_IS_RPC_CLIENT (node));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_accounting_refresh_async);
  g_task_set_task_data (task, g_object_ref (node), g_object_unref);
  g_task_run_in_thread (task, refresh_thread);
}

gboolean
shoal_accounting_refresh_finish (ShoalAccounting  *self,
                                 GAsyncResult     *result,
                                 guint            *n_finished,
                                 GError          **error)
{
  gssize done;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  done = g_task_propagate_int (G_TASK (result), error);
  if (done < 0)
    return FALSE;
  if (n_finished != NULL)
    *n_finished = done;
  return TRUE;
}
