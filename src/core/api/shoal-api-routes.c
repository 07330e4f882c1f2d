/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-api-json.h"
#include "shoal-api-metrics.h"
#include "shoal-status-resources.h"
#include "shoal-api-routes.h"

#define API_PREFIX "/api/v1/"
#define RESOURCE_PREFIX "/org/shoalpool/Shoal/status/"

/* The page may only talk to this server: no CDN, no fonts, no frames. */
#define PAGE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
                 "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

typedef struct
{
  const char *path;
  const char *file;
  const char *content_type;
} StaticFile;

static const StaticFile static_files[] = {
  { "/",            "index.html", "text/html; charset=utf-8" },
  { "/index.html",  "index.html", "text/html; charset=utf-8" },
  { "/status.css",  "status.css", "text/css; charset=utf-8" },
  { "/status.js",   "status.js",  "text/javascript; charset=utf-8" },
};

static const char * const api_endpoints[] = {
  "summary", "workers", "blocks", "payments", "upstreams", "incomes", "miner/ADDRESS",
  "history?range=1h|24h",
};

static void
set_common_headers (SoupServerMessage *msg,
                    const char        *cache_control)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", cache_control);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
}

static void
respond_bytes (SoupServerMessage *msg,
               const char        *content_type,
               GBytes            *body)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  set_common_headers (msg, "no-store");
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  char *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  set_common_headers (msg, "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static GBytes *
take_json (JsonNode *node)
{
  char *text = json_to_string (node, FALSE);

  json_node_unref (node);
  return g_bytes_new_take (text, strlen (text));
}

static GBytes *
render_summary (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_summary (cache));
}

static GBytes *
render_workers (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_workers (cache));
}

static GBytes *
render_blocks (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_blocks (cache));
}

static GBytes *
render_payments (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_payments (cache));
}

static GBytes *
render_upstreams (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_upstreams (cache));
}

static GBytes *
render_incomes (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_incomes (cache));
}

static GBytes *
render_history_1h (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_history (cache, "1h"));
}

static GBytes *
render_history_24h (ShoalApiCache *cache)
{
  return take_json (shoal_api_json_history (cache, "24h"));
}

static GBytes *
render_metrics (ShoalApiCache *cache)
{
  char *text = shoal_api_metrics_render (cache);

  return g_bytes_new_take (text, strlen (text));
}

static void G_GNUC_PRINTF (3, 4)
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *format,
               ...)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  node = shoal_api_json_error (status, message);
  respond_json (msg, status, node);
}

static gboolean
method_allowed (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);

  return method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
}

static void
refuse_method (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Allow", "GET, HEAD");
  respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                 "Method %s is not allowed: this API is read-only (GET, HEAD)",
                 soup_server_message_get_method (msg));
}

static gboolean
has_body (SoupMessageHeaders *headers)
{
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    default:
      return TRUE;
    }
}

/* Whatever body follows is read and dropped, not kept: the connection is
 * closed after the answer so it cannot be reused to stream more. */
static void
stop_reading_body (SoupServerMessage *msg)
{
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

void
shoal_api_routes_check_headers (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *query = g_uri_get_query (uri);
  gsize length = strlen (g_uri_get_path (uri)) + (query != NULL ? strlen (query) + 1 : 0);
  gboolean body = has_body (headers);

  if (body)
    stop_reading_body (msg);
  if (length > SHOAL_API_MAX_URI_LENGTH)
    respond_error (msg, SOUP_STATUS_REQUEST_URI_TOO_LONG,
                   "URI is %" G_GSIZE_FORMAT " bytes long; the limit is %d",
                   length, SHOAL_API_MAX_URI_LENGTH);
  else if (!method_allowed (msg))
    refuse_method (msg);
  else if (body)
    respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "Request bodies are not accepted: this API is read-only");
}

void
shoal_api_routes_refuse_busy (SoupServerMessage *msg,
                              guint              max_connections)
{
  stop_reading_body (msg);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", "5");
  respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                 "Too many open connections (over %u): try again in a few seconds",
                 max_connections);
}

static gboolean
serve_static (SoupServerMessage *msg,
              const char        *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (static_files); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (!g_str_equal (path, static_files[i].path))
        continue;
      name = g_strconcat (RESOURCE_PREFIX, static_files[i].file, NULL);
      bytes = g_resource_lookup_data (shoal_status_get_resource (), name,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL);  /* compiled in: a missing file is a build bug */
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      set_common_headers (msg, "no-cache");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Security-Policy", PAGE_CSP);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             static_files[i].content_type, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
      return TRUE;
    }
  return FALSE;
}

static void
serve_metrics (SoupServerMessage            *msg,
               const ShoalApiRequestContext *context)
{
  g_autoptr(GBytes) body = shoal_api_cache_lookup (context->cache, "metrics", render_metrics);
  char *requests = shoal_api_metrics_render_requests (context->requests);

  respond_bytes (msg, SHOAL_API_METRICS_CONTENT_TYPE, body);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_TAKE,
                            requests, strlen (requests));
}

static void
serve_index (SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "endpoints");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (api_endpoints); i++)
    {
      g_autofree char *full = g_strconcat (API_PREFIX, api_endpoints[i], NULL);
      json_builder_add_string_value (builder, full);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
serve_miner (SoupServerMessage            *msg,
             const char                   *address,
             const ShoalApiRequestContext *context)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  ShoalAddress parsed;
  gboolean valid;

  if (*address == '\0')
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "No address: ask for %sminer/ADDRESS",
                     API_PREFIX);
      return;
    }
  if (context->cache->network_known)
    valid = shoal_address_check (address, context->cache->network, &parsed, &error);
  else
    valid = shoal_address_parse (address, &parsed, &error);
  if (!valid)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "Invalid address: %s", error->message);
      return;
    }
  node = shoal_api_json_miner (context->cache, address);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
serve_history (SoupServerMessage            *msg,
               GHashTable                   *query,
               const ShoalApiRequestContext *context)
{
  const char *range = query != NULL ? g_hash_table_lookup (query, "range") : NULL;
  g_autoptr(GBytes) body = NULL;

  if (range == NULL || g_str_equal (range, "1h"))
    body = shoal_api_cache_lookup (context->cache, "history-1h", render_history_1h);
  else if (g_str_equal (range, "24h"))
    body = shoal_api_cache_lookup (context->cache, "history-24h", render_history_24h);
  else
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "Unknown range \"%s\": use 1h or 24h", range);
      return;
    }
  respond_bytes (msg, "application/json", body);
}

/* Documents that depend on the cache only: rendered once per cache. */
static const struct
{
  const char  *name;
  GBytes     *(*render) (ShoalApiCache *cache);
} documents[] = {
  { "summary",  render_summary },
  { "workers",  render_workers },
  { "blocks",   render_blocks },
  { "payments", render_payments },
  { "upstreams", render_upstreams },
  { "incomes",  render_incomes },
};

static gboolean
serve_api (SoupServerMessage            *msg,
           const char                   *name,
           GHashTable                   *query,
           const ShoalApiRequestContext *context)
{
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    if (g_str_equal (name, documents[i].name))
      {
        g_autoptr(GBytes) body = shoal_api_cache_lookup (context->cache, documents[i].name,
                                                         documents[i].render);
        respond_bytes (msg, "application/json", body);
        return TRUE;
      }
  if (g_str_has_prefix (name, "miner/"))
    serve_miner (msg, name + strlen ("miner/"), context);
  else if (g_str_equal (name, "history"))
    serve_history (msg, query, context);
  else if (*name == '\0')
    serve_index (msg);
  else
    return FALSE;
  return TRUE;
}

void
shoal_api_routes_handle (SoupServerMessage            *msg,
                         const char                   *path,
                         GHashTable                   *query,
                         const ShoalApiRequestContext *context)
{
  if (!method_allowed (msg))
    refuse_method (msg);
  else if (g_str_equal (path, "/metrics"))
    serve_metrics (msg, context);
  else if (g_str_has_prefix (path, API_PREFIX) &&
           serve_api (msg, path + strlen (API_PREFIX), query, context))
    return;
  else if (!serve_static (msg, path))
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "No such resource: %s", path);
}
