/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-job-source.h"
#include "stratum-test-util.h"

G_BEGIN_DECLS

/* A job source that is no node, for tests of what the stratum server
 * (alone, or inside ShoalPool) owes any source: synthetic work on a
 * 76-byte blob, and the solutions handed back kept for the test to read.
 * Lives on the test's thread. */

#define FAKE_BLOB_SIZE       76
#define FAKE_NONCE_OFFSET    39
#define FAKE_UNIQUE_OFFSET   50
#define FAKE_UNIQUE_SIZE     8
#define FAKE_HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)
#define FAKE_SEED_HEX        "5ed0000000000000000000000000000000000000000000000000000000000001"

#define TEST_TYPE_FAKE_SOURCE (test_fake_source_get_type ())
G_DECLARE_FINAL_TYPE (TestFakeSource, test_fake_source, TEST, FAKE_SOURCE, GObject)

/* Owned by the test's thread, where the server calls the vfuncs. */
struct _TestFakeSource
{
  GObject    parent_instance;
  ShoalWork *work;
  GPtrArray *solutions;   /* ShoalSolution, in the order they came */
};

/* Takes WORK (may be NULL). */
TestFakeSource *fake_source_new          (ShoalWork      *work);
/* Takes WORK and tells the server, as new work does. */
void            fake_source_push         (TestFakeSource *self,
                                          ShoalWork      *work);
gboolean        fake_source_has_solution (gpointer        self);
/* Byte I of variant VARIANT's blob: I + VARIANT, the nonce bytes zero. */
guint8          fake_base_byte           (guint           variant,
                                          gsize           i);
/* The blob of variant DATA with UNIQUE at FAKE_UNIQUE_OFFSET. */
GBytes         *fake_blob                (gconstpointer   data,
                                          const guint8   *unique,
                                          gsize           unique_len,
                                          GError        **error);
/* Work at height 100 + EPOCH whose blocks need CEILING. */
ShoalWork      *fake_work                (const char     *algorithm,
                                          guint64         epoch,
                                          guint64         ceiling,
                                          guint           variant);

/* A rig on the wire: its session and its latest job. */
typedef struct
{
  StratumClient *client;
  char          *session;
  JsonObject    *job;
  gint64         next_id;
} Rig;

/* Logs in as NAME on 127.0.0.1:PORT; a refused login fails the test. */
Rig        *rig_login    (guint16     port,
                          const char *name);
void        rig_free     (Rig        *rig);
const char *rig_job      (Rig        *rig,
                          const char *member);
/* Waits for the job notification new work brings. */
void        rig_read_job (Rig        *rig);
/* Submits NONCE's real hash for JOB (the rig's latest when NULL);
 * returns the error message, NULL for "OK". */
char       *rig_submit   (Rig        *rig,
                          JsonObject *job,
                          guint32     nonce);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rig, rig_free)

G_END_DECLS
