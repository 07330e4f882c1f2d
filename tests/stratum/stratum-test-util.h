/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-block-template.h"
#include "shoal-stratum-server.h"
#include "shoal-template-source.h"
#include "shoal-validator.h"

G_BEGIN_DECLS

/* A regtest template from the vectors.  DIFFICULTY, when not 0, replaces
 * the network difficulty (regtest vectors are at 1, where every share is a
 * block). */
ShoalBlockTemplate *stratum_test_load_template (const char *file,
                                                gsize       reserved_size,
                                                guint64     difficulty);

/* The RandomX hash (hex) of BLOB_HEX with NONCE at byte 39, as XMRig
 * makes it, computed here in light mode independently of the server. */
char               *stratum_test_hash          (const char *blob_hex,
                                                const char *seed_hex,
                                                guint32     nonce);

/* A light-mode validator shared by a test program. */
ShoalValidator     *stratum_test_validator     (void);
/* The template source a test server's work comes from, made and set as
 * its job source on first use. */
ShoalTemplateSource *stratum_test_template_source (ShoalStratumServer *server);
/* New work from TMPL, through that source. */
void                stratum_test_set_template  (ShoalStratumServer *server,
                                                ShoalBlockTemplate *tmpl);
/* A server on 127.0.0.1, any port, already started, fed TMPL (may be NULL:
 * then it has no job source). */
ShoalStratumServer *stratum_test_server        (ShoalBlockTemplate *tmpl,
                                                const char         *first_property,
                                                ...);

/* A raw client that sees the exact bytes on the wire. */
typedef struct
{
  GSocket *socket;
  GString *buffer;
  gboolean eof;
} StratumClient;

StratumClient *stratum_client_connect      (guint16        port,
                                            const char    *source_ip);
void           stratum_client_free         (StratumClient *client);
void           stratum_client_send         (StratumClient *client,
                                            const char    *line);
/* The next line without its '\n', or NULL on timeout or EOF (see ->eof). */
char          *stratum_client_read_line    (StratumClient *client,
                                            guint          timeout_ms);
/* A line the server owes us: waited for as long as a busy machine may
 * need (SHOAL_TEST_PATIENCE_MS); NULL only if it closed or never said it. */
char          *stratum_client_expect_line (StratumClient *client);
/* Parses LINE; NULL if it is not a JSON object. */
JsonObject    *stratum_parse_object        (const char    *line);
/* The error message of a reply line; NULL when "error" is null. */
char          *stratum_error_message       (const char    *reply);
/* Sends an XMRig login and returns the reply line. */
char          *stratum_client_login        (StratumClient *client,
                                            const char    *login,
                                            const char    *rigid);
/* Logs in like stratum_client_login() and returns the reply's "result"
 * (its "id" is the session, its "job" the first job); a refused login
 * fails the test. */
JsonObject    *stratum_client_login_result (StratumClient *client,
                                            const char    *login,
                                            const char    *rigid);
/* Waits (iterating the default context) until CHECK is TRUE. */
gboolean       stratum_test_wait           (gboolean     (*check) (gpointer data),
                                            gpointer       data,
                                            guint          timeout_ms);
/* Runs what is ready on the default context, without waiting. */
void           stratum_test_drain          (void);
/* Waits until the server's stats satisfy CHECK. */
ShoalStratumStats *stratum_test_wait_stats (ShoalStratumServer *server,
                                            gboolean     (*check) (ShoalStratumStats *stats,
                                                                   gpointer           data),
                                            gpointer       data,
                                            guint          timeout_ms);
/* Path of the built shoal-testminer. */
char          *stratum_testminer_path      (void);
/* Runs shoal-testminer with ARGS (NULL-terminated) plus --port and --json;
 * returns its JSON summary (NULL if it printed none). */
JsonObject    *stratum_run_testminer       (guint16        port,
                                            const char    *first_arg,
                                            ...) G_GNUC_NULL_TERMINATED;
gint64         stratum_json_errors         (JsonObject    *summary,
                                            const char    *message);
void           stratum_raise_file_limit    (void);
/* A port nobody listens on now, for a server that must come back on the
 * same one after a restart. */
guint16        stratum_test_free_port      (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StratumClient, stratum_client_free)

G_END_DECLS
