/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The stratum wire format as XMRig speaks it (see STRATUM.md): one JSON
 * object a line.  Everything here is pure, so the line parser can be
 * fuzzed on its own. */

#define SHOAL_STRATUM_MAX_LINE    16384  /* longest line a peer may send */
#define SHOAL_STRATUM_MAX_DEPTH   16     /* XMRig's requests nest 3 deep */
#define SHOAL_STRATUM_ERROR_CODE  -1

typedef struct
{
  char       *id_json;   /* the request id re-serialized for the reply: 1, "x" or null */
  char       *method;
  JsonObject *params;    /* never NULL: an empty object when absent */
  JsonNode   *root;
} ShoalStratumRequest;

ShoalStratumRequest *shoal_stratum_request_parse   (const char          *line,
                                                    gsize                len,
                                                    GError             **error);
void                 shoal_stratum_request_free    (ShoalStratumRequest *request);
/* A string member of PARAMS, NULL when absent or not a string. */
const char          *shoal_stratum_request_get_string (ShoalStratumRequest *request,
                                                       const char          *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStratumRequest, shoal_stratum_request_free)

/* Replies and notifications, each a full line ending in '\n'. */
void  shoal_stratum_append_json_string (GString     *out,
                                        const char  *text);
char *shoal_stratum_reply_result       (const char  *id_json,
                                        const char  *result_json);
char *shoal_stratum_reply_error        (const char  *id_json,
                                        int          code,
                                        const char  *message);
char *shoal_stratum_reply_status       (const char  *id_json,
                                        const char  *status);
/* The "job" object of a login reply, getjob reply or job notification. */
char *shoal_stratum_job_json           (const char  *blob_hex,
                                        const char  *job_id,
                                        const char  *target_hex,
                                        const char  *algo,
                                        guint64      height,
                                        const char  *seed_hex);
char *shoal_stratum_notify_job         (const char  *job_json);
char *shoal_stratum_login_result       (const char  *session_id,
                                        const char  *job_json);

/* What a login line asks for. */
typedef struct
{
  char    *base;               /* login with any ".WORKER" and "+DIFF" removed */
  char    *worker;             /* sanitized worker name, never NULL */
  guint64  fixed_difficulty;   /* 0: vardiff */
} ShoalStratumLogin;

/* Splits LOGIN ("ADDRESS", "ADDRESS.WORKER", "ADDRESS+DIFF", both in either
 * order) and picks the worker name: RIGID, then ".WORKER", then PASS unless
 * it is "x" or empty, then (solo mode, where any login is a worker name)
 * the base itself when NAME_FROM_BASE, then "default". */
gboolean shoal_stratum_login_parse   (const char          *login,
                                      const char          *pass,
                                      const char          *rigid,
                                      gboolean             name_from_base,
                                      ShoalStratumLogin   *out,
                                      GError             **error);
void     shoal_stratum_login_clear   (ShoalStratumLogin   *login);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ShoalStratumLogin, shoal_stratum_login_clear)
/* A worker name safe for logs, the store and the UI; NULL when nothing is left. */
char    *shoal_stratum_sanitize_name (const char          *name);
/* TRUE when ALGOS (the login's "algo" member, may be NULL = not sent)
 * lists ALGO. */
gboolean shoal_stratum_algo_supported (JsonNode           *algos,
                                       const char         *algo);

/* Fixed-width hex fields of a submit: "nonce" (4 bytes) and "result" (32). */
gboolean shoal_stratum_parse_nonce   (const char          *hex,
                                      guint32             *nonce,
                                      GError             **error);
gboolean shoal_stratum_parse_hash    (const char          *hex,
                                      guint8               hash[32],
                                      GError             **error);

G_END_DECLS
