/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-stratum-protocol.h"

/* Every line a rig sends goes through this parser before anything else
 * looks at it: any bytes at all must give a request or an error, and a
 * request's reply must be one well-formed line. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(ShoalStratumRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  request = shoal_stratum_request_parse ((const char *) data, size, &error);
  if (request == NULL)
    {
      if (error == NULL || error->message == NULL)
        abort ();
      return 0;
    }
  if (request->method == NULL || request->params == NULL || request->id_json == NULL)
    abort ();
  (void) shoal_stratum_request_get_string (request, "id");
  reply = shoal_stratum_reply_error (request->id_json, SHOAL_STRATUM_ERROR_CODE, request->method);
  if (strchr (reply, '\n') != reply + strlen (reply) - 1)
    abort ();
  return 0;
}
