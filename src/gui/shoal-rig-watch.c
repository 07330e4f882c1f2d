/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-rig-watch.h"

struct _ShoalRigWatch
{
  GObject       parent_instance;
  GApplication *application;   /* not owned: it owns us */
  ShoalPool    *pool;
  gulong        handler;
  GHashTable   *mining;        /* worker name -> GINT_TO_POINTER (mining + 1) */
};

G_DEFINE_FINAL_TYPE (ShoalRigWatch, shoal_rig_watch, G_TYPE_OBJECT)

/* At most this many rigs are remembered: a peer can invent names. */
#define MAX_RIGS 4096

static void
notify_rig (ShoalRigWatch         *self,
            const ShoalWorkerInfo *w,
            gboolean               mining)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = g_strdup_printf ("rig-%s", w->worker);

  if (mining)
    /* Translators: %s is a rig (worker) name */
    body = g_strdup_printf (_("%s is mining again."), w->worker);
  else if (!w->online)
    body = g_strdup_printf (_("%s has disconnected from the pool."), w->worker);
  else
    body = g_strdup_printf (_("%s is connected but has sent no share for a while: check that "
                              "it is still hashing."), w->worker);
  notification = g_notification_new (mining ? _("Rig Back") : _("Rig Offline"));
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.show-page", "s", "miners");
  g_message ("rig %s: %s", w->worker, mining ? "mining again" : "stopped mining");
  /* One id per rig: "back" replaces its "offline". */
  g_application_send_notification (self->application, id, notification);
}

static void
on_snapshot (ShoalRigWatch *self)
{
  ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);

  for (guint i = 0; i < snap->workers->len; i++)
    {
      const ShoalWorkerInfo *w = g_ptr_array_index (snap->workers, i);
      gboolean mining = w->online && !w->stalled;
      gpointer before;

      if (!g_hash_table_lookup_extended (self->mining, w->worker, NULL, &before))
        {
          if (g_hash_table_size (self->mining) >= MAX_RIGS)
            continue;
          g_hash_table_insert (self->mining, g_strdup (w->worker), GINT_TO_POINTER (mining + 1));
          /* A new rig that is mining is no news; one that was known
           * before we started watching is taken as it is. */
          continue;
        }
      if (GPOINTER_TO_INT (before) - 1 == mining)
        continue;
      g_hash_table_insert (self->mining, g_strdup (w->worker), GINT_TO_POINTER (mining + 1));
      notify_rig (self, w, mining);
    }
}

static void
shoal_rig_watch_dispose (GObject *object)
{
  ShoalRigWatch *self = SHOAL_RIG_WATCH (object);

  if (self->pool != NULL)
    g_clear_signal_handler (&self->handler, self->pool);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (shoal_rig_watch_parent_class)->dispose (object);
}

static void
shoal_rig_watch_finalize (GObject *object)
{
  ShoalRigWatch *self = SHOAL_RIG_WATCH (object);

  g_hash_table_unref (self->mining);
  G_OBJECT_CLASS (shoal_rig_watch_parent_class)->finalize (object);
}

static void
shoal_rig_watch_class_init (ShoalRigWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_rig_watch_dispose;
  object_class->finalize = shoal_rig_watch_finalize;
}

static void
shoal_rig_watch_init (ShoalRigWatch *self)
{
  self->mining = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

ShoalRigWatch *
shoal_rig_watch_new (GApplication *application)
{
  ShoalRigWatch *self = g_object_new (SHOAL_TYPE_RIG_WATCH, NULL);

  self->application = application;
  return self;
}

void
shoal_rig_watch_set_pool (ShoalRigWatch *self,
                          ShoalPool     *pool)
{
  g_return_if_fail (SHOAL_IS_RIG_WATCH (self));

  if (self->pool != NULL)
    g_clear_signal_handler (&self->handler, self->pool);
  g_set_object (&self->pool, pool);
  g_hash_table_remove_all (self->mining);
  if (pool != NULL)
    self->handler = g_signal_connect_swapped (pool, "snapshot-changed", G_CALLBACK (on_snapshot),
                                              self);
}
