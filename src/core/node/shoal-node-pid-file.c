/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-node-pid-file.h"

#define GROUP "node"

static char *
pid_file_path (const char *data_dir)
{
  return g_build_filename (data_dir, SHOAL_NODE_PID_FILE_NAME, NULL);
}

gboolean
shoal_node_pid_file_write (const char             *data_dir,
                           const ShoalNodePidFile *record,
                           GError                **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = pid_file_path (data_dir);

  g_return_val_if_fail (data_dir != NULL && record != NULL, FALSE);

  g_key_file_set_integer (file, GROUP, "pid", record->pid);
  g_key_file_set_integer (file, GROUP, "rpc-port", record->rpc_port);
  g_key_file_set_integer (file, GROUP, "zmq-rpc-port", record->zmq_rpc_port);
  g_key_file_set_integer (file, GROUP, "zmq-pub-port", record->zmq_pub_port);
  return g_key_file_save_to_file (file, path, error);
}

/* The file is outside input (another Shoal, an older one, a user's edit):
 * every value is range-checked rather than trusted. */
static gboolean
read_number (GKeyFile    *file,
             const char  *key,
             gint64       max,
             gint64      *out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 value = g_key_file_get_int64 (file, GROUP, key, &local_error);

  if (local_error != NULL || value <= 0 || value > max)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "The node's pid file has no valid %s", key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
shoal_node_pid_file_read (const char        *data_dir,
                          ShoalNodePidFile  *record,
                          GError           **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = pid_file_path (data_dir);
  gint64 pid, rpc, zmq_rpc, zmq_pub;

  g_return_val_if_fail (data_dir != NULL && record != NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error) ||
      !read_number (file, "pid", G_MAXINT, &pid, error) ||
      !read_number (file, "rpc-port", G_MAXUINT16, &rpc, error) ||
      !read_number (file, "zmq-rpc-port", G_MAXUINT16, &zmq_rpc, error) ||
      !read_number (file, "zmq-pub-port", G_MAXUINT16, &zmq_pub, error))
    return FALSE;
  record->pid = (GPid) pid;
  record->rpc_port = (guint16) rpc;
  record->zmq_rpc_port = (guint16) zmq_rpc;
  record->zmq_pub_port = (guint16) zmq_pub;
  return TRUE;
}

void
shoal_node_pid_file_remove (const char *data_dir)
{
  g_autofree char *path = pid_file_path (data_dir);

  g_return_if_fail (data_dir != NULL);
  g_unlink (path);
}

static gboolean
names_binary (const char *arg,
              const char *binary_name)
{
  g_autofree char *name = g_path_get_basename (arg);

  return g_strcmp0 (name, binary_name) == 0;
}

/* /proc/PID/cmdline is the argv, each ending in NUL; a zombie's is empty,
 * so a dead process that was not reaped yet counts as gone. */
static gboolean
cmdline_is_ours (const char *cmdline,
                 gsize       len,
                 const char *binary,
                 const char *data_dir)
{
  g_autofree char *binary_name = g_path_get_basename (binary);
  g_autofree char *data_dir_option = g_strconcat ("--data-dir=", data_dir, NULL);
  gboolean binary_seen = FALSE, data_dir_seen = FALSE;
  const char *previous = NULL;
  guint index = 0;

  for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1, index++)
    {
      /* argv[1] too: a monerod run through an interpreter or a wrapper. */
      if (index < 2 && names_binary (arg, binary_name))
        binary_seen = TRUE;
      if ((previous != NULL && g_str_equal (previous, "--data-dir") &&
           g_str_equal (arg, data_dir)) || g_str_equal (arg, data_dir_option))
        data_dir_seen = TRUE;
      previous = arg;
    }
  return binary_seen && data_dir_seen;
}

gboolean
shoal_node_process_is_ours (GPid        pid,
                            const char *binary,
                            const char *data_dir)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *cmdline = NULL;
  gsize len = 0;

  g_return_val_if_fail (binary != NULL && data_dir != NULL, FALSE);

  if (pid <= 0 || !g_file_get_contents (path, &cmdline, &len, NULL) || len == 0 ||
      cmdline[len - 1] != '\0')
    return FALSE;
  return cmdline_is_ours (cmdline, len, binary, data_dir);
}

/* The pidfd is taken before the check: if the pid is given to another
 * process after it, the signal goes to the (dead) process that was
 * checked, and fails, instead of the new one. */
gboolean
shoal_node_signal_if_ours (GPid        pid,
                           const char *binary,
                           const char *data_dir,
                           int         signum)
{
  int fd = -1;
  gboolean sent;

  g_return_val_if_fail (binary != NULL && data_dir != NULL, FALSE);

  if (pid <= 0)
    return FALSE;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0 && errno != ENOSYS)
    return FALSE;
#endif
  if (!shoal_node_process_is_ours (pid, binary, data_dir))
    sent = FALSE;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
  else if (fd >= 0)
    sent = syscall (SYS_pidfd_send_signal, fd, signum, NULL, 0) == 0;
#endif
  else
    sent = kill (pid, signum) == 0;
  if (fd >= 0)
    close (fd);
  return sent;
}
