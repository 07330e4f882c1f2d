/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-api-feed.h"
#include "shoal-api-server.h"

G_BEGIN_DECLS

/* A tiny HTTP/1.1 client on plain sockets, so the tests see exactly the
 * bytes the API server sends, and can send what no browser would. */

typedef struct
{
  guint       status;
  GHashTable *headers;   /* lower-case name -> value */
  GBytes     *body;
} ApiReply;

/* HEAD: the reply has headers only, whatever its Content-Length says. */
ApiReply   *api_reply_parse       (const char *raw,
                                   gsize       len,
                                   gboolean    head,
                                   gsize      *consumed);
void        api_reply_free        (ApiReply   *reply);
const char *api_reply_header      (ApiReply   *reply,
                                   const char *name);
char       *api_reply_text        (ApiReply   *reply);
JsonObject *api_reply_json        (ApiReply   *reply);   /* asserts it is a JSON object */

/* Sends REQUEST (whole bytes) on a fresh connection, reads to EOF. */
ApiReply   *api_send_raw          (guint       port,
                                   const char *request,
                                   gsize       len);
ApiReply   *api_request           (guint       port,
                                   const char *method,
                                   const char *path);
JsonObject *api_get_json          (guint       port,
                                   const char *path,
                                   guint       expected_status);
/* Asserts the {"error": {"code": N, "message": "..."}} shape; returns the message. */
const char *api_assert_error      (JsonObject *object,
                                   guint       code);

/* An API server started on 127.0.0.1 and a free port, fed from POOL by
 * the feed returned in *FEED (unref it before the pool). */
ShoalApiServer *api_test_server_start (ShoalPool     *pool,
                                       ShoalApiFeed **feed);

/* Open file descriptors of this process. */
guint       api_open_descriptors  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ApiReply, api_reply_free)

G_END_DECLS
