/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <randomx.h>

G_BEGIN_DECLS

/* A full-mode dataset, shared by the VMs that use it: it is freed when
 * the last of them (and its seed) lets go, never while a VM reads it. */
typedef struct _ShoalRandomxDataset ShoalRandomxDataset;

ShoalRandomxDataset *shoal_randomx_dataset_ref   (ShoalRandomxDataset *dataset);
void                 shoal_randomx_dataset_unref (ShoalRandomxDataset *dataset);
randomx_dataset     *shoal_randomx_dataset_get   (ShoalRandomxDataset *dataset);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalRandomxDataset, shoal_randomx_dataset_unref)

/* The RandomX state for one seed hash: its cache, built once on a thread
 * of its own, and optionally its dataset, built after it by several
 * threads.  A cache is never re-initialised: a new seed is a new object. */
#define SHOAL_TYPE_RANDOMX_SEED (shoal_randomx_seed_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRandomxSeed, shoal_randomx_seed, SHOAL, RANDOMX_SEED, GObject)

/* FLAGS: randomx_get_flags () or a subset; large pages are tried on top.
 * INIT_THREADS: how many threads build the dataset. */
ShoalRandomxSeed    *shoal_randomx_seed_new             (const guint8      seed_hash[32],
                                                         randomx_flags     flags,
                                                         guint             init_threads);
const guint8        *shoal_randomx_seed_get_hash        (ShoalRandomxSeed *self);
gboolean             shoal_randomx_seed_has_hash        (ShoalRandomxSeed *self,
                                                         const guint8      seed_hash[32]);
/* Asks for the dataset once the cache is there.  CHECK_MEMORY: only if
 * the system has the memory available (auto mode). */
void                 shoal_randomx_seed_request_dataset (ShoalRandomxSeed *self,
                                                         gboolean          check_memory);
/* Stops a dataset build and drops the seed's hold on its dataset; VMs
 * that use it keep it until they move on. */
void                 shoal_randomx_seed_release_dataset (ShoalRandomxSeed *self);
gboolean             shoal_randomx_seed_is_ready        (ShoalRandomxSeed *self);
/* Blocks until the cache is built; fails if it cannot be or on cancel.
 * The cache lives as long as SELF. */
randomx_cache       *shoal_randomx_seed_wait_cache      (ShoalRandomxSeed *self,
                                                         GError          **error);
/* The dataset once it is complete, else NULL. */
ShoalRandomxDataset *shoal_randomx_seed_dup_dataset     (ShoalRandomxSeed *self);
/* Wakes waiters with an error and stops a dataset build; does not block. */
void                 shoal_randomx_seed_cancel          (ShoalRandomxSeed *self);
/* Waits for the build thread, if any, to end. */
void                 shoal_randomx_seed_join            (ShoalRandomxSeed *self);

G_END_DECLS
