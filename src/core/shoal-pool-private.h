/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "shoal-accounting.h"
#include "shoal-api-feed.h"
#include "shoal-api-server.h"
#include "shoal-block-keeper.h"
#include "shoal-bookkeeper.h"
#include "shoal-job-manager.h"
#include "shoal-managed-node.h"
#include "shoal-payer.h"
#include "shoal-pool.h"
#include "shoal-share.h"
#include "shoal-source-chain.h"
#include "shoal-stats-collector.h"
#include "shoal-store.h"
#include "shoal-stratum-server.h"
#include "shoal-template-source.h"
#include "shoal-validator.h"
#include "shoal-income-watcher.h"
#include "shoal-wallet-client.h"

G_BEGIN_DECLS

/* What one start of the pool made (shoal-pool-parts.c), stopped by the
 * pool's stop and dropped in its dispose.  Owned by the pool's thread,
 * like the pool; the parts keep their own threads behind their own APIs. */
typedef struct
{
  ShoalPlayground     *playground;
  ShoalManagedNode    *managed;         /* the node Shoal runs, or NULL */
  char                *pool_address;
  ShoalMode            mode;            /* as started; "mode" applies on restart */
  char                *wallet_uri;

  ShoalStore          *store;
  ShoalValidator      *validator;
  ShoalStratumServer  *stratum;
  ShoalNodeClient     *node;            /* NULL with an injected job source */
  ShoalJobManager     *jobs;            /* NULL with an injected job source */
  ShoalTemplateSource *source;
  ShoalSourceChain    *chain;           /* upstream mode: upstreams, then source */
  GPtrArray           *upstreams;       /* upstream mode: ShoalUpstreamSource, in order */
  ShoalAccounting     *accounting;
  ShoalPayer          *payer;
  ShoalWalletClient   *wallet;
  ShoalApiServer      *api;
  ShoalApiFeed        *api_feed;        /* publishes to API, holds the pool weakly */
  ShoalBookkeeper     *books;
  ShoalBlockKeeper    *blocks;
  ShoalIncomeWatcher  *incomes;         /* upstream mode with upstream-split, or NULL */
  guint                wallet_probe_id;
  guint                failover_id;
} ShoalPoolParts;

/* In shoal-pool-parts.c: makes the parts from the configuration and
 * returns TASK (taken) once the pool runs, or with why it could not. */
void                 _shoal_pool_start_parts      (ShoalPool      *self,
                                                   GTask          *task);
/* The node's job manager on NODE_URI, feeding the template source. */
void                 _shoal_pool_start_jobs       (ShoalPool      *self,
                                                   const char     *node_uri);
void                 _shoal_pool_parts_stop       (ShoalPoolParts *parts,
                                                   ShoalConfig    *config);
void                 _shoal_pool_parts_dispose    (ShoalPoolParts *parts);

/* In shoal-pool.c, for the start: the pool's own state and its wiring of
 * each part as the start makes it. */
ShoalPoolParts      *_shoal_pool_get_parts        (ShoalPool      *self);
ShoalStatsCollector *_shoal_pool_get_stats        (ShoalPool      *self);
GCancellable        *_shoal_pool_get_cancellable  (ShoalPool      *self);
ShoalJobSource      *_shoal_pool_get_job_source   (ShoalPool      *self);
void                 _shoal_pool_set_status       (ShoalPool      *self,
                                                   const char     *message);
void                 _shoal_pool_reconcile        (ShoalPool      *self);
void                 _shoal_pool_wire_block_keeper    (ShoalPool  *self);
void                 _shoal_pool_wire_template_source (ShoalPool  *self);
void                 _shoal_pool_wire_jobs            (ShoalPool  *self);

/* For shoal-pool-queries.c: the store of a running pool, or NULL. */
ShoalStore        *_shoal_pool_get_store  (ShoalPool *self);
/* For shoal-pool-payouts.c: NULL unless small-pool mode with a wallet. */
ShoalPayer        *_shoal_pool_get_payer  (ShoalPool *self);
ShoalWalletClient *_shoal_pool_get_wallet (ShoalPool *self);
/* For the stats collector: the running parts, or NULL. */
ShoalStratumServer *_shoal_pool_get_stratum   (ShoalPool *self);
ShoalValidator     *_shoal_pool_get_validator (ShoalPool *self);
ShoalManagedNode   *_shoal_pool_get_managed   (ShoalPool *self);
/* From shoal-pool-payouts.c: what a block found now is credited with. */
void            _shoal_pool_block_terms (ShoalPool        *self,
                                         const ShoalShare *share,
                                         ShoalBlockTerms  *terms);
gboolean        _shoal_pool_check_mode  (ShoalPool        *self,
                                         GError          **error);
/* In shoal-pool-settings.c: the parts as the configuration says them. */
char              *_shoal_pool_database_path    (ShoalPool   *self);
ShoalValidatorMode _shoal_pool_validator_mode   (ShoalConfig *config);
GTlsCertificate   *_shoal_pool_load_certificate (ShoalPool   *self,
                                                 GError     **error);
const char        *_shoal_pool_zmq_url          (ShoalPool   *self);
/* The node's RPC login: the managed node's generated one, the user's
 * node-login, or none for the playground's node. */
void               _shoal_pool_node_login       (ShoalPool   *self,
                                                 char       **user,
                                                 char       **password);
/* LOGIN is "user:password" or "user"; empty or NULL: no login. */
void               _shoal_split_login           (const char  *login,
                                                 char       **user,
                                                 char       **password);
/* TRUE when the running pool took the changed setting KEY at once (or
 * reads it when it needs it); FALSE when it waits for a restart. */
gboolean        _shoal_pool_apply_setting (ShoalPool      *self,
                                           const char     *key);


/* Conditions (shoal-pool.c keeps the list; shoal-pool-conditions.c
 * decides what is wrong and how to say it). */
void             _shoal_pool_set_condition   (ShoalPool      *self,
                                              ShoalCondition *condition);
void             _shoal_pool_clear_condition (ShoalPool      *self,
                                              const char     *id);
ShoalJobManager *_shoal_pool_get_jobs        (ShoalPool      *self);
ShoalNodeClient *_shoal_pool_get_node        (ShoalPool      *self);
void             _shoal_pool_set_config_handler (ShoalPool   *self,
                                                 gulong       handler_id);

/* In shoal-pool-conditions.c.  STAGE names what failed to start:
 * "database", "stratum" or "playground". */
gboolean _shoal_pool_check_address   (ShoalPool    *self,
                                      const char   *address,
                                      GError      **error);
void     _shoal_pool_start_failed    (ShoalPool    *self,
                                      const char   *stage,
                                      const GError *error);
void     _shoal_pool_check_node      (ShoalPool    *self);
guint    _shoal_pool_start_wallet_probe (ShoalPool *self);
void     _shoal_pool_watch_config    (ShoalPool    *self);
/* In shoal-pool-failover.c: watches the node in use and moves to the
 * next of node-url and backup-node-urls when it stops answering, and back
 * to the first when it answers again.  Returns the timer's source id. */
guint    _shoal_pool_start_failover  (ShoalPool    *self,
                                      const char   *first_uri);
void     _shoal_pool_use_node        (ShoalPool    *self,
                                      const char   *uri);
/* In shoal-pool-upstream.c: upstream mode's work, one upstream source
 * per upstream-urls entry, started, in order, then TEMPLATES; their
 * verdicts on each rig's shares go to STATS, and the accepted shares that
 * reached the sidechain's difficulty to BOOKS' store.  UPSTREAMS gets the
 * sources (to stop them).  NULL when the list is empty or an entry is wrong. */
ShoalSourceChain *_shoal_pool_upstream_chain (ShoalConfig          *config,
                                              const char           *pool_address,
                                              ShoalJobSource       *templates,
                                              ShoalStatsCollector  *stats,
                                              ShoalBookkeeper      *books,
                                              GPtrArray           **upstreams,
                                              GError              **error);
void     _shoal_pool_stop_upstreams  (GPtrArray    *upstreams);
/* Keeps the "upstream" condition: set while rigs are not on the first
 * upstream (on a later one, or solo on the node's templates). */
void     _shoal_pool_watch_upstreams (ShoalPool        *pool,
                                      ShoalSourceChain *chain,
                                      GPtrArray        *upstreams);

G_END_DECLS
