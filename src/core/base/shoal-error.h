/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One domain for everything Shoal reports about the outside world:
 * peers, RPC answers, files.  The codes say which kind of failure it was,
 * the message says exactly what. */
#define SHOAL_ERROR (shoal_error_quark ())

typedef enum
{
  SHOAL_ERROR_FAILED,
  SHOAL_ERROR_MALFORMED,      /* bytes or JSON that do not parse */
  SHOAL_ERROR_TRUNCATED,      /* input ends before the structure does */
  SHOAL_ERROR_TOO_LARGE,      /* input over a limit we impose */
  SHOAL_ERROR_INVALID,        /* well-formed but wrong (bad checksum, wrong network...) */
  SHOAL_ERROR_UNREACHABLE,    /* node or wallet cannot be reached */
  SHOAL_ERROR_TIMED_OUT,
  SHOAL_ERROR_RPC,            /* the RPC answered with an error object */
  SHOAL_ERROR_AUTH,
  SHOAL_ERROR_BUSY,           /* a bounded queue is full */
  SHOAL_ERROR_STORAGE,
  SHOAL_ERROR_IN_USE,         /* held by another process (the pool database) */
} ShoalError;

GQuark shoal_error_quark (void);

G_END_DECLS
