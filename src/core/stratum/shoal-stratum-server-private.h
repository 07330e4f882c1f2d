/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-interner.h"
#include "shoal-ip-table.h"
#include "shoal-nonce-splits.h"
#include "shoal-stratum-poller.h"
#include "shoal-stratum-protocol.h"
#include "shoal-stratum-server.h"
#include "shoal-stratum-timers.h"
#include "shoal-vardiff.h"

G_BEGIN_DECLS

/* Internals shared by shoal-stratum-server.c (object, thread, work,
 * stats), shoal-stratum-session.c (sockets and lines) and
 * shoal-stratum-methods.c (login, getjob, submit, keepalived).
 * Everything below the lock's fields belongs to the stratum thread. */

#define SHOAL_STRATUM_MAX_JOBS   4      /* recent jobs a miner may still submit to */
#define SHOAL_STRATUM_TLS_THREADS 8     /* TLS handshakes at once (each a few ms of CPU) */
#define SHOAL_STRATUM_TARGET_HEX_SIZE 17 /* a 64-bit target as hex, and its nul */
/* Records of rigs that left are kept (for the miners list) only when they
 * sent a share (a bad one costs the IP its score), for an hour at most,
 * and only so many: a peer picks the names, so it must not pick how much
 * memory they take.  The least recently used go first. */
#define SHOAL_STRATUM_KEPT_MAX       4096
#define SHOAL_STRATUM_KEPT_PER_GROUP 512   /* per IP (an IPv6 /64) and per member address */
/* Distinct addresses, IPs and agents shared before the table starts over:
 * peers pick them, so they are bounded too. */
#define SHOAL_STRATUM_SHARED_STRINGS_MAX 65536

typedef struct
{
  guint64             id;            /* 0: empty slot; also makes the extra nonce */
  ShoalWork          *work;
  guint64             difficulty;    /* its target, as the miner reads it, is derived again
                                      * at submit: 8 bytes less in each of a rig's slots */
  GArray             *nonces;        /* guint32, sorted; NULL until a share comes */
} ShoalStratumJob;

typedef struct
{
  int                 refs;          /* sessions pointing at it */
  char               *address;        /* GRefStrings, shared with the snapshots */
  char               *name;
  char               *ip;
  char               *agent;
  guint               connections;
  guint64             difficulty;
  guint64             accepted, rejected, stale, invalid, blocks;
  ShoalHashrate       rate;
  gint64              last_share_us;  /* wall clock */
  gint64              connected_us;   /* wall clock */
  gint64              last_seen;      /* monotonic */
  /* While no session holds it (refs == 0), and only if it earned a share:
   * its place in the server's least-recently-used list and the groups it
   * counts in (see keep_worker()). */
  GList               idle_link;
  char               *ip_group;
  char               *address_group;  /* NULL in solo: every rig has the pool's */
} ShoalStratumWorker;

typedef struct _ShoalStratumSession ShoalStratumSession;

/* A lane past 0: one upstream connection of the source (see ShoalLanes),
 * and the rigs on it.  Owned by the stratum thread. */
typedef struct
{
  guint               id;
  ShoalWork          *work;          /* NULL until its connection has a job */
  ShoalNonceSplits    splits;        /* the top nonce bytes its rigs hold on split work */
  guint               n_sessions;
} ShoalStratumLane;

/* Lanes past 0 are bounded as rigs are: each is a connection upward. */
#define SHOAL_STRATUM_MAX_LANES 4096

/* A per-rig login that found no byte of lane 0 free: answered once the
 * rig's own lane has its first job, or with an error at DEADLINE (one
 * login timeout after it came).  One per session at most. */
typedef struct
{
  char              *id_json;
  ShoalStratumLogin  login;
  char              *address;
  char              *agent;
  gint64             deadline;     /* monotonic */
} ShoalStratumWaitingLogin;

/* The stratum thread's copy of the settings, refreshed from the
 * properties at start and on every sweep. */
typedef struct
{
  guint64  start_difficulty;
  guint64  min_difficulty;
  guint    share_interval;
  gboolean pplns;
  char    *pool_address;
  guint    max_per_ip;
  guint    login_burst;
  guint    logins_per_minute;
  guint    login_timeout_ms;
  guint    ban_seconds;
  gboolean ban_localhost;
  GTlsCertificate *certificate;      /* served on the TLS port */
} ShoalStratumSettings;

struct _ShoalStratumSession
{
  int                  ref_count;
  int                  fd;             /* -1 once closed */
  ShoalStratumServer  *server;
  ShoalStratumSession *prev, *next;
  ShoalStratumTimer    timer;          /* its next deadline on the server's wheel */
  GSocketConnection   *connection;     /* TLS port only: plain TCP keeps just the fd */
  GSocket             *socket;         /* TLS port only */
  GIOStream           *tls;            /* the GTlsServerConnection on the TLS port, else NULL */
  GCancellable        *handshake;      /* until TLS is up: waiting for the ClientHello, then
                                        * while the handshake runs */
  GSource             *read_source;    /* TLS (and its hello) only: plain TCP is polled */
  GSource             *write_source;
  GByteArray          *inbuf;          /* only while a partial line is in flight */
  GByteArray          *outbuf;         /* only while the kernel would not take it all */
  ShoalIpEntry        *ip;
  char                *peer;           /* its address as text (GRefString) */
  ShoalStratumWorker  *worker;         /* NULL until logged in */
  const char          *reject_reason;  /* banned or over the cap: told at first request */
  guint64              session_id;
  guint64              first_job_id;
  guint64              fixed_difficulty;
  gint64               connected_at;   /* monotonic */
  gint64               last_received;
  gint64               closing_deadline;
  gint64               newest_job_at;
  ShoalVardiff         vardiff;
  ShoalStratumJob      jobs[SHOAL_STRATUM_MAX_JOBS];
  guint8               newest_job;
  guint16              pending;        /* submits being verified or recorded */
  /* Its top nonce byte on split work; 0: none held.  Set on the stratum
   * thread before its first job on split work and kept to its end, so
   * its jobs need no copy of it. */
  guint8               split;
  /* Its lane past 0, NULL: lane 0.  While the lane has no work yet the
   * rig mines lane 0's, and SPLIT is a byte of lane 0's. */
  ShoalStratumLane    *lane;
  ShoalStratumWaitingLogin *waiting; /* its login, until its lane has work */
  guint                logged_in : 1;
  guint                closing : 1;    /* flushing the last reply, then close */
  guint                write_shut : 1;
  guint                closed : 1;
  guint                handshaking : 1; /* in a GIO worker thread */
  guint                polled : 1;      /* its fd is on the server's poller */
  guint                poll_write : 1;  /* ... for writing too: output is queued */
  guint                handshake_counted : 1; /* in ip->handshakes */
};

struct _ShoalStratumServer
{
  GObject             parent_instance;

  ShoalValidator     *validator;
  GMainContext       *owner_context;

  /* Guarded by lock: settings, the latest snapshot and work. */
  GMutex              lock;
  GCond               cond;
  char               *bind_address;
  guint               port;
  guint16             bound_port;
  guint               tls_port;
  guint16             bound_tls_port;
  GTlsCertificate    *certificate;
  guint64             start_difficulty;
  guint64             min_difficulty;
  guint               share_interval;
  char               *mode;
  char               *pool_address;
  guint               max_per_ip;
  guint               login_burst;
  guint               logins_per_minute;
  guint               login_timeout_ms;
  guint               ban_seconds;
  gboolean            ban_localhost;
  ShoalShareRecorder *recorder;
  ShoalStratumStats  *stats;
  ShoalWork          *latest_work;
  GHashTable         *lane_inbox;      /* lane -> its latest work, for the stratum thread */
  guint64             latest_closed;   /* the source's latest closed epoch */
  gboolean            closed_reset;    /* a new source: its epochs start afresh */
  ShoalJobSource     *source;          /* its signals come on owner_context */
  gboolean            start_done;
  GError             *start_error;

  /* Set by start(), cleared by stop(), on the caller's thread. */
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
  GCancellable       *cancellable;

  /* The stratum thread's own. */
  GSocketService      *service;
  GThreadPool         *handshakes;     /* TLS handshakes, created at the first one */
  ShoalStratumPoller  *poller;         /* plain TCP sessions' sockets; NULL: GSources */
  ShoalStratumTimers  *timers;         /* every session's next deadline */
  GThreadPool         *fan_out_pool;   /* helpers of a fan-out, created at the first big one */
  ShoalStratumSession *sessions;
  guint                n_sessions;
  guint                n_miners;
  guint                n_pending;
  gboolean             stopping;
  ShoalStratumSettings settings;
  ShoalShareRecorder  *thread_recorder;
  ShoalIpTable        *ips;
  ShoalInterner       *strings;        /* shared copies of addresses, IPs and agents */
  GHashTable          *workers;        /* ShoalStratumWorker, by address and name */
  GQueue               idle_workers;   /* kept records nobody uses, oldest first */
  GHashTable          *kept_per_group; /* ip or address group -> kept records in it */
  ShoalWork           *work;
  guint64              network_difficulty;
  guint64              closed_epoch;   /* our own block is there: its shares are stale */
  char                *seed_hex;
  guint64              cached_difficulty;
  char                *cached_target_hex;
  guint64              job_counter;
  guint32              instance_id;
  ShoalNonceSplits     splits;         /* the sessions' top nonce bytes on lane 0 */
  GHashTable          *lanes;          /* lane id -> ShoalStratumLane, past 0 */
  guint                next_lane;
  guint8              *scratch;        /* one read buffer for all sessions */
  GSource             *sweep_source;
  GSource             *stats_source;
  gboolean             stats_dirty;
  GThreadPool         *stats_pool;     /* finishes snapshots, created at the first tick */
  gboolean             stats_niced;    /* the stats pool's thread only */
  gint                 stats_building; /* atomic: a draft is with the stats pool */
  gint64               stats_gap_us;   /* the least time from one draft to the next */
  gint64               stats_built;
  gint64               last_expire;
  ShoalStratumWorker   totals;         /* counters and hashrate of everybody */
  guint64              jobs_sent;
  guint64              fan_outs;       /* new work sent to every rig on it */
  guint                fan_out_rigs;   /* in the last fan-out */
  gint64               fan_out_us;     /* the last one: work in to the last line out */
};

/* shoal-stratum-server.c: runs FUNC with the job source on the owner's
 * thread, where the source lives; DATA_FREE frees DATA after. */
typedef void (*ShoalStratumSourceFunc) (ShoalJobSource *source,
                                        gpointer        data);
void     shoal_stratum_server_to_source   (ShoalStratumServer     *self,
                                           ShoalStratumSourceFunc  func,
                                           gpointer                data,
                                           GDestroyNotify          data_free);

/* shoal-stratum-lanes.c */
/* The work SESSION mines now, and where its split byte comes from. */
ShoalWork        *shoal_stratum_session_work      (ShoalStratumSession *session);
ShoalNonceSplits *shoal_stratum_session_splits    (ShoalStratumSession *session);
/* At login: a lane and a split byte for SESSION, as the work's ShoalLanes says. */
gboolean shoal_stratum_server_join_lane   (ShoalStratumServer  *server,
                                           ShoalStratumSession *session,
                                           const char          *worker,
                                           GError             **error);
void     shoal_stratum_server_leave_lane  (ShoalStratumServer  *server,
                                           ShoalStratumSession *session);
/* After a login joined its lane: TRUE when the rig has nothing to mine
 * until its own lane's first job (no byte of lane 0's split work). */
gboolean shoal_stratum_session_awaits_lane (ShoalStratumSession *session);
/* New lane-0 work came: lanes follow its ShoalLanes. */
void     shoal_stratum_server_lanes_follow (ShoalStratumServer *server);
/* Hands out the lanes' work waiting in lane_inbox. */
gboolean shoal_stratum_server_apply_lane_work_cb (gpointer      data);
void     shoal_stratum_server_lanes_free  (ShoalStratumServer  *server);

/* shoal-stratum-session.c */
/* CERTIFICATE: the connection came in on the TLS port; NULL for plain TCP. */
void     shoal_stratum_session_accept      (ShoalStratumServer  *server,
                                            GSocketConnection   *connection,
                                            GTlsCertificate     *certificate);
ShoalStratumSession *shoal_stratum_session_ref (ShoalStratumSession *session);
/* The poller's callback: SESSIONS are ready for READY. */
void     shoal_stratum_session_dispatch    (gpointer            *sessions,
                                            guint               *ready,
                                            guint                n,
                                            gpointer             user_data);
void     shoal_stratum_session_unref       (ShoalStratumSession *session);
/* Takes LINE (ending in '\n'). */
void     shoal_stratum_session_send        (ShoalStratumSession *session,
                                            char                *line);
void     shoal_stratum_session_send_error  (ShoalStratumSession *session,
                                            const char          *id_json,
                                            const char          *message);
/* Takes LINE, of which the kernel already took SENT bytes (written
 * directly by a fan-out): queues the rest. */
void     shoal_stratum_session_send_rest   (ShoalStratumSession *session,
                                            char                *line,
                                            gsize                sent);
/* Flushes what is queued, half-closes, and closes once the peer has gone. */
void     shoal_stratum_session_close_after (ShoalStratumSession *session);
void     shoal_stratum_session_close       (ShoalStratumSession *session);
/* Scores the peer's IP; bans it (and closes its connections) at the threshold. */
void     shoal_stratum_session_score       (ShoalStratumSession *session,
                                            int                  delta);
/* Puts SESSION's next deadline on the server's wheel: after anything that
 * may bring it closer (accept, login, a share, closing, new settings). */
void     shoal_stratum_session_reschedule  (ShoalStratumSession *session);
/* The wheel's callback: a session's deadline came. */
void     shoal_stratum_session_timer_fired (ShoalStratumTimer   *timer,
                                            gint64               now,
                                            gpointer             user_data);

/* shoal-stratum-submit.c */
void     shoal_stratum_session_submit      (ShoalStratumSession *session,
                                            ShoalStratumRequest *request);

/* shoal-stratum-methods.c */
void     shoal_stratum_session_handle      (ShoalStratumSession *session,
                                            ShoalStratumRequest *request);
/* The part of a new job that must run on the stratum thread: its id,
 * slot, difficulty and target (written to TARGET_HEX).  NULL: no work. */
ShoalStratumJob *shoal_stratum_session_start_job (ShoalStratumSession *session,
                                                  char                 target_hex[SHOAL_STRATUM_TARGET_HEX_SIZE]);
/* The job's JSON (blob and all): reads only JOB, SPLIT (its session's)
 * and constant server fields (instance id, seed), so fan-out helpers call
 * it on any thread. */
char    *shoal_stratum_job_to_json         (ShoalStratumServer  *server,
                                            ShoalStratumJob     *job,
                                            guint8               split,
                                            const char          *target_hex,
                                            GError             **error);
/* Answers SESSION's waiting login with a job of its lane's work. */
void     shoal_stratum_session_finish_login (ShoalStratumSession *session);
/* Answers SESSION's waiting login with MESSAGE, and closes. */
void     shoal_stratum_session_fail_login  (ShoalStratumSession *session,
                                            const char          *message);
void     shoal_stratum_waiting_login_free  (ShoalStratumWaitingLogin *waiting);
/* A fresh job for SESSION on the current work, as a notification. */
void     shoal_stratum_session_push_job    (ShoalStratumSession *session);
/* Capped at the ceiling of the work SESSION mines (see shoal_stratum_session_work()). */
ShoalVardiffParams shoal_stratum_session_vardiff_params (ShoalStratumSession *session);
/* The job's extra nonce: instance id then job counter, as much as fits;
 * on split work (fewer than 8 unique bytes) SPLIT, then the counter. */
gsize    shoal_stratum_server_extra_nonce  (ShoalStratumServer  *self,
                                            ShoalWork           *work,
                                            guint64              job_id,
                                            guint8               split,
                                            guint8               out[12]);
/* Work whose few unique bytes rigs can only keep apart by their split byte. */
gboolean shoal_stratum_work_is_split       (ShoalWork           *work);
/* TRUE when the request's params.id is this session's id. */
gboolean shoal_stratum_session_check_id    (ShoalStratumSession *session,
                                            ShoalStratumRequest *request);
void     shoal_stratum_job_clear           (ShoalStratumJob     *job);

/* shoal-stratum-fan-out.c */
/* A job on the current work for each logged-in session of SESSIONS. */
void     shoal_stratum_server_fan_out      (ShoalStratumServer  *self,
                                            GPtrArray           *sessions);

/* shoal-stratum-server.c */
void     shoal_stratum_server_mark_dirty   (ShoalStratumServer  *self);
/* The sessions now, each referenced: they may close (and vanish from the
 * list) while the caller walks them. */
GPtrArray *shoal_stratum_server_collect_sessions (ShoalStratumServer *self);
void     shoal_stratum_server_release_worker (ShoalStratumServer *self,
                                              ShoalStratumWorker *worker);
ShoalStratumWorker *shoal_stratum_server_get_worker (ShoalStratumServer *self,
                                                     const char         *address,
                                                     const char         *name);
void     shoal_stratum_server_pending_done (ShoalStratumServer  *self);
/* Hands SOLUTION (taken) to the job source, on the owner's context. */
void     shoal_stratum_server_hand_solution (ShoalStratumServer *self,
                                             ShoalSolution      *solution);

G_END_DECLS
