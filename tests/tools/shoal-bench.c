/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-bench.h"

typedef struct
{
  const char     *name;
  const char     *summary;
  ShoalBenchFunc  func;
} Bench;

static GArray *benches;

void
shoal_bench_register (const char     *name,
                      const char     *summary,
                      ShoalBenchFunc  func)
{
  Bench bench = { name, summary, func };

  if (benches == NULL)
    benches = g_array_new (FALSE, FALSE, sizeof (Bench));
  g_array_append_val (benches, bench);
}

static int
usage (void)
{
  g_printerr ("usage: shoal-bench NAME [ARGS]\n\nbenchmarks:\n");
  for (guint i = 0; benches != NULL && i < benches->len; i++)
    {
      Bench *b = &g_array_index (benches, Bench, i);
      g_printerr ("  %-10s %s\n", b->name, b->summary);
    }
  return 2;
}

int
main (int argc, char *argv[])
{
  if (argc < 2)
    return usage ();
  for (guint i = 0; benches != NULL && i < benches->len; i++)
    {
      Bench *b = &g_array_index (benches, Bench, i);

      if (g_str_equal (b->name, argv[1]))
        return b->func (argc - 1, argv + 1);
    }
  return usage ();
}
