/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-hex.h"
#include "shoal-template-source.h"

#define ALGORITHM  "rx/0"   /* Monero's RandomX, until v2 comes with its own major version */
#define RECENT_MAX 8        /* epochs remembered with their height, for filled heights */

typedef struct
{
  guint64 epoch;
  guint64 height;
} Recent;

struct _ShoalTemplateSource
{
  GObject             parent_instance;
  ShoalJobManager    *jobs;            /* NULL: templates come from set_template() */
  ShoalWork          *work;
  guint64             epoch;
  guint64             filled_height;
  Recent              recent[RECENT_MAX];
  guint               n_recent;
};

enum
{
  BLOCK_FOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void shoal_template_source_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalTemplateSource, shoal_template_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      shoal_template_source_iface_init))

static ShoalBlockTemplate *
template_of (ShoalWork *work)
{
  return work != NULL ? shoal_work_get_data (work) : NULL;
}

/* Runs on the stratum thread: the template is immutable. */
static GBytes *
template_blob (gconstpointer  data,
               const guint8  *unique,
               gsize          unique_len,
               GError       **error)
{
  return shoal_block_template_make_hashing_blob ((ShoalBlockTemplate *) data, unique, unique_len,
                                                 error);
}

static ShoalWork *
work_new (ShoalBlockTemplate *tmpl,
          guint64             epoch)
{
  ShoalWorkParams params = {
    .algorithm = ALGORITHM,
    .height = shoal_block_template_get_height (tmpl),
    .epoch = epoch,
    .seed_hash = shoal_block_template_get_seed_hash (tmpl),
    .next_seed_hash = shoal_block_template_get_next_seed_hash (tmpl),
    .ceiling = *shoal_block_template_get_difficulty (tmpl),
    .nonce_offset = shoal_block_template_get_nonce_offset (tmpl),
    .unique_size = shoal_block_template_get_reserved_size (tmpl),
    .make_blob = template_blob,
    .data = shoal_block_template_ref (tmpl),
    .data_free = (GDestroyNotify) shoal_block_template_unref,
    .source_tag = shoal_template_source_new,
  };

  return shoal_work_new (&params);
}

/* A new tip, or a template where one of ours is already (another chain). */
static gboolean
is_new_epoch (ShoalTemplateSource *self,
              ShoalBlockTemplate  *tmpl)
{
  ShoalBlockTemplate *now = template_of (self->work);
  guint64 height = shoal_block_template_get_height (tmpl);

  return now == NULL || height <= self->filled_height
         || height != shoal_block_template_get_height (now)
         || memcmp (shoal_block_template_get_prev_hash (tmpl),
                    shoal_block_template_get_prev_hash (now), 32) != 0;
}

void
shoal_template_source_set_template (ShoalTemplateSource *self,
                                    ShoalBlockTemplate  *tmpl)
{
  ShoalBlockTemplate *now;
  guint64 height;

  g_return_if_fail (SHOAL_IS_TEMPLATE_SOURCE (self));
  g_return_if_fail (tmpl != NULL);

  now = template_of (self->work);
  if (now != NULL && g_bytes_equal (shoal_block_template_get_blob (now),
                                    shoal_block_template_get_blob (tmpl)))
    return;
  height = shoal_block_template_get_height (tmpl);
  if (is_new_epoch (self, tmpl))
    {
      self->epoch++;
      self->recent[self->n_recent++ % RECENT_MAX] = (Recent) { self->epoch, height };
    }
  if (height <= self->filled_height)
    self->filled_height = 0;
  g_clear_pointer (&self->work, shoal_work_unref);
  self->work = work_new (tmpl, self->epoch);
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (self), self->work);
}

void
shoal_template_source_set_filled_height (ShoalTemplateSource *self,
                                         guint64              height)
{
  guint64 closed = 0;

  g_return_if_fail (SHOAL_IS_TEMPLATE_SOURCE (self));

  if (height <= self->filled_height)
    return;
  self->filled_height = height;
  for (guint i = 0; i < MIN (self->n_recent, RECENT_MAX); i++)
    if (self->recent[i].height <= height)
      closed = MAX (closed, self->recent[i].epoch);
  if (closed != 0)
    shoal_job_source_emit_epoch_closed (SHOAL_JOB_SOURCE (self), closed);
}

static ShoalWork *
template_source_dup_work (ShoalJobSource *source)
{
  ShoalTemplateSource *self = SHOAL_TEMPLATE_SOURCE (source);

  return self->work != NULL ? shoal_work_ref (self->work) : NULL;
}

/* keccak(varint(len) || hashing blob), the nonce in. */
static char *
block_id (ShoalBlockTemplate *tmpl,
          GBytes             *unique,
          guint32             nonce)
{
  g_autoptr(GBytes) blob = shoal_block_template_make_hashing_blob (
    tmpl, g_bytes_get_data (unique, NULL), g_bytes_get_size (unique), NULL);
  g_autoptr(GByteArray) bytes = NULL;
  guint8 id[32];

  g_assert (blob != NULL);   /* the block was made from the same bytes */
  bytes = g_bytes_unref_to_array (g_steal_pointer (&blob));
  shoal_patch_nonce (bytes->data, bytes->len, shoal_block_template_get_nonce_offset (tmpl), nonce);
  shoal_block_id (bytes->data, bytes->len, id);
  return shoal_hex_encode (id, sizeof id);
}

typedef struct
{
  char    *id;
  guint64  height;
} Sent;

static void
sent_free (Sent *sent)
{
  g_free (sent->id);
  g_free (sent);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  Sent *sent = user_data;

  /* Not a warning: the tracker follows the block either way and reports
   * it orphaned or rejected, which is what the user is told about. */
  if (!shoal_job_manager_submit_block_finish (SHOAL_JOB_MANAGER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("block %s at height %" G_GUINT64_FORMAT " was not accepted: %s",
               sent->id, sent->height, error->message);
  sent_free (sent);
}

static void
submit_block (ShoalTemplateSource *self,
              GBytes              *block,
              const char          *id,
              guint64              height)
{
  Sent *sent = g_new0 (Sent, 1);

  sent->id = g_strdup (id);
  sent->height = height;
  /* Not cancelled by stop(): a found block is worth more than a prompt
   * shutdown. */
  shoal_job_manager_submit_block_async (self->jobs, block, id, height, NULL, on_submitted, sent);
}

static void
template_source_submit_solution (ShoalJobSource      *source,
                                 const ShoalSolution *solution)
{
  ShoalTemplateSource *self = SHOAL_TEMPLATE_SOURCE (source);
  ShoalBlockTemplate *tmpl = template_of (solution->work);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autofree char *id = NULL;
  guint64 height;

  if (shoal_work_get_source_tag (solution->work) != shoal_template_source_new)
    {
      g_warning ("a solution for work that is not a node template was dropped");
      return;
    }
  block = shoal_block_template_make_block_blob (tmpl, g_bytes_get_data (solution->unique, NULL),
                                                g_bytes_get_size (solution->unique),
                                                solution->nonce, &error);
  if (block == NULL)
    {
      g_warning ("a share met the network difficulty but no block could be made: %s",
                 error->message);
      return;
    }
  id = block_id (tmpl, solution->unique, solution->nonce);
  height = shoal_block_template_get_height (tmpl);
  g_message ("block candidate %s at height %" G_GUINT64_FORMAT " from %s", id, height,
             solution->share->worker);
  g_signal_emit (self, signals[BLOCK_FOUND], 0, block, height, id, tmpl, solution->share);
  if (self->jobs != NULL)
    submit_block (self, block, id, height);
}

static void
shoal_template_source_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = template_source_dup_work;
  iface->submit_solution = template_source_submit_solution;
}

static void
shoal_template_source_dispose (GObject *object)
{
  ShoalTemplateSource *self = SHOAL_TEMPLATE_SOURCE (object);

  shoal_template_source_set_jobs (self, NULL);
  g_clear_pointer (&self->work, shoal_work_unref);
  G_OBJECT_CLASS (shoal_template_source_parent_class)->dispose (object);
}

static void
shoal_template_source_class_init (ShoalTemplateSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_template_source_dispose;

  signals[BLOCK_FOUND] =
    g_signal_new ("block-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_BYTES, G_TYPE_UINT64, G_TYPE_STRING,
                  SHOAL_TYPE_BLOCK_TEMPLATE, G_TYPE_POINTER);
}

static void
shoal_template_source_init (ShoalTemplateSource *self)
{
}

static void
on_template_changed (ShoalJobManager     *jobs,
                     ShoalBlockTemplate  *tmpl,
                     ShoalTemplateSource *self)
{
  shoal_template_source_set_template (self, tmpl);
}

static void
on_height_filled (ShoalJobManager     *jobs,
                  guint64              height,
                  ShoalTemplateSource *self)
{
  shoal_template_source_set_filled_height (self, height);
}

void
shoal_template_source_set_jobs (ShoalTemplateSource *self,
                                ShoalJobManager     *jobs)
{
  g_return_if_fail (SHOAL_IS_TEMPLATE_SOURCE (self));
  g_return_if_fail (jobs == NULL || SHOAL_IS_JOB_MANAGER (jobs));

  if (self->jobs == jobs)
    return;
  if (self->jobs != NULL)
    g_signal_handlers_disconnect_by_data (self->jobs, self);
  g_set_object (&self->jobs, jobs);
  if (jobs == NULL)
    return;
  g_signal_connect_object (jobs, "template-changed", G_CALLBACK (on_template_changed), self, 0);
  g_signal_connect_object (jobs, "height-filled", G_CALLBACK (on_height_filled), self, 0);
  if (shoal_job_manager_get_template (jobs) != NULL)
    shoal_template_source_set_template (self, shoal_job_manager_get_template (jobs));
}

ShoalTemplateSource *
shoal_template_source_new (ShoalJobManager *jobs)
{
  ShoalTemplateSource *self;

  g_return_val_if_fail (jobs == NULL || SHOAL_IS_JOB_MANAGER (jobs), NULL);

  self = g_object_new (SHOAL_TYPE_TEMPLATE_SOURCE, NULL);
  shoal_template_source_set_jobs (self, jobs);
  return self;
}
