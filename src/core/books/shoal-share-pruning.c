/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-share-pruning.h"

/* One pass: made on the owner's thread, worked on the bookkeeper thread,
 * handed back to the owner's context (the bookkeeper's chore rules). */
typedef struct
{
  ShoalBookkeeper       *books;
  guint64                network_difficulty;
  gint64                 horizon_us;
  gboolean               rounds;
  ShoalSharePruningDone  done;
  ShoalSharePrune        prune;        /* set up by the first pass, its limit reused */
  guint64                removed;      /* in all passes so far */
  gboolean               more;         /* this pass stopped at its bound */
} PrunePass;

static void
prune_pass_free (PrunePass *pass)
{
  g_clear_object (&pass->books);
  g_free (pass);
}

static void queue_pass (gpointer owner, PrunePass *pass);

static void
prune_work (ShoalStore      *store,
            ShoalAccounting *accounting,
            gpointer         data,
            GError         **error)
{
  PrunePass *pass = data;
  guint64 removed = 0;

  if (pass->prune.batch == 0)
    shoal_accounting_prune_terms (accounting, pass->network_difficulty,
                                  g_get_real_time () - pass->horizon_us, &pass->prune);
  pass->prune.no_round = !pass->rounds;
  pass->more = FALSE;
  if (!shoal_store_prune_shares_sync (store, &pass->prune, &removed, error))
    return;
  pass->removed += removed;
  pass->more = removed == (guint64) pass->prune.batch * pass->prune.max_batches;
}

/* The next pass goes behind whatever was queued meanwhile. */
static void
prune_done (gpointer  owner,
            gpointer  data,
            GError   *error)
{
  PrunePass *pass = data;
  PrunePass *next;

  if (error == NULL && pass->more)
    {
      next = g_memdup2 (pass, sizeof *pass);
      next->books = g_object_ref (pass->books);
      queue_pass (owner, next);
      return;
    }
  if (error != NULL)
    g_warning ("Folding old shares: %s", error->message);
  if (pass->done != NULL)
    pass->done (owner, pass->removed, error);
}

static void
queue_pass (gpointer   owner,
            PrunePass *pass)
{
  shoal_bookkeeper_queue (pass->books, owner, prune_work, prune_done, pass,
                          (GDestroyNotify) prune_pass_free);
}

void
shoal_share_pruning_queue (ShoalBookkeeper       *books,
                           gpointer               owner,
                           guint64                network_difficulty,
                           gint64                 horizon_us,
                           gboolean               rounds,
                           ShoalSharePruningDone  done)
{
  PrunePass *pass;

  g_return_if_fail (SHOAL_IS_BOOKKEEPER (books));
  g_return_if_fail (horizon_us >= 0);

  pass = g_new0 (PrunePass, 1);
  pass->books = g_object_ref (books);
  pass->network_difficulty = network_difficulty;
  pass->horizon_us = horizon_us;
  pass->rounds = rounds;
  pass->done = done;
  queue_pass (owner, pass);
}
