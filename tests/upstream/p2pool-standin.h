/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A stand-in for P2Pool's stratum server, written from UPSTREAM.md and
 * not from Shoal's code, so Shoal's client is checked against the
 * dialect and not against itself: no reply to keepalived, hex job ids per
 * connection, only the last 4 jobs kept, 4-byte targets up to a
 * difficulty of about 4,000,000 and 8-byte ones above, its error strings,
 * a ban (closed connection) for any other method or malformed JSON.
 * Lives on the thread-default main context it was made on. */
typedef struct _P2poolStandin P2poolStandin;

typedef struct
{
  char    *job_id;
  char    *nonce;       /* as sent: 8 hex */
  char    *result;      /* as sent: 64 hex */
  GBytes  *blob;        /* the connection's blob for that job */
  char    *verdict;     /* "OK" or the error string it answered */
  guint32  connection;  /* which connection it came over (its extra nonce) */
  char    *worker;      /* that connection's worker name, from its login */
} P2poolSubmit;

/* A login's params as received (NULL: absent). */
typedef struct
{
  char *login;
  char *pass;
  char *rigid;
} P2poolLogin;

typedef enum
{
  P2POOL_COUNT_LOGINS,
  P2POOL_COUNT_KEEPALIVES,
  P2POOL_COUNT_BANS,
  P2POOL_COUNT_CONNECTIONS,   /* open now */
} P2poolCount;

P2poolStandin *p2pool_standin_new          (guint64        difficulty);
void           p2pool_standin_free         (P2poolStandin *self);
guint16        p2pool_standin_get_port     (P2poolStandin *self);
/* The work every connection gets (a per-connection value is written into
 * the Merkle root, as P2Pool's extra nonce changes it). */
void           p2pool_standin_set_work     (P2poolStandin *self,
                                            GBytes        *blob,
                                            const char    *seed_hex,
                                            guint64        height);
void           p2pool_standin_set_difficulty (P2poolStandin *self,
                                              guint64        difficulty);
/* The ceiling, min(Monero's difficulty, the sidechain's) in P2Pool: no
 * connection's difficulty passes it, not even one a login asked for
 * ("NAME+DIFF"); 0 (the default): none, and a login gets what it asks. */
void           p2pool_standin_set_sidechain_difficulty (P2poolStandin *self,
                                                        guint64        difficulty);
/* Logins refused with "Disconnected from P2Pool network". */
void           p2pool_standin_set_offline  (P2poolStandin *self,
                                            gboolean       offline);
/* Shares are read and never answered. */
void           p2pool_standin_set_silent   (P2poolStandin *self,
                                            gboolean       silent);
/* While HOLD, every line it would send is kept back; sent, to the
 * connections still open, when HOLD is set FALSE. */
void           p2pool_standin_hold_answers (P2poolStandin *self,
                                            gboolean       hold);
/* A new job to every connection; STALE_OLD: a new sidechain tip, so
 * shares for older jobs are "Stale share" (else they stay good). */
void           p2pool_standin_push_job     (P2poolStandin *self,
                                            gboolean       stale_old);
/* A raw line to every connection, for upstreams that misbehave. */
void           p2pool_standin_send_raw     (P2poolStandin *self,
                                            const char    *line);
void           p2pool_standin_drop_all     (P2poolStandin *self);
guint          p2pool_standin_count        (P2poolStandin *self,
                                            P2poolCount    what);
/* Every submit received, P2poolSubmit, in order. */
GPtrArray     *p2pool_standin_get_submits  (P2poolStandin *self);
/* Every login received, P2poolLogin, in order. */
GPtrArray     *p2pool_standin_get_logins   (P2poolStandin *self);
/* The worker names of the logged-in connections open now, one a connection. */
GPtrArray     *p2pool_standin_dup_workers  (P2poolStandin *self);

G_END_DECLS
