/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What Shoal records about a monerod it leaves running when it quits
 * (node-managed-keep-running), so that its next start finds it: a small
 * key file, "shoal-node.pid", in the node's data folder.  Plain data, no
 * thread of its own: used by whichever thread owns the managed node. */
typedef struct
{
  GPid    pid;
  guint16 rpc_port;
  guint16 zmq_rpc_port;
  guint16 zmq_pub_port;
} ShoalNodePidFile;

#define SHOAL_NODE_PID_FILE_NAME "shoal-node.pid"

gboolean shoal_node_pid_file_write      (const char             *data_dir,
                                         const ShoalNodePidFile *record,
                                         GError                **error);
/* FALSE with an error when the file is missing or does not parse. */
gboolean shoal_node_pid_file_read       (const char             *data_dir,
                                         ShoalNodePidFile       *record,
                                         GError                **error);
void     shoal_node_pid_file_remove     (const char             *data_dir);
/* TRUE only when PID is alive (not a zombie) and its command line is
 * BINARY's (by base name) with --data-dir DATA_DIR: the one check made
 * before Shoal signals or adopts a process it did not start itself. */
gboolean shoal_node_process_is_ours     (GPid                    pid,
                                         const char             *binary,
                                         const char             *data_dir);
/* Sends SIGNUM to PID only if it passes the check above; TRUE if sent.
 * Through a pidfd where the kernel has them, so that the pid cannot be
 * given to another program between the check and the signal. */
gboolean shoal_node_signal_if_ours      (GPid                    pid,
                                         const char             *binary,
                                         const char             *data_dir,
                                         int                     signum);

G_END_DECLS
