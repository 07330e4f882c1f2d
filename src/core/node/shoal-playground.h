/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-rpc-client.h"

G_BEGIN_DECLS

/* The playground: a private regtest monerod and monero-wallet-rpc that
 * Shoal starts as child processes, so that everything can be tried (and
 * tested) without a synced node.  Children die with us (PDEATHSIG) and
 * are stopped in dispose; the data lives in a directory we own. */

typedef struct
{
  char           *name;
  char           *uri;       /* http://127.0.0.1:PORT */
  char           *address;   /* primary address, 4... */
  char           *username;  /* NULL when started with --disable-rpc-login */
  char           *password;
  ShoalRpcClient *client;
} ShoalPlaygroundWallet;

#define SHOAL_TYPE_PLAYGROUND (shoal_playground_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPlayground, shoal_playground, SHOAL, PLAYGROUND, GObject)

ShoalPlayground             *shoal_playground_new              (const char       *data_dir,
                                                                guint64           fixed_difficulty);
void                         shoal_playground_start_async      (ShoalPlayground  *self,
                                                                GCancellable     *cancellable,
                                                                GAsyncReadyCallback callback,
                                                                gpointer          user_data);
gboolean                     shoal_playground_start_finish     (ShoalPlayground  *self,
                                                                GAsyncResult     *result,
                                                                GError          **error);
gboolean                     shoal_playground_start_sync       (ShoalPlayground  *self,
                                                                GCancellable     *cancellable,
                                                                GError          **error);
void                         shoal_playground_stop             (ShoalPlayground  *self);
const char                  *shoal_playground_get_data_dir     (ShoalPlayground  *self);
const char                  *shoal_playground_get_node_uri     (ShoalPlayground  *self);
ShoalRpcClient              *shoal_playground_get_node         (ShoalPlayground  *self);
/* monerod's ZMQ pub feed, tcp://127.0.0.1:PORT (node-zmq-url). */
const char                  *shoal_playground_get_zmq_uri      (ShoalPlayground  *self);
GPid                         shoal_playground_get_node_pid     (ShoalPlayground  *self);
ShoalPlaygroundWallet       *shoal_playground_get_wallet       (ShoalPlayground  *self);
ShoalPlaygroundWallet       *shoal_playground_add_wallet_sync  (ShoalPlayground  *self,
                                                                const char       *name,
                                                                const char       *rpc_login,
                                                                GCancellable     *cancellable,
                                                                GError          **error);
gboolean                     shoal_playground_restart_node_sync (ShoalPlayground *self,
                                                                GCancellable     *cancellable,
                                                                GError          **error);
void                         shoal_playground_kill_node        (ShoalPlayground  *self);
/* For the next (re)start of the node: tests mine at one difficulty, then
 * bury the blocks quickly at another. */
void                         shoal_playground_set_fixed_difficulty (ShoalPlayground *self,
                                                                guint64           difficulty);
gboolean                     shoal_playground_generate_blocks  (ShoalPlayground  *self,
                                                                guint             count,
                                                                const char       *address,
                                                                GError          **error);
gboolean                     shoal_playground_get_height       (ShoalPlayground  *self,
                                                                guint64          *height,
                                                                GError          **error);
guint16                      shoal_playground_free_port        (GError          **error);

G_END_DECLS
