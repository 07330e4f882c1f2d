/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-pool-private.h"

/* Several nodes, in order: node-url first, then backup-node-urls.  While
 * the node in use does not answer for FAILOVER_AFTER_S the pool moves to
 * the next one; while it is not on the first, the first is asked every
 * tick and the pool goes back as soon as it answers synchronised. */

#define FAILOVER_TICK_S  2
#define FAILOVER_AFTER_S 6

typedef struct
{
  GWeakRef   pool;
  GStrv      uris;          /* node-url, then the backups */
  guint      current;
  gint64     silent_since;  /* monotonic us, 0 while the node answers */
  gboolean   probing;
  ShoalNodeClient *first;   /* probes the first node while on a backup */
  GCancellable    *cancellable;
} Failover;

static void
failover_free (gpointer data)
{
  Failover *f = data;

  g_cancellable_cancel (f->cancellable);
  g_clear_object (&f->cancellable);
  g_weak_ref_clear (&f->pool);
  g_strfreev (f->uris);
  g_clear_object (&f->first);
  g_free (f);
}

static GStrv
node_uris (ShoalPool  *self,
           const char *first_uri)
{
  const char *backups = shoal_config_get_string (shoal_pool_get_config (self), "backup-node-urls");
  g_auto(GStrv) parts = g_strsplit (backups != NULL ? backups : "", ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, first_uri);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

static void
switch_to (ShoalPool *self,
           Failover  *f,
           guint      index)
{
  f->current = index;
  f->silent_since = 0;
  _shoal_pool_use_node (self, f->uris[index]);
  if (index == 0)
    _shoal_pool_clear_condition (self, "node-backup");
  else
    _shoal_pool_set_condition (self, shoal_condition_new (
      "node-backup", SHOAL_CONDITION_NOTICE, NULL, NULL,
      "The node at %s does not answer: Shoal uses the backup node at %s until it does.",
      f->uris[0], f->uris[index]));
}

static void
on_first_info (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Failover *f = user_data;
  g_autoptr(ShoalPool) self = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(ShoalNodeStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  info = shoal_node_client_get_info_finish (SHOAL_NODE_CLIENT (source), result, &error);
  /* Cancelled: F is gone with the pool's timer. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = g_weak_ref_get (&f->pool);
  f->probing = FALSE;
  if (self == NULL || info == NULL || f->current == 0)
    return;
  status = shoal_node_status_new_from_info (info);
  if (status->synchronized)
    switch_to (self, f, 0);
}

/* The first node, with the node login (shared by all of them). */
static ShoalNodeClient *
first_client (ShoalPool *self,
              Failover  *f)
{
  const char *login = shoal_config_get_string (shoal_pool_get_config (self), "node-login");
  g_auto(GStrv) parts = g_strsplit (login != NULL ? login : "", ":", 2);
  ShoalNodeClient *client;

  client = shoal_node_client_new (f->uris[0], parts[0] && *parts[0] ? parts[0] : NULL,
                                  parts[0] && parts[1] ? parts[1] : "");
  shoal_node_client_set_timeout (client, FAILOVER_TICK_S);
  shoal_node_client_set_retries (client, 0);
  return client;
}

static void
probe_first (ShoalPool *self,
             Failover  *f)
{
  if (f->probing)
    return;
  if (f->first == NULL)
    f->first = first_client (self, f);
  f->probing = TRUE;
  shoal_node_client_get_info_async (f->first, f->cancellable, on_first_info, f);
}

static gboolean
on_failover_tick (gpointer user_data)
{
  Failover *f = user_data;
  g_autoptr(ShoalPool) self = g_weak_ref_get (&f->pool);
  ShoalJobManager *jobs = self ? _shoal_pool_get_jobs (self) : NULL;
  gint64 now = g_get_monotonic_time ();

  if (jobs == NULL)
    return G_SOURCE_CONTINUE;
  if (f->current != 0)
    probe_first (self, f);
  if (shoal_job_manager_get_reachable (jobs))
    {
      f->silent_since = 0;
      return G_SOURCE_CONTINUE;
    }
  if (f->silent_since == 0)
    f->silent_since = now;
  if (now - f->silent_since >= FAILOVER_AFTER_S * G_USEC_PER_SEC)
    switch_to (self, f, (f->current + 1) % g_strv_length (f->uris));
  return G_SOURCE_CONTINUE;
}

guint
_shoal_pool_start_failover (ShoalPool  *self,
                            const char *first_uri)
{
  Failover *f;

  f = g_new0 (Failover, 1);
  f->uris = node_uris (self, first_uri);
  if (g_strv_length (f->uris) < 2)
    {
      failover_free (f);
      return 0;
    }
  g_weak_ref_init (&f->pool, self);
  f->cancellable = g_cancellable_new ();
  g_message ("backup nodes: %u", g_strv_length (f->uris) - 1);
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, FAILOVER_TICK_S, on_failover_tick, f,
                                     failover_free);
}
