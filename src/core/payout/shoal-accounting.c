/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-pplns.h"
#include "shoal-sidechain.h"
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

/* One report of ShoalBlockTracker ("block-changed"): the block's state
 * is stored, then every block that unlocked is credited; returns how
 * many.  ORPHANED and REJECTED both take the block off the main chain.
 * A credited block keeps its state whatever the report; one the store
 * does not know is refused, which is no failure to report. */
guint
shoal_accounting_block_changed_sync (ShoalAccounting  *self,
                                     const char       *block_hash,
                                     ShoalBlockState   state,
                                     guint64           confirmations,
                                     GError          **error)
{
  gboolean orphaned = state == SHOAL_BLOCK_STATE_ORPHANED || state == SHOAL_BLOCK_STATE_REJECTED;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), 0);
  g_return_val_if_fail (block_hash != NULL, 0);

  if (!shoal_store_update_block_sync (self->store, block_hash, confirmations, orphaned, 0,
                                      &local_error))
    {
      g_debug ("block %s: %s", block_hash, local_error->message);
      return 0;
    }
  return shoal_accounting_process_sync (self, error);
}

/* A block's timestamp is when its template was made, not when it was
 * found: P2Pool makes a new template for every sidechain block (10 or
 * 30 s) and every Monero block, so the block was found up to about one
 * Monero block time (120 s) later.  The window ends that much after the
 * timestamp, so the work that found the block is in it.  Windows overlap
 * anyway (each payout is split over its own window, as P2Pool does):
 * this shifts one, it credits nothing twice. */
#define INCOME_FOUND_SLACK_US (120 * G_USEC_PER_SEC)

/* What crediting an income would do now, as shoal_accounting_preview_sync
 * does for a block: the members' verified work over P2Pool's window for
 * SIDECHAIN before the block that paid it, split by the PPLNS rule. */
static GPtrArray *
income_credits (ShoalAccounting   *self,
                ShoalStoreIncome  *income,
                ShoalSidechain     sidechain,
                gint64             paid_us,
                GError           **error)
{
  g_autoptr(GPtrArray) credits = NULL;

  income->window_end_us = paid_us + INCOME_FOUND_SLACK_US;
  income->window_start_us = income->window_end_us - shoal_sidechain_window_us (sidechain);
  income->fee_bps = self->fee_bps;
  credits = shoal_store_income_window_sync (self->store, income->window_start_us,
                                            income->window_end_us, error);
  /* No work at all: no payout for this household (money from before the
   * split, or from other miners on the same wallet).  It stays in the
   * wallet, uncredited, rather than go to the fee account as an empty
   * window of our own block does. */
  if (credits == NULL || credits->len == 0 ||
      !shoal_pplns_split (income->amount, income->fee_bps, credits, &income->fee, error))
    return NULL;
  return g_steal_pointer (&credits);
}

/* Why INCOME is left uncredited, or NULL when it is the household's. */
static const char *
not_ours (ShoalAccounting   *self,
          ShoalStoreIncome  *income,
          GError           **error)
{
  gboolean pool_block = FALSE;

  if (!shoal_store_has_pool_block_at_sync (self->store, income->height, &pool_block, error))
    return NULL;
  return pool_block ? "the coinbase of one of our pool-mode blocks, credited with it" : NULL;
}

/* Credits a payout an upstream pool made to the pool wallet: AMOUNT from
 * the coinbase TXID of the block at HEIGHT, whose timestamp is PAID_US.
 * Call it only once the coinbase is unlocked.  An income is credited at
 * most once (the store keys it by TXID).  One already credited, or not
 * the household's (no work of ours in its window, or the coinbase of our
 * own pool-mode block), is no failure: *CREDITED (optional) says whether
 * this call credited it. */
gboolean
shoal_accounting_credit_income_sync (ShoalAccounting  *self,
                                     const char       *txid,
                                     guint64           height,
                                     guint64           amount,
                                     gint64            paid_us,
                                     ShoalSidechain    sidechain,
                                     gboolean         *credited,
                                     GError          **error)
{
  g_autoptr(ShoalStoreIncome) known = NULL;
  g_autoptr(GPtrArray) credits = NULL;
  g_autoptr(GError) local_error = NULL;
  ShoalStoreIncome income = { (char *) txid, height, amount,
                              (char *) shoal_sidechain_to_string (sidechain) };
  const char *skip = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (self), FALSE);
  g_return_val_if_fail (txid != NULL, FALSE);

  if (credited != NULL)
    *credited = FALSE;
  g_mutex_lock (&self->lock);
  known = shoal_store_get_income_sync (self->store, txid, &local_error);
  if (known == NULL && local_error == NULL)
    skip = not_ours (self, &income, &local_error);
  if (known == NULL && skip == NULL && local_error == NULL)
    {
      credits = income_credits (self, &income, sidechain, paid_us, &local_error);
      if (credits == NULL && local_error == NULL)
        skip = "no verified work of ours in its window";
    }
  if (credits != NULL)
    ok = shoal_store_credit_income_sync (self->store, &income, credits, &local_error);
  g_mutex_unlock (&self->lock);
  if (skip != NULL)
    g_message ("income %s left uncredited: %s", txid, skip);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (credited != NULL)
    *credited = ok;
  return TRUE;
}

/* The network difficulty may rise before the next block; its window is
 * kept this many times over (Monero's difficulty moves a few percent a day). */
#define NEXT_WINDOW_MARGIN 2
#define PRUNE_BATCH        2000   /* shares per transaction: a few ms of the writer */
#define PRUNE_BATCHES      4      /* transactions per pass */

/* What a run of shoal_store_prune_shares_sync may fold: shares older than
 * BEFORE_US that no PPLNS window can need any more (see
 * shoal-store-prune.c), a bounded pass a call; an unknown network
 * difficulty (0) keeps everything. */
void
shoal_accounting_prune_terms (ShoalAccounting *self,
                              guint64          network_difficulty,
                              gint64           before_us,
                              ShoalSharePrune *prune)
{
  guint64 window;

  g_return_if_fail (SHOAL_IS_ACCOUNTING (self));
  g_return_if_fail (prune != NULL);

  window = shoal_pplns_window (network_difficulty, self->window_factor);
  *prune = (ShoalSharePrune) { .before_us = before_us, .default_factor = self->window_factor,
                               .batch = PRUNE_BATCH, .max_batches = PRUNE_BATCHES };
  if (!g_uint64_checked_mul (&prune->next_window, window, NEXT_WINDOW_MARGIN))
    prune->next_window = 0;
}
