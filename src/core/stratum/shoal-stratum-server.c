/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/resource.h>

#include "shoal-hex.h"
#include "shoal-stratum-server-private.h"
#include "shoal-thread.h"

/* The object, its thread, work, the sweep and the stats snapshot.
 * Sessions are in shoal-stratum-session.c, the methods in
 * shoal-stratum-methods.c and shoal-stratum-submit.c. */

#define SWEEP_INTERVAL_MS       500
#define STATS_INTERVAL_MS       250
#define STOP_GRACE_MS           5000
#define WORKER_FORGET_US        ((gint64) G_USEC_PER_SEC * 3600)
#define EXPIRE_INTERVAL_US      ((gint64) G_USEC_PER_SEC * 60)

enum
{
  PROP_0,
  PROP_BIND_ADDRESS,
  PROP_PORT,
  PROP_START_DIFFICULTY,
  PROP_MIN_DIFFICULTY,
  PROP_SHARE_INTERVAL,
  PROP_MODE,
  PROP_POOL_ADDRESS,
  PROP_MAX_CONNECTIONS_PER_IP,
  PROP_LOGIN_BURST,
  PROP_LOGINS_PER_MINUTE,
  PROP_LOGIN_TIMEOUT_MS,
  PROP_BAN_SECONDS,
  PROP_BAN_LOCALHOST,
  PROP_TLS_PORT,
  PROP_TLS_CERTIFICATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ShoalStratumServer, shoal_stratum_server, G_TYPE_OBJECT)

/* Records are their own keys (a set): no key string of address and name,
 * some hundred bytes a rig in solo mode, where every rig has the pool's. */
static guint
worker_hash (gconstpointer data)
{
  const ShoalStratumWorker *worker = data;

  return g_str_hash (worker->address) * 31 + g_str_hash (worker->name);
}

static gboolean
worker_equal (gconstpointer a,
              gconstpointer b)
{
  const ShoalStratumWorker *x = a, *y = b;

  return g_str_equal (x->name, y->name) && g_str_equal (x->address, y->address);
}

static void
worker_free (ShoalStratumWorker *worker)
{
  g_clear_pointer (&worker->address, g_ref_string_release);
  g_clear_pointer (&worker->name, g_ref_string_release);
  g_clear_pointer (&worker->ip, g_ref_string_release);
  g_clear_pointer (&worker->agent, g_ref_string_release);
  g_free (worker->ip_group);
  g_free (worker->address_group);
  g_free (worker);
}

static void
settings_clear (ShoalStratumSettings *settings)
{
  g_clear_pointer (&settings->pool_address, g_free);
  g_clear_object (&settings->certificate);
}

/* Runs on the stratum thread: takes the properties as they are now. */
static void
reschedule_all (ShoalStratumServer *self)
{
  for (ShoalStratumSession *session = self->sessions; session != NULL; session = session->next)
    shoal_stratum_session_reschedule (session);
}

static gboolean
refresh_settings (gpointer data)
{
  ShoalStratumServer *self = data;
  ShoalStratumSettings *s = &self->settings;
  guint old_interval = s->share_interval;
  guint old_login_timeout = s->login_timeout_ms;

  g_mutex_lock (&self->lock);
  settings_clear (s);
  s->start_difficulty = self->start_difficulty;
  s->min_difficulty = self->min_difficulty;
  s->share_interval = self->share_interval;
  s->pplns = g_strcmp0 (self->mode, "pplns") == 0;
  s->pool_address = g_strdup (self->pool_address);
  s->max_per_ip = self->max_per_ip;
  s->login_burst = self->login_burst;
  s->logins_per_minute = self->logins_per_minute;
  s->login_timeout_ms = self->login_timeout_ms;
  s->ban_seconds = self->ban_seconds;
  s->ban_localhost = self->ban_localhost;
  s->certificate = self->certificate != NULL ? g_object_ref (self->certificate) : NULL;
  g_set_object (&self->thread_recorder, self->recorder);
  g_mutex_unlock (&self->lock);
  /* The deadlines on the wheel were computed from the old values. */
  if (s->share_interval != old_interval || s->login_timeout_ms != old_login_timeout)
    reschedule_all (self);
  return G_SOURCE_REMOVE;
}

/* Called with the lock held, after a setting changed. */
static void
settings_changed_locked (ShoalStratumServer *self)
{
  if (self->context != NULL)
    g_main_context_invoke (self->context, refresh_settings, self);
}

static void
set_string_locked (char      **field,
                   const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static void
shoal_stratum_server_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ShoalStratumServer *self = SHOAL_STRATUM_SERVER (object);
  const char *mode;

  g_mutex_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_BIND_ADDRESS: set_string_locked (&self->bind_address, g_value_get_string (value)); break;
    case PROP_PORT: self->port = g_value_get_uint (value); break;
    case PROP_START_DIFFICULTY: self->start_difficulty = g_value_get_uint64 (value); break;
    case PROP_MIN_DIFFICULTY: self->min_difficulty = g_value_get_uint64 (value); break;
    case PROP_SHARE_INTERVAL: self->share_interval = g_value_get_uint (value); break;
    case PROP_MODE:
      mode = g_value_get_string (value);
      if (g_strcmp0 (mode, "solo") == 0 || g_strcmp0 (mode, "pplns") == 0)
        set_string_locked (&self->mode, mode);
      else
        g_warning ("Stratum: unknown mode \"%s\" (solo or pplns)", mode);
      break;
    case PROP_POOL_ADDRESS: set_string_locked (&self->pool_address, g_value_get_string (value)); break;
    case PROP_MAX_CONNECTIONS_PER_IP: self->max_per_ip = g_value_get_uint (value); break;
    case PROP_LOGIN_BURST: self->login_burst = g_value_get_uint (value); break;
    case PROP_LOGINS_PER_MINUTE: self->logins_per_minute = g_value_get_uint (value); break;
    case PROP_LOGIN_TIMEOUT_MS: self->login_timeout_ms = g_value_get_uint (value); break;
    case PROP_BAN_SECONDS: self->ban_seconds = g_value_get_uint (value); break;
    case PROP_BAN_LOCALHOST: self->ban_localhost = g_value_get_boolean (value); break;
    case PROP_TLS_PORT: self->tls_port = g_value_get_uint (value); break;
    case PROP_TLS_CERTIFICATE: g_set_object (&self->certificate, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  settings_changed_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
shoal_stratum_server_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ShoalStratumServer *self = SHOAL_STRATUM_SERVER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_BIND_ADDRESS: g_value_set_string (value, self->bind_address); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_START_DIFFICULTY: g_value_set_uint64 (value, self->start_difficulty); break;
    case PROP_MIN_DIFFICULTY: g_value_set_uint64 (value, self->min_difficulty); break;
    case PROP_SHARE_INTERVAL: g_value_set_uint (value, self->share_interval); break;
    case PROP_MODE: g_value_set_string (value, self->mode); break;
    case PROP_POOL_ADDRESS: g_value_set_string (value, self->pool_address); break;
    case PROP_MAX_CONNECTIONS_PER_IP: g_value_set_uint (value, self->max_per_ip); break;
    case PROP_LOGIN_BURST: g_value_set_uint (value, self->login_burst); break;
    case PROP_LOGINS_PER_MINUTE: g_value_set_uint (value, self->logins_per_minute); break;
    case PROP_LOGIN_TIMEOUT_MS: g_value_set_uint (value, self->login_timeout_ms); break;
    case PROP_BAN_SECONDS: g_value_set_uint (value, self->ban_seconds); break;
    case PROP_BAN_LOCALHOST: g_value_set_boolean (value, self->ban_localhost); break;
    case PROP_TLS_PORT: g_value_set_uint (value, self->tls_port); break;
    case PROP_TLS_CERTIFICATE: g_value_set_object (value, self->certificate); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  g_mutex_unlock (&self->lock);
}

static void
shoal_stratum_server_dispose (GObject *object)
{
  ShoalStratumServer *self = SHOAL_STRATUM_SERVER (object);

  shoal_stratum_server_stop (self);
  shoal_stratum_server_set_job_source (self, NULL);
  g_clear_object (&self->validator);
  g_clear_object (&self->recorder);
  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (shoal_stratum_server_parent_class)->dispose (object);
}

static void
shoal_stratum_server_finalize (GObject *object)
{
  ShoalStratumServer *self = SHOAL_STRATUM_SERVER (object);

  g_free (self->bind_address);
  g_free (self->mode);
  g_free (self->pool_address);
  g_clear_pointer (&self->stats, shoal_stratum_stats_unref);
  g_clear_pointer (&self->latest_work, shoal_work_unref);
  g_clear_pointer (&self->lane_inbox, g_hash_table_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (shoal_stratum_server_parent_class)->finalize (object);
}

static GParamSpec *
uint_param (const char *name,
            guint       max,
            guint       def)
{
  return g_param_spec_uint (name, NULL, NULL, 0, max, def,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
}

static void
shoal_stratum_server_class_init (ShoalStratumServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_stratum_server_dispose;
  object_class->finalize = shoal_stratum_server_finalize;
  object_class->get_property = shoal_stratum_server_get_property;
  object_class->set_property = shoal_stratum_server_set_property;

  properties[PROP_BIND_ADDRESS] = g_param_spec_string ("bind-address", NULL, NULL, "0.0.0.0", rw);
  properties[PROP_PORT] = uint_param ("port", 65535, 3333);
  properties[PROP_START_DIFFICULTY] =
    g_param_spec_uint64 ("start-difficulty", NULL, NULL, 1, G_MAXUINT64, 10000, rw);
  properties[PROP_MIN_DIFFICULTY] =
    g_param_spec_uint64 ("min-difficulty", NULL, NULL, 1, G_MAXUINT64, 1000, rw);
  properties[PROP_SHARE_INTERVAL] = g_param_spec_uint ("share-interval", NULL, NULL,
                                                       1, 3600, 15, rw);
  properties[PROP_MODE] = g_param_spec_string ("mode", NULL, NULL, "solo", rw);
  properties[PROP_POOL_ADDRESS] = g_param_spec_string ("pool-address", NULL, NULL, "", rw);
  properties[PROP_MAX_CONNECTIONS_PER_IP] = uint_param ("max-connections-per-ip", G_MAXUINT, 256);
  /* Logins one IP may make at once, then per minute: a farm behind one
   * NAT address reconnecting after a restart fits in the burst; a peer
   * that churns logins is refused and scored like a bad share. */
  properties[PROP_LOGIN_BURST] = g_param_spec_uint ("login-burst", NULL, NULL,
                                                    1, G_MAXUINT, 4096, rw);
  properties[PROP_LOGINS_PER_MINUTE] = g_param_spec_uint ("logins-per-minute", NULL, NULL,
                                                          1, G_MAXUINT, 3600, rw);
  properties[PROP_LOGIN_TIMEOUT_MS] = uint_param ("login-timeout-ms", G_MAXUINT, 10000);
  properties[PROP_BAN_SECONDS] = uint_param ("ban-seconds", G_MAXUINT, 600);
  properties[PROP_BAN_LOCALHOST] = g_param_spec_boolean ("ban-localhost", NULL, NULL, FALSE, rw);
  properties[PROP_TLS_PORT] = uint_param ("tls-port", 65535, 0);
  properties[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate", NULL, NULL,
                                                          G_TYPE_TLS_CERTIFICATE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static ShoalStratumStats *
empty_stats (void)
{
  ShoalStratumTotals totals = { .taken_us = g_get_real_time () };
  g_autoptr(GArray) workers = g_array_new (FALSE, FALSE, sizeof (ShoalStratumWorkerStats));

  return shoal_stratum_stats_new (&totals, workers);
}

static void
shoal_stratum_server_init (ShoalStratumServer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->bind_address = g_strdup ("0.0.0.0");
  self->port = 3333;
  self->start_difficulty = 10000;
  self->min_difficulty = 1000;
  self->share_interval = 15;
  self->mode = g_strdup ("solo");
  self->pool_address = g_strdup ("");
  self->max_per_ip = 256;
  self->login_burst = 4096;
  self->logins_per_minute = 3600;
  self->login_timeout_ms = 10000;
  self->ban_seconds = 600;
  self->instance_id = g_random_int ();
  self->stats = empty_stats ();
  self->owner_context = g_main_context_ref_thread_default ();
}

ShoalStratumServer *
shoal_stratum_server_new (ShoalValidator *validator)
{
  ShoalStratumServer *self;

  g_return_val_if_fail (SHOAL_IS_VALIDATOR (validator), NULL);

  self = g_object_new (SHOAL_TYPE_STRATUM_SERVER, NULL);
  self->validator = g_object_ref (validator);
  return self;
}

/* Linux's default of 1024 open files would cap the miners at ~1000. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Stratum: cannot raise the open file limit");
}

static void
group_add (ShoalStratumServer *self,
           const char         *group,
           int                 delta)
{
  guint n;

  if (group == NULL)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->kept_per_group, group)) + delta;
  if (n == 0)
    g_hash_table_remove (self->kept_per_group, group);
  else
    g_hash_table_insert (self->kept_per_group, g_strdup (group), GUINT_TO_POINTER (n));
}

static guint
group_count (ShoalStratumServer *self,
             const char         *group)
{
  return group != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (self->kept_per_group, group)) : 0;
}

static void
unkeep_worker (ShoalStratumServer *self,
               ShoalStratumWorker *worker)
{
  g_queue_unlink (&self->idle_workers, &worker->idle_link);
  group_add (self, worker->ip_group, -1);
  group_add (self, worker->address_group, -1);
  g_clear_pointer (&worker->ip_group, g_free);
  g_clear_pointer (&worker->address_group, g_free);
}

static void
forget_worker (ShoalStratumServer *self,
               ShoalStratumWorker *worker)
{
  unkeep_worker (self, worker);
  g_hash_table_remove (self->workers, worker);
}

/* Forgets the least recently used kept record in GROUP (any when NULL). */
static void
evict_oldest (ShoalStratumServer *self,
              const char         *group)
{
  for (GList *l = self->idle_workers.head; l != NULL; l = l->next)
    {
      ShoalStratumWorker *w = l->data;

      if (group == NULL || g_strcmp0 (w->ip_group, group) == 0
          || g_strcmp0 (w->address_group, group) == 0)
        {
          forget_worker (self, w);
          return;
        }
    }
}

static void
keep_worker (ShoalStratumServer *self,
             ShoalStratumWorker *worker)
{
  g_autofree char *ip = shoal_ip_table_key (worker->ip != NULL ? worker->ip : "");

  worker->idle_link.data = worker;
  g_queue_push_tail_link (&self->idle_workers, &worker->idle_link);
  worker->ip_group = g_strconcat ("ip ", ip, NULL);
  if (self->settings.pplns)
    worker->address_group = g_strconcat ("address ", worker->address, NULL);
  group_add (self, worker->ip_group, 1);
  group_add (self, worker->address_group, 1);
  while (group_count (self, worker->ip_group) > SHOAL_STRATUM_KEPT_PER_GROUP)
    evict_oldest (self, worker->ip_group);
  while (group_count (self, worker->address_group) > SHOAL_STRATUM_KEPT_PER_GROUP)
    evict_oldest (self, worker->address_group);
  while (self->idle_workers.length > SHOAL_STRATUM_KEPT_MAX)
    evict_oldest (self, NULL);
}

ShoalStratumWorker *
shoal_stratum_server_get_worker (ShoalStratumServer *self,
                                 const char         *address,
                                 const char         *name)
{
  ShoalStratumWorker probe = { .address = (char *) address, .name = (char *) name };
  ShoalStratumWorker *worker = g_hash_table_lookup (self->workers, &probe);

  if (worker == NULL)
    {
      worker = g_new0 (ShoalStratumWorker, 1);
      /* Shared: many rigs share an address, an IP, an agent. */
      worker->address = shoal_interner_get (self->strings, address);
      worker->name = g_ref_string_new (name);
      worker->connected_us = g_get_real_time ();
      shoal_hashrate_init (&worker->rate, g_get_monotonic_time ());
      g_hash_table_add (self->workers, worker);
    }
  else if (worker->refs == 0)
    unkeep_worker (self, worker);
  worker->refs++;
  worker->last_seen = g_get_monotonic_time ();
  return worker;
}

void
shoal_stratum_server_release_worker (ShoalStratumServer *self,
                                     ShoalStratumWorker *worker)
{
  worker->refs--;
  worker->last_seen = g_get_monotonic_time ();
  if (worker->refs > 0 || self->workers == NULL)
    return;
  if (worker->accepted == 0 && worker->rejected == 0)
    g_hash_table_remove (self->workers, worker);   /* churned logins leave nothing */
  else
    keep_worker (self, worker);
}

void
shoal_stratum_server_mark_dirty (ShoalStratumServer *self)
{
  self->stats_dirty = TRUE;
}

/* Sessions may close (and vanish) while we walk them: walk a copy. */
GPtrArray *
shoal_stratum_server_collect_sessions (ShoalStratumServer *self)
{
  GPtrArray *all = g_ptr_array_new_full (self->n_sessions,
                                         (GDestroyNotify) shoal_stratum_session_unref);

  for (ShoalStratumSession *s = self->sessions; s != NULL; s = s->next)
    g_ptr_array_add (all, shoal_stratum_session_ref (s));
  return all;
}

/* The idle list is in the order they were let go: oldest first. */
static void
expire_workers (ShoalStratumServer *self,
                gint64              now)
{
  while (self->idle_workers.head != NULL)
    {
      ShoalStratumWorker *worker = self->idle_workers.head->data;

      if (now - worker->last_seen <= WORKER_FORGET_US)
        break;
      forget_worker (self, worker);
    }
}

static gboolean
on_sweep (gpointer data)
{
  ShoalStratumServer *self = data;
  gint64 now = g_get_monotonic_time ();

  refresh_settings (self);
  shoal_stratum_timers_advance (self->timers, now, shoal_stratum_session_timer_fired, NULL);
  if (now - self->last_expire > EXPIRE_INTERVAL_US)
    {
      self->last_expire = now;
      shoal_ip_table_expire (self->ips, (gint64) self->settings.ban_seconds * G_USEC_PER_SEC, now);
      expire_workers (self, now);
    }
  return G_SOURCE_CONTINUE;
}

static char *
share_string (char *ref_string)
{
  return ref_string != NULL ? g_ref_string_acquire (ref_string) : NULL;
}

/* The snapshot shares the worker's (immutable, ref-counted) strings; its
 * narrower counters saturate rather than wrap.  Its hashrates are left
 * for the stats thread: RATE is the worker's sums, copied. */
static void
worker_snapshot (ShoalStratumWorker      *w,
                 ShoalStratumWorkerStats *out,
                 ShoalHashrate           *rate)
{
  out->address = share_string (w->address);
  out->worker = share_string (w->name);
  out->ip = share_string (w->ip);
  out->agent = share_string (w->agent);
  out->connections = MIN (w->connections, G_MAXUINT16);
  out->difficulty = w->difficulty;
  out->accepted = MIN (w->accepted, G_MAXUINT32);
  out->rejected = MIN (w->rejected, G_MAXUINT32);
  out->stale = MIN (w->stale, G_MAXUINT32);
  out->invalid = MIN (w->invalid, G_MAXUINT32);
  out->blocks = MIN (w->blocks, G_MAXUINT16);
  *rate = w->rate;
  out->last_share_us = w->last_share_us;
  out->connected_us = w->connected_us;
}

/* The pool's figures, at full width: they outgrow one rig's. */
static void
totals_snapshot (ShoalStratumServer *self,
                 ShoalStratumTotals *totals,
                 gint64              now)
{
  ShoalStratumWorker *all = &self->totals;

  totals->taken_us = g_get_real_time ();
  totals->connections = self->n_sessions;
  totals->miners = self->n_miners;
  totals->banned_ips = shoal_ip_table_count_banned (self->ips, now);
  totals->accepted = all->accepted;
  totals->rejected = all->rejected;
  totals->stale = all->stale;
  totals->invalid = all->invalid;
  totals->blocks = all->blocks;
  totals->hashrate_1m = shoal_hashrate_get (&all->rate, SHOAL_HASHRATE_1M, now);
  totals->hashrate_10m = shoal_hashrate_get (&all->rate, SHOAL_HASHRATE_10M, now);
  totals->hashrate_1h = shoal_hashrate_get (&all->rate, SHOAL_HASHRATE_1H, now);
  totals->height = self->work != NULL ? shoal_work_get_height (self->work) : 0;
  totals->jobs_sent = self->jobs_sent;
  totals->fan_outs = self->fan_outs;
  totals->fan_out_rigs = self->fan_out_rigs;
  totals->fan_out_us = self->fan_out_us;
}

static int
compare_workers (gconstpointer a,
                 gconstpointer b)
{
  const ShoalStratumWorkerStats *wa = a;
  const ShoalStratumWorkerStats *wb = b;

  return g_strcmp0 (wa->worker, wb->worker) ?: g_strcmp0 (wa->address, wb->address);
}

/* A snapshot half made.  The stratum thread only copies what it owns
 * (a few hundred bytes a rig, a millisecond or two at 10,000 rigs); the
 * rest, three hashrates a rig and a sort by name, is several times
 * that and is done on the stats thread, so that logins and shares
 * arriving meanwhile are not kept waiting.  Owned by whichever thread
 * holds it: made on the stratum thread, then handed over whole. */
typedef struct
{
  ShoalStratumTotals totals;
  GArray            *workers;   /* ShoalStratumWorkerStats, hashrates unset */
  ShoalHashrate     *rates;     /* the workers' sums, in the same order */
  gint64             now;
} StatsDraft;

static StatsDraft *
draft_stats (ShoalStratumServer *self)
{
  StatsDraft *draft = g_new0 (StatsDraft, 1);
  guint n = g_hash_table_size (self->workers);
  GHashTableIter iter;
  ShoalStratumWorker *worker;

  draft->now = g_get_monotonic_time ();
  draft->workers = g_array_sized_new (FALSE, FALSE, sizeof (ShoalStratumWorkerStats), n);
  draft->rates = g_new (ShoalHashrate, MAX (n, 1));
  g_hash_table_iter_init (&iter, self->workers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &worker))
    {
      ShoalStratumWorkerStats entry = { 0 };

      worker_snapshot (worker, &entry, &draft->rates[draft->workers->len]);
      g_array_append_val (draft->workers, entry);
    }
  totals_snapshot (self, &draft->totals, draft->now);
  return draft;
}

/* Any thread; consumes DRAFT. */
static ShoalStratumStats *
finish_stats (StatsDraft *draft)
{
  ShoalStratumStats *stats;

  for (guint i = 0; i < draft->workers->len; i++)
    {
      ShoalStratumWorkerStats *entry = &g_array_index (draft->workers,
                                                       ShoalStratumWorkerStats, i);
      const ShoalHashrate *rate = &draft->rates[i];

      entry->hashrate_1m = shoal_hashrate_get (rate, SHOAL_HASHRATE_1M, draft->now);
      entry->hashrate_10m = shoal_hashrate_get (rate, SHOAL_HASHRATE_10M, draft->now);
      entry->hashrate_1h = shoal_hashrate_get (rate, SHOAL_HASHRATE_1H, draft->now);
    }
  g_array_sort (draft->workers, compare_workers);
  stats = shoal_stratum_stats_new (&draft->totals, draft->workers);
  g_array_unref (draft->workers);
  g_free (draft->rates);
  g_free (draft);
  return stats;
}

/* Any thread. */
static void
replace_stats (ShoalStratumServer *self,
               ShoalStratumStats  *stats)
{
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->stats, shoal_stratum_stats_unref);
  self->stats = stats;
  g_mutex_unlock (&self->lock);
}

/* The stats thread: one draft at a time, so snapshots are published in
 * the order they were taken.  Finishing one at 10,000 rigs is several
 * milliseconds of hashrates and sorting; at normal priority, on two
 * cores, that took the stratum thread's core often enough to put those
 * milliseconds into the p99 of the share path.  Niced, it gives way at
 * once and the window's figures are at most a moment older. */
#define STATS_THREAD_NICENESS 19

static void
stats_thread (gpointer data,
              gpointer user_data)
{
  ShoalStratumServer *self = user_data;

  if (!self->stats_niced)
    {
      shoal_thread_set_name ("shoal-stats");
      shoal_thread_lower_priority (STATS_THREAD_NICENESS, "statistics");
      self->stats_niced = TRUE;
    }
  replace_stats (self, finish_stats (data));
  g_atomic_int_set (&self->stats_building, FALSE);
}

static void
mark_built (ShoalStratumServer *self)
{
  self->stats_dirty = FALSE;
  self->stats_built = g_get_monotonic_time ();
}

/* At start and at stop: at once, on the stratum thread. */
static void
publish_stats (ShoalStratumServer *self)
{
  if (self->stats_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->stats_pool), FALSE, TRUE);
  replace_stats (self, finish_stats (draft_stats (self)));
  mark_built (self);
}

/* Rebuilt when something changed, and once a second anyway as hashrates
 * decay with time; a tick that finds the last one still being finished
 * leaves it dirty for the next.  A draft holds up whatever arrives while
 * it is copied (a millisecond or two at 10,000 rigs), so drafts are
 * spaced to keep that under 0.2 % of the stratum thread's time: every
 * 250 ms for a household, every second or two at the file limit.  The
 * cost is the thread's CPU time, not the wall clock: on a busy machine a
 * draft preempted for 60 ms once spaced the next 30 s away, and the
 * window's figures stood still that long.  The gap is capped for the
 * same reason. */
#define STATS_DRAFT_SHARE 500                  /* the gap, in multiples of a draft's cost */
#define STATS_GAP_MAX_US  (2 * G_USEC_PER_SEC)

static gboolean
on_stats_timer (gpointer data)
{
  ShoalStratumServer *self = data;
  gint64 now = g_get_monotonic_time ();
  gint64 since = now - self->stats_built;
  gint64 took;

  if ((!self->stats_dirty && since <= G_USEC_PER_SEC) || since < self->stats_gap_us)
    return G_SOURCE_CONTINUE;
  if (g_atomic_int_get (&self->stats_building))
    return G_SOURCE_CONTINUE;
  if (self->stats_pool == NULL)
    {
      /* Exclusive: its niced thread must not go back to GLib's shared
       * threads and run someone else's work at that priority. */
      self->stats_niced = FALSE;
      self->stats_pool = g_thread_pool_new (stats_thread, self, 1, TRUE, NULL);
    }
  g_atomic_int_set (&self->stats_building, TRUE);
  took = shoal_thread_cpu_time_us ();
  g_thread_pool_push (self->stats_pool, draft_stats (self), NULL);
  took = shoal_thread_cpu_time_us () - took;
  mark_built (self);
  self->stats_gap_us = MIN (took * STATS_DRAFT_SHARE, STATS_GAP_MAX_US);
  return G_SOURCE_CONTINUE;
}

/* Called on the stratum thread with the lock held. */
static void
take_closed_locked (ShoalStratumServer *self)
{
  if (self->closed_reset)
    self->closed_epoch = 0;
  self->closed_reset = FALSE;
  self->closed_epoch = MAX (self->closed_epoch, self->latest_closed);
}

/* The same work again is no new work: nothing is sent. */
static void
apply_work (ShoalStratumServer *self,
            ShoalWork          *work)
{
  const ShoalDifficulty *ceiling = shoal_work_get_ceiling (work);
  g_autoptr(GPtrArray) all = NULL;
  gint64 start = g_get_monotonic_time ();

  if (self->work == work)
    return;
  g_clear_pointer (&self->work, shoal_work_unref);
  self->work = shoal_work_ref (work);
  self->network_difficulty = ceiling->hi != 0 ? G_MAXUINT64 : MAX (ceiling->lo, 1);
  g_free (self->seed_hex);
  self->seed_hex = shoal_hex_encode (shoal_work_get_seed_hash (work), 32);
  shoal_stratum_server_lanes_follow (self);
  /* Rigs on a lane of their own that has work get theirs from it. */
  all = shoal_stratum_server_collect_sessions (self);
  for (guint i = all->len; i > 0; i--)
    if (shoal_stratum_session_work (all->pdata[i - 1]) != work)
      g_ptr_array_remove_index_fast (all, i - 1);
  shoal_stratum_server_fan_out (self, all);
  self->fan_outs++;
  self->fan_out_rigs = all->len;
  self->fan_out_us = g_get_monotonic_time () - start;
  shoal_stratum_server_mark_dirty (self);
}

static gboolean
apply_work_cb (gpointer data)
{
  ShoalStratumServer *self = data;
  g_autoptr(ShoalWork) work = NULL;

  g_mutex_lock (&self->lock);
  work = self->latest_work != NULL ? shoal_work_ref (self->latest_work) : NULL;
  take_closed_locked (self);
  g_mutex_unlock (&self->lock);
  if (work != NULL)
    apply_work (self, work);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ShoalStratumServer *self = user_data;
  GTlsCertificate *certificate = NULL;

  /* The TLS listener is tagged with the certificate it started with; a
   * certificate set since applies to new connections. */
  if (source_object != NULL)
    certificate = self->settings.certificate != NULL ? self->settings.certificate
                                                     : G_TLS_CERTIFICATE (source_object);
  if (!self->stopping)
    shoal_stratum_session_accept (self, connection, certificate);
  return TRUE;
}

/* SOURCE (the certificate) tags the TLS listener; NULL for plain TCP. */
static guint16
add_listener (ShoalStratumServer  *self,
              GInetAddress        *address,
              guint                port,
              GObject             *source,
              GError             **error)
{
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (address, port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *bind = g_inet_address_to_string (address);

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), wanted,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      source, &effective, error))
    {
      g_prefix_error (error, "Cannot listen for miners%s on %s port %u: ",
                      source != NULL ? " over TLS" : "", bind, port);
      return 0;
    }
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static gboolean
listen_in_thread (ShoalStratumServer *self,
                  GError            **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *bind = NULL;
  guint port, tls_port;

  g_mutex_lock (&self->lock);
  bind = g_strdup (self->bind_address);
  port = self->port;
  tls_port = self->tls_port;
  certificate = self->certificate != NULL ? g_object_ref (self->certificate) : NULL;
  g_mutex_unlock (&self->lock);
  address = g_inet_address_new_from_string (bind);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid stratum bind address \"%s\": expected an IPv4 or IPv6 address "
                   "such as 0.0.0.0 or ::", bind);
      return FALSE;
    }
  self->service = g_socket_service_new ();
  /* A LAN full of rigs reconnecting after a restart arrives all at once. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), 4096);
  self->bound_port = add_listener (self, address, port, NULL, error);
  if (self->bound_port == 0)
    return FALSE;
  self->bound_tls_port = 0;
  if (tls_port != 0)
    {
      self->bound_tls_port = add_listener (self, address, tls_port, G_OBJECT (certificate), error);
      if (self->bound_tls_port == 0)
        return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return TRUE;
}

static GSource *
add_timer (ShoalStratumServer *self,
           guint               interval_ms,
           GSourceFunc         func)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
start_in_thread (ShoalStratumServer *self)
{
  g_autoptr(GError) error = NULL;

  self->ips = shoal_ip_table_new ();
  self->strings = shoal_interner_new (SHOAL_STRATUM_SHARED_STRINGS_MAX);
  self->workers = g_hash_table_new_full (worker_hash, worker_equal, NULL,
                                         (GDestroyNotify) worker_free);
  self->kept_per_group = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->idle_workers);
  shoal_hashrate_init (&self->totals.rate, g_get_monotonic_time ());
  self->poller = shoal_stratum_poller_new (self->context, shoal_stratum_session_dispatch, self,
                                           &error);
  if (self->poller == NULL)
    g_warning ("Stratum: %s; watching each connection on its own instead", error->message);
  self->timers = shoal_stratum_timers_new (SWEEP_INTERVAL_MS, g_get_monotonic_time ());
  self->sweep_source = add_timer (self, SWEEP_INTERVAL_MS, on_sweep);
  self->stats_source = add_timer (self, STATS_INTERVAL_MS, on_stats_timer);
  self->last_expire = g_get_monotonic_time ();
  apply_work_cb (self);
  publish_stats (self);
}

static void
teardown_in_thread (ShoalStratumServer *self)
{
  g_autoptr(GPtrArray) all = shoal_stratum_server_collect_sessions (self);

  for (guint i = 0; i < all->len; i++)
    shoal_stratum_session_close (g_ptr_array_index (all, i));
  g_clear_pointer (&all, g_ptr_array_unref);
  g_clear_pointer (&self->poller, shoal_stratum_poller_free);
  if (self->fan_out_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->fan_out_pool), FALSE, TRUE);
  g_source_destroy (self->sweep_source);
  g_clear_pointer (&self->sweep_source, g_source_unref);
  g_source_destroy (self->stats_source);
  g_clear_pointer (&self->stats_source, g_source_unref);
  publish_stats (self);
  g_clear_object (&self->service);
  if (self->handshakes != NULL)
    {
      /* Handshakes of closed sessions end at once; let their replies in. */
      g_thread_pool_free (g_steal_pointer (&self->handshakes), FALSE, TRUE);
      while (g_main_context_iteration (self->context, FALSE))
        ;
    }
  g_queue_init (&self->idle_workers);   /* its links are in the records freed next */
  g_clear_pointer (&self->workers, g_hash_table_unref);
  g_clear_pointer (&self->kept_per_group, g_hash_table_unref);
  g_clear_pointer (&self->ips, shoal_ip_table_free);
  g_clear_pointer (&self->strings, shoal_interner_free);
  g_clear_pointer (&self->work, shoal_work_unref);
  shoal_stratum_server_lanes_free (self);
  g_clear_pointer (&self->seed_hex, g_free);
  g_clear_pointer (&self->scratch, g_free);
  g_clear_pointer (&self->timers, shoal_stratum_timers_free);
  g_clear_object (&self->thread_recorder);
  settings_clear (&self->settings);
  g_clear_pointer (&self->cached_target_hex, g_free);
  self->cached_difficulty = 0;
  memset (&self->totals, 0, sizeof self->totals);
  self->n_miners = 0;
  self->stopping = FALSE;
}

static gpointer
server_thread (gpointer data)
{
  ShoalStratumServer *self = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);
  refresh_settings (self);
  ok = listen_in_thread (self, &error);
  g_mutex_lock (&self->lock);
  self->start_done = TRUE;
  self->start_error = g_steal_pointer (&error);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (ok)
    {
      start_in_thread (self);
      g_main_loop_run (self->loop);
      teardown_in_thread (self);
    }
  else
    {
      g_clear_object (&self->service);
      settings_clear (&self->settings);
      g_clear_object (&self->thread_recorder);
    }
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
forget_thread (ShoalStratumServer *self)
{
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->start_done = FALSE;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_object (&self->cancellable);
  self->thread = NULL;
}

static gboolean
check_tls (ShoalStratumServer  *self,
           GError             **error)
{
  guint tls_port;
  gboolean have_certificate;

  g_mutex_lock (&self->lock);
  tls_port = self->tls_port;
  have_certificate = self->certificate != NULL;
  g_mutex_unlock (&self->lock);
  if (tls_port == 0)
    return TRUE;
  if (!have_certificate)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Stratum over TLS on port %u needs a certificate: set \"tls-certificate\" "
                   "(or set \"tls-port\" to 0 to turn TLS off)", tls_port);
      return FALSE;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Stratum over TLS on port %u is not available: GLib has no TLS backend "
                   "(install glib-networking)", tls_port);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_stratum_server_start (ShoalStratumServer  *self,
                            GError             **error)
{
  GError *start_error;

  g_return_val_if_fail (SHOAL_IS_STRATUM_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (!check_tls (self, error))
    return FALSE;
  raise_file_limit ();
  self->cancellable = g_cancellable_new ();
  g_mutex_lock (&self->lock);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("shoal-stratum", server_thread, self);
  while (!self->start_done)
    g_cond_wait (&self->cond, &self->lock);
  start_error = g_steal_pointer (&self->start_error);
  g_mutex_unlock (&self->lock);
  if (start_error == NULL)
    return TRUE;
  g_thread_join (self->thread);
  forget_thread (self);
  g_propagate_error (error, start_error);
  return FALSE;
}

static gboolean
force_quit (gpointer data)
{
  ShoalStratumServer *self = data;

  g_warning ("Stratum: %u shares or TLS handshakes still pending at shutdown; not waiting for them",
             self->n_pending);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Stops accepting, closes every miner and waits (briefly) for shares in
 * the validator or the recorder to come back cancelled. */
static gboolean
begin_stop (gpointer data)
{
  ShoalStratumServer *self = data;
  g_autoptr(GPtrArray) all = shoal_stratum_server_collect_sessions (self);
  g_autoptr(GSource) grace = NULL;

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  for (guint i = 0; i < all->len; i++)
    shoal_stratum_session_close (g_ptr_array_index (all, i));
  if (self->n_pending == 0)
    {
      g_main_loop_quit (self->loop);
      return G_SOURCE_REMOVE;
    }
  grace = add_timer (self, STOP_GRACE_MS, force_quit);
  return G_SOURCE_REMOVE;
}

void
shoal_stratum_server_pending_done (ShoalStratumServer *self)
{
  self->n_pending--;
  if (self->stopping && self->n_pending == 0)
    g_main_loop_quit (self->loop);
}

void
shoal_stratum_server_stop (ShoalStratumServer *self)
{
  g_return_if_fail (SHOAL_IS_STRATUM_SERVER (self));

  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, begin_stop, self);
  g_thread_join (self->thread);
  forget_thread (self);
}

gboolean
shoal_stratum_server_is_running (ShoalStratumServer *self)
{
  g_return_val_if_fail (SHOAL_IS_STRATUM_SERVER (self), FALSE);

  return self->thread != NULL;
}

guint16
shoal_stratum_server_get_port (ShoalStratumServer *self)
{
  guint16 port;

  g_return_val_if_fail (SHOAL_IS_STRATUM_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  port = self->thread != NULL ? self->bound_port : self->port;
  g_mutex_unlock (&self->lock);
  return port;
}

guint16
shoal_stratum_server_get_tls_port (ShoalStratumServer *self)
{
  guint16 port;

  g_return_val_if_fail (SHOAL_IS_STRATUM_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  port = self->thread != NULL ? self->bound_tls_port : self->tls_port;
  g_mutex_unlock (&self->lock);
  return port;
}

/* Work of a lane past 0 waits in the inbox, only the latest of each. */
static void
set_lane_work (ShoalStratumServer *self,
               ShoalWork          *work)
{
  g_mutex_lock (&self->lock);
  if (self->lane_inbox == NULL)
    self->lane_inbox = g_hash_table_new_full (NULL, NULL, NULL,
                                              (GDestroyNotify) shoal_work_unref);
  g_hash_table_insert (self->lane_inbox, GUINT_TO_POINTER (shoal_work_get_lane (work)),
                       shoal_work_ref (work));
  if (self->context != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_HIGH,
                                shoal_stratum_server_apply_lane_work_cb, self, NULL);
  g_mutex_unlock (&self->lock);
}

static void
set_work (ShoalStratumServer *self,
          ShoalWork          *work)
{
  const guint8 *next_seed = shoal_work_get_next_seed_hash (work);

  if (shoal_work_get_lane (work) != 0)
    {
      set_lane_work (self, work);
      return;
    }

  shoal_validator_set_seed (self->validator, shoal_work_get_seed_hash (work));
  if (next_seed != NULL)
    shoal_validator_prepare_seed (self->validator, next_seed);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->latest_work, shoal_work_unref);
  self->latest_work = shoal_work_ref (work);
  if (self->context != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, apply_work_cb, self, NULL);
  g_mutex_unlock (&self->lock);
}

static void
on_work_changed (ShoalJobSource     *source,
                 ShoalWork          *work,
                 ShoalStratumServer *self)
{
  set_work (self, work);
}

/* From now on shares for the epoch (and earlier ones) are answered stale
 * and make no more solutions, even before the next work arrives. */
static gboolean
apply_closed_cb (gpointer data)
{
  ShoalStratumServer *self = data;

  g_mutex_lock (&self->lock);
  take_closed_locked (self);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

static void
on_epoch_closed (ShoalJobSource     *source,
                 guint64             epoch,
                 ShoalStratumServer *self)
{
  g_mutex_lock (&self->lock);
  self->latest_closed = MAX (self->latest_closed, epoch);
  if (self->context != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, apply_closed_cb, self, NULL);
  g_mutex_unlock (&self->lock);
}

void
shoal_stratum_server_set_job_source (ShoalStratumServer *self,
                                     ShoalJobSource     *source)
{
  g_autoptr(ShoalWork) work = NULL;

  g_return_if_fail (SHOAL_IS_STRATUM_SERVER (self));
  g_return_if_fail (source == NULL || SHOAL_IS_JOB_SOURCE (source));

  if (self->source == source)
    return;
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_mutex_lock (&self->lock);
  g_set_object (&self->source, source);
  self->latest_closed = 0;
  self->closed_reset = TRUE;
  if (self->context != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, apply_closed_cb, self, NULL);
  g_mutex_unlock (&self->lock);
  if (source == NULL)
    return;
  g_signal_connect (source, "work-changed", G_CALLBACK (on_work_changed), self);
  g_signal_connect (source, "epoch-closed", G_CALLBACK (on_epoch_closed), self);
  work = shoal_job_source_dup_work (source);
  if (work != NULL)
    set_work (self, work);
}

void
shoal_stratum_server_set_share_recorder (ShoalStratumServer *self,
                                         ShoalShareRecorder *recorder)
{
  g_return_if_fail (SHOAL_IS_STRATUM_SERVER (self));
  g_return_if_fail (recorder == NULL || SHOAL_IS_SHARE_RECORDER (recorder));

  g_mutex_lock (&self->lock);
  g_set_object (&self->recorder, recorder);
  settings_changed_locked (self);
  g_mutex_unlock (&self->lock);
}

ShoalStratumStats *
shoal_stratum_server_get_stats (ShoalStratumServer *self)
{
  ShoalStratumStats *stats;

  g_return_val_if_fail (SHOAL_IS_STRATUM_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  stats = shoal_stratum_stats_ref (self->stats);
  g_mutex_unlock (&self->lock);
  return stats;
}

typedef struct
{
  GWeakRef               server;
  ShoalStratumSourceFunc func;
  gpointer               data;
  GDestroyNotify         data_free;
} ToSource;

static void
to_source_free (gpointer data)
{
  ToSource *to = data;

  g_weak_ref_clear (&to->server);
  to->data_free (to->data);
  g_free (to);
}

static gboolean
to_source_cb (gpointer data)
{
  ToSource *to = data;
  g_autoptr(ShoalStratumServer) self = g_weak_ref_get (&to->server);
  g_autoptr(ShoalJobSource) source = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&self->lock);
  source = self->source != NULL ? g_object_ref (self->source) : NULL;
  g_mutex_unlock (&self->lock);
  if (source != NULL)
    to->func (source, to->data);
  return G_SOURCE_REMOVE;
}

/* The source lives on the owner's thread: FUNC runs there, with it. */
void
shoal_stratum_server_to_source (ShoalStratumServer     *self,
                                ShoalStratumSourceFunc  func,
                                gpointer                data,
                                GDestroyNotify          data_free)
{
  ToSource *to = g_new0 (ToSource, 1);

  g_weak_ref_init (&to->server, self);
  to->func = func;
  to->data = data;
  to->data_free = data_free;
  g_main_context_invoke_full (self->owner_context, G_PRIORITY_HIGH, to_source_cb, to,
                              to_source_free);
}

static void
submit_to (ShoalJobSource *source,
           gpointer        solution)
{
  shoal_job_source_submit_solution (source, solution);
}

void
shoal_stratum_server_hand_solution (ShoalStratumServer *self,
                                    ShoalSolution      *solution)
{
  if (!shoal_work_get_ceiling_is_upstream (solution->work))
    g_message ("Stratum: block candidate at height %" G_GUINT64_FORMAT " from %s",
               shoal_work_get_height (solution->work), solution->share->worker);
  shoal_stratum_server_to_source (self, submit_to, solution,
                                  (GDestroyNotify) shoal_solution_free);
}
