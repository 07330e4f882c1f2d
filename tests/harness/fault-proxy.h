/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A fault-injecting HTTP proxy on loopback for the faults the real
 * monero-wallet-rpc and monerod cannot show on demand.  It forwards every
 * request to TARGET (same path, same body) and hands each answer to
 * REWRITE, on the proxy's own thread: NULL keeps the answer, anything
 * else replaces its body.  KEY is the JSON-RPC method for /json_rpc, the
 * path otherwise. */

typedef struct _FaultProxy FaultProxy;

typedef GBytes *(*FaultProxyRewrite) (const char *key,
                                      GBytes     *request,
                                      GBytes     *answer,
                                      gpointer    user_data);

FaultProxy *fault_proxy_new     (const char        *target,
                                 FaultProxyRewrite  rewrite,
                                 gpointer           user_data);
const char *fault_proxy_get_uri (FaultProxy        *self);
/* How many requests with KEY were forwarded so far. */
guint       fault_proxy_count   (FaultProxy        *self,
                                 const char        *key);
void        fault_proxy_free    (FaultProxy        *self);

/* A JSON-RPC error answer, as wallet-rpc writes it. */
GBytes     *fault_proxy_rpc_error (int          code,
                                   const char  *message);

G_END_DECLS
