/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Per-IP bookkeeping of the stratum server: open connections (for the
 * per-IP cap), TLS handshakes in flight, a login budget and a P2Pool-like
 * score (good +1, bad -5, banned at -15 for a while).  An IPv6 peer is
 * counted by its /64: one home or one VPS gets a whole /64, so anything
 * finer would let one machine walk past the cap and the ban.  Owned by the
 * stratum thread; times are passed in. */

#define SHOAL_IP_SCORE_GOOD       1
#define SHOAL_IP_SCORE_BAD       -5
#define SHOAL_IP_SCORE_BAN      -15
#define SHOAL_IP_SCORE_MAX       10

typedef struct
{
  char    *ip;                /* the key: "a.b.c.d", or "x:x:x:x::/64" */
  guint    connections;
  guint    handshakes;        /* TLS handshakes in flight */
  double   login_tokens;      /* logins it may still make at once */
  gint64   login_refill_us;   /* when login_tokens was last topped up */
  int      score;
  gboolean is_local;
  gint64   banned_until_us;   /* 0: not banned */
  gint64   last_bad_us;
} ShoalIpEntry;

typedef struct _ShoalIpTable ShoalIpTable;

ShoalIpTable *shoal_ip_table_new           (void);
/* The key IP is counted under: itself for IPv4, its /64 for IPv6. */
char         *shoal_ip_table_key           (const char   *ip);
void          shoal_ip_table_free          (ShoalIpTable *table);
/* Counts one more connection from IP (an address as text); the entry
 * lives while it has any. */
ShoalIpEntry *shoal_ip_table_acquire       (ShoalIpTable *table,
                                            const char   *ip,
                                            gboolean      is_local);
void          shoal_ip_table_release       (ShoalIpTable *table,
                                            ShoalIpEntry *entry);
gboolean      shoal_ip_entry_is_banned     (ShoalIpEntry *entry,
                                            gint64        now_us);
/* Takes one login from the IP's budget: BURST at once, refilled at
 * PER_MINUTE.  FALSE when it is spent. */
gboolean      shoal_ip_entry_take_login    (ShoalIpEntry *entry,
                                            guint         burst,
                                            guint         per_minute,
                                            gint64        now_us);
guint         shoal_ip_table_size          (ShoalIpTable *table);
/* Adds DELTA to the score.  Returns TRUE when this bans the IP (never
 * when it is local and CAN_BAN_LOCAL is FALSE). */
gboolean      shoal_ip_table_score         (ShoalIpTable *table,
                                            ShoalIpEntry *entry,
                                            int           delta,
                                            gint64        ban_us,
                                            gboolean      can_ban_local,
                                            gint64        now_us);
/* Forgets entries with no connection whose ban and bad score have lapsed. */
void          shoal_ip_table_expire        (ShoalIpTable *table,
                                            gint64        forget_after_us,
                                            gint64        now_us);
guint         shoal_ip_table_count_banned  (ShoalIpTable *table,
                                            gint64        now_us);

G_END_DECLS
