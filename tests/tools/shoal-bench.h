/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* shoal-bench NAME [ARGS]: each area registers its benchmark from its own
 * file (tests/AREA/bench-AREA.c, listed in bench_sources).  A benchmark
 * prints figures; it never fails for being slow. */
typedef int (*ShoalBenchFunc) (int argc, char **argv);

void shoal_bench_register (const char     *name,
                           const char     *summary,
                           ShoalBenchFunc  func);

#define SHOAL_BENCH_REGISTER(name, summary, func)                     \
  static void __attribute__((constructor)) register_##func (void)     \
  {                                                                    \
    shoal_bench_register (name, summary, func);                        \
  }

G_END_DECLS
