/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-error.h"
#include "shoal-format.h"

/* Hashrates are display figures, not money: a double is fine here. */
char *
shoal_format_hashrate (guint64 hashes_per_second)
{
  static const char *units[] = { N_("H/s"), N_("kH/s"), N_("MH/s"), N_("GH/s"), N_("TH/s") };
  double value = hashes_per_second;
  guint unit = 0;

  while (value >= 1000.0 && unit + 1 < G_N_ELEMENTS (units))
    {
      value /= 1000.0;
      unit++;
    }
  if (unit == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", hashes_per_second, _(units[0]));
  return g_strdup_printf ("%.2f %s", value, _(units[unit]));
}

/* 12 decimals, trailing zeros dropped down to two: "1.50 XMR", "0.000123 XMR". */
char *
shoal_format_xmr (guint64 atomic)
{
  g_autofree char *fraction = g_strdup_printf ("%012" G_GUINT64_FORMAT,
                                               atomic % SHOAL_ATOMIC_PER_XMR);
  gsize len = strlen (fraction);

  while (len > 2 && fraction[len - 1] == '0')
    fraction[--len] = '\0';
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%s XMR", atomic / SHOAL_ATOMIC_PER_XMR, fraction);
}

static gboolean
parse_digits (const char  *start,
              gsize        len,
              guint64     *value)
{
  *value = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (start[i]) || *value > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      *value = *value * 10 + (guint64) (start[i] - '0');
    }
  return TRUE;
}

/* Takes off a trailing "XMR" unit, as shoal_format_xmr() writes it. */
static char *
strip_unit (const char *text)
{
  char *clean = g_strstrip (g_strdup (text != NULL ? text : ""));
  gsize len = strlen (clean);

  if (len >= 3 && g_ascii_strcasecmp (clean + len - 3, "xmr") == 0)
    {
      clean[len - 3] = '\0';
      g_strstrip (clean);
    }
  return clean;
}

/* "1.5", "0,25", "3" or "1.50 XMR" to atomic units, exactly, without floating point. */
gboolean
shoal_parse_xmr (const char  *text,
                 guint64     *atomic,
                 GError     **error)
{
  g_autofree char *clean = strip_unit (text);
  const char *sep = strpbrk (clean, ".,");
  gsize whole_len = sep != NULL ? (gsize) (sep - clean) : strlen (clean);
  const char *frac = sep != NULL ? sep + 1 : "";
  gsize frac_len = strlen (frac);
  guint64 whole = 0, part = 0;

  if ((whole_len == 0 && frac_len == 0) || frac_len > 12 ||
      !parse_digits (clean, whole_len, &whole) || !parse_digits (frac, frac_len, &part) ||
      whole > G_MAXUINT64 / SHOAL_ATOMIC_PER_XMR - 1)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   _("“%s” is not an amount of XMR (up to 12 decimals)"), clean);
      return FALSE;
    }
  for (gsize i = frac_len; i < 12; i++)
    part *= 10;
  *atomic = whole * SHOAL_ATOMIC_PER_XMR + part;
  return TRUE;
}

char *
shoal_format_address_short (const char *address)
{
  gsize len = address != NULL ? strlen (address) : 0;

  if (len == 0)
    return g_strdup ("—");
  if (len <= 16)
    return g_strdup (address);
  return g_strdup_printf ("%.6s…%s", address, address + len - 6);
}

char *
shoal_format_duration (guint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (_("%u s"), (guint) seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%u min"), (guint) (seconds / 60));
  if (seconds < 86400)
    return g_strdup_printf (_("%u h %u min"), (guint) (seconds / 3600),
                            (guint) (seconds % 3600 / 60));
  if (seconds < 86400 * 365)
    return g_strdup_printf (_("%u d %u h"), (guint) (seconds / 86400),
                            (guint) (seconds % 86400 / 3600));
  seconds /= 86400 * 365;
  return g_strdup_printf (ngettext ("%u year", "%u years", (gulong) MIN (seconds, G_MAXUINT)),
                          (guint) MIN (seconds, G_MAXUINT));
}

char *
shoal_format_ago (gint64 then_us,
                  gint64 now_us)
{
  g_autofree char *span = NULL;

  if (then_us <= 0)
    return g_strdup (_("never"));
  if (now_us - then_us < G_USEC_PER_SEC)
    return g_strdup (_("just now"));
  span = shoal_format_duration ((guint64) (now_us - then_us) / G_USEC_PER_SEC);
  /* Translators: %s is a span of time such as "5 min" */
  return g_strdup_printf (_("%s ago"), span);
}

char *
shoal_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (time_us <= 0)
    return g_strdup ("—");
  utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

/* Difficulty with thousands grouped by thin spaces, which reads the same in any language. */
char *
shoal_format_difficulty (guint64 difficulty)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, difficulty);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, "\u2009");
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}
