/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "stratum-test-util.h"

/* The node's job source on its own, fed regtest templates: which
 * templates are new work, which a new epoch, and which epoch a filled
 * height closes. */

#define HIGH_DIFFICULTY G_GUINT64_CONSTANT (1000000000000)

typedef struct
{
  guint      changes;
  ShoalWork *work;
  guint64    closed;
} Seen;

static void
on_work_changed (ShoalJobSource *source,
                 ShoalWork      *work,
                 Seen           *seen)
{
  seen->changes++;
  g_clear_pointer (&seen->work, shoal_work_unref);
  seen->work = shoal_work_ref (work);
}

static void
on_epoch_closed (ShoalJobSource *source,
                 guint64         epoch,
                 Seen           *seen)
{
  seen->closed = epoch;
}

/* Feeds FILE (its reserved size in its name) to SOURCE and returns the
 * epoch of the latest work. */
static guint64
feed (ShoalTemplateSource *source,
      Seen                *seen,
      const char          *file)
{
  gsize reserved = strstr (file, "_rs16") != NULL ? 16 : 8;
  g_autoptr(ShoalBlockTemplate) tmpl = stratum_test_load_template (file, reserved,
                                                                   HIGH_DIFFICULTY);

  shoal_template_source_set_template (source, tmpl);
  g_assert_nonnull (seen->work);
  return shoal_work_get_epoch (seen->work);
}

static ShoalTemplateSource *
watched_source (Seen *seen)
{
  ShoalTemplateSource *source = shoal_template_source_new (NULL);

  g_signal_connect (source, "work-changed", G_CALLBACK (on_work_changed), seen);
  g_signal_connect (source, "epoch-closed", G_CALLBACK (on_epoch_closed), seen);
  return source;
}

static void
test_epochs (void)
{
  Seen seen = { 0 };
  g_autoptr(ShoalTemplateSource) source = watched_source (&seen);
  guint64 first = feed (source, &seen, "tmpl_h107_rs16_1tx.json");
  g_autoptr(ShoalWork) dup = NULL;

  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpstr (shoal_work_get_algorithm (seen.work), ==, "rx/0");
  g_assert_cmpuint (shoal_work_get_height (seen.work), ==, 107);
  g_assert_cmpuint (shoal_work_get_unique_size (seen.work), ==, 16);
  g_assert_cmpuint (shoal_work_get_ceiling (seen.work)->lo, ==, HIGH_DIFFICULTY);
  /* New transactions on the same tip: new work, the same epoch. */
  g_assert_cmpuint (feed (source, &seen, "tmpl_h107_rs16_2tx.json"), ==, first);
  g_assert_cmpuint (seen.changes, ==, 2);
  /* The same template again is no new work. */
  feed (source, &seen, "tmpl_h107_rs16_2tx.json");
  g_assert_cmpuint (seen.changes, ==, 2);
  dup = shoal_job_source_dup_work (SHOAL_JOB_SOURCE (source));
  g_assert_true (dup == seen.work);
  /* A new tip is a new epoch. */
  g_assert_cmpuint (feed (source, &seen, "tmpl_h2109_rs8.json"), ==, first + 1);
  g_clear_pointer (&seen.work, shoal_work_unref);
}

static void
test_filled (void)
{
  Seen seen = { 0 };
  g_autoptr(ShoalTemplateSource) source = watched_source (&seen);
  guint64 e2109 = feed (source, &seen, "tmpl_h2109_rs8.json");
  guint64 e2110 = feed (source, &seen, "tmpl_h2110_rs8.json");

  /* The new tip may come before the word that our block filled 2109:
   * the work of 2109 closes, not the newer one. */
  shoal_template_source_set_filled_height (source, 2109);
  g_assert_cmpuint (seen.closed, ==, e2109);
  shoal_template_source_set_filled_height (source, 2110);
  g_assert_cmpuint (seen.closed, ==, e2110);
  /* Work at or below a filled height is another chain: a fresh epoch. */
  g_assert_cmpuint (feed (source, &seen, "tmpl_h2109_rs8.json"), >, e2110);
  g_clear_pointer (&seen.work, shoal_work_unref);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/template-source/epochs", test_epochs);
  g_test_add_func ("/template-source/filled", test_filled);
  return g_test_run ();
}
