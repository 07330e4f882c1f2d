/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-difficulty.h"
#include "shoal-share.h"

G_BEGIN_DECLS

/* Where the stratum server's work comes from (monerod's block templates
 * today, an upstream pool later) and where its block candidates go.  The
 * server knows nothing else of it.
 *
 * ShoalWork is one piece of work, immutable once made and reference
 * counted: it crosses from the source's thread to the stratum thread and
 * is shared by every job made from it. */
typedef struct _ShoalWork ShoalWork;

/* Makes the hashing blob a rig mines: UNIQUE (UNIQUE_LEN bytes, at most
 * the work's unique size) written where the work keeps them, the nonce
 * bytes zero.  Called on the stratum thread, so it may only read DATA. */
typedef GBytes *(*ShoalWorkBlobFunc) (gconstpointer  data,
                                      const guint8  *unique,
                                      gsize          unique_len,
                                      GError       **error);

/* How the rigs share a source's upstream connections ("lanes").  The
 * source says it on its lane-0 work; the stratum server hands each rig
 * a lane at login accordingly and asks the source to open and close the
 * lanes past 0.  Sources with one connection or none (the node's
 * templates) stay on lane 0. */
typedef enum
{
  SHOAL_LANES_ONE,      /* every rig on lane 0 */
  SHOAL_LANES_PER_RIG,  /* each rig its own lane: its own upstream work, difficulty and name */
  SHOAL_LANES_SPLIT,    /* up to 255 rigs a lane by the top nonce byte, a new lane past that */
} ShoalLanes;

typedef struct
{
  const char        *algorithm;       /* what rigs hash, "rx/0" */
  guint64            height;
  /* Staleness: work of another epoch is old work.  A source moves to a
   * new epoch when the chain tip its work builds on changes (a refresh
   * with new transactions keeps it); epochs only grow. */
  guint64            epoch;
  const guint8      *seed_hash;       /* 32 bytes */
  const guint8      *next_seed_hash;  /* 32 bytes, NULL when not announced */
  /* A share whose hash meets this is a block candidate (the network difficulty). */
  ShoalDifficulty    ceiling;
  /* The ceiling is an upstream pool's share target, not a block: a share
   * that meets it goes to the source all the same, but is no block of
   * ours to count, record or announce. */
  gboolean           ceiling_is_upstream;
  gsize              nonce_offset;    /* where the rig's 4 nonce bytes go in the blob */
  gsize              unique_size;     /* how many unique bytes the server may write */
  ShoalWorkBlobFunc  make_blob;
  gpointer           data;            /* immutable; for make_blob and the source */
  GDestroyNotify     data_free;
  gconstpointer      source_tag;      /* says which source made it */
  guint              lane;            /* the connection it came over; 0: the source's own */
  ShoalLanes         lanes;           /* read on lane-0 work only */
} ShoalWorkParams;

#define SHOAL_TYPE_WORK (shoal_work_get_type ())
GType               shoal_work_get_type           (void) G_GNUC_CONST;

ShoalWork          *shoal_work_new                (const ShoalWorkParams *params);
ShoalWork          *shoal_work_ref                (ShoalWork             *self);
void                shoal_work_unref              (ShoalWork             *self);
const char         *shoal_work_get_algorithm      (ShoalWork             *self);
guint64             shoal_work_get_height         (ShoalWork             *self);
guint64             shoal_work_get_epoch          (ShoalWork             *self);
const guint8       *shoal_work_get_seed_hash      (ShoalWork             *self);
/* NULL when the work announces no next seed. */
const guint8       *shoal_work_get_next_seed_hash (ShoalWork             *self);
const ShoalDifficulty *shoal_work_get_ceiling     (ShoalWork             *self);
gboolean            shoal_work_get_ceiling_is_upstream (ShoalWork         *self);
gsize               shoal_work_get_nonce_offset   (ShoalWork             *self);
gsize               shoal_work_get_unique_size    (ShoalWork             *self);
gconstpointer       shoal_work_get_source_tag     (ShoalWork             *self);
guint               shoal_work_get_lane           (ShoalWork             *self);
ShoalLanes          shoal_work_get_lanes          (ShoalWork             *self);
gpointer            shoal_work_get_data           (ShoalWork             *self);
/* The hashing blob for UNIQUE (see ShoalWorkBlobFunc); any thread. */
GBytes             *shoal_work_make_blob          (ShoalWork             *self,
                                                   const guint8          *unique,
                                                   gsize                  unique_len,
                                                   GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalWork, shoal_work_unref)

/* A share that met its work's ceiling, as the server hands it back:
 * the work, the unique bytes the server wrote for the rig's job, the
 * rig's nonce, the verified hash and who found it.  Plain data. */
typedef struct
{
  ShoalWork  *work;
  GBytes     *unique;
  guint32     nonce;
  guint8      hash[32];
  ShoalShare *share;
} ShoalSolution;

ShoalSolution *shoal_solution_new  (ShoalWork        *work,
                                    const guint8     *unique,
                                    gsize             unique_len,
                                    guint32           nonce,
                                    const guint8      hash[32],
                                    const ShoalShare *share);
void           shoal_solution_free (ShoalSolution    *solution);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSolution, shoal_solution_free)

/* Signals, emitted on the thread the source lives on:
 *   "work-changed" (ShoalWork *work): new work; every rig on its lane gets
 *       a job from it at once.  Work of a new epoch makes older jobs of
 *       the lane stale.
 *   "epoch-closed" (guint64 epoch): a block of ours filled the height of
 *       the work of EPOCH: its shares, and those of every earlier epoch,
 *       are stale from now on, even before new work comes.
 * Both vfuncs are called on that thread too. */
#define SHOAL_TYPE_JOB_SOURCE (shoal_job_source_get_type ())
G_DECLARE_INTERFACE (ShoalJobSource, shoal_job_source, SHOAL, JOB_SOURCE, GObject)

struct _ShoalJobSourceInterface
{
  GTypeInterface parent_iface;

  /* The latest work, or NULL before the first. */
  ShoalWork *(*dup_work)        (ShoalJobSource      *self);
  /* Builds the block (or whatever the work's origin wants) and sends it on. */
  void       (*submit_solution) (ShoalJobSource      *self,
                                 const ShoalSolution *solution);
  /* Optional.  Opens lane LANE (> 0) for a rig called WORKER (NULL: the
   * source's own login), or closes it; its work comes by "work-changed". */
  void       (*open_lane)       (ShoalJobSource      *self,
                                 guint                lane,
                                 const char          *worker);
  void       (*close_lane)      (ShoalJobSource      *self,
                                 guint                lane);
};

ShoalWork *shoal_job_source_dup_work          (ShoalJobSource      *self);
void       shoal_job_source_submit_solution   (ShoalJobSource      *self,
                                               const ShoalSolution *solution);
void       shoal_job_source_open_lane         (ShoalJobSource      *self,
                                               guint                lane,
                                               const char          *worker);
void       shoal_job_source_close_lane        (ShoalJobSource      *self,
                                               guint                lane);
/* For implementations. */
void       shoal_job_source_emit_work_changed (ShoalJobSource      *self,
                                               ShoalWork           *work);
void       shoal_job_source_emit_epoch_closed (ShoalJobSource      *self,
                                               guint64              epoch);

G_END_DECLS
