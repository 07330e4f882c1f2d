/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "shoal-ip-table.h"

struct _ShoalIpTable
{
  GHashTable *entries;   /* ip -> ShoalIpEntry */
};

static void
entry_free (ShoalIpEntry *entry)
{
  g_free (entry->ip);
  g_free (entry);
}

ShoalIpTable *
shoal_ip_table_new (void)
{
  ShoalIpTable *table = g_new0 (ShoalIpTable, 1);

  table->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) entry_free);
  return table;
}

void
shoal_ip_table_free (ShoalIpTable *table)
{
  if (table == NULL)
    return;
  g_hash_table_unref (table->entries);
  g_free (table);
}

char *
shoal_ip_table_key (const char *ip)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  guint8 prefix[16] = { 0 };
  g_autoptr(GInetAddress) network = NULL;
  g_autofree char *text = NULL;

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6
      || g_inet_address_get_is_loopback (address))
    return g_strdup (ip);
  memcpy (prefix, g_inet_address_to_bytes (address), 8);
  network = g_inet_address_new_from_bytes (prefix, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (network);
  return g_strconcat (text, "/64", NULL);
}

ShoalIpEntry *
shoal_ip_table_acquire (ShoalIpTable *table,
                        const char   *ip,
                        gboolean      is_local)
{
  g_autofree char *key = shoal_ip_table_key (ip);
  ShoalIpEntry *entry = g_hash_table_lookup (table->entries, key);

  if (entry == NULL)
    {
      entry = g_new0 (ShoalIpEntry, 1);
      entry->ip = g_steal_pointer (&key);
      entry->is_local = is_local;
      entry->login_tokens = -1;   /* full, at the first login */
      g_hash_table_insert (table->entries, entry->ip, entry);
    }
  entry->connections++;
  return entry;
}

void
shoal_ip_table_release (ShoalIpTable *table,
                        ShoalIpEntry *entry)
{
  g_return_if_fail (entry->connections > 0);

  /* Kept even at zero: a banned or badly scored IP must be remembered
   * across reconnects.  shoal_ip_table_expire() forgets it later. */
  entry->connections--;
}

gboolean
shoal_ip_entry_is_banned (ShoalIpEntry *entry,
                          gint64        now_us)
{
  return entry->banned_until_us != 0 && now_us < entry->banned_until_us;
}

gboolean
shoal_ip_entry_take_login (ShoalIpEntry *entry,
                           guint         burst,
                           guint         per_minute,
                           gint64        now_us)
{
  if (entry->login_tokens < 0)
    entry->login_tokens = burst;
  else
    entry->login_tokens = MIN ((double) burst,
                               entry->login_tokens
                               + (now_us - entry->login_refill_us) * (double) per_minute
                                 / (60.0 * G_USEC_PER_SEC));
  entry->login_refill_us = now_us;
  if (entry->login_tokens < 1)
    return FALSE;
  entry->login_tokens -= 1;
  return TRUE;
}

guint
shoal_ip_table_size (ShoalIpTable *table)
{
  return g_hash_table_size (table->entries);
}

gboolean
shoal_ip_table_score (ShoalIpTable *table,
                      ShoalIpEntry *entry,
                      int           delta,
                      gint64        ban_us,
                      gboolean      can_ban_local,
                      gint64        now_us)
{
  if (entry->banned_until_us != 0 && now_us >= entry->banned_until_us)
    {
      /* A lapsed ban starts over with a clean slate. */
      entry->banned_until_us = 0;
      entry->score = 0;
    }
  if (delta < 0)
    entry->last_bad_us = now_us;
  entry->score = CLAMP (entry->score + delta, SHOAL_IP_SCORE_BAN, SHOAL_IP_SCORE_MAX);
  if (entry->score > SHOAL_IP_SCORE_BAN || shoal_ip_entry_is_banned (entry, now_us))
    return FALSE;
  if (entry->is_local && !can_ban_local)
    {
      entry->score = 0;
      return FALSE;
    }
  entry->banned_until_us = now_us + ban_us;
  return TRUE;
}

void
shoal_ip_table_expire (ShoalIpTable *table,
                       gint64        forget_after_us,
                       gint64        now_us)
{
  GHashTableIter iter;
  ShoalIpEntry *entry;

  g_hash_table_iter_init (&iter, table->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (entry->connections > 0 || shoal_ip_entry_is_banned (entry, now_us))
        continue;
      if (entry->score < 0 && now_us - entry->last_bad_us < forget_after_us)
        continue;
      g_hash_table_iter_remove (&iter);
    }
}

guint
shoal_ip_table_count_banned (ShoalIpTable *table,
                             gint64        now_us)
{
  GHashTableIter iter;
  ShoalIpEntry *entry;
  guint n = 0;

  g_hash_table_iter_init (&iter, table->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    n += shoal_ip_entry_is_banned (entry, now_us);
  return n;
}
