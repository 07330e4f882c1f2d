/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Subscribes to monerod's ZMQ pub feed (--zmq-pub) for news of new
 * blocks, without a thread of its own: the socket's ZMQ_FD is watched
 * from the main context that was the thread default when it was made,
 * and its signals are emitted there.  The feed can drop messages and
 * says nothing when the publisher dies: it is a hint that makes Shoal
 * faster, never the only source of the tip.
 *
 * Signals:
 *   "miner-data" (guint64 height, const char *prev_id): work for HEIGHT
 *       on top of PREV_ID can be asked for (json-full-miner_data).
 *   "chain-main" (guint64 top_height, const char *top_id): the main chain
 *       grew (json-minimal-chain_main); TOP_HEIGHT is its top block's.
 *   "gap" (guint64 expected, guint64 seen): a message was missed; the
 *       listener should ask the node directly. */
#define SHOAL_TYPE_ZMQ_FEED (shoal_zmq_feed_get_type ())
G_DECLARE_FINAL_TYPE (ShoalZmqFeed, shoal_zmq_feed, SHOAL, ZMQ_FEED, GObject)

ShoalZmqFeed *shoal_zmq_feed_new          (const char    *url);
const char   *shoal_zmq_feed_get_url      (ShoalZmqFeed  *self);
/* Connects (the publisher need not be up yet: libzmq reconnects). Fails
 * only on a URL libzmq will not take. */
gboolean      shoal_zmq_feed_start        (ShoalZmqFeed  *self,
                                           GError       **error);
void          shoal_zmq_feed_stop         (ShoalZmqFeed  *self);
/* Messages taken from the feed since start (for tests and the log). */
guint64       shoal_zmq_feed_get_received (ShoalZmqFeed  *self);

G_END_DECLS
