/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-block-keeper.h"

/* Owned by the pool's thread: the tracker reports and the block source
 * speak to it there, and its signals are emitted there.  The store and
 * accounting are touched only by the bookkeeper's chores. */
struct _ShoalBlockKeeper
{
  GObject            parent_instance;
  ShoalBookkeeper   *books;
  ShoalBlockTracker *tracker;        /* the node in use's, or NULL */
  GHashTable        *found_heights;  /* block id -> height, until announced */
};

G_DEFINE_FINAL_TYPE (ShoalBlockKeeper, shoal_block_keeper, G_TYPE_OBJECT)

enum {
  BLOCK_FOUND,
  BLOCK_ORPHANED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What a chore writes about one block; plain data for the bookkeeper. */
typedef struct
{
  char            *id;
  guint64          height;
  guint64          reward;
  guint64          difficulty;
  guint64          confirmations;
  gint64           found_us;
  ShoalBlockState  state;
  ShoalBlockTerms  terms;
} BlockNote;

static void
block_note_free (BlockNote *note)
{
  g_free (note->id);
  g_free (note);
}

static void
write_block_found (ShoalStore      *store,
                   ShoalAccounting *accounting,
                   gpointer         data,
                   GError         **error)
{
  BlockNote *note = data;

  shoal_store_add_found_block_sync (store, note->id, note->height, note->reward, note->difficulty,
                                    note->found_us, &note->terms, error);
}

/* Recorded first: a block the node takes is never missing from the
 * store, and one it refuses is marked orphaned by the tracker. */
void
shoal_block_keeper_found (ShoalBlockKeeper      *self,
                          const char            *block_id,
                          guint64                height,
                          guint64                reward,
                          guint64                difficulty,
                          gint64                 found_us,
                          const ShoalBlockTerms *terms)
{
  BlockNote *note;

  g_return_if_fail (SHOAL_IS_BLOCK_KEEPER (self));
  g_return_if_fail (block_id != NULL && terms != NULL);

  note = g_new0 (BlockNote, 1);
  g_message ("block candidate at height %" G_GUINT64_FORMAT ": %s", height, block_id);
  g_hash_table_insert (self->found_heights, g_strdup (block_id), g_memdup2 (&height, sizeof height));
  note->id = g_strdup (block_id);
  note->height = height;
  note->reward = reward;
  note->difficulty = difficulty;
  note->found_us = found_us;
  note->terms = *terms;
  shoal_bookkeeper_queue (self->books, self, write_block_found, NULL, note,
                          (GDestroyNotify) block_note_free);
}

static void
write_block_changed (ShoalStore      *store,
                     ShoalAccounting *accounting,
                     gpointer         data,
                     GError         **error)
{
  BlockNote *note = data;

  shoal_accounting_block_changed_sync (accounting, note->id, note->state, note->confirmations,
                                       error);
}

static void
block_changed_written (gpointer  owner,
                       gpointer  data,
                       GError   *error)
{
  BlockNote *note = data;

  if (error != NULL)
    g_warning ("block %s: %s", note->id, error->message);
}

/* Announced once: found when the node shows it on the main chain,
 * orphaned when it never made it there. */
static void
announce (ShoalBlockKeeper *self,
          const char       *id,
          ShoalBlockState   state,
          guint64           height)
{
  if (state == SHOAL_BLOCK_STATE_PENDING || state == SHOAL_BLOCK_STATE_UNLOCKED)
    {
      g_message ("block found at height %" G_GUINT64_FORMAT ": %s", height, id);
      g_signal_emit (self, signals[BLOCK_FOUND], 0, height, id);
      g_hash_table_remove (self->found_heights, id);
    }
  else if (state == SHOAL_BLOCK_STATE_ORPHANED || state == SHOAL_BLOCK_STATE_REJECTED)
    {
      g_message ("block orphaned at height %" G_GUINT64_FORMAT ": %s", height, id);
      g_signal_emit (self, signals[BLOCK_ORPHANED], 0, height, id);
      g_hash_table_remove (self->found_heights, id);
    }
}

void
shoal_block_keeper_changed (ShoalBlockKeeper *self,
                            const char       *id,
                            ShoalBlockState   state,
                            guint64           confirmations)
{
  BlockNote *note;
  guint64 *found;

  g_return_if_fail (SHOAL_IS_BLOCK_KEEPER (self));
  g_return_if_fail (id != NULL);

  note = g_new0 (BlockNote, 1);
  note->id = g_strdup (id);
  note->state = state;
  note->confirmations = confirmations;
  shoal_bookkeeper_queue (self->books, self, write_block_changed, block_changed_written, note,
                          (GDestroyNotify) block_note_free);
  g_message ("block %s: %s, %" G_GUINT64_FORMAT " confirmations", id,
             shoal_block_state_to_string (state), confirmations);
  found = g_hash_table_lookup (self->found_heights, id);
  if (found != NULL)
    announce (self, id, state, *found);
}

static void
on_block_changed (ShoalBlockTracker *tracker,
                  const char        *id,
                  ShoalBlockState    state,
                  guint64            confirmations,
                  ShoalBlockKeeper  *self)
{
  shoal_block_keeper_changed (self, id, state, confirmations);
}

static void
read_pending_blocks (ShoalStore      *store,
                     ShoalAccounting *accounting,
                     gpointer         data,
                     GError         **error)
{
  GPtrArray **blocks = data;

  g_autoptr(GPtrArray) orphans = NULL;

  *blocks = shoal_store_list_blocks_in_state_sync (store, SHOAL_STORE_BLOCK_PENDING, error);
  /* Recent orphans too: the verdict may have come from a node that was
   * wrong; the tracker lets go of those the chain is far past. */
  if (*blocks != NULL)
    orphans = shoal_store_list_recent_orphans_sync (store, 64, error);
  for (guint i = 0; orphans != NULL && i < orphans->len; i++)
    g_ptr_array_add (*blocks, g_steal_pointer (&g_ptr_array_index (orphans, i)));
}

static void
free_block_list (gpointer data)
{
  GPtrArray **blocks = data;

  g_clear_pointer (blocks, g_ptr_array_unref);
  g_free (blocks);
}

static void
track_pending_blocks (gpointer  owner,
                      gpointer  data,
                      GError   *error)
{
  ShoalBlockKeeper *self = owner;
  GPtrArray *blocks = *(GPtrArray **) data;

  if (error != NULL)
    {
      g_warning ("cannot read the pool's pending blocks: %s", error->message);
      return;
    }
  for (guint i = 0; self->tracker != NULL && blocks != NULL && i < blocks->len; i++)
    {
      const ShoalStoreBlock *block = g_ptr_array_index (blocks, i);

      if (block->state == SHOAL_STORE_BLOCK_ORPHANED)
        shoal_block_tracker_recheck (self->tracker, block->hash, block->height, block->reward);
      else
        shoal_block_tracker_track (self->tracker, block->hash, block->height, block->reward);
    }
}

/* Takes TRACKER's reports from now on (a node switch brings a new one),
 * and has it follow the blocks the store says are still unsettled: the
 * store remembers them across a restart, the tracker does not. */
void
shoal_block_keeper_follow (ShoalBlockKeeper  *self,
                           ShoalBlockTracker *tracker)
{
  g_return_if_fail (SHOAL_IS_BLOCK_KEEPER (self));
  g_return_if_fail (SHOAL_IS_BLOCK_TRACKER (tracker));

  if (self->tracker != NULL)
    g_signal_handlers_disconnect_by_data (self->tracker, self);
  g_set_object (&self->tracker, tracker);
  g_signal_connect_object (tracker, "block-changed", G_CALLBACK (on_block_changed), self, 0);
  shoal_bookkeeper_queue (self->books, self, read_pending_blocks, track_pending_blocks,
                          g_new0 (GPtrArray *, 1), free_block_list);
}

static void
shoal_block_keeper_dispose (GObject *object)
{
  ShoalBlockKeeper *self = SHOAL_BLOCK_KEEPER (object);

  if (self->tracker != NULL)
    g_signal_handlers_disconnect_by_data (self->tracker, self);
  g_clear_object (&self->tracker);
  g_clear_object (&self->books);
  G_OBJECT_CLASS (shoal_block_keeper_parent_class)->dispose (object);
}

static void
shoal_block_keeper_finalize (GObject *object)
{
  ShoalBlockKeeper *self = SHOAL_BLOCK_KEEPER (object);

  g_clear_pointer (&self->found_heights, g_hash_table_unref);
  G_OBJECT_CLASS (shoal_block_keeper_parent_class)->finalize (object);
}

static void
shoal_block_keeper_class_init (ShoalBlockKeeperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_block_keeper_dispose;
  object_class->finalize = shoal_block_keeper_finalize;

  signals[BLOCK_FOUND] =
    g_signal_new ("block-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
  signals[BLOCK_ORPHANED] =
    g_signal_new ("block-orphaned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
shoal_block_keeper_init (ShoalBlockKeeper *self)
{
  self->found_heights = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ShoalBlockKeeper *
shoal_block_keeper_new (ShoalBookkeeper *books)
{
  ShoalBlockKeeper *self;

  g_return_val_if_fail (SHOAL_IS_BOOKKEEPER (books), NULL);

  self = g_object_new (SHOAL_TYPE_BLOCK_KEEPER, NULL);
  self->books = g_object_ref (books);
  return self;
}
