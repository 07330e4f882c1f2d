/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-rpc-client.h"
#include "shoal-stratum-protocol.h"

#define MAX_WORKER_NAME 64

void
shoal_stratum_request_free (ShoalStratumRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->id_json);
  g_free (request->method);
  g_clear_pointer (&request->params, json_object_unref);
  g_clear_pointer (&request->root, json_node_unref);
  g_free (request);
}

/* Echo the id the way it came: XMRig matches replies on integer ids. */
static char *
id_to_json (JsonNode *id,
            GError  **error)
{
  GString *out;

  if (id == NULL || JSON_NODE_HOLDS_NULL (id))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING
      && strlen (json_node_get_string (id)) <= 64)
    {
      out = g_string_new (NULL);
      shoal_stratum_append_json_string (out, json_node_get_string (id));
      return g_string_free (out, FALSE);
    }
  g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "The request id must be an integer, a short string or null");
  return NULL;
}

static gboolean
parse_members (ShoalStratumRequest *request,
               JsonObject          *object,
               GError             **error)
{
  JsonNode *method = json_object_get_member (object, "method");
  JsonNode *params = json_object_get_member (object, "params");

  request->id_json = id_to_json (json_object_get_member (object, "id"), error);
  if (request->id_json == NULL)
    return FALSE;
  if (method == NULL || !JSON_NODE_HOLDS_VALUE (method)
      || json_node_get_value_type (method) != G_TYPE_STRING)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                           "The request has no \"method\" string");
      return FALSE;
    }
  request->method = g_strdup (json_node_get_string (method));
  if (params != NULL && JSON_NODE_HOLDS_OBJECT (params))
    request->params = json_object_ref (json_node_get_object (params));
  else if (params == NULL || JSON_NODE_HOLDS_NULL (params))
    request->params = json_object_new ();
  else
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                           "The request's \"params\" is not an object");
      return FALSE;
    }
  return TRUE;
}

ShoalStratumRequest *
shoal_stratum_request_parse (const char *line,
                             gsize       len,
                             GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(ShoalStratumRequest) request = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (line != NULL || len == 0, NULL);

  if (len > SHOAL_STRATUM_MAX_LINE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_TOO_LARGE,
                   "Line of %" G_GSIZE_FORMAT " bytes is over the %d-byte limit",
                   len, SHOAL_STRATUM_MAX_LINE);
      return NULL;
    }
  if (memchr (line, '\0', len) != NULL || !g_utf8_validate (line, len, NULL))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                           "The line is not UTF-8 text");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!shoal_json_check_depth (line, len, SHOAL_STRATUM_MAX_DEPTH, &local_error)
      || !json_parser_load_from_data (parser, line, len, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Malformed JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                           "The request is not a JSON object");
      return NULL;
    }
  request = g_new0 (ShoalStratumRequest, 1);
  request->root = json_node_ref (root);
  if (!parse_members (request, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&request);
}

const char *
shoal_stratum_request_get_string (ShoalStratumRequest *request,
                                  const char          *member)
{
  JsonNode *node;

  g_return_val_if_fail (request != NULL, NULL);

  node = json_object_get_member (request->params, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
shoal_stratum_append_json_string (GString    *out,
                                  const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

char *
shoal_stratum_reply_result (const char *id_json,
                            const char *result_json)
{
  return g_strdup_printf ("{\"id\":%s,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":%s}\n",
                          id_json, result_json);
}

char *
shoal_stratum_reply_error (const char *id_json,
                           int         code,
                           const char *message)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"id\":%s,\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,\"message\":",
                          id_json, code);
  shoal_stratum_append_json_string (out, message);
  g_string_append (out, "}}\n");
  return g_string_free (out, FALSE);
}

char *
shoal_stratum_reply_status (const char *id_json,
                            const char *status)
{
  g_autofree char *result = g_strdup_printf ("{\"status\":\"%s\"}", status);

  return shoal_stratum_reply_result (id_json, result);
}

char *
shoal_stratum_job_json (const char *blob_hex,
                        const char *job_id,
                        const char *target_hex,
                        const char *algo,
                        guint64     height,
                        const char *seed_hex)
{
  return g_strdup_printf ("{\"blob\":\"%s\",\"job_id\":\"%s\",\"target\":\"%s\","
                          "\"algo\":\"%s\",\"height\":%" G_GUINT64_FORMAT ","
                          "\"seed_hash\":\"%s\"}",
                          blob_hex, job_id, target_hex, algo, height, seed_hex);
}

/* Notifications carry no "id": XMRig takes any message with one for a reply. */
char *
shoal_stratum_notify_job (const char *job_json)
{
  return g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":%s}\n", job_json);
}

char *
shoal_stratum_login_result (const char *session_id,
                            const char *job_json)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"job\":%s,\"extensions\":[\"algo\",\"keepalive\"],"
                          "\"status\":\"OK\"}",
                          session_id, job_json);
}

char *
shoal_stratum_sanitize_name (const char *name)
{
  GString *out;

  if (name == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = name; *p != '\0' && out->len < MAX_WORKER_NAME; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("_-.@:", *p) != NULL)
        g_string_append_c (out, *p);
      else if (out->len > 0 && out->str[out->len - 1] != '_')
        g_string_append_c (out, '_');
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_fixed_difficulty (const char *login,
                        const char *start,
                        gsize       len,
                        guint64    *out,
                        GError    **error)
{
  g_autofree char *digits = g_strndup (start, len);
  guint64 value;

  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64, &value, NULL))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Invalid login \"%.100s\": \"+\" must be followed by a difficulty "
                   "(a whole number above 0)", login);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* Walks the ".WORKER" and "+DIFF" parts after the base, in either order. */
static gboolean
parse_login_suffixes (const char        *login,
                      const char        *p,
                      char             **dot_worker,
                      ShoalStratumLogin *out,
                      GError           **error)
{
  while (*p != '\0')
    {
      char kind = *p++;
      gsize len = strcspn (p, ".+");

      if (kind == '+' && !parse_fixed_difficulty (login, p, len, &out->fixed_difficulty, error))
        return FALSE;
      if (kind == '.' && *dot_worker == NULL)
        {
          /* A worker name may itself contain dots: take up to the next '+'. */
          len = strcspn (p, "+");
          *dot_worker = g_strndup (p, len);
        }
      p += len;
    }
  return TRUE;
}

gboolean
shoal_stratum_login_parse (const char         *login,
                           const char         *pass,
                           const char         *rigid,
                           gboolean            name_from_base,
                           ShoalStratumLogin  *out,
                           GError            **error)
{
  g_autofree char *dot_worker = NULL;
  gsize base_len;

  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (login == NULL || *login == '\0')
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                           "Missing login: set the pool user (-u) to your address or a worker name");
      return FALSE;
    }
  base_len = strcspn (login, ".+");
  if (!parse_login_suffixes (login, login + base_len, &dot_worker, out, error))
    return FALSE;
  out->base = g_strndup (login, base_len);
  out->worker = shoal_stratum_sanitize_name (rigid);
  if (out->worker == NULL)
    out->worker = shoal_stratum_sanitize_name (dot_worker);
  if (out->worker == NULL && pass != NULL && !g_str_equal (pass, "x"))
    out->worker = shoal_stratum_sanitize_name (pass);
  if (out->worker == NULL)
    out->worker = name_from_base ? shoal_stratum_sanitize_name (out->base) : NULL;
  if (out->worker == NULL)
    out->worker = g_strdup ("default");
  return TRUE;
}

void
shoal_stratum_login_clear (ShoalStratumLogin *login)
{
  g_clear_pointer (&login->base, g_free);
  g_clear_pointer (&login->worker, g_free);
  login->fixed_difficulty = 0;
}

gboolean
shoal_stratum_algo_supported (JsonNode   *algos,
                              const char *algo)
{
  JsonArray *array;

  /* Miners older than the "algo" extension do not send a list. */
  if (algos == NULL || JSON_NODE_HOLDS_NULL (algos))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (algos))
    return FALSE;
  array = json_node_get_array (algos);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING
          && g_ascii_strcasecmp (json_node_get_string (item), algo) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
parse_fixed_hex (const char *hex,
                 guint8     *out,
                 gsize       n_bytes,
                 const char *what,
                 GError    **error)
{
  if (hex == NULL || strlen (hex) != n_bytes * 2)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                   "Malformed %s: expected %" G_GSIZE_FORMAT " hex characters", what, n_bytes * 2);
      return FALSE;
    }
  for (gsize i = 0; i < n_bytes; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MALFORMED,
                       "Malformed %s: not hexadecimal", what);
          return FALSE;
        }
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

gboolean
shoal_stratum_parse_nonce (const char *hex,
                           guint32    *nonce,
                           GError    **error)
{
  guint8 bytes[4];

  if (!parse_fixed_hex (hex, bytes, sizeof bytes, "nonce", error))
    return FALSE;
  /* The miner sends the blob's 4 nonce bytes; as a value they are little-endian. */
  *nonce = (guint32) bytes[0] | (guint32) bytes[1] << 8 | (guint32) bytes[2] << 16
           | (guint32) bytes[3] << 24;
  return TRUE;
}

gboolean
shoal_stratum_parse_hash (const char *hex,
                          guint8      hash[32],
                          GError    **error)
{
  return parse_fixed_hex (hex, hash, 32, "result", error);
}
