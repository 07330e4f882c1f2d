/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-glib/json-glib.h>
#include <string.h>

#include "p2pool-standin.h"

#define JOBS_KEPT     4
#define MAX_LINE      (16 * 1024)
#define ROOT_OFFSET   43       /* the Merkle root follows the 4 nonce bytes at 39 */

typedef struct
{
  guint32 id;
  gboolean stale;
  GBytes *blob;
} Job;

typedef struct
{
  P2poolStandin     *standin;
  GSocketConnection *connection;
  GDataInputStream  *input;
  GCancellable      *cancellable;
  guint32            extra_nonce;
  guint32            next_job;
  Job                jobs[JOBS_KEPT];   /* ring of the last 4 */
  gboolean           logged_in;
  char              *worker;            /* as P2Pool reads it from the login */
  guint64            custom;            /* the fixed difficulty its login asked; 0: none */
} Conn;

struct _P2poolStandin
{
  GSocketService *service;
  guint16         port;
  GList          *conns;
  GPtrArray      *submits;
  GBytes         *blob;
  char           *seed_hex;
  guint64         height;
  guint64         difficulty;
  guint64         sidechain;      /* the ceiling no connection's difficulty passes; 0: none */
  gboolean        offline;
  gboolean        silent;
  GPtrArray      *held;           /* answers held back, Held, in order; NULL: none held */
  GPtrArray      *logins;         /* P2poolLogin, in order */
  guint           counts[P2POOL_COUNT_CONNECTIONS];
  guint32         next_extra_nonce;
};

static void
submit_free (P2poolSubmit *submit)
{
  g_free (submit->job_id);
  g_free (submit->nonce);
  g_free (submit->result);
  g_bytes_unref (submit->blob);
  g_free (submit->verdict);
  g_free (submit->worker);
  g_free (submit);
}

static void
login_free (P2poolLogin *login)
{
  g_free (login->login);
  g_free (login->pass);
  g_free (login->rigid);
  g_free (login);
}

static char *
param_dup (JsonObject *params,
           const char *name)
{
  return g_strdup (json_object_get_string_member_with_default (params, name, NULL));
}

static char *
hex_of (const guint8 *data,
        gsize         len)
{
  GString *out = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);
  return g_string_free (out, FALSE);
}

/* P2Pool's rule: a 4-byte target while the difficulty allows it. */
static char *
target_hex (guint64 difficulty)
{
  guint64 target = G_MAXUINT64 / MAX (difficulty, 1);
  guint8 bytes[8];

  for (int i = 0; i < 8; i++)
    bytes[i] = (guint8) (target >> (8 * i));
  if (target >= G_MAXUINT64 / 4000001)
    return hex_of (bytes + 4, 4);
  return hex_of (bytes, 8);
}

/* An answer held back, for the connection it was for. */
typedef struct
{
  Conn *conn;
  char *line;
} Held;

static void
held_free (Held *held)
{
  g_free (held->line);
  g_free (held);
}

static void
conn_send (Conn       *conn,
           const char *line)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));

  if (conn->standin->held != NULL)
    {
      Held *held = g_new0 (Held, 1);

      held->conn = conn;
      held->line = g_strdup (line);
      g_ptr_array_add (conn->standin->held, held);
      return;
    }
  /* Loopback and small lines: a blocking write is fine in a test. */
  g_output_stream_write_all (out, line, strlen (line), NULL, NULL, NULL);
  g_output_stream_write_all (out, "\n", 1, NULL, NULL, NULL);
}

static void
conn_drop (Conn *conn)
{
  P2poolStandin *self = conn->standin;

  self->conns = g_list_remove (self->conns, conn);
  g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_object_unref (conn->cancellable);
  g_object_unref (conn->input);
  g_object_unref (conn->connection);
  for (int i = 0; i < JOBS_KEPT; i++)
    g_clear_pointer (&conn->jobs[i].blob, g_bytes_unref);
  g_free (conn->worker);
  g_free (conn);
}

static void
conn_ban (Conn *conn)
{
  conn->standin->counts[P2POOL_COUNT_BANS]++;
  conn_drop (conn);
}

static Job *
conn_new_job (Conn *conn)
{
  Job *job = &conn->jobs[conn->next_job % JOBS_KEPT];
  gsize len = 0;
  guint8 *blob = g_bytes_unref_to_data (g_bytes_ref (conn->standin->blob), &len);

  if (len >= ROOT_OFFSET + 4)
    for (int i = 0; i < 4; i++)
      blob[ROOT_OFFSET + i] ^= (guint8) (conn->extra_nonce >> (8 * i));
  g_clear_pointer (&job->blob, g_bytes_unref);
  job->blob = g_bytes_new_take (blob, len);
  job->id = ++conn->next_job;
  job->stale = FALSE;
  return job;
}

/* P2Pool's rule: what the login asked for, else its own choice, and
 * never above the ceiling. */
static guint64
conn_difficulty (Conn *conn)
{
  guint64 difficulty = conn->custom != 0 ? conn->custom : conn->standin->difficulty;

  if (conn->standin->sidechain != 0)
    difficulty = MIN (difficulty, conn->standin->sidechain);
  return difficulty;
}

static char *
job_json (Conn *conn,
          Job  *job)
{
  P2poolStandin *self = conn->standin;
  g_autofree char *blob = hex_of (g_bytes_get_data (job->blob, NULL), g_bytes_get_size (job->blob));
  g_autofree char *target = target_hex (conn_difficulty (conn));

  return g_strdup_printf ("{\"blob\":\"%s\",\"job_id\":\"%x\",\"target\":\"%s\",\"algo\":\"rx/0\","
                          "\"height\":%" G_GUINT64_FORMAT ",\"seed_hash\":\"%s\"}",
                          blob, job->id, target, self->height, self->seed_hex);
}

static void
reply_error (Conn       *conn,
             gint64      id,
             const char *message)
{
  g_autofree char *line = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\","
                                           "\"error\":{\"message\":\"%s\"}}", id, message);
  conn_send (conn, line);
}

/* What comes before the first '+' or '.', at most 31 characters. */
static char *
worker_of (JsonObject *params)
{
  const char *login = json_object_get_string_member_with_default (params, "login", "");

  return g_strndup (login, MIN (strcspn (login, "+."), 31));
}

/* The number after the login's last '+' or '.': max(N + 1, 1000). */
static guint64
custom_of (JsonObject *params)
{
  const char *login = json_object_get_string_member_with_default (params, "login", "");
  const char *mark = NULL;
  guint64 asked;

  for (const char *p = login; *p != '\0'; p++)
    if (*p == '+' || *p == '.')
      mark = p;
  if (mark == NULL || (asked = g_ascii_strtoull (mark + 1, NULL, 10)) == 0)
    return 0;
  return MAX (asked + 1, 1000);
}

static void
on_login (Conn       *conn,
          gint64      id,
          JsonObject *params)
{
  g_autofree char *job = NULL;
  g_autofree char *line = NULL;
  P2poolLogin *record = g_new0 (P2poolLogin, 1);

  conn->standin->counts[P2POOL_COUNT_LOGINS]++;
  record->login = param_dup (params, "login");
  record->pass = param_dup (params, "pass");
  record->rigid = param_dup (params, "rigid");
  g_ptr_array_add (conn->standin->logins, record);
  g_free (conn->worker);
  conn->worker = worker_of (params);
  conn->custom = custom_of (params);
  if (conn->standin->offline)
    {
      reply_error (conn, id, "Disconnected from P2Pool network");
      return;
    }
  conn->logged_in = TRUE;
  job = job_json (conn, conn_new_job (conn));
  line = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\","
                          "\"result\":{\"id\":\"%08x\","
                          "\"job\":%s,\"extensions\":[\"algo\"],\"status\":\"OK\"}}",
                          id, g_random_int (), job);
  conn_send (conn, line);
}

static gboolean
is_hex (const char *text,
        gsize       len)
{
  if (text == NULL || strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static Job *
find_job (Conn       *conn,
          const char *job_id)
{
  guint64 id = g_ascii_strtoull (job_id, NULL, 16);

  for (int i = 0; i < JOBS_KEPT; i++)
    if (id != 0 && conn->jobs[i].blob != NULL && conn->jobs[i].id == id)
      return &conn->jobs[i];
  return NULL;
}

static gboolean
result_meets (const char *result,
              guint64     difficulty)
{
  guint64 value = 0;

  /* The hash's last 8 bytes, little-endian, against the full target. */
  for (int i = 7; i >= 0; i--)
    {
      char byte[3] = { result[48 + 2 * i], result[49 + 2 * i], 0 };
      value = value << 8 | g_ascii_strtoull (byte, NULL, 16);
    }
  return value < G_MAXUINT64 / MAX (difficulty, 1);
}

static const char *
judge (Conn       *conn,
       const char *job_id,
       const char *nonce,
       const char *result,
       Job       **job)
{
  if (job_id == NULL || !is_hex (nonce, 8) || !is_hex (result, 64))
    return "Invalid params";
  *job = find_job (conn, job_id);
  if (*job == NULL)
    return "Invalid job id";
  if ((*job)->stale)
    return "Stale share";
  if (!result_meets (result, conn_difficulty (conn)))
    return "Low diff share";
  return "OK";
}

static void
on_submit (Conn       *conn,
           gint64      id,
           JsonObject *params)
{
  P2poolSubmit *submit = g_new0 (P2poolSubmit, 1);
  Job *job = NULL;
  g_autofree char *line = NULL;

  submit->job_id = g_strdup (json_object_get_string_member_with_default (params, "job_id", NULL));
  submit->nonce = g_strdup (json_object_get_string_member_with_default (params, "nonce", NULL));
  submit->result = g_strdup (json_object_get_string_member_with_default (params, "result", NULL));
  submit->verdict = g_strdup (judge (conn, submit->job_id, submit->nonce, submit->result, &job));
  submit->blob = job != NULL ? g_bytes_ref (job->blob) : NULL;
  submit->connection = conn->extra_nonce;
  submit->worker = g_strdup (conn->worker);
  g_ptr_array_add (conn->standin->submits, submit);
  if (conn->standin->silent)
    return;
  if (!g_str_equal (submit->verdict, "OK"))
    {
      reply_error (conn, id, submit->verdict);
      return;
    }
  line = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"jsonrpc\":\"2.0\","
                          "\"result\":{\"status\":\"OK\"}}", id);
  conn_send (conn, line);
}

/* FALSE: the connection was banned and is gone. */
static gboolean
on_line (Conn       *conn,
         const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *request;
  const char *method;
  JsonObject *params;
  gint64 id;

  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto ban;
  request = json_node_get_object (json_parser_get_root (parser));
  method = json_object_get_string_member_with_default (request, "method", "");
  params = json_object_has_member (request, "params")
           && JSON_NODE_HOLDS_OBJECT (json_object_get_member (request, "params"))
           ? json_object_get_object_member (request, "params") : NULL;
  id = json_object_get_int_member_with_default (request, "id", 0);
  if (g_str_equal (method, "login") && params != NULL)
    on_login (conn, id, params);
  else if (g_str_equal (method, "submit") && params != NULL && conn->logged_in)
    on_submit (conn, id, params);
  else if (g_str_equal (method, "keepalived"))
    conn->standin->counts[P2POOL_COUNT_KEEPALIVES]++;    /* never answered */
  else
    goto ban;
  return TRUE;

ban:
  conn_ban (conn);
  return FALSE;
}

static void read_line (Conn *conn);

static void
on_read_line (GObject      *stream,
              GAsyncResult *result,
              gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (stream),
                                                                result, &len, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;                                     /* dropped: CONN is gone */
  if (line == NULL)
    {
      conn_drop (conn);
      return;
    }
  if (len > MAX_LINE)
    {
      conn_ban (conn);
      return;
    }
  if (on_line (conn, line))
    read_line (conn);
}

static void
read_line (Conn *conn)
{
  g_data_input_stream_read_line_async (conn->input, G_PRIORITY_DEFAULT, conn->cancellable,
                                       on_read_line, conn);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  P2poolStandin *self = user_data;
  Conn *conn = g_new0 (Conn, 1);

  conn->standin = self;
  conn->connection = g_object_ref (connection);
  conn->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  conn->cancellable = g_cancellable_new ();
  conn->extra_nonce = ++self->next_extra_nonce;
  self->conns = g_list_prepend (self->conns, conn);
  read_line (conn);
  return TRUE;
}

P2poolStandin *
p2pool_standin_new (guint64 difficulty)
{
  P2poolStandin *self = g_new0 (P2poolStandin, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint8 blob[76] = { 16, 16 };

  self->difficulty = difficulty;
  self->submits = g_ptr_array_new_with_free_func ((GDestroyNotify) submit_free);
  self->logins = g_ptr_array_new_with_free_func ((GDestroyNotify) login_free);
  self->blob = g_bytes_new (blob, sizeof blob);
  self->seed_hex = g_strnfill (64, '0');
  self->height = 1;
  self->service = g_socket_service_new ();
  /* Room in the listen queue (GLib's default is 10) for the hundreds of
   * connections a relay opens when its rigs come back together. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), 1024);
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return self;
}

void
p2pool_standin_free (P2poolStandin *self)
{
  p2pool_standin_drop_all (self);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_ptr_array_unref (self->submits);
  g_ptr_array_unref (self->logins);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_bytes_unref (self->blob);
  g_free (self->seed_hex);
  g_free (self);
}

guint16
p2pool_standin_get_port (P2poolStandin *self)
{
  return self->port;
}

void
p2pool_standin_set_work (P2poolStandin *self,
                         GBytes        *blob,
                         const char    *seed_hex,
                         guint64        height)
{
  g_bytes_unref (self->blob);
  self->blob = g_bytes_ref (blob);
  g_free (self->seed_hex);
  self->seed_hex = g_strdup (seed_hex);
  self->height = height;
}

void
p2pool_standin_set_sidechain_difficulty (P2poolStandin *self,
                                         guint64        difficulty)
{
  self->sidechain = difficulty;
}

void
p2pool_standin_set_difficulty (P2poolStandin *self,
                               guint64        difficulty)
{
  self->difficulty = difficulty;
}

void
p2pool_standin_set_offline (P2poolStandin *self,
                            gboolean       offline)
{
  self->offline = offline;
}

void
p2pool_standin_set_silent (P2poolStandin *self,
                           gboolean       silent)
{
  self->silent = silent;
}

void
p2pool_standin_push_job (P2poolStandin *self,
                         gboolean       stale_old)
{
  for (GList *l = self->conns; l != NULL; l = l->next)
    {
      Conn *conn = l->data;
      g_autofree char *job = NULL;
      g_autofree char *line = NULL;

      if (!conn->logged_in)
        continue;
      for (int i = 0; i < JOBS_KEPT && stale_old; i++)
        conn->jobs[i].stale = TRUE;
      job = job_json (conn, conn_new_job (conn));
      line = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":%s}", job);
      conn_send (conn, line);
    }
}

void
p2pool_standin_send_raw (P2poolStandin *self,
                         const char    *line)
{
  for (GList *l = self->conns; l != NULL; l = l->next)
    conn_send (l->data, line);
}

void
p2pool_standin_hold_answers (P2poolStandin *self,
                             gboolean       hold)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  if (hold)
    {
      self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) held_free);
      return;
    }
  for (guint i = 0; held != NULL && i < held->len; i++)
    {
      Held *h = held->pdata[i];

      if (g_list_find (self->conns, h->conn) != NULL)
        conn_send (h->conn, h->line);
    }
}

void
p2pool_standin_drop_all (P2poolStandin *self)
{
  while (self->conns != NULL)
    conn_drop (self->conns->data);
}

guint
p2pool_standin_count (P2poolStandin *self,
                      P2poolCount    what)
{
  if (what == P2POOL_COUNT_CONNECTIONS)
    return g_list_length (self->conns);
  return self->counts[what];
}

GPtrArray *
p2pool_standin_get_submits (P2poolStandin *self)
{
  return self->submits;
}

GPtrArray *
p2pool_standin_get_logins (P2poolStandin *self)
{
  return self->logins;
}

GPtrArray *
p2pool_standin_dup_workers (P2poolStandin *self)
{
  GPtrArray *workers = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = self->conns; l != NULL; l = l->next)
    {
      Conn *conn = l->data;

      if (conn->logged_in)
        g_ptr_array_add (workers, g_strdup (conn->worker));
    }
  return workers;
}
