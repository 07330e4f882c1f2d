/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-playground.h"
#include "shoal-rpc-client.h"

G_BEGIN_DECLS

/* Real regtest daemons for integration tests.  Built on the playground:
 * monerod and monero-wallet-rpc on free loopback ports in a temporary
 * directory, killed with us even on SIGKILL (PDEATHSIG), stopped and
 * removed by shoal_test_harness_stop() or at exit. */

ShoalPlayground *shoal_test_harness_start        (guint64         fixed_difficulty);
void             shoal_test_harness_stop         (ShoalPlayground *playground);
JsonNode        *shoal_test_rpc                  (ShoalRpcClient *client,
                                                  const char     *method,
                                                  const char     *params_json);
JsonNode        *shoal_test_rpc_expect_error     (ShoalRpcClient *client,
                                                  const char     *method,
                                                  const char     *params_json,
                                                  GError        **error);
guint64          shoal_test_node_height          (ShoalPlayground *playground);
/* Drops the caller's reference to OBJECT and asserts that it is
 * finalized once the work it has in flight (answers still to come on the
 * thread-default context) is done: nothing else keeps it alive. */
void             shoal_test_assert_finalized     (gpointer        object);
char            *shoal_test_vectors_path         (const char     *name);
const char      *shoal_test_vectors_dir          (void);

/* How long a test waits for something that must happen ("eventually"):
 * the machines are shared and busy, so a wait is never what the test
 * proves.  Timing figures belong in shoal-bench. */
#define SHOAL_TEST_PATIENCE_MS 60000
GBytes          *shoal_test_hex_to_bytes         (const char     *hex);
char            *shoal_test_bytes_to_hex         (const guint8   *data,
                                                  gsize           len);

G_END_DECLS
