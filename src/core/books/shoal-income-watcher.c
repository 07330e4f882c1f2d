/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-income-watcher.h"

/* Owned by the pool's thread: the wallet's answers, the timer and the
 * chores' results all arrive on its context, and its signal is emitted
 * there.  The store is touched only by the bookkeeper's chores. */
struct _ShoalIncomeWatcher
{
  GObject             parent_instance;
  ShoalBookkeeper    *books;
  ShoalWalletClient  *wallet;
  ShoalSidechain      sidechain;
  GCancellable       *cancellable;
  GHashTable         *settled;    /* txids credited (by us or before a restart) */
  guint               timer_id;
  gboolean            busy;       /* one look at the wallet at a time */
  gboolean            again;      /* a poll asked for while busy */
  guint               credited;   /* incomes this watcher credited */
  gboolean            arriving;   /* the store lists payouts on their way */
};

G_DEFINE_FINAL_TYPE (ShoalIncomeWatcher, shoal_income_watcher, G_TYPE_OBJECT)

enum {
  INCOME_CREDITED,
  POLLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One unlocked coinbase of the wallet's, plain data for the chore. */
typedef struct
{
  char    *txid;
  guint64  height;
  guint64  amount;
  gint64   paid_us;
  gboolean credited;   /* written by the chore */
  gboolean known;      /* settled: credited now or before */
} Income;

static void
income_free (Income *income)
{
  g_free (income->txid);
  g_free (income);
}

typedef struct
{
  GPtrArray      *incomes;   /* of Income */
  GPtrArray      *arrivals;  /* of ShoalStoreIncome: the locked coinbases */
  ShoalSidechain  sidechain;
} Chore;

static void
chore_free (Chore *chore)
{
  g_ptr_array_unref (chore->incomes);
  g_ptr_array_unref (chore->arrivals);
  g_free (chore);
}

/* On the bookkeeper's thread.  An income that fails (a bad txid from
 * the wallet, a full disk) stays unsettled and is tried at the next poll;
 * the others go on. */
static void
credit_incomes (ShoalStore      *store,
                ShoalAccounting *accounting,
                gpointer         data,
                GError         **error)
{
  Chore *chore = data;

  for (guint i = 0; i < chore->incomes->len; i++)
    {
      Income *income = g_ptr_array_index (chore->incomes, i);
      g_autoptr(GError) local_error = NULL;

      income->known = shoal_accounting_credit_income_sync (accounting, income->txid,
                                                           income->height, income->amount,
                                                           income->paid_us, chore->sidechain,
                                                           &income->credited, &local_error);
      if (local_error != NULL)
        g_warning ("income %s: %s", income->txid, local_error->message);
    }
  /* After the credits: a payout credited just now is on its way no more. */
  if (!shoal_store_set_arrivals_sync (store, chore->arrivals, error))
    g_prefix_error (error, "payouts on their way: ");
}

static void poll_done (ShoalIncomeWatcher *self);

static void
incomes_credited (gpointer  owner,
                  gpointer  data,
                  GError   *error)
{
  ShoalIncomeWatcher *self = owner;
  Chore *chore = data;

  for (guint i = 0; i < chore->incomes->len; i++)
    {
      Income *income = g_ptr_array_index (chore->incomes, i);

      if (!income->known)
        continue;
      g_hash_table_add (self->settled, g_strdup (income->txid));
      if (!income->credited)
        continue;
      self->credited++;
      g_message ("income %s of %" G_GUINT64_FORMAT " credited to the members", income->txid,
                 income->amount);
      g_signal_emit (self, signals[INCOME_CREDITED], 0, income->txid, income->amount);
    }
  if (error != NULL)
    g_warning ("%s", error->message);
  else
    self->arriving = chore->arrivals->len > 0;
  poll_done (self);
}

/* A coinbase (type "block") with 60 blocks on top, as one of our own
 * blocks must have to be credited: P2Pool's payouts are coinbase outputs,
 * spendable then and safe from all but an extraordinary reorganisation.
 * The wallet's "confirmations" counts the block itself (its height is the
 * chain's length), one more than monerod's depth; and its "locked" turns
 * false one block earlier. */
static gboolean
is_unlocked_coinbase (const ShoalWalletTransfer *transfer)
{
  return g_strcmp0 (transfer->type, "block") == 0 && !transfer->locked &&
         transfer->confirmations > SHOAL_BLOCK_UNLOCK_CONFIRMATIONS && transfer->amount > 0;
}

/* Blocks until TRANSFER, a coinbase not unlocked yet, is unlocked as
 * is_unlocked_coinbase() sees it: at least one, since past the depth it
 * is still locked. */
static guint64
blocks_to_unlock (const ShoalWalletTransfer *transfer)
{
  if (transfer->confirmations > SHOAL_BLOCK_UNLOCK_CONFIRMATIONS)
    return 1;
  return SHOAL_BLOCK_UNLOCK_CONFIRMATIONS + 1 - transfer->confirmations;
}

/* A payout on its way, for the household to see before it is credited. */
static ShoalStoreIncome *
arrival_new (const ShoalWalletTransfer *transfer,
             ShoalSidechain             sidechain)
{
  ShoalStoreIncome *arrival = g_new0 (ShoalStoreIncome, 1);

  arrival->txid = g_strdup (transfer->txid);
  arrival->height = transfer->height;
  arrival->amount = transfer->amount;
  arrival->sidechain = g_strdup (shoal_sidechain_to_string (sidechain));
  arrival->unlocks_in = blocks_to_unlock (transfer);
  return arrival;
}

/* The wallet's calls hold a reference on the watcher (taken by the poll)
 * until their answer came or dispose cancelled them; a chore holds none:
 * the bookkeeper finishes it only while the watcher is alive. */
static void
on_transfers (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalIncomeWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) transfers =
    shoal_wallet_client_get_transfers_finish (SHOAL_WALLET_CLIENT (source), result, &error);
  Chore *chore;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->busy = FALSE;
      return;
    }
  if (transfers == NULL)
    {
      g_debug ("pool wallet's transfers: %s", error->message);
      poll_done (self);
      return;
    }
  chore = g_new0 (Chore, 1);
  chore->sidechain = self->sidechain;
  chore->incomes = g_ptr_array_new_with_free_func ((GDestroyNotify) income_free);
  chore->arrivals = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_store_income_free);
  for (guint i = 0; i < transfers->len; i++)
    {
      const ShoalWalletTransfer *transfer = g_ptr_array_index (transfers, i);
      Income *income;

      if (g_hash_table_contains (self->settled, transfer->txid))
        continue;
      if (!is_unlocked_coinbase (transfer))
        {
          if (g_strcmp0 (transfer->type, "block") == 0 && transfer->amount > 0)
            g_ptr_array_add (chore->arrivals, arrival_new (transfer, self->sidechain));
          continue;
        }
      /* The window ends at the paying block's time: without it there is
       * no window, and a guess could give the members' work to the fee. */
      if (transfer->timestamp == 0)
        {
          g_warning ("income %s: the wallet gives no block time; not credited yet",
                     transfer->txid);
          continue;
        }
      income = g_new0 (Income, 1);
      income->txid = g_strdup (transfer->txid);
      income->height = transfer->height;
      income->amount = transfer->amount;
      income->paid_us = (gint64) MIN (transfer->timestamp, G_MAXINT64 / G_USEC_PER_SEC - 1) *
                        G_USEC_PER_SEC;
      g_ptr_array_add (chore->incomes, income);
    }
  /* Nothing to credit, and no payout on its way now or at the last look. */
  if (chore->incomes->len == 0 && chore->arrivals->len == 0 && !self->arriving)
    {
      chore_free (chore);
      poll_done (self);
      return;
    }
  shoal_bookkeeper_queue (self->books, self, credit_incomes, incomes_credited, chore,
                          (GDestroyNotify) chore_free);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ShoalIncomeWatcher *self = user_data;
  g_autoptr(GError) error = NULL;

  /* A failed refresh still leaves what the wallet knew: look at that. */
  if (!shoal_wallet_client_refresh_finish (SHOAL_WALLET_CLIENT (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->busy = FALSE;
      g_object_unref (self);
      return;
    }
  /* The poll's reference goes on to the next call. */
  shoal_wallet_client_get_transfers_async (self->wallet, SHOAL_TRANSFER_IN, self->cancellable,
                                           on_transfers, self);
}

static void
poll_done (ShoalIncomeWatcher *self)
{
  self->busy = FALSE;
  g_signal_emit (self, signals[POLLED], 0);
  if (self->again && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->again = FALSE;
      shoal_income_watcher_poll (self);
    }
}

/* Looks at the wallet now (after a refresh) and credits every unlocked
 * payout not credited yet. */
void
shoal_income_watcher_poll (ShoalIncomeWatcher *self)
{
  g_return_if_fail (SHOAL_IS_INCOME_WATCHER (self));

  if (self->busy)
    {
      self->again = TRUE;
      return;
    }
  self->busy = TRUE;
  shoal_wallet_client_refresh_async (self->wallet, self->cancellable, on_refreshed,
                                     g_object_ref (self));
}

static gboolean
on_timer (gpointer user_data)
{
  shoal_income_watcher_poll (user_data);
  return G_SOURCE_CONTINUE;
}

/* Polls now and every INTERVAL_MS on the thread-default context. */
void
shoal_income_watcher_start (ShoalIncomeWatcher *self,
                            guint               interval_ms)
{
  g_autoptr(GSource) source = NULL;

  g_return_if_fail (SHOAL_IS_INCOME_WATCHER (self));
  g_return_if_fail (interval_ms > 0);

  shoal_income_watcher_stop (self);
  source = g_timeout_source_new (interval_ms);
  g_source_set_callback (source, on_timer, self, NULL);
  self->timer_id = g_source_attach (source, g_main_context_get_thread_default ());
  shoal_income_watcher_poll (self);
}

void
shoal_income_watcher_stop (ShoalIncomeWatcher *self)
{
  g_return_if_fail (SHOAL_IS_INCOME_WATCHER (self));

  if (self->timer_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (),
                                                          self->timer_id);

      if (source != NULL)
        g_source_destroy (source);
      self->timer_id = 0;
    }
  /* A look in flight ends now: the pool stops its books next. */
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->again = FALSE;
}

guint
shoal_income_watcher_get_credited (ShoalIncomeWatcher *self)
{
  g_return_val_if_fail (SHOAL_IS_INCOME_WATCHER (self), 0);
  return self->credited;
}

static void
shoal_income_watcher_dispose (GObject *object)
{
  ShoalIncomeWatcher *self = SHOAL_INCOME_WATCHER (object);

  shoal_income_watcher_stop (self);
  g_clear_object (&self->books);
  g_clear_object (&self->wallet);
  G_OBJECT_CLASS (shoal_income_watcher_parent_class)->dispose (object);
}

static void
shoal_income_watcher_finalize (GObject *object)
{
  ShoalIncomeWatcher *self = SHOAL_INCOME_WATCHER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->settled, g_hash_table_unref);
  G_OBJECT_CLASS (shoal_income_watcher_parent_class)->finalize (object);
}

static void
shoal_income_watcher_class_init (ShoalIncomeWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_income_watcher_dispose;
  object_class->finalize = shoal_income_watcher_finalize;

  signals[INCOME_CREDITED] =
    g_signal_new ("income-credited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT64);
  /* After each look at the wallet, and the credits it led to. */
  signals[POLLED] =
    g_signal_new ("polled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_income_watcher_init (ShoalIncomeWatcher *self)
{
  self->cancellable = g_cancellable_new ();
  self->settled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* An earlier run's may still be listed: the first look replaces them. */
  self->arriving = TRUE;
}

ShoalIncomeWatcher *
shoal_income_watcher_new (ShoalBookkeeper   *books,
                          ShoalWalletClient *wallet,
                          ShoalSidechain     sidechain)
{
  ShoalIncomeWatcher *self;

  g_return_val_if_fail (SHOAL_IS_BOOKKEEPER (books), NULL);
  g_return_val_if_fail (SHOAL_IS_WALLET_CLIENT (wallet), NULL);

  self = g_object_new (SHOAL_TYPE_INCOME_WATCHER, NULL);
  self->books = g_object_ref (books);
  self->wallet = g_object_ref (wallet);
  self->sidechain = sidechain;
  return self;
}
