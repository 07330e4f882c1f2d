/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-playground.h"
#include "shoal-node-client.h"
#include "shoal-node-pid-file.h"
#include "shoal-managed-node.h"

#define INFO_INTERVAL_S   2
#define FIRST_BACKOFF_S   1
#define MAX_BACKOFF_S     60
/* A node that ran this long before dying starts its backoff afresh. */
#define STABLE_RUN_S      60
/* Blocks per minute are measured over about this window. */
#define RATE_SAMPLES      30
#define LOGIN_FILE        "shoal-rpc-login"
/* How long an adopted node has to answer get_info before it is not. */
#define PROBE_TIMEOUT_S   10

typedef struct
{
  gint64  time_us;
  guint64 height;
} Sample;

/* Owned by CONTEXT; the child is spawned from whichever thread calls
 * start (see the header about PDEATHSIG). */
struct _ShoalManagedNode
{
  GObject          parent_instance;
  GMainContext    *context;
  char            *binary;
  char            *data_dir;
  char           **extra_args;
  guint64          min_free_bytes;
  gboolean         ignore_disk_space;
  gboolean         keep_running;
  char            *rpc_uri;
  char            *zmq_uri;
  guint16          rpc_port;
  guint16          zmq_rpc_port;
  guint16          zmq_pub_port;
  char            *username;
  char            *password;
  GSubprocess     *process;
  gboolean         detached;      /* PROCESS was spawned to outlive us */
  GPid             adopted_pid;   /* a monerod left running earlier; not our child */
  GCancellable    *cancellable;   /* NULL while stopped */
  GSource         *restart_timer;
  GSource         *info_timer;
  ShoalNodeClient *rpc;
  gboolean         info_in_flight;
  gint64           started_us;
  guint            backoff_s;
  guint            restarts;
  char            *state;
  /* From get_info */
  guint64          height;
  guint64          target_height;
  gboolean         synchronized;
  guint            peers;
  guint64          disk_used;
  GQueue           samples;       /* Sample *, oldest first */
};

G_DEFINE_FINAL_TYPE (ShoalManagedNode, shoal_managed_node, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BINARY,
  PROP_DATA_DIR,
  PROP_EXTRA_ARGS,
  PROP_MIN_FREE_BYTES,
  PROP_IGNORE_DISK_SPACE,
  PROP_KEEP_RUNNING,
  PROP_STATE,
  PROP_PID,
  PROP_RESTARTS,
  PROP_HEIGHT,
  PROP_TARGET_HEIGHT,
  PROP_SYNCHRONIZED,
  PROP_PEERS,
  PROP_DISK_USED,
  PROP_BLOCKS_PER_MINUTE,
  PROP_SECONDS_LEFT,
  PROP_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void spawn_node (ShoalManagedNode *self);

static void
shoal_managed_node_dispose (GObject *object)
{
  ShoalManagedNode *self = SHOAL_MANAGED_NODE (object);

  shoal_managed_node_stop (self, 30);
  g_clear_object (&self->rpc);
  G_OBJECT_CLASS (shoal_managed_node_parent_class)->dispose (object);
}

static void
shoal_managed_node_finalize (GObject *object)
{
  ShoalManagedNode *self = SHOAL_MANAGED_NODE (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->binary);
  g_free (self->data_dir);
  g_strfreev (self->extra_args);
  g_free (self->rpc_uri);
  g_free (self->zmq_uri);
  g_free (self->username);
  g_free (self->password);
  g_free (self->state);
  g_queue_clear_full (&self->samples, g_free);
  G_OBJECT_CLASS (shoal_managed_node_parent_class)->finalize (object);
}

static double
blocks_per_minute (ShoalManagedNode *self)
{
  Sample *first = g_queue_peek_head (&self->samples);
  Sample *last = g_queue_peek_tail (&self->samples);

  if (first == NULL || last == first || last->time_us <= first->time_us ||
      last->height < first->height)
    return 0;
  return (double) (last->height - first->height) * 60 * G_USEC_PER_SEC /
         (double) (last->time_us - first->time_us);
}

static gint64
seconds_left (ShoalManagedNode *self)
{
  double rate = blocks_per_minute (self);

  if (self->synchronized)
    return 0;
  if (rate <= 0 || self->target_height <= self->height)
    return -1;
  return (gint64) ((double) (self->target_height - self->height) * 60 / rate);
}

static void
shoal_managed_node_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalManagedNode *self = SHOAL_MANAGED_NODE (object);

  switch (prop_id)
    {
    case PROP_BINARY: g_value_set_string (value, self->binary); break;
    case PROP_DATA_DIR: g_value_set_string (value, self->data_dir); break;
    case PROP_EXTRA_ARGS: g_value_set_boxed (value, self->extra_args); break;
    case PROP_MIN_FREE_BYTES: g_value_set_uint64 (value, self->min_free_bytes); break;
    case PROP_IGNORE_DISK_SPACE: g_value_set_boolean (value, self->ignore_disk_space); break;
    case PROP_KEEP_RUNNING: g_value_set_boolean (value, self->keep_running); break;
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_PID: g_value_set_int (value, shoal_managed_node_get_pid (self)); break;
    case PROP_RESTARTS: g_value_set_uint (value, self->restarts); break;
    case PROP_HEIGHT: g_value_set_uint64 (value, self->height); break;
    case PROP_TARGET_HEIGHT: g_value_set_uint64 (value, self->target_height); break;
    case PROP_SYNCHRONIZED: g_value_set_boolean (value, self->synchronized); break;
    case PROP_PEERS: g_value_set_uint (value, self->peers); break;
    case PROP_DISK_USED: g_value_set_uint64 (value, self->disk_used); break;
    case PROP_BLOCKS_PER_MINUTE: g_value_set_double (value, blocks_per_minute (self)); break;
    case PROP_SECONDS_LEFT: g_value_set_int64 (value, seconds_left (self)); break;
    case PROP_PROGRESS: g_value_set_double (value, shoal_managed_node_get_progress (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_managed_node_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ShoalManagedNode *self = SHOAL_MANAGED_NODE (object);

  switch (prop_id)
    {
    case PROP_BINARY:
      self->binary = g_value_dup_string (value);
      break;
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;
    case PROP_EXTRA_ARGS:
      g_strfreev (self->extra_args);
      self->extra_args = g_value_dup_boxed (value);
      break;
    case PROP_MIN_FREE_BYTES:
      self->min_free_bytes = g_value_get_uint64 (value);
      break;
    case PROP_IGNORE_DISK_SPACE:
      self->ignore_disk_space = g_value_get_boolean (value);
      break;
    case PROP_KEEP_RUNNING:
      self->keep_running = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
readable_uint64 (const char *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
shoal_managed_node_class_init (ShoalManagedNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_managed_node_dispose;
  object_class->finalize = shoal_managed_node_finalize;
  object_class->get_property = shoal_managed_node_get_property;
  object_class->set_property = shoal_managed_node_set_property;

  properties[PROP_BINARY] = g_param_spec_string ("binary", NULL, NULL, "monerod", construct);
  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, construct);
  properties[PROP_EXTRA_ARGS] = g_param_spec_boxed ("extra-args", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_MIN_FREE_BYTES] =
    g_param_spec_uint64 ("min-free-bytes", NULL, NULL, 0, G_MAXUINT64,
                         SHOAL_MANAGED_NODE_DEFAULT_MIN_FREE_BYTES, rw);
  properties[PROP_IGNORE_DISK_SPACE] =
    g_param_spec_boolean ("ignore-disk-space", NULL, NULL, FALSE, rw);
  properties[PROP_KEEP_RUNNING] = g_param_spec_boolean ("keep-running", NULL, NULL, FALSE, rw);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "stopped", ro);
  properties[PROP_PID] = g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_RESTARTS] = g_param_spec_uint ("restarts", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_HEIGHT] = readable_uint64 ("height");
  properties[PROP_TARGET_HEIGHT] = readable_uint64 ("target-height");
  properties[PROP_SYNCHRONIZED] = g_param_spec_boolean ("synchronized", NULL, NULL, FALSE, ro);
  properties[PROP_PEERS] = g_param_spec_uint ("peers", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_DISK_USED] = readable_uint64 ("disk-used");
  properties[PROP_BLOCKS_PER_MINUTE] =
    g_param_spec_double ("blocks-per-minute", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_SECONDS_LEFT] =
    g_param_spec_int64 ("seconds-left", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_managed_node_init (ShoalManagedNode *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->min_free_bytes = SHOAL_MANAGED_NODE_DEFAULT_MIN_FREE_BYTES;
  self->state = g_strdup ("stopped");
  self->backoff_s = FIRST_BACKOFF_S;
  g_queue_init (&self->samples);
}

ShoalManagedNode *
shoal_managed_node_new (const char *binary,
                        const char *data_dir)
{
  g_autofree char *fallback = NULL;

  if (data_dir == NULL || *data_dir == '\0')
    data_dir = fallback = shoal_managed_node_default_data_dir ();
  return g_object_new (SHOAL_TYPE_MANAGED_NODE,
                       "binary", (binary && *binary) ? binary : "monerod",
                       "data-dir", data_dir, NULL);
}

char *
shoal_managed_node_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "shoal", "monerod", NULL);
}

char *
shoal_managed_node_describe_sync (void)
{
  return g_strdup ("A pruned Monero node keeps about 100 GB on disk, and more every year. "
                   "Its first sync downloads and checks the whole chain: from about a day on "
                   "an SSD with a good connection to several days on a hard disk. Shoal "
                   "starts mining once it is done.");
}

static void
set_state (ShoalManagedNode *self,
           const char       *state)
{
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Disk space and the login */

static guint64
existing_chain_size (ShoalManagedNode *self)
{
  g_autofree char *db = g_build_filename (self->data_dir, "lmdb", "data.mdb", NULL);
  GStatBuf st;

  return g_stat (db, &st) == 0 ? (guint64) st.st_size : 0;
}

static gboolean
check_disk_space (ShoalManagedNode  *self,
                  GError           **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (self->data_dir);
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *free_text = NULL, *need_text = NULL;
  guint64 free_bytes, have = existing_chain_size (self);
  guint64 need = self->min_free_bytes > have ? self->min_free_bytes - have : 0;

  info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, error);
  if (info == NULL)
    return FALSE;
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (free_bytes >= need || self->ignore_disk_space)
    return TRUE;
  free_text = g_format_size (free_bytes);
  need_text = g_format_size (need);
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
               "Only %s free in %s, and the Monero node needs about %s more. Free some space, "
               "choose another folder for the node, or start it anyway if you know the chain "
               "will fit.", free_text, self->data_dir, need_text);
  return FALSE;
}

static char *
random_hex (void)
{
  guint8 bytes[16];
  GString *hex = g_string_new (NULL);

  if (getrandom (bytes, sizeof bytes, 0) != sizeof bytes)
    for (guint i = 0; i < sizeof bytes; i++)
      bytes[i] = g_random_int_range (0, 256);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

/* The login stays the same across restarts: a GUI or a script that read
 * it once keeps working. */
static gboolean
load_login (ShoalManagedNode  *self,
            GError           **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, LOGIN_FILE, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL) &&
      (parts = g_strsplit (g_strstrip (text), ":", 2)) != NULL && g_strv_length (parts) == 2 &&
      *parts[0] != '\0' && *parts[1] != '\0')
    {
      self->username = g_strdup (parts[0]);
      self->password = g_strdup (parts[1]);
      return TRUE;
    }
  self->username = g_strdup ("shoal");
  self->password = random_hex ();
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("%s:%s\n", self->username, self->password);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
set_ports (ShoalManagedNode *self,
           guint16           rpc,
           guint16           zmq_rpc,
           guint16           zmq_pub)
{
  self->rpc_port = rpc;
  self->zmq_rpc_port = zmq_rpc;
  self->zmq_pub_port = zmq_pub;
  g_free (self->rpc_uri);
  self->rpc_uri = g_strdup_printf ("http://127.0.0.1:%u", rpc);
  g_free (self->zmq_uri);
  self->zmq_uri = g_strdup_printf ("tcp://127.0.0.1:%u", zmq_pub);
}

static gboolean
pick_ports (ShoalManagedNode  *self,
            GError           **error)
{
  guint16 rpc, zmq_rpc, zmq_pub;

  if (self->rpc_port != 0)
    return TRUE;
  if ((rpc = shoal_playground_free_port (error)) == 0 ||
      (zmq_rpc = shoal_playground_free_port (error)) == 0 ||
      (zmq_pub = shoal_playground_free_port (error)) == 0)
    return FALSE;
  set_ports (self, rpc, zmq_rpc, zmq_pub);
  return TRUE;
}

static void
reset_rpc (ShoalManagedNode *self)
{
  g_clear_object (&self->rpc);
  self->rpc = shoal_node_client_new (self->rpc_uri, self->username, self->password);
  /* The next tick asks again: a retry would only overlap it. */
  shoal_node_client_set_retries (self->rpc, 0);
}

/* The child */

static GStrv
command_line (ShoalManagedNode *self)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *login = g_strdup_printf ("%s:%s", self->username, self->password);
  g_autofree char *rpc = g_strdup_printf ("%u", self->rpc_port);
  g_autofree char *zmq_rpc = g_strdup_printf ("%u", self->zmq_rpc_port);
  const char *fixed[] = {
    "--prune-blockchain", "--sync-pruned-blocks", "--non-interactive",
    "--rpc-bind-ip", "127.0.0.1", "--rpc-ssl", "disabled",
    "--zmq-rpc-bind-ip", "127.0.0.1", NULL
  };
  /* What home-mining tools give a mainnet node. */
  const char *peers[] = {
    "--enable-dns-blocklist", "--out-peers", "32", "--in-peers", "64", NULL
  };

  g_strv_builder_add (argv, self->binary);
  g_strv_builder_add_many (argv, "--data-dir", self->data_dir, "--rpc-bind-port", rpc,
                           "--rpc-login", login, "--zmq-rpc-bind-port", zmq_rpc,
                           "--zmq-pub", self->zmq_uri, NULL);
  g_strv_builder_addv (argv, fixed);
  if (self->extra_args != NULL)
    g_strv_builder_addv (argv, (const char **) self->extra_args);
  else
    g_strv_builder_addv (argv, peers);
  return g_strv_builder_end (argv);
}

/* Children must not outlive us, even when we are SIGKILLed. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Unless the user wants the node kept running: then it leaves our session
 * too, so that a terminal's hangup or Ctrl+C does not take it with Shoal. */
static void
detached_child_setup (gpointer user_data)
{
  setsid ();
}

/* The pid file is how the next Shoal finds a node kept running; one left
 * from an earlier node would name a process that is gone. */
static void
record_node (ShoalManagedNode *self)
{
  g_autoptr(GError) error = NULL;
  ShoalNodePidFile record = {
    shoal_managed_node_get_pid (self), self->rpc_port, self->zmq_rpc_port, self->zmq_pub_port
  };

  if (!self->detached)
    {
      shoal_node_pid_file_remove (self->data_dir);
      return;
    }
  if (!shoal_node_pid_file_write (self->data_dir, &record, &error))
    g_warning ("the Monero node will not be found again once Shoal quits: %s", error->message);
}

static void on_exited (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static gboolean
on_restart_timer (gpointer user_data)
{
  ShoalManagedNode *self = user_data;

  g_clear_pointer (&self->restart_timer, g_source_unref);
  self->restarts++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTARTS]);
  spawn_node (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_restart (ShoalManagedNode *self)
{
  g_autofree char *state = NULL;

  if (g_get_monotonic_time () - self->started_us > STABLE_RUN_S * G_USEC_PER_SEC)
    self->backoff_s = FIRST_BACKOFF_S;
  state = g_strdup_printf ("restarting in %u s", self->backoff_s);
  set_state (self, state);
  self->restart_timer = g_timeout_source_new_seconds (self->backoff_s);
  g_source_set_callback (self->restart_timer, on_restart_timer, self, NULL);
  g_source_set_static_name (self->restart_timer, "[shoal] node restart");
  g_source_attach (self->restart_timer, self->context);
  self->backoff_s = MIN (self->backoff_s * 2, MAX_BACKOFF_S);
}

static void
spawn_node (ShoalManagedNode *self)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = command_line (self);

  g_subprocess_launcher_set_cwd (launcher, self->data_dir);
  self->detached = self->keep_running;
  g_subprocess_launcher_set_child_setup (launcher,
                                         self->detached ? detached_child_setup : child_setup,
                                         NULL, NULL);
  g_clear_object (&self->process);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  if (self->process == NULL)
    {
      g_warning ("the Monero node could not be started: %s", error->message);
      self->started_us = g_get_monotonic_time ();
      schedule_restart (self);
      return;
    }
  g_message ("Monero node started (pid %s), data in %s",
             g_subprocess_get_identifier (self->process), self->data_dir);
  self->started_us = g_get_monotonic_time ();
  record_node (self);
  set_state (self, "starting");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
  g_subprocess_wait_async (self->process, self->cancellable, on_exited, g_object_ref (self));
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ShoalManagedNode) self = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  if (!g_subprocess_wait_finish (process, result, NULL) || self->cancellable == NULL ||
      process != self->process)
    return;
  if (g_subprocess_get_if_signaled (process))
    g_message ("the Monero node was killed by signal %d; starting it again",
               g_subprocess_get_term_sig (process));
  else
    g_message ("the Monero node exited with status %d; starting it again",
               g_subprocess_get_exit_status (process));
  g_clear_object (&self->process);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
  schedule_restart (self);
}

/* Progress, from get_info */

static void
add_sample (ShoalManagedNode *self)
{
  Sample *sample = g_new (Sample, 1);

  sample->time_us = g_get_monotonic_time ();
  sample->height = self->height;
  g_queue_push_tail (&self->samples, sample);
  while (g_queue_get_length (&self->samples) > RATE_SAMPLES)
    g_free (g_queue_pop_head (&self->samples));
}

static guint64
member_uint (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return (guint64) MAX (json_node_get_int (node), 0);
}

static void
apply_info (ShoalManagedNode *self,
            JsonObject       *info)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  self->height = member_uint (info, "height");
  /* 0 before any peer says how long the chain is, and again once synced. */
  self->target_height = member_uint (info, "target_height");
  self->synchronized = json_object_get_boolean_member_with_default (info, "synchronized", FALSE);
  self->peers = member_uint (info, "incoming_connections_count") +
                member_uint (info, "outgoing_connections_count");
  self->disk_used = member_uint (info, "database_size");
  add_sample (self);
  for (guint i = PROP_HEIGHT; i <= PROP_PROGRESS; i++)
    g_object_notify_by_pspec (object, properties[i]);
  if (self->process != NULL || self->adopted_pid != 0)
    set_state (self, "running");
  g_object_thaw_notify (object);
}

static void
on_info (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ShoalManagedNode) self = user_data;
  g_autoptr(JsonObject) info = NULL;

  info = shoal_node_client_get_info_finish (SHOAL_NODE_CLIENT (source), result, NULL);
  self->info_in_flight = FALSE;
  if (info != NULL && self->cancellable != NULL)
    apply_info (self, info);
}

/* An adopted node is not our child: no exit status ever reaches us, so
 * it is looked for at each tick instead. */
static void
check_adopted (ShoalManagedNode *self)
{
  if (self->adopted_pid == 0 ||
      shoal_node_process_is_ours (self->adopted_pid, self->binary, self->data_dir))
    return;
  g_message ("the Monero node (pid %d) is gone; starting it again", self->adopted_pid);
  self->adopted_pid = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
  schedule_restart (self);
}

static gboolean
on_info_timer (gpointer user_data)
{
  ShoalManagedNode *self = user_data;

  check_adopted (self);
  if (self->info_in_flight || (self->process == NULL && self->adopted_pid == 0))
    return G_SOURCE_CONTINUE;
  self->info_in_flight = TRUE;
  g_main_context_push_thread_default (self->context);
  shoal_node_client_get_info_async (self->rpc, self->cancellable, on_info, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
  return G_SOURCE_CONTINUE;
}

/* Adopting a node left running */

static gboolean
answers_get_info (ShoalManagedNode  *self,
                  GError           **error)
{
  g_autoptr(ShoalNodeClient) probe = shoal_node_client_new (self->rpc_uri, self->username,
                                                            self->password);
  g_autoptr(JsonObject) info = NULL;

  shoal_node_client_set_timeout (probe, PROBE_TIMEOUT_S);
  shoal_node_client_set_retries (probe, 0);
  info = shoal_node_client_get_info_sync (probe, NULL, error);
  return info != NULL;
}

static gboolean
is_ours (ShoalManagedNode *self,
         GPid              pid)
{
  return shoal_node_process_is_ours (pid, self->binary, self->data_dir);
}

/* Not our child, so there is no exit to wait for: /proc is polled until
 * it is gone.  It is checked again with each signal, so that a pid the
 * kernel gave to another program meanwhile is never signalled. */
static void
terminate_adopted (ShoalManagedNode *self,
                   gint64            deadline)
{
  GPid pid = self->adopted_pid;
  gint64 kill_deadline;

  self->adopted_pid = 0;
  if (!shoal_node_signal_if_ours (pid, self->binary, self->data_dir, SIGTERM))
    return;
  while (is_ours (self, pid) && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  if (!shoal_node_signal_if_ours (pid, self->binary, self->data_dir, SIGKILL))
    return;
  kill_deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (is_ours (self, pid) && g_get_monotonic_time () < kill_deadline)
    g_usleep (100 * 1000);
}

/* A pid file that names our monerod, on this data dir, answering with our
 * login: take it on instead of starting a second one (which its database
 * lock would refuse anyway).  A stale file goes; a monerod of ours that
 * does not answer is stopped, since a fresh one cannot start beside it. */
static gboolean
try_adopt (ShoalManagedNode *self)
{
  g_autoptr(GError) error = NULL;
  ShoalNodePidFile record;

  if (!shoal_node_pid_file_read (self->data_dir, &record, NULL))
    return FALSE;
  if (!is_ours (self, record.pid))
    {
      g_message ("pid %d is no longer the Monero node; starting a new one", record.pid);
      shoal_node_pid_file_remove (self->data_dir);
      return FALSE;
    }
  set_ports (self, record.rpc_port, record.zmq_rpc_port, record.zmq_pub_port);
  self->adopted_pid = record.pid;
  if (!answers_get_info (self, &error))
    {
      g_message ("the Monero node left running (pid %d) does not answer (%s); restarting it",
                 record.pid, error->message);
      terminate_adopted (self, g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
      shoal_node_pid_file_remove (self->data_dir);
      return FALSE;
    }
  g_message ("Monero node adopted (pid %d, left running earlier), data in %s", record.pid,
             self->data_dir);
  self->started_us = g_get_monotonic_time ();
  reset_rpc (self);
  set_state (self, "running");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
  return TRUE;
}

/* Start and stop */

static gboolean
make_data_dir (ShoalManagedNode  *self,
               GError           **error)
{
  if (g_mkdir_with_parents (self->data_dir, 0700) == 0)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
               "Cannot create the node's folder %s: %s", self->data_dir, g_strerror (errno));
  return FALSE;
}

static void
start_info_timer (ShoalManagedNode *self)
{
  self->info_timer = g_timeout_source_new_seconds (INFO_INTERVAL_S);
  g_source_set_callback (self->info_timer, on_info_timer, self, NULL);
  g_source_set_static_name (self->info_timer, "[shoal] node progress");
  g_source_attach (self->info_timer, self->context);
}

gboolean
shoal_managed_node_start (ShoalManagedNode  *self,
                          GError           **error)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), FALSE);

  if (self->cancellable != NULL)
    return TRUE;
  if (!make_data_dir (self, error) || (self->username == NULL && !load_login (self, error)))
    return FALSE;
  self->backoff_s = FIRST_BACKOFF_S;
  if (!try_adopt (self))
    {
      /* A node that runs already needs no room to grow into. */
      if (!check_disk_space (self, error) || !pick_ports (self, error))
        return FALSE;
      self->cancellable = g_cancellable_new ();
      reset_rpc (self);
      spawn_node (self);
    }
  else
    self->cancellable = g_cancellable_new ();
  start_info_timer (self);
  return TRUE;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
terminate_child (ShoalManagedNode *self,
                 gint64            deadline)
{
  /* monerod closes its database cleanly on SIGTERM.  The identifier
   * goes NULL once the child is reaped. */
  g_subprocess_send_signal (self->process, SIGTERM);
  while (g_subprocess_get_identifier (self->process) != NULL &&
         g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  if (g_subprocess_get_identifier (self->process) != NULL)
    g_subprocess_force_exit (self->process);
  g_subprocess_wait (self->process, NULL, NULL);
  g_clear_object (&self->process);
}

/* Only a node that can outlive us is left: one spawned detached, or one
 * adopted (detached by whoever started it). */
static gboolean
leaves_running (ShoalManagedNode *self)
{
  return self->keep_running &&
         ((self->process != NULL && self->detached) || self->adopted_pid != 0);
}

void
shoal_managed_node_stop (ShoalManagedNode *self,
                         guint             timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  g_return_if_fail (SHOAL_IS_MANAGED_NODE (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  clear_source (&self->restart_timer);
  clear_source (&self->info_timer);
  if (leaves_running (self))
    {
      g_message ("Monero node left running (pid %d)", shoal_managed_node_get_pid (self));
      /* Should it exit while we live, GLib's child watch still reaps it. */
      g_clear_object (&self->process);
      self->adopted_pid = 0;
    }
  else
    {
      if (self->process != NULL)
        terminate_child (self, deadline);
      if (self->adopted_pid != 0)
        terminate_adopted (self, deadline);
      shoal_node_pid_file_remove (self->data_dir);
      g_message ("Monero node stopped");
    }
  set_state (self, "stopped");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
}

const char *
shoal_managed_node_get_rpc_uri (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), NULL);
  return self->rpc_uri;
}

const char *
shoal_managed_node_get_zmq_uri (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), NULL);
  return self->zmq_uri;
}

const char *
shoal_managed_node_get_rpc_username (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), NULL);
  return self->username;
}

const char *
shoal_managed_node_get_rpc_password (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), NULL);
  return self->password;
}

const char *
shoal_managed_node_get_state (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), NULL);
  return self->state;
}

GPid
shoal_managed_node_get_pid (ShoalManagedNode *self)
{
  const char *id;

  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), 0);
  if (self->adopted_pid != 0)
    return self->adopted_pid;
  if (self->process == NULL || (id = g_subprocess_get_identifier (self->process)) == NULL)
    return 0;
  return (GPid) g_ascii_strtoll (id, NULL, 10);
}

guint
shoal_managed_node_get_restarts (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), 0);
  return self->restarts;
}

double
shoal_managed_node_get_progress (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), 0);
  if (self->synchronized)
    return 1.0;
  if (self->target_height == 0 || self->target_height < self->height)
    return 0.0;
  return MIN ((double) self->height / (double) self->target_height, 0.999);
}

gboolean
shoal_managed_node_get_synchronized (ShoalManagedNode *self)
{
  g_return_val_if_fail (SHOAL_IS_MANAGED_NODE (self), FALSE);
  return self->synchronized;
}
