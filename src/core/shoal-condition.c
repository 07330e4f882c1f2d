/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-condition.h"

G_DEFINE_BOXED_TYPE (ShoalCondition, shoal_condition, shoal_condition_copy, shoal_condition_free)

ShoalCondition *
shoal_condition_new (const char          *id,
                     ShoalConditionLevel  level,
                     const char          *action,
                     const char          *action_name,
                     const char          *format,
                     ...)
{
  ShoalCondition *condition = g_new0 (ShoalCondition, 1);
  va_list args;

  condition->id = g_strdup (id);
  condition->level = level;
  condition->action = g_strdup (action);
  condition->action_name = g_strdup (action_name);
  va_start (args, format);
  condition->sentence = g_strdup_vprintf (format, args);
  va_end (args);
  return condition;
}

ShoalCondition *
shoal_condition_copy (const ShoalCondition *condition)
{
  ShoalCondition *copy = g_new0 (ShoalCondition, 1);

  copy->id = g_strdup (condition->id);
  copy->level = condition->level;
  copy->sentence = g_strdup (condition->sentence);
  copy->action = g_strdup (condition->action);
  copy->action_name = g_strdup (condition->action_name);
  return copy;
}

void
shoal_condition_free (ShoalCondition *condition)
{
  if (condition == NULL)
    return;
  g_free (condition->id);
  g_free (condition->sentence);
  g_free (condition->action);
  g_free (condition->action_name);
  g_free (condition);
}

gboolean
shoal_condition_equal (const ShoalCondition *a,
                       const ShoalCondition *b)
{
  return g_strcmp0 (a->id, b->id) == 0 && a->level == b->level &&
         g_strcmp0 (a->sentence, b->sentence) == 0 && g_strcmp0 (a->action, b->action) == 0 &&
         g_strcmp0 (a->action_name, b->action_name) == 0;
}

GPtrArray *
shoal_condition_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_condition_free);
}

static gboolean
find_index (GPtrArray  *list,
            const char *id,
            guint      *index)
{
  for (guint i = 0; i < list->len; i++)
    {
      ShoalCondition *c = g_ptr_array_index (list, i);

      if (g_strcmp0 (c->id, id) == 0)
        {
          *index = i;
          return TRUE;
        }
    }
  return FALSE;
}

static gint
by_level (gconstpointer a,
          gconstpointer b)
{
  const ShoalCondition *ca = *(const ShoalCondition **) a;
  const ShoalCondition *cb = *(const ShoalCondition **) b;

  return (gint) ca->level - (gint) cb->level;
}

gboolean
shoal_condition_list_set (GPtrArray      *list,
                          ShoalCondition *condition)
{
  guint index;

  if (find_index (list, condition->id, &index))
    {
      if (shoal_condition_equal (g_ptr_array_index (list, index), condition))
        {
          shoal_condition_free (condition);
          return FALSE;
        }
      g_ptr_array_remove_index (list, index);
    }
  g_ptr_array_add (list, condition);
  /* Stable: of two at one level, the older stays first. */
  g_ptr_array_sort (list, by_level);
  return TRUE;
}

gboolean
shoal_condition_list_clear (GPtrArray  *list,
                            const char *id)
{
  guint index;

  if (!find_index (list, id, &index))
    return FALSE;
  g_ptr_array_remove_index (list, index);
  return TRUE;
}

const ShoalCondition *
shoal_condition_list_find (GPtrArray  *list,
                           const char *id)
{
  guint index;

  return find_index (list, id, &index) ? g_ptr_array_index (list, index) : NULL;
}
