/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "shoal-error.h"
#include "shoal-certificate.h"

#define VALID_DAYS (10 * 365)

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

static gboolean
check (int          ret,
       const char  *what,
       GError     **error)
{
  if (ret >= 0)
    return TRUE;
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
               "Cannot make a TLS certificate: %s: %s", what, gnutls_strerror (ret));
  return FALSE;
}

static gboolean
set_identity (gnutls_x509_crt_t   crt,
              GError            **error)
{
  static const char cn[] = "Shoal pool";
  static const guint8 loopback[4] = { 127, 0, 0, 1 };
  const char *host = g_get_host_name ();
  guint8 serial[16];

  /* A random positive serial: a fixed one would clash in browsers that
   * remember an older certificate from the same issuer. */
  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return check (gnutls_x509_crt_set_version (crt, 3), "version", error) &&
         check (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) &&
         check (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                               cn, strlen (cn)), "name", error) &&
         check (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, host, strlen (host),
                                                      GNUTLS_FSAN_APPEND), "host name", error) &&
         check (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                      GNUTLS_FSAN_APPEND), "localhost", error) &&
         check (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, loopback,
                                                      sizeof loopback, GNUTLS_FSAN_APPEND),
                "loopback", error);
}

static gboolean
set_usage (gnutls_x509_crt_t   crt,
           GError            **error)
{
  time_t now = time (NULL);

  return check (gnutls_x509_crt_set_activation_time (crt, now - 24 * 3600), "start", error) &&
         check (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) VALID_DAYS * 24 * 3600),
                "expiry", error) &&
         check (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "constraints", error) &&
         check (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
                "usage", error) &&
         check (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                "purpose", error);
}

static gboolean
export_pem (gnutls_x509_crt_t       crt,
            gnutls_x509_privkey_t   key,
            char                  **crt_pem,
            char                  **key_pem,
            GError                **error)
{
  gnutls_datum_t crt_data = { NULL, 0 };
  gnutls_datum_t key_data = { NULL, 0 };

  /* PKCS#8 ("BEGIN PRIVATE KEY"): the form every TLS library reads. */
  if (!check (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_data), "export", error) ||
      !check (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                                 &key_data), "key export", error))
    {
      gnutls_free (crt_data.data);
      return FALSE;
    }
  *crt_pem = g_strndup ((const char *) crt_data.data, crt_data.size);
  *key_pem = g_strndup ((const char *) key_data.data, key_data.size);
  gnutls_free (crt_data.data);
  gnutls_memset (key_data.data, 0, key_data.size);
  gnutls_free (key_data.data);
  return TRUE;
}

static gboolean
generate (char   **crt_pem,
          char   **key_pem,
          GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;

  return check (gnutls_x509_privkey_init (&key), "key", error) &&
         check (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                "key generation", error) &&
         check (gnutls_x509_crt_init (&crt), "certificate", error) &&
         set_identity (crt, error) &&
         set_usage (crt, error) &&
         check (gnutls_x509_crt_set_key (crt, key), "public key", error) &&
         check (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signature", error) &&
         export_pem (crt, key, crt_pem, key_pem, error);
}

/* The key first: a crash between the two writes leaves no certificate,
 * and the next start makes a fresh pair. */
static gboolean
create_files (const char  *directory,
              const char  *crt_path,
              const char  *key_path,
              GError     **error)
{
  g_autofree char *crt_pem = NULL;
  g_autofree char *key_pem = NULL;
  gboolean ok;

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", directory, g_strerror (saved));
      return FALSE;
    }
  if (!generate (&crt_pem, &key_pem, error))
    return FALSE;
  ok = g_file_set_contents_full (key_path, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error) &&
       g_file_set_contents_full (crt_path, crt_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, error);
  memset (key_pem, 0, strlen (key_pem));
  if (ok)
    g_message ("made a self-signed TLS certificate: %s", crt_path);
  return ok;
}

/* Like ssh, refuse a key that others can read rather than use it. */
static gboolean
check_key_private (const char  *key_path,
                   GError     **error)
{
  GStatBuf st;

  if (g_stat (key_path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Certificate key %s: %s", key_path, g_strerror (saved));
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Certificate key %s can be read by other users (mode %03o); "
                   "run: chmod 600 %s", key_path, (guint) (st.st_mode & 0777), key_path);
      return FALSE;
    }
  return TRUE;
}

GTlsCertificate *
shoal_certificate_load_or_create (const char  *directory,
                                  GError     **error)
{
  g_autofree char *crt_path = NULL;
  g_autofree char *key_path = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  crt_path = g_build_filename (directory, SHOAL_CERTIFICATE_FILE, NULL);
  key_path = g_build_filename (directory, SHOAL_CERTIFICATE_KEY_FILE, NULL);
  if (!g_file_test (crt_path, G_FILE_TEST_EXISTS) &&
      !create_files (directory, crt_path, key_path, error))
    return NULL;
  if (!check_key_private (key_path, error))
    return NULL;
  certificate = g_tls_certificate_new_from_files (crt_path, key_path, error);
  if (certificate == NULL)
    g_prefix_error (error, "Cannot load the TLS certificate %s: ", crt_path);
  return certificate;
}

char *
shoal_certificate_get_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}
