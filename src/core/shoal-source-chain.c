/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-source-chain.h"

/* A member's work as the chain hands it out.  Immutable. */
typedef struct
{
  guint      member;     /* index in the chain */
  ShoalWork *inner;
} Wrapped;

/* Every field is touched only on the thread the chain was made on. */
struct _ShoalSourceChain
{
  GObject    parent_instance;
  GPtrArray *members;    /* ShoalJobSource, in order */
  int        active;     /* -1: none yet */
  ShoalWork *work;       /* what the chain last handed out, NULL before */
  guint64    epoch;
  /* The stratum server's open lanes past 0 (id -> the rig's name, or
   * NULL), open on the active member: they move with it. */
  GHashTable *lanes;
};

static void shoal_source_chain_iface_init (ShoalJobSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalSourceChain, shoal_source_chain, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_JOB_SOURCE,
                                                      shoal_source_chain_iface_init))

enum { PROP_0, PROP_ACTIVE_INDEX, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Work */

static void
wrapped_free (Wrapped *wrapped)
{
  shoal_work_unref (wrapped->inner);
  g_free (wrapped);
}

/* Runs on the stratum thread: the member's own blob function does the work. */
static GBytes *
wrapped_blob (gconstpointer  data,
              const guint8  *unique,
              gsize          unique_len,
              GError       **error)
{
  const Wrapped *wrapped = data;

  return shoal_work_make_blob (wrapped->inner, unique, unique_len, error);
}

static const Wrapped *
current (ShoalSourceChain *self)
{
  return self->work != NULL ? shoal_work_get_data (self->work) : NULL;
}

/* The member's epoch moved on, or the chain moved to another member:
 * either way older jobs are stale. */
static guint64
epoch_for (ShoalSourceChain *self,
           guint             member,
           ShoalWork        *inner)
{
  const Wrapped *last = current (self);

  if (last == NULL || last->member != member
      || shoal_work_get_epoch (last->inner) != shoal_work_get_epoch (inner))
    self->epoch++;
  return self->epoch;
}

/* A lane past 0 counts its own epochs (see ShoalWork): the member's. */
static ShoalWork *
wrap (ShoalSourceChain *self,
      guint             member,
      ShoalWork        *inner)
{
  Wrapped *wrapped = g_new0 (Wrapped, 1);
  guint lane = shoal_work_get_lane (inner);
  ShoalWorkParams params = {
    .algorithm = shoal_work_get_algorithm (inner),
    .height = shoal_work_get_height (inner),
    .epoch = lane != 0 ? shoal_work_get_epoch (inner) : epoch_for (self, member, inner),
    .seed_hash = shoal_work_get_seed_hash (inner),
    .next_seed_hash = shoal_work_get_next_seed_hash (inner),
    .ceiling = *shoal_work_get_ceiling (inner),
    .ceiling_is_upstream = shoal_work_get_ceiling_is_upstream (inner),
    .nonce_offset = shoal_work_get_nonce_offset (inner),
    .unique_size = shoal_work_get_unique_size (inner),
    .make_blob = wrapped_blob,
    .data = wrapped,
    .data_free = (GDestroyNotify) wrapped_free,
    .source_tag = self,
    .lane = lane,
    .lanes = shoal_work_get_lanes (inner),
  };

  wrapped->member = member;
  wrapped->inner = shoal_work_ref (inner);
  return shoal_work_new (&params);
}

/* Choosing */

static gboolean
member_connected (ShoalJobSource *member)
{
  gboolean connected = TRUE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (member), "connected") != NULL)
    g_object_get (member, "connected", &connected, NULL);
  return connected;
}

/* NULL before the first work, and once disposed. */
static ShoalJobSource *
active_member (ShoalSourceChain *self)
{
  if (self->active < 0 || (guint) self->active >= self->members->len)
    return NULL;
  return self->members->pdata[self->active];
}

/* The lanes leave the member that had them for the one taking over. */
static void
move_lanes (ShoalSourceChain *self,
            int               from,
            int               to)
{
  GHashTableIter iter;
  gpointer lane, worker;

  g_hash_table_iter_init (&iter, self->lanes);
  while (g_hash_table_iter_next (&iter, &lane, &worker))
    {
      if (from >= 0)
        shoal_job_source_close_lane (self->members->pdata[from], GPOINTER_TO_UINT (lane));
      shoal_job_source_open_lane (self->members->pdata[to], GPOINTER_TO_UINT (lane), worker);
    }
}

static void
set_active (ShoalSourceChain *self,
            int               index)
{
  if (self->active == index)
    return;
  move_lanes (self, self->active, index);
  g_message ("work source: %s (%d of %u)", G_OBJECT_TYPE_NAME (self->members->pdata[index]),
             index + 1, self->members->len);
  self->active = index;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_INDEX]);
}

static void
hand_out (ShoalSourceChain *self,
          guint             member,
          ShoalWork        *inner)
{
  const Wrapped *last = current (self);

  set_active (self, (int) member);
  if (last != NULL && last->inner == inner)
    return;
  g_clear_pointer (&self->work, shoal_work_unref);
  self->work = wrap (self, member, inner);
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (self), self->work);
}

/* With none ready, rigs keep the last work: better than none while the
 * first upstream comes back or the node answers. */
static void
choose (ShoalSourceChain *self)
{
  for (guint i = 0; i < self->members->len; i++)
    {
      ShoalJobSource *member = self->members->pdata[i];
      g_autoptr(ShoalWork) inner = NULL;

      if (!member_connected (member))
        continue;
      inner = shoal_job_source_dup_work (member);
      if (inner == NULL)
        continue;
      hand_out (self, i, inner);
      return;
    }
}

/* A lane's work goes out as it comes, from the active member only. */
static void
on_member_work (ShoalJobSource   *member,
                ShoalWork        *work,
                ShoalSourceChain *self)
{
  g_autoptr(ShoalWork) wrapped = NULL;

  if (shoal_work_get_lane (work) == 0)
    {
      choose (self);
      return;
    }
  if (active_member (self) != member)
    return;
  wrapped = wrap (self, (guint) self->active, work);
  shoal_job_source_emit_work_changed (SHOAL_JOB_SOURCE (self), wrapped);
}

static void
on_member_connected (GObject          *member,
                     GParamSpec       *pspec,
                     ShoalSourceChain *self)
{
  choose (self);
}

/* A member's closed epoch closes the chain's when it is the work out now. */
static void
on_member_epoch_closed (ShoalJobSource   *member,
                        guint64           epoch,
                        ShoalSourceChain *self)
{
  const Wrapped *last = current (self);

  if (last != NULL && self->members->pdata[last->member] == member
      && shoal_work_get_epoch (last->inner) <= epoch)
    shoal_job_source_emit_epoch_closed (SHOAL_JOB_SOURCE (self), self->epoch);
}

void
shoal_source_chain_append (ShoalSourceChain *self,
                           ShoalJobSource   *member)
{
  g_return_if_fail (SHOAL_IS_SOURCE_CHAIN (self));
  g_return_if_fail (SHOAL_IS_JOB_SOURCE (member));

  g_ptr_array_add (self->members, g_object_ref (member));
  g_signal_connect_object (member, "work-changed", G_CALLBACK (on_member_work), self, 0);
  g_signal_connect_object (member, "epoch-closed", G_CALLBACK (on_member_epoch_closed), self, 0);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (member), "connected") != NULL)
    g_signal_connect_object (member, "notify::connected", G_CALLBACK (on_member_connected),
                             self, 0);
  choose (self);
}

int
shoal_source_chain_get_active_index (ShoalSourceChain *self)
{
  g_return_val_if_fail (SHOAL_IS_SOURCE_CHAIN (self), -1);
  return self->active;
}

/* ShoalJobSource */

static ShoalWork *
chain_dup_work (ShoalJobSource *source)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (source);

  return self->work != NULL ? shoal_work_ref (self->work) : NULL;
}

/* To the member whose work it was, whichever is out now: an upstream
 * that is gone refuses it itself, and a block on the node's template is
 * a block still. */
static void
chain_submit_solution (ShoalJobSource      *source,
                       const ShoalSolution *solution)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (source);
  const Wrapped *wrapped = shoal_work_get_data (solution->work);
  g_autoptr(ShoalSolution) inner = NULL;

  g_return_if_fail (shoal_work_get_source_tag (solution->work) == self);
  if (wrapped->member >= self->members->len)   /* disposed */
    return;
  inner = shoal_solution_new (wrapped->inner, g_bytes_get_data (solution->unique, NULL),
                              g_bytes_get_size (solution->unique), solution->nonce,
                              solution->hash, solution->share);
  shoal_job_source_submit_solution (self->members->pdata[wrapped->member], inner);
}

static void
chain_open_lane (ShoalJobSource *source,
                 guint           lane,
                 const char     *worker)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (source);

  ShoalJobSource *member = active_member (self);

  g_hash_table_insert (self->lanes, GUINT_TO_POINTER (lane), g_strdup (worker));
  if (member != NULL)
    shoal_job_source_open_lane (member, lane, worker);
}

static void
chain_close_lane (ShoalJobSource *source,
                  guint           lane)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (source);

  ShoalJobSource *member = active_member (self);

  if (g_hash_table_remove (self->lanes, GUINT_TO_POINTER (lane)) && member != NULL)
    shoal_job_source_close_lane (member, lane);
}

static void
shoal_source_chain_iface_init (ShoalJobSourceInterface *iface)
{
  iface->dup_work = chain_dup_work;
  iface->submit_solution = chain_submit_solution;
  iface->open_lane = chain_open_lane;
  iface->close_lane = chain_close_lane;
}

/* Object */

ShoalSourceChain *
shoal_source_chain_new (void)
{
  return g_object_new (SHOAL_TYPE_SOURCE_CHAIN, NULL);
}

static void
shoal_source_chain_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (object);

  switch (prop_id)
    {
    case PROP_ACTIVE_INDEX:
      g_value_set_int (value, self->active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_source_chain_dispose (GObject *object)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (object);

  for (guint i = 0; i < self->members->len; i++)
    g_signal_handlers_disconnect_by_data (self->members->pdata[i], self);
  g_ptr_array_set_size (self->members, 0);
  G_OBJECT_CLASS (shoal_source_chain_parent_class)->dispose (object);
}

static void
shoal_source_chain_finalize (GObject *object)
{
  ShoalSourceChain *self = SHOAL_SOURCE_CHAIN (object);

  g_ptr_array_unref (self->members);
  g_hash_table_unref (self->lanes);
  g_clear_pointer (&self->work, shoal_work_unref);
  G_OBJECT_CLASS (shoal_source_chain_parent_class)->finalize (object);
}

static void
shoal_source_chain_class_init (ShoalSourceChainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shoal_source_chain_get_property;
  object_class->dispose = shoal_source_chain_dispose;
  object_class->finalize = shoal_source_chain_finalize;

  properties[PROP_ACTIVE_INDEX] =
    g_param_spec_int ("active-index", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_source_chain_init (ShoalSourceChain *self)
{
  self->members = g_ptr_array_new_with_free_func (g_object_unref);
  self->active = -1;
  self->lanes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}
