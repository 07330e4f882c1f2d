/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <zmq.h>

#include "shoal-error.h"
#include "shoal-rpc-client.h"
#include "shoal-zmq-feed.h"

#define TOPIC_MINER_DATA "json-full-miner_data"
#define TOPIC_CHAIN_MAIN "json-minimal-chain_main"
/* A full miner_data carries the transaction backlog: large, but bounded. */
#define MAX_MESSAGE_SIZE (16 * 1024 * 1024)

/* Owned by the main context it was made on; libzmq's socket is only
 * touched from there. */
struct _ShoalZmqFeed
{
  GObject       parent_instance;
  char         *url;
  GMainContext *context;
  void         *zmq_context;
  void         *socket;
  GSource      *source;
  guint64       received;
  guint64       last_miner_height;
  guint64       last_top_height;
};

G_DEFINE_FINAL_TYPE (ShoalZmqFeed, shoal_zmq_feed, G_TYPE_OBJECT)

enum {
  MINER_DATA,
  CHAIN_MAIN,
  GAP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_zmq_feed_dispose (GObject *object)
{
  shoal_zmq_feed_stop (SHOAL_ZMQ_FEED (object));
  G_OBJECT_CLASS (shoal_zmq_feed_parent_class)->dispose (object);
}

static void
shoal_zmq_feed_finalize (GObject *object)
{
  ShoalZmqFeed *self = SHOAL_ZMQ_FEED (object);

  g_free (self->url);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_zmq_feed_parent_class)->finalize (object);
}

static void
shoal_zmq_feed_class_init (ShoalZmqFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_zmq_feed_dispose;
  object_class->finalize = shoal_zmq_feed_finalize;

  signals[MINER_DATA] =
    g_signal_new ("miner-data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[CHAIN_MAIN] =
    g_signal_new ("chain-main", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[GAP] =
    g_signal_new ("gap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
shoal_zmq_feed_init (ShoalZmqFeed *self)
{
  self->context = g_main_context_ref_thread_default ();
}

ShoalZmqFeed *
shoal_zmq_feed_new (const char *url)
{
  ShoalZmqFeed *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ZMQ_FEED, NULL);
  self->url = g_strdup (url);
  return self;
}

const char *
shoal_zmq_feed_get_url (ShoalZmqFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_ZMQ_FEED (self), NULL);
  return self->url;
}

guint64
shoal_zmq_feed_get_received (ShoalZmqFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_ZMQ_FEED (self), 0);
  return self->received;
}

/* Messages */

static void
check_gap (ShoalZmqFeed *self,
           guint64      *last,
           guint64       height)
{
  if (*last != 0 && height > *last + 1)
    {
      g_debug ("ZMQ: expected height %" G_GUINT64_FORMAT ", got %" G_GUINT64_FORMAT,
               *last + 1, height);
      g_signal_emit (self, signals[GAP], 0, *last + 1, height);
    }
  *last = height;
}

static void
handle_miner_data (ShoalZmqFeed *self,
                   JsonObject   *object)
{
  g_autoptr(GError) error = NULL;
  const char *prev_id;
  guint64 height;

  if (!shoal_json_get_uint64 (object, "height", &height, &error) ||
      (prev_id = shoal_json_get_string (object, "prev_id", &error)) == NULL)
    {
      g_debug ("ZMQ: miner_data ignored: %s", error->message);
      return;
    }
  check_gap (self, &self->last_miner_height, height);
  g_signal_emit (self, signals[MINER_DATA], 0, height, prev_id);
}

static void
handle_chain_main (ShoalZmqFeed *self,
                   JsonObject   *object)
{
  g_autoptr(GError) error = NULL;
  JsonNode *ids = json_object_get_member (object, "ids");
  JsonArray *array;
  guint64 first;
  guint n;

  if (!shoal_json_get_uint64 (object, "first_height", &first, &error))
    {
      g_debug ("ZMQ: chain_main ignored: %s", error->message);
      return;
    }
  if (ids == NULL || !JSON_NODE_HOLDS_ARRAY (ids) ||
      (n = json_array_get_length (array = json_node_get_array (ids))) == 0 ||
      json_node_get_value_type (json_array_get_element (array, n - 1)) != G_TYPE_STRING)
    {
      g_debug ("ZMQ: chain_main ignored: no block ids");
      return;
    }
  /* A reorg restarts lower: only a jump forward is a gap. */
  check_gap (self, &self->last_top_height, first);
  self->last_top_height = first + n - 1;
  g_signal_emit (self, signals[CHAIN_MAIN], 0, first + n - 1,
                 json_array_get_string_element (array, n - 1));
}

static void
handle_message (ShoalZmqFeed *self,
                const char   *data,
                gsize         len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *colon = memchr (data, ':', len);
  gsize topic_len;
  JsonNode *root;

  if (colon == NULL)
    return;
  topic_len = colon - data;
  if (!json_parser_load_from_data (parser, colon + 1, len - topic_len - 1, &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("ZMQ: a message that is not a JSON object was ignored");
      return;
    }
  self->received++;
  if (topic_len == strlen (TOPIC_MINER_DATA) && memcmp (data, TOPIC_MINER_DATA, topic_len) == 0)
    handle_miner_data (self, json_node_get_object (root));
  else if (topic_len == strlen (TOPIC_CHAIN_MAIN) &&
           memcmp (data, TOPIC_CHAIN_MAIN, topic_len) == 0)
    handle_chain_main (self, json_node_get_object (root));
}

/* TRUE while the socket has a message waiting.  Reading ZMQ_EVENTS is
 * also what re-arms ZMQ_FD, which only signals edges. */
static gboolean
has_message (ShoalZmqFeed *self)
{
  int events = 0;
  size_t size = sizeof events;

  return zmq_getsockopt (self->socket, ZMQ_EVENTS, &events, &size) == 0 &&
         (events & ZMQ_POLLIN) != 0;
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  g_autoptr(ShoalZmqFeed) self = g_object_ref (user_data);

  while (self->socket != NULL && has_message (self))
    {
      zmq_msg_t msg;

      zmq_msg_init (&msg);
      if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) >= 0 &&
          zmq_msg_size (&msg) <= MAX_MESSAGE_SIZE)
        handle_message (self, zmq_msg_data (&msg), zmq_msg_size (&msg));
      zmq_msg_close (&msg);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
subscribe (ShoalZmqFeed  *self,
           GError       **error)
{
  int linger = 0;
  gint64 max_msg = MAX_MESSAGE_SIZE;

  if (zmq_setsockopt (self->socket, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_setsockopt (self->socket, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg) != 0 ||
      zmq_setsockopt (self->socket, ZMQ_SUBSCRIBE, TOPIC_MINER_DATA,
                      strlen (TOPIC_MINER_DATA)) != 0 ||
      zmq_setsockopt (self->socket, ZMQ_SUBSCRIBE, TOPIC_CHAIN_MAIN,
                      strlen (TOPIC_CHAIN_MAIN)) != 0 ||
      zmq_connect (self->socket, self->url) != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Cannot subscribe to the node's ZMQ feed at \"%s\": %s", self->url,
                   zmq_strerror (zmq_errno ()));
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_zmq_feed_start (ShoalZmqFeed  *self,
                      GError       **error)
{
  int fd = -1;
  size_t size = sizeof fd;

  g_return_val_if_fail (SHOAL_IS_ZMQ_FEED (self), FALSE);

  if (self->socket != NULL)
    return TRUE;
  self->zmq_context = zmq_ctx_new ();
  self->socket = zmq_socket (self->zmq_context, ZMQ_SUB);
  if (!subscribe (self, error) ||
      zmq_getsockopt (self->socket, ZMQ_FD, &fd, &size) != 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED, "ZMQ: %s",
                     zmq_strerror (zmq_errno ()));
      shoal_zmq_feed_stop (self);
      return FALSE;
    }
  self->received = 0;
  self->last_miner_height = 0;
  self->last_top_height = 0;
  self->source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_callback (self->source, (GSourceFunc) (void (*) (void)) on_readable, self, NULL);
  g_source_set_static_name (self->source, "[shoal] zmq feed");
  /* Ahead of timers and sockets: this is the news of a new block. */
  g_source_set_priority (self->source, G_PRIORITY_HIGH);
  g_source_attach (self->source, self->context);
  return TRUE;
}

void
shoal_zmq_feed_stop (ShoalZmqFeed *self)
{
  g_return_if_fail (SHOAL_IS_ZMQ_FEED (self));

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_clear_pointer (&self->socket, zmq_close);
  g_clear_pointer (&self->zmq_context, zmq_ctx_term);
}
