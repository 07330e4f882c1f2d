/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-upstream-client.h"

/* The schemes miners and proxies write for stratum: XMRig's pool URLs
 * and xmrig-proxy's.  A fingerprint only means something over TLS. */
static const struct
{
  const char *prefix;
  gboolean    tls;
} schemes[] = {
  { "stratum+tcp://", FALSE },
  { "stratum+ssl://", TRUE },
  { "stratum+tls://", TRUE },
};

/* The part after the scheme, and whether it asks for TLS. */
static const char *
strip_scheme (const char  *url,
              gboolean    *tls,
              GError     **error)
{
  *tls = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strncasecmp (url, schemes[i].prefix, strlen (schemes[i].prefix)) == 0)
      {
        *tls = schemes[i].tls;
        return url + strlen (schemes[i].prefix);
      }
  if (strstr (url, "://") != NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "“%s”: an upstream is stratum+tcp://HOST:PORT or stratum+ssl://HOST:PORT", url);
      return NULL;
    }
  return url;
}

static gboolean
check_fingerprint (const char  *url,
                   const char  *fingerprint,
                   gboolean     tls,
                   GError     **error)
{
  if (!tls)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "“%s”: a certificate fingerprint needs stratum+ssl://", url);
      return FALSE;
    }
  for (const char *p = fingerprint; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      {
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                     "“%s”: the fingerprint is the certificate's SHA-256 in hex", url);
        return FALSE;
      }
  if (strlen (fingerprint) == 64)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
               "“%s”: the fingerprint is the certificate's SHA-256 in hex (64 digits)", url);
  return FALSE;
}

ShoalUpstreamEndpoint *
shoal_upstream_endpoint_parse (const char  *url,
                               const char  *login,
                               GError     **error)
{
  g_autoptr(GSocketConnectable) address = NULL;
  g_auto(GStrv) parts = NULL;
  ShoalUpstreamEndpoint *endpoint;
  GNetworkAddress *net;
  g_autofree char *own_login = NULL;
  const char *rest;
  const char *at;
  gboolean tls;

  g_return_val_if_fail (url != NULL, NULL);

  rest = strip_scheme (url, &tls, error);
  if (rest == NULL)
    return NULL;
  if (*rest == '\0')
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "“%s”: no host and port", url);
      return NULL;
    }
  /* "LOGIN@HOST:PORT": a login of this upstream's own (a host has no '@'). */
  at = strrchr (rest, '@');
  if (at != NULL)
    {
      own_login = g_strndup (rest, at - rest);
      rest = at + 1;
    }
  parts = g_strsplit (rest, "#", 2);
  if (parts[1] != NULL && !check_fingerprint (url, parts[1], tls, error))
    return NULL;
  address = g_network_address_parse (parts[0], 0, error);
  if (address == NULL)
    {
      g_prefix_error (error, "“%s”: ", url);
      return NULL;
    }
  net = G_NETWORK_ADDRESS (address);
  if (g_network_address_get_port (net) == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID, "“%s”: no port", url);
      return NULL;
    }
  endpoint = shoal_upstream_endpoint_new (g_network_address_get_hostname (net),
                                          g_network_address_get_port (net), tls,
                                          own_login != NULL ? own_login : login, NULL);
  endpoint->fingerprint = g_strdup (parts[1]);
  return endpoint;
}
