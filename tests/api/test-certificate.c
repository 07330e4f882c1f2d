/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-certificate.h"

/* The self-signed certificate for stratum over TLS: made once with the
 * key private, reused, refused when unsafe, and good for a real TLS
 * handshake on loopback. */

typedef struct
{
  char *top;
  char *dir;
  char *crt;
  char *key;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->top = g_dir_make_tmp ("shoal-cert-XXXXXX", NULL);
  g_assert_nonnull (f->top);
  f->dir = g_build_filename (f->top, "state", "tls", NULL);
  f->crt = g_build_filename (f->dir, SHOAL_CERTIFICATE_FILE, NULL);
  f->key = g_build_filename (f->dir, SHOAL_CERTIFICATE_KEY_FILE, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *rm[] = { "rm", "-rf", f->top, NULL };

  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->top);
  g_free (f->dir);
  g_free (f->crt);
  g_free (f->key);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static GTlsCertificate *
make (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = shoal_certificate_load_or_create (f->dir, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  return certificate;
}

static void
test_created (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = make (f);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);
  g_autoptr(GDateTime) in_nine_years = g_date_time_add_years (g_date_time_new_now_utc (), 9);
  g_autoptr(GPtrArray) names = g_tls_certificate_get_dns_names (certificate);
  g_autoptr(GPtrArray) ips = g_tls_certificate_get_ip_addresses (certificate);
  g_autoptr(GByteArray) private_key = NULL;
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *fingerprint = shoal_certificate_get_fingerprint (certificate);
  g_autofree char *pem = NULL;
  gboolean has_localhost = FALSE;

  g_assert_cmpuint (file_mode (f->key), ==, 0600);
  g_assert_cmpuint (file_mode (f->dir), ==, 0700);
  g_assert_true (g_file_get_contents (f->key, &pem, NULL, NULL));
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN PRIVATE KEY-----"));
  g_object_get (certificate, "private-key", &private_key, NULL);
  g_assert_nonnull (private_key);
  g_assert_nonnull (strstr (subject, "CN=Shoal pool"));
  g_assert_cmpint (g_date_time_compare (not_after, in_nine_years), >, 0);
  for (guint i = 0; i < names->len; i++)
    has_localhost |= g_bytes_get_size (names->pdata[i]) == 9 &&
                     memcmp (g_bytes_get_data (names->pdata[i], NULL), "localhost", 9) == 0;
  g_assert_true (has_localhost);
  g_assert_cmpuint (ips->len, ==, 1);
  g_assert_true (g_inet_address_get_is_loopback (ips->pdata[0]));
  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  g_test_message ("fingerprint %s", fingerprint);
}

static void
test_reused (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GTlsCertificate) first = make (f);
  g_autofree char *first_pem = NULL;
  g_autofree char *first_fp = shoal_certificate_get_fingerprint (first);
  g_autoptr(GTlsCertificate) second = NULL;
  g_autofree char *second_pem = NULL;
  g_autofree char *second_fp = NULL;

  g_assert_true (g_file_get_contents (f->crt, &first_pem, NULL, NULL));
  second = make (f);
  second_fp = shoal_certificate_get_fingerprint (second);
  g_assert_true (g_file_get_contents (f->crt, &second_pem, NULL, NULL));
  g_assert_cmpstr (first_fp, ==, second_fp);
  g_assert_cmpstr (first_pem, ==, second_pem);
  g_assert_true (g_tls_certificate_is_same (first, second));
}

static void
test_loose_key_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = make (f);
  g_autoptr(GTlsCertificate) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_chmod (f->key, 0644), ==, 0);
  again = shoal_certificate_load_or_create (f->dir, &error);
  g_assert_null (again);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  g_test_message ("%s", error->message);
}

/* A damaged certificate is reported, never silently replaced: rigs pin it. */
static void
test_damaged_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = make (f);
  g_autoptr(GTlsCertificate) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  g_assert_true (g_file_set_contents (f->crt, "-----BEGIN CERTIFICATE-----\nnot base64\n", -1, NULL));
  again = shoal_certificate_load_or_create (f->dir, &error);
  g_assert_null (again);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, f->crt));
  g_test_message ("%s", error->message);
  g_assert_true (g_file_get_contents (f->crt, &after, NULL, NULL));
  g_assert_true (g_str_has_suffix (after, "not base64\n"));
}

/* A crash between the key and the certificate leaves a key alone: the
 * next start makes a fresh pair. */
static void
test_half_pair_remade (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GTlsCertificate) first = make (f);
  g_autoptr(GTlsCertificate) second = NULL;

  g_assert_cmpint (g_unlink (f->crt), ==, 0);
  second = make (f);
  g_assert_false (g_tls_certificate_is_same (first, second));
  g_assert_cmpuint (file_mode (f->key), ==, 0600);
}

static void
test_unwritable_dir (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->top, "file", NULL);
  g_autofree char *below = g_build_filename (file, "tls", NULL);

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_null (shoal_certificate_load_or_create (below, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

typedef struct
{
  GSocketListener *listener;
  GTlsCertificate *certificate;
} Server;

static gpointer
serve_once (gpointer data)
{
  Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = g_socket_listener_accept (server->listener, NULL,
                                                                      NULL, &error);
  g_autoptr(GIOStream) tls = NULL;

  g_assert_no_error (error);
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);
  g_assert_no_error (error);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (tls), "{\"id\":1}\n", 9,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (tls, NULL, NULL);
  return NULL;
}

/* The client pins the fingerprint, as XMRig --tls-fingerprint does. */
static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *peer,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  g_autofree char *fingerprint = shoal_certificate_get_fingerprint (peer);

  return g_str_equal (fingerprint, user_data);
}

static void
test_tls_handshake (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = make (f);
  g_autofree char *fingerprint = shoal_certificate_get_fingerprint (certificate);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) plain = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  Server server = { listener, certificate };
  GThread *thread;
  char line[16] = { 0 };
  gsize got = 0;

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("tls-server", serve_once, &server);
  plain = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (bound), NULL, &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (plain), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), fingerprint);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (tls), line, 9, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "{\"id\":1}\n");
  g_thread_join (thread);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/certificate/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("created", test_created);
  ADD ("reused", test_reused);
  ADD ("loose-key-refused", test_loose_key_refused);
  ADD ("damaged-refused", test_damaged_refused);
  ADD ("half-pair-remade", test_half_pair_remade);
  ADD ("unwritable-dir", test_unwritable_dir);
  ADD ("tls-handshake", test_tls_handshake);
#undef ADD
  return g_test_run ();
}
