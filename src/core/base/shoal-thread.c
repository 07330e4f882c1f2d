/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "shoal-thread.h"

/**
 * shoal_thread_lower_priority:
 * @by: how much nicer the calling thread becomes (the result at most 19)
 * @what: the thread, for the debug log
 *
 * Under CPU pressure the stratum and validator threads must go first:
 * background work (page loads, statistics) should wait, not delay a
 * share.  Linux takes a nice value per thread, and lowering one's own
 * priority needs no privilege.  Call it from the thread itself, and only
 * on a thread nothing else borrows (not a shared pool's).
 */
void
shoal_thread_lower_priority (int         by,
                             const char *what)
{
  id_t tid = (id_t) syscall (SYS_gettid);
  int current;

  errno = 0;
  current = getpriority (PRIO_PROCESS, tid);
  if (errno == 0 && setpriority (PRIO_PROCESS, tid, MIN (current + by, 19)) != 0)
    g_debug ("%s thread keeps its priority: %s", what, g_strerror (errno));
}

/**
 * shoal_thread_set_name:
 * @name: at most 15 bytes: what `top -H` and /proc show for the calling thread
 *
 * For threads GLib started unnamed (a pool's): so that a person looking at
 * a busy machine sees which of Shoal's threads is busy.
 */
void
shoal_thread_set_name (const char *name)
{
  if (prctl (PR_SET_NAME, name, 0, 0, 0) != 0)
    g_debug ("thread keeps its name: %s", g_strerror (errno));
}

/**
 * shoal_thread_cpu_time_us:
 *
 * The CPU time the calling thread has used, in microseconds.  Unlike a
 * wall-clock span it does not grow while the thread waits for a core,
 * so a cost measured with it stays the work's own on a busy machine.
 *
 * Returns: microseconds of CPU time, or 0 where the clock is missing
 */
gint64
shoal_thread_cpu_time_us (void)
{
  struct timespec now;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    return 0;
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}
