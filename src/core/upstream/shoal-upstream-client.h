/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What an upstream pool said when it refused a login or a share.  The
 * strings are P2Pool's (see UPSTREAM.md); other pools' words that mean
 * the same map to the same code, anything else is REJECTED. */
#define SHOAL_UPSTREAM_ERROR (shoal_upstream_error_quark ())
typedef enum
{
  SHOAL_UPSTREAM_ERROR_REJECTED,        /* an error string we do not know */
  SHOAL_UPSTREAM_ERROR_OFFLINE,         /* "Disconnected from P2Pool network" */
  SHOAL_UPSTREAM_ERROR_STALE,           /* "Stale share" */
  SHOAL_UPSTREAM_ERROR_INVALID_JOB,     /* "Invalid job id" */
  SHOAL_UPSTREAM_ERROR_LOW_DIFFICULTY,  /* "Low diff share" */
  SHOAL_UPSTREAM_ERROR_INVALID_POW,     /* "Invalid PoW" */
  SHOAL_UPSTREAM_ERROR_BANNED,          /* "Banned", "your IP is banned" */
  SHOAL_UPSTREAM_ERROR_UNAUTHENTICATED, /* the session is gone upstream */
} ShoalUpstreamError;

GQuark shoal_upstream_error_quark (void);

/* One job as the upstream sent it, immutable and reference counted: it
 * is handed from the client's thread to whoever builds work from it. */
typedef struct
{
  char    *job_id;
  GBytes  *blob;          /* the hashing blob, nonce bytes as sent */
  guint64  target64;      /* as the upstream's 4- or 8-byte target reads */
  char    *algorithm;     /* "rx/0" when the upstream names none */
  guint64  height;
  guint8   seed_hash[32];
} ShoalUpstreamJob;

#define SHOAL_TYPE_UPSTREAM_JOB (shoal_upstream_job_get_type ())
GType             shoal_upstream_job_get_type (void) G_GNUC_CONST;
ShoalUpstreamJob *shoal_upstream_job_ref      (ShoalUpstreamJob *job);
void              shoal_upstream_job_unref    (ShoalUpstreamJob *job);
/* The difficulty the job's target asks for. */
guint64           shoal_upstream_job_get_difficulty (const ShoalUpstreamJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalUpstreamJob, shoal_upstream_job_unref)

/* Where an upstream is and how Shoal logs in there.  Plain data. */
typedef struct
{
  char     *host;
  guint16   port;
  gboolean  use_tls;
  char     *login;     /* P2Pool ignores the address in it: a name only */
  char     *pass;
  char     *fingerprint; /* with TLS: the certificate's SHA-256 (hex) it must have; NULL: any */
  char     *rigid;     /* sent as XMRig's "rigid" (a rig's name) when set */
  gboolean  login_set; /* LOGIN was configured for this upstream: not empty */
} ShoalUpstreamEndpoint;

ShoalUpstreamEndpoint *shoal_upstream_endpoint_new  (const char                  *host,
                                                     guint16                      port,
                                                     gboolean                     use_tls,
                                                     const char                  *login,
                                                     const char                  *pass);
/* What the upstream-urls setting says of one upstream:
 * "stratum+tcp://HOST:PORT", or "stratum+ssl://HOST:PORT" (also
 * "stratum+tls://") with an optional "#FINGERPRINT"; a bare "HOST:PORT"
 * is plain TCP, an IPv6 host goes in brackets.  "LOGIN@" before the host
 * is this upstream's own login; else LOGIN is what Shoal logs in with
 * there (empty or NULL: none configured, login_set FALSE). */
ShoalUpstreamEndpoint *shoal_upstream_endpoint_parse (const char                  *url,
                                                      const char                  *login,
                                                      GError                     **error);
ShoalUpstreamEndpoint *shoal_upstream_endpoint_copy (const ShoalUpstreamEndpoint *endpoint);
void                   shoal_upstream_endpoint_free (ShoalUpstreamEndpoint       *endpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalUpstreamEndpoint, shoal_upstream_endpoint_free)

/* A stratum client to an XMRig-protocol pool (P2Pool's stratum port
 * first), plain or TLS.  One object is one connection: once it has
 * closed it stays closed, and whoever wants to go on makes a new one.
 *
 * Signals, on the thread-default main context of the connect call:
 *   "job"    (ShoalUpstreamJob *job): new work, also the login's first job
 *   "closed" (GError *why): the connection is gone, never emitted twice */
#define SHOAL_TYPE_UPSTREAM_CLIENT (shoal_upstream_client_get_type ())
G_DECLARE_FINAL_TYPE (ShoalUpstreamClient, shoal_upstream_client, SHOAL, UPSTREAM_CLIENT, GObject)

ShoalUpstreamClient *shoal_upstream_client_new            (const ShoalUpstreamEndpoint *endpoint);
/* Seconds between keepalives, and how long a request may wait for its
 * reply before the connection is given up (defaults 60 and 30). */
void                 shoal_upstream_client_set_timing     (ShoalUpstreamClient  *self,
                                                           guint                 keepalive_s,
                                                           guint                 reply_timeout_s);
/* With TLS, the SHA-256 fingerprint (hex) the upstream's certificate must
 * have; NULL accepts any, as XMRig does when none is configured. */
void                 shoal_upstream_client_set_tls_fingerprint (ShoalUpstreamClient *self,
                                                                const char          *fingerprint);

/* Connects and logs in; done once the login is answered with a job. */
void                 shoal_upstream_client_connect_async  (ShoalUpstreamClient  *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean             shoal_upstream_client_connect_finish (ShoalUpstreamClient  *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* The latest job, NULL before the login is answered. */
ShoalUpstreamJob    *shoal_upstream_client_dup_job        (ShoalUpstreamClient  *self);
/* The session id the upstream gave at login. */
const char          *shoal_upstream_client_get_session_id (ShoalUpstreamClient  *self);
gboolean             shoal_upstream_client_is_connected   (ShoalUpstreamClient  *self);

/* Sends a share: NONCE as the blob's 4 nonce bytes read little-endian,
 * HASH the RandomX result.  Finishes TRUE when the upstream accepted it,
 * else with a SHOAL_UPSTREAM_ERROR (its verdict) or a transport error. */
void                 shoal_upstream_client_submit_async   (ShoalUpstreamClient  *self,
                                                           const char           *job_id,
                                                           guint32               nonce,
                                                           const guint8          hash[32],
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean             shoal_upstream_client_submit_finish  (ShoalUpstreamClient  *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Closes the connection ("closed" is emitted with G_IO_ERROR_CANCELLED). */
void                 shoal_upstream_client_close          (ShoalUpstreamClient  *self);

G_END_DECLS
