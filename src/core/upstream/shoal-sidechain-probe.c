/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-sidechain-probe.h"

#define PROBE_NAME      "shoal-sidechain"
#define RETRY_S         30      /* a lost probe costs only a figure on a page */

/* All of it the probe's context's own. */
struct _ShoalSidechainProbe
{
  GObject                parent_instance;
  ShoalUpstreamEndpoint *endpoint;     /* the upstream's, logging in as the probe */
  ShoalUpstreamClient   *client;       /* NULL between connections */
  GMainContext          *context;      /* where it was started */
  GSource               *retry;        /* attached to CONTEXT while a retry waits */
  gboolean               running;
  gboolean               uncapped;
  guint64                difficulty;
};

G_DEFINE_FINAL_TYPE (ShoalSidechainProbe, shoal_sidechain_probe, G_TYPE_OBJECT)

static void
shoal_sidechain_probe_dispose (GObject *object)
{
  shoal_sidechain_probe_stop (SHOAL_SIDECHAIN_PROBE (object));
  G_OBJECT_CLASS (shoal_sidechain_probe_parent_class)->dispose (object);
}

static void
shoal_sidechain_probe_finalize (GObject *object)
{
  ShoalSidechainProbe *self = SHOAL_SIDECHAIN_PROBE (object);

  shoal_upstream_endpoint_free (self->endpoint);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_sidechain_probe_parent_class)->finalize (object);
}

static void
shoal_sidechain_probe_class_init (ShoalSidechainProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_sidechain_probe_dispose;
  object_class->finalize = shoal_sidechain_probe_finalize;
}

static void
shoal_sidechain_probe_init (ShoalSidechainProbe *self)
{
}

/* P2Pool reads the number after the login's last '+' or '.' as the
 * difficulty asked for, and what is before the first as a worker name. */
ShoalSidechainProbe *
shoal_sidechain_probe_new (const ShoalUpstreamEndpoint *endpoint)
{
  ShoalSidechainProbe *self;

  g_return_val_if_fail (endpoint != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_SIDECHAIN_PROBE, NULL);
  self->endpoint = shoal_upstream_endpoint_copy (endpoint);
  g_free (self->endpoint->login);
  self->endpoint->login = g_strdup_printf (PROBE_NAME "+%" G_GUINT64_FORMAT,
                                           SHOAL_SIDECHAIN_PROBE_DIFFICULTY);
  return self;
}

static void
drop_client (ShoalSidechainProbe *self)
{
  if (self->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->client, self);
  shoal_upstream_client_close (self->client);
  g_clear_object (&self->client);
}

static void
on_job (ShoalUpstreamClient *client,
        ShoalUpstreamJob    *job,
        ShoalSidechainProbe *self)
{
  guint64 difficulty = shoal_upstream_job_get_difficulty (job);

  /* Capped below what was asked: that is the ceiling, the sidechain's. */
  if (difficulty < SHOAL_SIDECHAIN_PROBE_DIFFICULTY)
    {
      self->difficulty = difficulty;
      return;
    }
  g_message ("upstream %s:%u keeps a login's difficulty uncapped: no P2Pool sidechain to show",
             self->endpoint->host, self->endpoint->port);
  self->uncapped = TRUE;
  self->difficulty = 0;
  drop_client (self);
}

static void connect_now (ShoalSidechainProbe *self);

static gboolean
on_retry_due (gpointer user_data)
{
  ShoalSidechainProbe *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* A figure that may be old is worse than none: it is forgotten until the
 * next connection brings a job. */
static void
on_closed (ShoalUpstreamClient *client,
           const GError        *why,
           ShoalSidechainProbe *self)
{
  drop_client (self);
  self->difficulty = 0;
  if (!self->running || self->uncapped)
    return;
  self->retry = g_timeout_source_new_seconds (RETRY_S);
  g_source_set_callback (self->retry, on_retry_due, self, NULL);
  g_source_attach (self->retry, self->context);
}

static void
connect_now (ShoalSidechainProbe *self)
{
  self->client = shoal_upstream_client_new (self->endpoint);
  g_signal_connect (self->client, "job", G_CALLBACK (on_job), self);
  g_signal_connect (self->client, "closed", G_CALLBACK (on_closed), self);
  /* "closed" says how a failed connect ended; nothing more to learn here. */
  shoal_upstream_client_connect_async (self->client, NULL, NULL, NULL);
}

void
shoal_sidechain_probe_start (ShoalSidechainProbe *self)
{
  g_return_if_fail (SHOAL_IS_SIDECHAIN_PROBE (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->context = g_main_context_ref_thread_default ();
  connect_now (self);
}

void
shoal_sidechain_probe_stop (ShoalSidechainProbe *self)
{
  g_return_if_fail (SHOAL_IS_SIDECHAIN_PROBE (self));

  self->running = FALSE;
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  drop_client (self);
}

guint64
shoal_sidechain_probe_get_difficulty (ShoalSidechainProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDECHAIN_PROBE (self), 0);

  return self->difficulty;
}

gboolean
shoal_sidechain_probe_is_uncapped (ShoalSidechainProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDECHAIN_PROBE (self), FALSE);

  return self->uncapped;
}
