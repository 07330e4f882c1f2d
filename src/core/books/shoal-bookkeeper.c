/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-bookkeeper.h"

/* Owned by the thread that made it (the pool's); only the chores' WORK
 * runs on the bookkeeper thread, on the store and accounting they hold. */
struct _ShoalBookkeeper
{
  GObject          parent_instance;
  ShoalStore      *store;
  ShoalAccounting *accounting;
  GThreadPool     *thread;     /* one thread: chores run in order; NULL once shut down */
};

G_DEFINE_FINAL_TYPE (ShoalBookkeeper, shoal_bookkeeper, G_TYPE_OBJECT)

/* One queued chore: made on the owner's thread, worked on the bookkeeper
 * thread, finished and freed back on the owner's context. */
typedef struct
{
  GWeakRef         owner;
  GMainContext    *context;
  ShoalChoreWork   work;
  ShoalChoreDone   done;
  gpointer         data;
  GDestroyNotify   free_data;
  ShoalStore      *store;
  ShoalAccounting *accounting;
  GError          *error;
} Chore;

static void
chore_free (Chore *chore)
{
  g_weak_ref_clear (&chore->owner);
  g_main_context_unref (chore->context);
  g_clear_object (&chore->store);
  g_clear_object (&chore->accounting);
  g_clear_error (&chore->error);
  if (chore->free_data != NULL)
    chore->free_data (chore->data);
  g_free (chore);
}

static gboolean
chore_finish (gpointer user_data)
{
  Chore *chore = user_data;
  g_autoptr(GObject) owner = g_weak_ref_get (&chore->owner);

  if (owner != NULL && chore->done != NULL)
    chore->done (owner, chore->data, chore->error);
  else if (chore->error != NULL)
    g_warning ("%s", chore->error->message);
  return G_SOURCE_REMOVE;
}

static void
run_chore (gpointer data,
           gpointer user_data)
{
  Chore *chore = data;
  g_autoptr(GSource) source = g_idle_source_new ();

  chore->work (chore->store, chore->accounting, chore->data, &chore->error);
  /* Always through a source, not g_main_context_invoke(): that one runs
   * the callback right here when the owner's context is the global
   * default one and nobody holds it at the moment. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, chore_finish, chore, (GDestroyNotify) chore_free);
  g_source_attach (source, chore->context);
}

/* After shutdown nothing runs: the chore's data is freed at once, as a
 * stopped pool drops what it is told. */
void
shoal_bookkeeper_queue (ShoalBookkeeper *self,
                        gpointer         owner,
                        ShoalChoreWork   work,
                        ShoalChoreDone   done,
                        gpointer         data,
                        GDestroyNotify   free_data)
{
  Chore *chore;

  g_return_if_fail (SHOAL_IS_BOOKKEEPER (self));
  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (work != NULL);

  if (self->thread == NULL)
    {
      if (free_data != NULL)
        free_data (data);
      return;
    }
  chore = g_new0 (Chore, 1);
  g_weak_ref_init (&chore->owner, owner);
  chore->context = g_main_context_ref_thread_default ();
  chore->work = work;
  chore->done = done;
  chore->data = data;
  chore->free_data = free_data;
  chore->store = g_object_ref (self->store);
  chore->accounting = g_object_ref (self->accounting);
  g_thread_pool_push (self->thread, chore, NULL);
}

/* Waits for every chore already queued to be worked; their DONE still
 * comes later, on the owner's context. */
void
shoal_bookkeeper_shutdown (ShoalBookkeeper *self)
{
  g_return_if_fail (SHOAL_IS_BOOKKEEPER (self));

  if (self->thread == NULL)
    return;
  g_thread_pool_free (self->thread, FALSE, TRUE);
  self->thread = NULL;
}

ShoalStore *
shoal_bookkeeper_get_store (ShoalBookkeeper *self)
{
  g_return_val_if_fail (SHOAL_IS_BOOKKEEPER (self), NULL);
  return self->store;
}

static void
shoal_bookkeeper_dispose (GObject *object)
{
  ShoalBookkeeper *self = SHOAL_BOOKKEEPER (object);

  shoal_bookkeeper_shutdown (self);
  g_clear_object (&self->accounting);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (shoal_bookkeeper_parent_class)->dispose (object);
}

static void
shoal_bookkeeper_class_init (ShoalBookkeeperClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_bookkeeper_dispose;
}

static void
shoal_bookkeeper_init (ShoalBookkeeper *self)
{
}

ShoalBookkeeper *
shoal_bookkeeper_new (ShoalStore      *store,
                      ShoalAccounting *accounting)
{
  ShoalBookkeeper *self;

  g_return_val_if_fail (SHOAL_IS_STORE (store), NULL);
  g_return_val_if_fail (SHOAL_IS_ACCOUNTING (accounting), NULL);

  self = g_object_new (SHOAL_TYPE_BOOKKEEPER, NULL);
  self->store = g_object_ref (store);
  self->accounting = g_object_ref (accounting);
  self->thread = g_thread_pool_new (run_chore, NULL, 1, FALSE, NULL);
  return self;
}
