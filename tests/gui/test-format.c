/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "shoal-error.h"
#include "shoal-format.h"

static void
check_xmr (guint64 atomic, const char *expected)
{
  g_autofree char *text = shoal_format_xmr (atomic);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_format_xmr (void)
{
  check_xmr (0, "0.00 XMR");
  check_xmr (1, "0.000000000001 XMR");
  check_xmr (600000000000, "0.60 XMR");
  check_xmr (1234567890123, "1.234567890123 XMR");
  check_xmr (17592186044415, "17.592186044415 XMR");
  check_xmr (G_MAXUINT64, "18446744.073709551615 XMR");
}

static void
check_parse (const char *text, gboolean ok, guint64 expected)
{
  g_autoptr(GError) error = NULL;
  guint64 atomic = 12345;

  g_assert_cmpint (shoal_parse_xmr (text, &atomic, &error), ==, ok);
  if (ok)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (atomic, ==, expected);
    }
  else
    {
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID);
      g_assert_cmpuint (atomic, ==, 12345);
    }
}

static void
test_parse_xmr (void)
{
  check_parse ("1", TRUE, 1000000000000);
  check_parse ("0.25", TRUE, 250000000000);
  check_parse ("0,25", TRUE, 250000000000);
  check_parse (" .5 ", TRUE, 500000000000);
  check_parse ("0.000000000001", TRUE, 1);
  check_parse ("1.50 XMR", TRUE, 1500000000000);
  check_parse ("2 xmr", TRUE, 2000000000000);
  check_parse ("0.0000000000001", FALSE, 0);
  check_parse ("", FALSE, 0);
  check_parse (".", FALSE, 0);
  check_parse ("-1", FALSE, 0);
  check_parse ("1e3", FALSE, 0);
  check_parse ("1.2.3", FALSE, 0);
  check_parse ("99999999999999999999", FALSE, 0);
  check_parse (NULL, FALSE, 0);
}

static void
test_round_trip (void)
{
  static const guint64 amounts[] = { 0, 1, 999999999999, 1000000000000, 123456789012345 };

  for (guint i = 0; i < G_N_ELEMENTS (amounts); i++)
    {
      g_autofree char *text = shoal_format_xmr (amounts[i]);
      guint64 back = 0;

      g_assert_true (shoal_parse_xmr (text, &back, NULL));
      g_assert_cmpuint (back, ==, amounts[i]);
    }
}

static void
test_format_hashrate (void)
{
  g_autofree char *a = shoal_format_hashrate (0);
  g_autofree char *b = shoal_format_hashrate (999);
  g_autofree char *c = shoal_format_hashrate (1500);
  g_autofree char *d = shoal_format_hashrate (2340000);

  g_assert_cmpstr (a, ==, "0 H/s");
  g_assert_cmpstr (b, ==, "999 H/s");
  g_assert_cmpstr (c, ==, "1.50 kH/s");
  g_assert_cmpstr (d, ==, "2.34 MH/s");
}

static void
test_format_misc (void)
{
  g_autofree char *addr = shoal_format_address_short ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A");
  g_autofree char *empty = shoal_format_address_short ("");
  g_autofree char *d1 = shoal_format_duration (59);
  g_autofree char *d2 = shoal_format_duration (3600 * 5 + 60 * 7);
  g_autofree char *d3 = shoal_format_duration (86400 * 2 + 3600 * 3);
  g_autofree char *ago = shoal_format_ago (G_USEC_PER_SEC, 121 * G_USEC_PER_SEC);
  g_autofree char *never = shoal_format_ago (0, 5);
  g_autofree char *diff = shoal_format_difficulty (1234567);

  g_assert_true (g_str_has_prefix (addr, "44AFFq…") && g_str_has_suffix (addr, "…EP3A") == FALSE && g_str_has_suffix (addr, "BEP3A") && strlen (addr) == 6 + strlen ("…") + 6);
  g_assert_cmpstr (empty, ==, "—");
  g_assert_cmpstr (d1, ==, "59 s");
  g_assert_cmpstr (d2, ==, "5 h 7 min");
  g_assert_cmpstr (d3, ==, "2 d 3 h");
  g_assert_cmpstr (ago, ==, "2 min ago");
  g_assert_cmpstr (never, ==, "never");
  g_assert_cmpstr (diff, ==, "1\u2009234\u2009567");
}

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/xmr", test_format_xmr);
  g_test_add_func ("/format/parse-xmr", test_parse_xmr);
  g_test_add_func ("/format/xmr-round-trip", test_round_trip);
  g_test_add_func ("/format/hashrate", test_format_hashrate);
  g_test_add_func ("/format/misc", test_format_misc);
  return g_test_run ();
}
