/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-job-source.h"
#include "shoal-share.h"
#include "shoal-stratum-stats.h"
#include "shoal-validator.h"

G_BEGIN_DECLS

/* The stratum server XMRig rigs mine on.  It runs a GSocketService on
 * its own thread and GMainContext; every function here may be called
 * from any thread.  Its work comes from a ShoalJobSource (monerod's
 * templates today, an upstream pool later): it does not care where.
 *
 * Properties (all readable and writable; changes apply to new
 * connections, or at the next start() for the listening address):
 *   "bind-address"           string, default "0.0.0.0" ("::" for IPv6)
 *   "port"                   uint, default 3333 (0: any free port, see get_port())
 *   "start-difficulty"       uint64, default 10000
 *   "min-difficulty"         uint64, default 1000 (vardiff floor; the network
 *                            difficulty is the ceiling)
 *   "share-interval"         uint, seconds, default 15 (vardiff aim)
 *   "mode"                   string "solo" (default) or "pplns"
 *   "pool-address"           string: solo shares are credited to it
 *   "max-connections-per-ip" uint, default 256 (0: no cap)
 *   "login-timeout-ms"       uint, default 10000
 *   "ban-seconds"            uint, default 600
 *   "ban-localhost"          boolean, default FALSE: loopback peers are never
 *                            banned; TRUE is for tests only
 *   "tls-port"               uint, default 0 (no TLS): a second port, on the same
 *                            bind address, where rigs speak stratum over TLS
 *                            (XMRig --tls); same sessions, jobs and stats
 *   "tls-certificate"        GTlsCertificate with its private key, served on the
 *                            TLS port; required when "tls-port" is not 0 (see
 *                            shoal_certificate_load_or_create())
 *
 * A share that meets its work's ceiling goes back to the job source as a
 * ShoalSolution, on the thread-default context of the thread that created
 * the server, as soon as it is verified and before it is recorded. */

#define SHOAL_TYPE_STRATUM_SERVER (shoal_stratum_server_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStratumServer, shoal_stratum_server, SHOAL, STRATUM_SERVER, GObject)

ShoalStratumServer *shoal_stratum_server_new                (ShoalValidator      *validator);
gboolean            shoal_stratum_server_start              (ShoalStratumServer  *self,
                                                             GError             **error);
/* Closes every connection and joins the server thread.  Safe to call twice. */
void                shoal_stratum_server_stop               (ShoalStratumServer  *self);
gboolean            shoal_stratum_server_is_running         (ShoalStratumServer  *self);
/* The port really bound once started (useful with "port" 0). */
guint16             shoal_stratum_server_get_port           (ShoalStratumServer  *self);
/* The TLS port really bound once started; 0 when TLS is off.  "tls-port"
 * 0 means off, so tests pick a free port themselves. */
guint16             shoal_stratum_server_get_tls_port       (ShoalStratumServer  *self);
/* Where work comes from and solutions go; NULL for none.  Call it on
 * the thread that created the server, where SOURCE lives too.  Its work
 * goes to every logged-in miner at once as a fresh, unique job (the
 * validator is told its seed, and the next one); work of a new epoch, or
 * a closed epoch, makes older jobs stale. */
void                shoal_stratum_server_set_job_source     (ShoalStratumServer  *self,
                                                             ShoalJobSource      *source);
/* Accepted shares are recorded and answered "OK" only once recorded;
 * NULL: answered at once. */
void                shoal_stratum_server_set_share_recorder (ShoalStratumServer  *self,
                                                             ShoalShareRecorder  *recorder);
/* The latest snapshot, at most about 250 ms old.  Cheap: a reference. */
ShoalStratumStats  *shoal_stratum_server_get_stats          (ShoalStratumServer  *self);

G_END_DECLS
