/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Something that stops or degrades the pool, said in plain words with
 * the action that fixes it.  The window shows each one as a banner with
 * a button; headless mode prints the same sentence and action. */
typedef enum
{
  SHOAL_CONDITION_STOPPED,   /* the pool cannot run until it is fixed */
  SHOAL_CONDITION_DEGRADED,  /* it runs, but something is lost: new work, payouts */
  SHOAL_CONDITION_NOTICE,    /* nothing is lost now (a setting waits for a restart) */
} ShoalConditionLevel;

typedef struct
{
  char                *id;           /* "no-address", "node-syncing", ... */
  ShoalConditionLevel  level;
  char                *sentence;     /* what is wrong, in plain words */
  char                *action;       /* the fix, as a button says it; NULL when time fixes it */
  char                *action_name;  /* the GAction that does it ("app.assistant"); NULL as above */
} ShoalCondition;

#define SHOAL_TYPE_CONDITION (shoal_condition_get_type ())
GType          shoal_condition_get_type (void) G_GNUC_CONST;
ShoalCondition *shoal_condition_new     (const char           *id,
                                         ShoalConditionLevel   level,
                                         const char           *action,
                                         const char           *action_name,
                                         const char           *format,
                                         ...) G_GNUC_PRINTF (5, 6);
ShoalCondition *shoal_condition_copy    (const ShoalCondition *condition);
void            shoal_condition_free    (ShoalCondition       *condition);
gboolean        shoal_condition_equal   (const ShoalCondition *a,
                                         const ShoalCondition *b);

/* A list of conditions (GPtrArray of ShoalCondition that owns them),
 * one per id, most severe first.  Both return TRUE when the list changed. */
GPtrArray      *shoal_condition_list_new    (void);
gboolean        shoal_condition_list_set    (GPtrArray            *list,
                                             ShoalCondition       *condition);
gboolean        shoal_condition_list_clear  (GPtrArray            *list,
                                             const char           *id);
const ShoalCondition *shoal_condition_list_find (GPtrArray        *list,
                                                 const char       *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalCondition, shoal_condition_free)

G_END_DECLS
