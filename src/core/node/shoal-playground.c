/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-playground.h"

#define READY_TIMEOUT_US (90 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US  (10 * G_USEC_PER_SEC)

struct _ShoalPlayground
{
  GObject         parent_instance;
  char           *data_dir;
  gboolean        owns_data_dir;
  guint64         fixed_difficulty;
  guint16         node_port;
  guint16         p2p_port;
  guint16         zmq_rpc_port;
  guint16         zmq_pub_port;
  char           *zmq_uri;
  char           *node_uri;
  ShoalRpcClient *node;
  GSubprocess    *node_process;
  GPtrArray      *wallets;     /* ShoalPlaygroundWallet */
  GPtrArray      *processes;   /* GSubprocess, wallets' */
};

G_DEFINE_FINAL_TYPE (ShoalPlayground, shoal_playground, G_TYPE_OBJECT)

static void
wallet_free (ShoalPlaygroundWallet *wallet)
{
  g_free (wallet->name);
  g_free (wallet->uri);
  g_free (wallet->address);
  g_free (wallet->username);
  g_free (wallet->password);
  g_clear_object (&wallet->client);
  g_free (wallet);
}

static void
shoal_playground_dispose (GObject *object)
{
  shoal_playground_stop (SHOAL_PLAYGROUND (object));
  G_OBJECT_CLASS (shoal_playground_parent_class)->dispose (object);
}

static void
shoal_playground_finalize (GObject *object)
{
  ShoalPlayground *self = SHOAL_PLAYGROUND (object);

  g_clear_pointer (&self->wallets, g_ptr_array_unref);
  g_clear_pointer (&self->processes, g_ptr_array_unref);
  g_clear_object (&self->node);
  g_free (self->node_uri);
  g_free (self->zmq_uri);
  g_free (self->data_dir);
  G_OBJECT_CLASS (shoal_playground_parent_class)->finalize (object);
}

static void
shoal_playground_class_init (ShoalPlaygroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_playground_dispose;
  object_class->finalize = shoal_playground_finalize;
}

static void
shoal_playground_init (ShoalPlayground *self)
{
  self->wallets = g_ptr_array_new_with_free_func ((GDestroyNotify) wallet_free);
  self->processes = g_ptr_array_new_with_free_func (g_object_unref);
}

ShoalPlayground *
shoal_playground_new (const char *data_dir,
                      guint64     fixed_difficulty)
{
  ShoalPlayground *self = g_object_new (SHOAL_TYPE_PLAYGROUND, NULL);

  self->fixed_difficulty = MAX (fixed_difficulty, 1);
  if (data_dir != NULL)
    self->data_dir = g_strdup (data_dir);
  return self;
}

guint16
shoal_playground_free_port (GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, any, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Children must not outlive us, even when we are SIGKILLed. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (ShoalPlayground    *self,
       const char         *log_name,
       const char * const *argv,
       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *log_path = g_build_filename (self->data_dir, log_name, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, self->data_dir);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

static const char *
binary (const char *env, const char *fallback)
{
  const char *value = g_getenv (env);
  return (value && *value) ? value : fallback;
}

static gboolean
spawn_node (ShoalPlayground  *self,
            GError          **error)
{
  g_autofree char *dir = g_build_filename (self->data_dir, "node", NULL);
  g_autofree char *diff = g_strdup_printf ("%" G_GUINT64_FORMAT, self->fixed_difficulty);
  g_autofree char *rpc = g_strdup_printf ("%u", self->node_port);
  g_autofree char *p2p = g_strdup_printf ("%u", self->p2p_port);
  g_autofree char *zmq_rpc = g_strdup_printf ("%u", self->zmq_rpc_port);
  const char *argv[] = {
    binary ("SHOAL_MONEROD", "monerod"), "--regtest", "--offline", "--keep-fakechain",
    "--fixed-difficulty", diff, "--data-dir", dir, "--non-interactive",
    "--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", rpc,
    "--p2p-bind-ip", "127.0.0.1", "--p2p-bind-port", p2p,
    "--zmq-rpc-bind-ip", "127.0.0.1", "--zmq-rpc-bind-port", zmq_rpc,
    "--zmq-pub", self->zmq_uri, "--no-igd", "--rpc-ssl", "disabled", "--disable-rpc-ban",
    "--log-level", "0", NULL
  };

  g_mkdir_with_parents (dir, 0700);
  g_clear_object (&self->node_process);
  self->node_process = spawn (self, "monerod.log", argv, error);
  return self->node_process != NULL;
}

static ShoalPlaygroundWallet *
spawn_wallet (ShoalPlayground  *self,
              const char       *name,
              const char       *rpc_login,
              GError          **error)
{
  g_autofree char *dir = g_build_filename (self->data_dir, "wallets", NULL);
  g_autofree char *ringdb = g_build_filename (self->data_dir, "ringdb", name, NULL);
  g_autofree char *daemon = g_strdup_printf ("127.0.0.1:%u", self->node_port);
  g_autofree char *port_str = NULL;
  g_autofree char *log_name = g_strdup_printf ("wallet-%s.log", name);
  g_autoptr(GSubprocess) process = NULL;
  ShoalPlaygroundWallet *wallet;
  guint16 port;
  const char *argv[] = {
    binary ("SHOAL_WALLET_RPC", "monero-wallet-rpc"),
    "--daemon-address", daemon, "--daemon-ssl", "disabled", "--trusted-daemon",
    "--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", NULL,
    "--wallet-dir", dir, "--shared-ringdb-dir", ringdb, "--non-interactive",
    "--log-level", "0", "--max-concurrency", "1",
    rpc_login ? "--rpc-login" : "--disable-rpc-login", rpc_login, NULL
  };

  if ((port = shoal_playground_free_port (error)) == 0)
    return NULL;
  port_str = g_strdup_printf ("%u", port);
  argv[9] = port_str;
  g_mkdir_with_parents (dir, 0700);
  g_mkdir_with_parents (ringdb, 0700);

  process = spawn (self, log_name, argv, error);
  if (process == NULL)
    return NULL;
  g_ptr_array_add (self->processes, g_steal_pointer (&process));

  wallet = g_new0 (ShoalPlaygroundWallet, 1);
  wallet->name = g_strdup (name);
  wallet->uri = g_strdup_printf ("http://127.0.0.1:%u", port);
  if (rpc_login != NULL)
    {
      const char *colon = strchr (rpc_login, ':');
      wallet->username = colon ? g_strndup (rpc_login, colon - rpc_login) : g_strdup (rpc_login);
      wallet->password = g_strdup (colon ? colon + 1 : "");
    }
  wallet->client = shoal_rpc_client_new (wallet->uri, wallet->username, wallet->password);
  return wallet;
}

/* Polls METHOD until it answers, the process dies, or the deadline passes. */
static gboolean
wait_ready (ShoalRpcClient *client,
            const char     *method,
            GSubprocess    *process,
            GCancellable   *cancellable,
            GError        **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) answer = shoal_rpc_client_call_sync (client, method, NULL, cancellable,
                                                               &local_error);

      if (answer != NULL)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_subprocess_get_identifier (process) == NULL || g_get_monotonic_time () > deadline)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNREACHABLE,
                       "%s did not become ready: %s",
                       shoal_rpc_client_get_base_uri (client), local_error->message);
          return FALSE;
        }
      g_usleep (100 * 1000);
    }
}

static gboolean
open_wallet (ShoalPlaygroundWallet  *wallet,
             GSubprocess            *process,
             GCancellable           *cancellable,
             GError                **error)
{
  g_autoptr(ShoalRpcClient) client = shoal_rpc_client_new (wallet->uri, wallet->username,
                                                           wallet->password);
  g_autoptr(JsonNode) params = json_from_string ("{\"language\":\"English\"}", NULL);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) address = NULL;
  g_autoptr(JsonNode) account = json_from_string ("{\"account_index\":0}", NULL);
  const char *text;

  /* A thread of our own uses a client of its own: sessions are not
   * shared across threads. */
  shoal_rpc_client_set_timeout (client, 60);
  if (!wait_ready (client, "get_version", process, cancellable, error))
    return FALSE;
  json_object_set_string_member (json_node_get_object (params), "filename", wallet->name);
  created = shoal_rpc_client_call_sync (client, "create_wallet", params, cancellable, error);
  if (created == NULL)
    return FALSE;
  address = shoal_rpc_client_call_sync (client, "get_address", account, cancellable, error);
  if (address == NULL ||
      (text = shoal_json_get_string (json_node_get_object (address), "address", error)) == NULL)
    return FALSE;
  wallet->address = g_strdup (text);
  return TRUE;
}

static void
start_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ShoalPlayground *self = source_object;
  g_autoptr(ShoalRpcClient) node = shoal_rpc_client_new (self->node_uri, NULL, NULL);
  GError *error = NULL;

  if (!wait_ready (node, "get_info", self->node_process, cancellable, &error) ||
      !open_wallet (g_ptr_array_index (self->wallets, 0),
                    g_ptr_array_index (self->processes, 0), cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
prepare (ShoalPlayground  *self,
         GError          **error)
{
  ShoalPlaygroundWallet *wallet;

  if (self->data_dir == NULL)
    {
      self->data_dir = g_dir_make_tmp ("shoal-playground-XXXXXX", error);
      if (self->data_dir == NULL)
        return FALSE;
      self->owns_data_dir = TRUE;
    }
  if ((self->node_port = shoal_playground_free_port (error)) == 0 ||
      (self->p2p_port = shoal_playground_free_port (error)) == 0 ||
      (self->zmq_rpc_port = shoal_playground_free_port (error)) == 0 ||
      (self->zmq_pub_port = shoal_playground_free_port (error)) == 0)
    return FALSE;
  self->node_uri = g_strdup_printf ("http://127.0.0.1:%u", self->node_port);
  self->zmq_uri = g_strdup_printf ("tcp://127.0.0.1:%u", self->zmq_pub_port);
  self->node = shoal_rpc_client_new (self->node_uri, NULL, NULL);

  /* Both children are spawned here, on the calling thread: PDEATHSIG
   * follows the thread that forked, and pool threads come and go.  The
   * wallet waits for the node by itself. */
  if (!spawn_node (self, error))
    return FALSE;
  wallet = spawn_wallet (self, "pool", NULL, error);
  if (wallet == NULL)
    return FALSE;
  g_ptr_array_add (self->wallets, wallet);
  return TRUE;
}

void
shoal_playground_start_async (ShoalPlayground     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SHOAL_IS_PLAYGROUND (self));
  g_return_if_fail (self->node_process == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_playground_start_async);
  if (!prepare (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, start_thread);
}

gboolean
shoal_playground_start_finish (ShoalPlayground  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
shoal_playground_start_sync (ShoalPlayground  *self,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), FALSE);
  g_return_val_if_fail (self->node_process == NULL, FALSE);

  if (!prepare (self, error) ||
      !wait_ready (self->node, "get_info", self->node_process, cancellable, error))
    return FALSE;
  return open_wallet (g_ptr_array_index (self->wallets, 0),
                      g_ptr_array_index (self->processes, 0), cancellable, error);
}

static void
stop_process (GSubprocess *process)
{
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;

  if (process == NULL || g_subprocess_get_identifier (process) == NULL)
    return;
  g_subprocess_send_signal (process, SIGTERM);
  while (g_subprocess_get_identifier (process) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);  /* GLib's worker thread reaps the child */
  if (g_subprocess_get_identifier (process) != NULL)
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
}

void
shoal_playground_stop (ShoalPlayground *self)
{
  g_return_if_fail (SHOAL_IS_PLAYGROUND (self));

  for (guint i = 0; i < self->processes->len; i++)
    stop_process (g_ptr_array_index (self->processes, i));
  g_ptr_array_set_size (self->processes, 0);
  stop_process (self->node_process);
  g_clear_object (&self->node_process);

  if (self->owns_data_dir && self->data_dir != NULL)
    {
      g_autofree char *argv0 = g_find_program_in_path ("rm");
      const char *argv[] = { argv0 ? argv0 : "rm", "-rf", self->data_dir, NULL };

      /* Wallet and chain files are many and deep: let rm do it. */
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
      self->owns_data_dir = FALSE;
    }
}

const char *
shoal_playground_get_data_dir (ShoalPlayground *self)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  return self->data_dir;
}

const char *
shoal_playground_get_zmq_uri (ShoalPlayground *self)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  return self->zmq_uri;
}

const char *
shoal_playground_get_node_uri (ShoalPlayground *self)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  return self->node_uri;
}

ShoalRpcClient *
shoal_playground_get_node (ShoalPlayground *self)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  return self->node;
}

GPid
shoal_playground_get_node_pid (ShoalPlayground *self)
{
  const char *id;

  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), 0);
  if (self->node_process == NULL || (id = g_subprocess_get_identifier (self->node_process)) == NULL)
    return 0;
  return (GPid) g_ascii_strtoll (id, NULL, 10);
}

ShoalPlaygroundWallet *
shoal_playground_get_wallet (ShoalPlayground *self)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  return self->wallets->len > 0 ? g_ptr_array_index (self->wallets, 0) : NULL;
}

ShoalPlaygroundWallet *
shoal_playground_add_wallet_sync (ShoalPlayground  *self,
                                  const char       *name,
                                  const char       *rpc_login,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  ShoalPlaygroundWallet *wallet;

  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), NULL);
  g_return_val_if_fail (self->node_process != NULL, NULL);

  wallet = spawn_wallet (self, name, rpc_login, error);
  if (wallet == NULL)
    return NULL;
  if (!open_wallet (wallet, g_ptr_array_index (self->processes, self->processes->len - 1),
                    cancellable, error))
    {
      wallet_free (wallet);
      return NULL;
    }
  g_ptr_array_add (self->wallets, wallet);
  return wallet;
}

void
shoal_playground_kill_node (ShoalPlayground *self)
{
  g_return_if_fail (SHOAL_IS_PLAYGROUND (self));

  if (self->node_process != NULL)
    {
      g_subprocess_force_exit (self->node_process);
      g_subprocess_wait (self->node_process, NULL, NULL);
    }
}

void
shoal_playground_set_fixed_difficulty (ShoalPlayground *self,
                                       guint64          difficulty)
{
  g_return_if_fail (SHOAL_IS_PLAYGROUND (self));
  self->fixed_difficulty = MAX (difficulty, 1);
}

gboolean
shoal_playground_restart_node_sync (ShoalPlayground  *self,
                                    GCancellable     *cancellable,
                                    GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), FALSE);

  stop_process (self->node_process);
  /* --keep-fakechain keeps the chain across the restart, on the same ports. */
  return spawn_node (self, error) &&
         wait_ready (self->node, "get_info", self->node_process, cancellable, error);
}

gboolean
shoal_playground_generate_blocks (ShoalPlayground  *self,
                                  guint             count,
                                  const char       *address,
                                  GError          **error)
{
  g_autoptr(JsonNode) params = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) answer = NULL;

  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), FALSE);

  if (address == NULL)
    address = shoal_playground_get_wallet (self)->address;
  json_object_set_int_member (object, "amount_of_blocks", count);
  json_object_set_string_member (object, "wallet_address", address);
  json_node_set_object (params, object);
  /* Above difficulty 1 monerod really hashes each block: give it time. */
  shoal_rpc_client_set_timeout (self->node, 30 + count * 10);
  answer = shoal_rpc_client_call_sync (self->node, "generateblocks", params, NULL, error);
  shoal_rpc_client_set_timeout (self->node, 30);
  return answer != NULL;
}

gboolean
shoal_playground_get_height (ShoalPlayground  *self,
                             guint64          *height,
                             GError          **error)
{
  g_autoptr(JsonNode) info = NULL;

  g_return_val_if_fail (SHOAL_IS_PLAYGROUND (self), FALSE);

  info = shoal_rpc_client_call_sync (self->node, "get_info", NULL, NULL, error);
  return info != NULL && shoal_json_get_uint64 (json_node_get_object (info), "height", height, error);
}
