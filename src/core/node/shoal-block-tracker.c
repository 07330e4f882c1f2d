/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-block-tracker.h"

#define DEFAULT_UNLOCK_DEPTH 60

typedef struct
{
  char            *id;
  guint64          height;
  guint64          reward;
  guint64          confirmations;
  ShoalBlockState  state;
  gboolean         final;
} TrackedBlock;

struct _ShoalBlockTracker
{
  GObject          parent_instance;
  ShoalNodeClient *node;
  GMainContext    *context;
  GCancellable    *cancellable;
  GHashTable      *blocks;         /* id -> TrackedBlock */
  GQueue           round;          /* ids still to check in this refresh */
  char            *current;        /* the id being checked */
  gboolean         refreshing;
  gboolean         refresh_again;
  guint64          tip_height;
  guint            unlock_depth;
};

G_DEFINE_FINAL_TYPE (ShoalBlockTracker, shoal_block_tracker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UNLOCK_DEPTH,
  N_PROPS
};

enum {
  BLOCK_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The registered nick: the API and the logs say what the type says.
 * Called from any thread (the API's too), hence the once. */
const char *
shoal_block_state_to_string (ShoalBlockState state)
{
  static GEnumClass *klass = NULL;
  GEnumValue *value;

  if (g_once_init_enter (&klass))
    g_once_init_leave (&klass, g_type_class_ref (SHOAL_TYPE_BLOCK_STATE));
  value = g_enum_get_value (klass, state);
  return value != NULL ? value->value_nick : "unknown";
}

static void check_next (ShoalBlockTracker *self);

static void
tracked_block_free (TrackedBlock *block)
{
  g_free (block->id);
  g_free (block);
}

static void
shoal_block_tracker_dispose (GObject *object)
{
  ShoalBlockTracker *self = SHOAL_BLOCK_TRACKER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->node);
  G_OBJECT_CLASS (shoal_block_tracker_parent_class)->dispose (object);
}

static void
shoal_block_tracker_finalize (GObject *object)
{
  ShoalBlockTracker *self = SHOAL_BLOCK_TRACKER (object);

  g_queue_clear_full (&self->round, g_free);
  g_clear_pointer (&self->current, g_free);
  g_clear_pointer (&self->blocks, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_block_tracker_parent_class)->finalize (object);
}

static void
shoal_block_tracker_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ShoalBlockTracker *self = SHOAL_BLOCK_TRACKER (object);

  switch (prop_id)
    {
    case PROP_UNLOCK_DEPTH:
      g_value_set_uint (value, self->unlock_depth);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_block_tracker_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ShoalBlockTracker *self = SHOAL_BLOCK_TRACKER (object);

  switch (prop_id)
    {
    case PROP_UNLOCK_DEPTH:
      if (self->unlock_depth != g_value_get_uint (value))
        {
          self->unlock_depth = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_block_tracker_class_init (ShoalBlockTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_block_tracker_dispose;
  object_class->finalize = shoal_block_tracker_finalize;
  object_class->get_property = shoal_block_tracker_get_property;
  object_class->set_property = shoal_block_tracker_set_property;

  properties[PROP_UNLOCK_DEPTH] =
    g_param_spec_uint ("unlock-depth", NULL, NULL, 1, 10000, DEFAULT_UNLOCK_DEPTH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[BLOCK_CHANGED] =
    g_signal_new ("block-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, SHOAL_TYPE_BLOCK_STATE,
                  G_TYPE_UINT64);
}

static void
shoal_block_tracker_init (ShoalBlockTracker *self)
{
  self->unlock_depth = DEFAULT_UNLOCK_DEPTH;
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->blocks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) tracked_block_free);
  g_queue_init (&self->round);
}

ShoalBlockTracker *
shoal_block_tracker_new (ShoalNodeClient *node)
{
  ShoalBlockTracker *self;

  g_return_val_if_fail (SHOAL_IS_NODE_CLIENT (node), NULL);

  self = g_object_new (SHOAL_TYPE_BLOCK_TRACKER, NULL);
  self->node = g_object_ref (node);
  return self;
}

static void
set_state (ShoalBlockTracker *self,
           TrackedBlock      *block,
           ShoalBlockState    state,
           guint64            confirmations)
{
  if (block->state == state && block->confirmations == confirmations)
    return;
  if (block->state != state)
    g_debug ("block %s at height %" G_GUINT64_FORMAT ": %s -> %s", block->id, block->height,
             shoal_block_state_to_string (block->state), shoal_block_state_to_string (state));
  block->state = state;
  block->confirmations = confirmations;
  g_signal_emit (self, signals[BLOCK_CHANGED], 0, block->id, state, confirmations);
}

/* Not on the main chain.  It stays under watch until the main chain is
 * unlock-depth past it: a reorg may still bring it back. */
static void
set_orphaned (ShoalBlockTracker *self,
              TrackedBlock      *block)
{
  block->final = self->tip_height >= block->height + self->unlock_depth;
  set_state (self, block, SHOAL_BLOCK_STATE_ORPHANED, 0);
}

static void
set_on_main_chain (ShoalBlockTracker *self,
                   TrackedBlock      *block,
                   guint64            depth)
{
  gboolean unlocked = depth >= self->unlock_depth;

  block->final = unlocked;
  set_state (self, block, unlocked ? SHOAL_BLOCK_STATE_UNLOCKED : SHOAL_BLOCK_STATE_PENDING, depth);
}

static void
end_round (ShoalBlockTracker *self)
{
  g_queue_clear_full (&self->round, g_free);
  g_clear_pointer (&self->current, g_free);
  self->refreshing = FALSE;
  if (self->refresh_again)
    {
      self->refresh_again = FALSE;
      shoal_block_tracker_refresh (self);
    }
}

/* TRUE when the round must stop: cancelled, or the node went away (the
 * next tip will bring a new round). */
static gboolean
round_aborted (ShoalBlockTracker *self,
               const GError      *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;
  if (shoal_node_error_is_transport (error))
    {
      g_debug ("block check postponed: %s", error->message);
      end_round (self);
      return TRUE;
    }
  return FALSE;
}

/* The main chain's block at our block's height decides: ours -> on the
 * main chain; another one -> orphaned.  An error here is no answer: the
 * block keeps its state until the next round. */
static void
on_header_by_height (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ShoalBlockTracker) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;
  TrackedBlock *block;

  header = shoal_node_client_get_block_header_finish (SHOAL_NODE_CLIENT (source), result, &error);
  if (header == NULL && round_aborted (self, error))
    return;
  block = g_hash_table_lookup (self->blocks, self->current);
  if (header == NULL)
    g_debug ("block %s: no answer at height %" G_GUINT64_FORMAT ": %s", block->id, block->height,
             error->message);
  else if (g_ascii_strcasecmp (header->hash, block->id) != 0)
    set_orphaned (self, block);
  else
    set_on_main_chain (self, block, header->depth);
  check_next (self);
}

static void
check_height (ShoalBlockTracker *self,
              guint64            height)
{
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_block_header_by_height_async (self->node, height, self->cancellable,
                                                      on_header_by_height, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

/* Only a definitive answer orphans a block: the node's orphan_status, or
 * another block on the main chain at its height.  An error from the
 * lookup by id (BUSY while syncing, a node that restarted and lost its
 * alternative blocks, anything but "here it is") is followed by the
 * lookup by height, and without a height the block waits. */
static void
on_header_by_hash (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ShoalBlockTracker) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;
  TrackedBlock *block;

  header = shoal_node_client_get_block_header_finish (SHOAL_NODE_CLIENT (source), result, &error);
  if (header == NULL && round_aborted (self, error))
    return;
  block = g_hash_table_lookup (self->blocks, self->current);
  if (header != NULL && header->orphan)
    {
      set_orphaned (self, block);
      check_next (self);
      return;
    }
  if (header == NULL)
    {
      g_debug ("block %s: no header by id: %s", block->id, error->message);
      if (block->height == 0)
        {
          check_next (self);
          return;
        }
      check_height (self, block->height);
      return;
    }
  block->reward = header->reward;
  block->height = header->height;
  /* orphan_status false is checked once more against the main chain
   * at that height. */
  check_height (self, header->height);
}

static void
check_next (ShoalBlockTracker *self)
{
  TrackedBlock *block = NULL;

  g_clear_pointer (&self->current, g_free);
  while (block == NULL && !g_queue_is_empty (&self->round))
    {
      self->current = g_queue_pop_head (&self->round);
      block = g_hash_table_lookup (self->blocks, self->current);
      if (block == NULL || block->final)
        {
          block = NULL;
          g_clear_pointer (&self->current, g_free);
        }
    }
  if (block == NULL)
    {
      end_round (self);
      return;
    }
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_block_header_by_hash_async (self->node, block->id, self->cancellable,
                                                    on_header_by_hash, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

static void
on_last_header (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ShoalBlockTracker) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBlockHeader) header = NULL;

  header = shoal_node_client_get_block_header_finish (SHOAL_NODE_CLIENT (source), result, &error);
  if (header == NULL)
    {
      if (!round_aborted (self, error))
        {
          g_debug ("block check postponed: %s", error->message);
          end_round (self);
        }
      return;
    }
  self->tip_height = header->height;
  check_next (self);
}

void
shoal_block_tracker_refresh (ShoalBlockTracker *self)
{
  GHashTableIter iter;
  TrackedBlock *block;

  g_return_if_fail (SHOAL_IS_BLOCK_TRACKER (self));

  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  g_hash_table_iter_init (&iter, self->blocks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &block))
    if (!block->final)
      g_queue_push_tail (&self->round, g_strdup (block->id));
  if (g_queue_is_empty (&self->round))
    return;

  self->refreshing = TRUE;
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_last_block_header_async (self->node, self->cancellable, on_last_header,
                                                 g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

static TrackedBlock *
add_block (ShoalBlockTracker *self,
           const char        *block_id,
           guint64            height,
           guint64            reward)
{
  TrackedBlock *block = g_new0 (TrackedBlock, 1);

  block->id = g_ascii_strdown (block_id, -1);
  block->height = height;
  block->reward = reward;
  block->state = SHOAL_BLOCK_STATE_SUBMITTED;
  g_hash_table_insert (self->blocks, block->id, block);
  return block;
}

/* Starts following BLOCK_ID in STATE, unless it is followed already. */
static void
start_tracking (ShoalBlockTracker *self,
                const char        *block_id,
                guint64            height,
                guint64            reward,
                ShoalBlockState    state)
{
  g_autofree char *id = g_ascii_strdown (block_id, -1);

  if (g_hash_table_contains (self->blocks, id))
    return;
  add_block (self, id, height, reward)->state = state;
  if (state == SHOAL_BLOCK_STATE_SUBMITTED)
    g_signal_emit (self, signals[BLOCK_CHANGED], 0, id, state, (guint64) 0);
  shoal_block_tracker_refresh (self);
}

void
shoal_block_tracker_track (ShoalBlockTracker *self,
                           const char        *block_id,
                           guint64            height,
                           guint64            reward)
{
  g_return_if_fail (SHOAL_IS_BLOCK_TRACKER (self));
  g_return_if_fail (block_id != NULL);

  start_tracking (self, block_id, height, reward, SHOAL_BLOCK_STATE_SUBMITTED);
}

/* A block the store remembers as orphaned, tracked again after a
 * restart: an orphan verdict may have come from a node that was wrong or
 * mid-reorg, and it is only final once the main chain is unlock-depth
 * past it.  It starts as ORPHANED (nothing is announced until that
 * changes). */
void
shoal_block_tracker_recheck (ShoalBlockTracker *self,
                             const char        *block_id,
                             guint64            height,
                             guint64            reward)
{
  g_return_if_fail (SHOAL_IS_BLOCK_TRACKER (self));
  g_return_if_fail (block_id != NULL);

  start_tracking (self, block_id, height, reward, SHOAL_BLOCK_STATE_ORPHANED);
}

void
shoal_block_tracker_reject (ShoalBlockTracker *self,
                            const char        *block_id,
                            guint64            height,
                            const char        *reason)
{
  g_autofree char *id = NULL;
  TrackedBlock *block;

  g_return_if_fail (SHOAL_IS_BLOCK_TRACKER (self));
  g_return_if_fail (block_id != NULL);

  id = g_ascii_strdown (block_id, -1);
  block = g_hash_table_lookup (self->blocks, id);
  if (block == NULL)
    block = add_block (self, id, height, 0);
  g_message ("block %s at height %" G_GUINT64_FORMAT " rejected: %s", id, height,
             reason ? reason : "no reason given");
  block->final = TRUE;
  set_state (self, block, SHOAL_BLOCK_STATE_REJECTED, 0);
}

gboolean
shoal_block_tracker_lookup (ShoalBlockTracker *self,
                            const char        *block_id,
                            ShoalBlockState   *state,
                            guint64           *confirmations,
                            guint64           *reward)
{
  g_autofree char *id = NULL;
  TrackedBlock *block;

  g_return_val_if_fail (SHOAL_IS_BLOCK_TRACKER (self), FALSE);
  g_return_val_if_fail (block_id != NULL, FALSE);

  id = g_ascii_strdown (block_id, -1);
  if ((block = g_hash_table_lookup (self->blocks, id)) == NULL)
    return FALSE;
  if (state != NULL)
    *state = block->state;
  if (confirmations != NULL)
    *confirmations = block->confirmations;
  if (reward != NULL)
    *reward = block->reward;
  return TRUE;
}

guint
shoal_block_tracker_get_n_active (ShoalBlockTracker *self)
{
  GHashTableIter iter;
  TrackedBlock *block;
  guint count = 0;

  g_return_val_if_fail (SHOAL_IS_BLOCK_TRACKER (self), 0);

  g_hash_table_iter_init (&iter, self->blocks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &block))
    count += !block->final;
  return count;
}
