/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The certificate Shoal serves stratum over TLS with when the user gave
 * none: a self-signed ECDSA P-256 certificate made with GnuTLS on first
 * start, kept in DIRECTORY (key mode 0600) and reused afterwards, so the
 * fingerprint rigs pin (XMRig --tls-fingerprint) stays the same. */

#define SHOAL_CERTIFICATE_FILE "tls-certificate.pem"
#define SHOAL_CERTIFICATE_KEY_FILE "tls-key.pem"

GTlsCertificate *shoal_certificate_load_or_create  (const char       *directory,
                                                    GError          **error);
/* SHA-256 of the DER certificate, 64 lowercase hex digits: the form
 * XMRig's --tls-fingerprint takes. */
char            *shoal_certificate_get_fingerprint (GTlsCertificate  *certificate);

G_END_DECLS
