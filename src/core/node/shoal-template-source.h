/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "shoal-block-template.h"
#include "shoal-job-manager.h"
#include "shoal-job-source.h"

G_BEGIN_DECLS

/* The ShoalJobSource of a node's block templates.  Each template is work
 * whose unique bytes are the extra nonce in its reserved space; a new tip
 * (height or parent) is a new epoch, and so is a template at or below a
 * height one of our blocks filled (another chain).  A solution becomes
 * the full block.  Lives on the thread-default context it was made on.
 *
 * With a job manager it follows its "template-changed" and
 * "height-filled", and submits each block to it; without one, templates
 * come from set_template() (tests, benchmarks) and blocks only go out as
 * the signal.  Epochs start at 1 and only grow, also when the job
 * manager is replaced (another node).
 *
 * Signals:
 *   "block-found" (GBytes *block_blob, guint64 height, const char *block_id_hex,
 *                  ShoalBlockTemplate *template, gpointer share): a solution made
 *                  into a block; SHARE is a const ShoalShare * valid during the
 *                  emission.  Emitted before the block is submitted, so what a
 *                  handler writes down comes first. */
#define SHOAL_TYPE_TEMPLATE_SOURCE (shoal_template_source_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTemplateSource, shoal_template_source, SHOAL, TEMPLATE_SOURCE, GObject)

/* JOBS may be NULL. */
ShoalTemplateSource *shoal_template_source_new               (ShoalJobManager     *jobs);
/* JOBS may be NULL: blocks are then only signalled. */
void                 shoal_template_source_set_jobs          (ShoalTemplateSource *self,
                                                              ShoalJobManager     *jobs);
/* New work from TMPL, unless it is the current template's blob again. */
void                 shoal_template_source_set_template      (ShoalTemplateSource *self,
                                                              ShoalBlockTemplate  *tmpl);
/* One of our blocks filled HEIGHT: the epochs of work at or below it close. */
void                 shoal_template_source_set_filled_height (ShoalTemplateSource *self,
                                                              guint64              height);

G_END_DECLS
