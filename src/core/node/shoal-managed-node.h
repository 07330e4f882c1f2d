/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A monerod that Shoal runs for a user who has no node: mainnet, pruned
 * from the start, RPC (with a generated login) and the ZMQ feed on
 * loopback only, its data in a folder of the user's choosing.  It is a
 * supervised child: restarted with backoff when it dies, stopped with
 * Shoal, and killed by the kernel if Shoal itself is killed
 * (PR_SET_PDEATHSIG), so that no monerod is ever left behind.  Lives on
 * the main context that was the thread default when it was made; start
 * it from the thread that will live longest (PDEATHSIG follows the
 * thread that forked).
 *
 * With "keep-running" the user asks for the opposite: the chain stays
 * synced while Shoal is closed.  monerod is then spawned in its own
 * session with no PDEATHSIG, its pid and ports go in "shoal-node.pid" in
 * the data dir, and stop leaves it alone.  Start adopts such a node when
 * /proc shows it is monerod on this data dir and it answers get_info with
 * our login; an adopted node is watched through /proc (it is not our
 * child) and spawned anew if it dies.  A stop without "keep-running"
 * stops an adopted node too.  Only a pid verified that way is signalled.
 *
 * Properties (read-only unless said):
 *   "binary" (string, construct): the monerod to run ("monerod" on PATH).
 *   "data-dir" (string, construct): where the chain and the login live.
 *   "extra-args" (strv, read-write): in place of the mainnet peer
 *       settings (DNS blocklist, 32 out, 64 in); for tests (--regtest,
 *       --add-exclusive-node ...).
 *   "min-free-bytes" (guint64, read-write): refuse to start with less free
 *       space than this in data-dir unless the chain is already there.
 *   "ignore-disk-space" (gboolean, read-write): the user's override.
 *   "keep-running" (gboolean, read-write): leave monerod running on stop;
 *       read when monerod is spawned and when it is stopped.
 *   "state" (string): "stopped", "starting", "running", "restarting in N s".
 *   "pid" (gint): the running monerod's, 0 when none.
 *   "restarts" (guint): how many times it was brought back.
 *   "height", "target-height" (guint64), "synchronized" (gboolean),
 *   "peers" (guint), "disk-used" (guint64, bytes), "blocks-per-minute"
 *   (double), "seconds-left" (gint64, -1 when unknown), "progress"
 *   (double, 0 to 1): from get_info, every couple of seconds. */
#define SHOAL_TYPE_MANAGED_NODE (shoal_managed_node_get_type ())
G_DECLARE_FINAL_TYPE (ShoalManagedNode, shoal_managed_node, SHOAL, MANAGED_NODE, GObject)

/* About a pruned mainnet chain in 2026, plus room to grow. */
#define SHOAL_MANAGED_NODE_DEFAULT_MIN_FREE_BYTES (G_GUINT64_CONSTANT (110) * 1000 * 1000 * 1000)

ShoalManagedNode *shoal_managed_node_new                (const char        *binary,
                                                         const char        *data_dir);
/* The data folder Shoal picks when the user picks none. */
char             *shoal_managed_node_default_data_dir   (void);
/* Adopts a monerod left running (waiting up to 10 s for its get_info),
 * or checks the disk, writes the login and starts monerod.  Fails with a
 * message a user can act on (SHOAL_ERROR_STORAGE for disk space). */
gboolean          shoal_managed_node_start              (ShoalManagedNode  *self,
                                                         GError           **error);
/* Stops monerod (SIGTERM, then SIGKILL after TIMEOUT_S) and waits; with
 * "keep-running", only lets go of it. */
void              shoal_managed_node_stop               (ShoalManagedNode  *self,
                                                         guint              timeout_s);
const char       *shoal_managed_node_get_rpc_uri        (ShoalManagedNode  *self);
const char       *shoal_managed_node_get_zmq_uri        (ShoalManagedNode  *self);
const char       *shoal_managed_node_get_rpc_username   (ShoalManagedNode  *self);
const char       *shoal_managed_node_get_rpc_password   (ShoalManagedNode  *self);
const char       *shoal_managed_node_get_state          (ShoalManagedNode  *self);
GPid              shoal_managed_node_get_pid            (ShoalManagedNode  *self);
guint             shoal_managed_node_get_restarts       (ShoalManagedNode  *self);
double            shoal_managed_node_get_progress       (ShoalManagedNode  *self);
gboolean          shoal_managed_node_get_synchronized   (ShoalManagedNode  *self);
/* What a user is told before the first start: disk needed, time taken. */
char             *shoal_managed_node_describe_sync      (void);

G_END_DECLS
