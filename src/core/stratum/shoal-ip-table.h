/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Per-IP bookkeeping of the stratum server: open connections (for the
 * per-IP cap) and a P2Pool-like score (good +1, bad -5, banned at -15 for
 * a while).  Owned by the stratum thread; times are passed in. */

#define SHOAL_IP_SCORE_GOOD       1
#define SHOAL_IP_SCORE_BAD       -5
#define SHOAL_IP_SCORE_BAN      -15
#define SHOAL_IP_SCORE_MAX       10

typedef struct
{
  char    *ip;
  guint    connections;
  int      score;
  gboolean is_local;
  gint64   banned_until_us;   /* 0: not banned */
  gint64   last_bad_us;
} ShoalIpEntry;

typedef struct _ShoalIpTable ShoalIpTable;

ShoalIpTable *shoal_ip_table_new           (void);
void          shoal_ip_table_free          (ShoalIpTable *table);
/* Counts one more connection from IP; the entry lives while it has any. */
ShoalIpEntry *shoal_ip_table_acquire       (ShoalIpTable *table,
                                            const char   *ip,
                                            gboolean      is_local);
void          shoal_ip_table_release       (ShoalIpTable *table,
                                            ShoalIpEntry *entry);
gboolean      shoal_ip_entry_is_banned     (ShoalIpEntry *entry,
                                            gint64        now_us);
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
