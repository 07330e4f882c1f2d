/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-label.h"
#include "shoal-sidechain.h"
#include "shoal-upstream-page.h"

/* A household with more rigs than this sees the first ones by name and
 * a count of the rest: the rows are rebuilt once a second. */
#define MAX_RIG_ROWS 100

/* P2Pool's own advice: its nano sidechain suits miners below about
 * 30 kH/s, mini is for the other small miners. */
#define NANO_LIMIT_HS 30000

/* The payouts come from the store: read every few seconds, not on every
 * snapshot, and only a few of each shown. */
#define PAYOUTS_READ_US   (5 * G_USEC_PER_SEC)
#define MAX_INCOME_ROWS   20
#define MAX_FOUND_ROWS    20
#define N_SIDECHAINS      3

/* By ShoalSidechain. */
static const char *sidechain_titles[N_SIDECHAINS] = {
  N_("P2Pool main"), N_("P2Pool mini"), N_("P2Pool nano"),
};

/* Lives on the GTK thread; reads the pool once a second. */
struct _ShoalUpstreamPage
{
  AdwBin               parent_instance;
  ShoalPool           *pool;

  GtkLabel            *state_label;
  AdwPreferencesGroup *pools_group;
  GPtrArray           *pool_rows;    /* AdwActionRow, one per upstream, in order */
  GtkLabel            *difficulty_label;
  GtkLabel            *hashrate_label;
  GtkLabel            *share_time_label;
  AdwPreferencesGroup *sidechains_group;
  AdwActionRow        *sidechain_rows[N_SIDECHAINS];  /* main, mini, nano */
  AdwActionRow        *advice_row;
  AdwPreferencesGroup *rigs_group;
  GPtrArray           *rig_rows;     /* AdwActionRow, at most MAX_RIG_ROWS */
  AdwPreferencesGroup *payouts_group;
  GPtrArray           *payout_rows;  /* AdwActionRow: incomes, then sidechain shares */
  GPtrArray           *incomes;      /* ShoalIncomeInfo, newest first; NULL before the first read */
  GPtrArray           *found;        /* ShoalSidechainShareInfo, newest first */
  GCancellable        *cancellable;
  gint64               read_us;      /* when the payouts were last read; 0: read now */
  guint                reads;        /* reads in flight */
};

G_DEFINE_FINAL_TYPE (ShoalUpstreamPage, shoal_upstream_page, ADW_TYPE_BIN)

static AdwActionRow *
row_new (void)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *value = gtk_label_new (NULL);

  gtk_widget_add_css_class (value, "numeric");
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  g_object_set_data (G_OBJECT (row), "shoal-value", value);
  return ADW_ACTION_ROW (row);
}

/* Grows or shrinks ROWS, shown in GROUP, to N rows. */
static void
sync_rows (AdwPreferencesGroup *group,
           GPtrArray           *rows,
           guint                n)
{
  while (rows->len > n)
    {
      adw_preferences_group_remove (group, g_ptr_array_index (rows, rows->len - 1));
      g_ptr_array_set_size (rows, rows->len - 1);
    }
  while (rows->len < n)
    {
      AdwActionRow *row = row_new ();

      adw_preferences_group_add (group, GTK_WIDGET (row));
      g_ptr_array_add (rows, row);
    }
}

static void
set_row (AdwActionRow *row,
         const char   *title,
         char         *subtitle,
         char         *value)
{
  g_autofree char *owned_subtitle = subtitle;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  shoal_label_take (g_object_get_data (G_OBJECT (row), "shoal-value"), value);
}

static char *
format_verdicts (guint64 accepted,
                 guint64 rejected)
{
  /* Translators: shares an upstream pool accepted and rejected */
  return g_strdup_printf (_("%" G_GUINT64_FORMAT " accepted · %" G_GUINT64_FORMAT " rejected"),
                          accepted, rejected);
}

static char *
format_pool_state (const ShoalUpstreamInfo *info)
{
  if (info->in_use && info->connected && info->connections > 1)
    /* Translators: the relay's own connection and one per rig */
    return g_strdup_printf (ngettext ("In use: %u connection", "In use: %u connections",
                                      info->connections), info->connections);
  if (info->in_use && info->connected)
    return g_strdup (_("In use"));
  if (info->connected)
    return g_strdup (_("Connected, standing by"));
  if (info->trouble != NULL)
    /* Translators: %s says why, e.g. "Connection refused" */
    return g_strdup_printf (_("Cannot be reached: %s"), info->trouble);
  return g_strdup (_("Connecting…"));
}

static const ShoalUpstreamInfo *
find_in_use (GPtrArray *upstreams)
{
  for (guint i = 0; i < upstreams->len; i++)
    {
      const ShoalUpstreamInfo *info = g_ptr_array_index (upstreams, i);

      if (info->in_use)
        return info;
    }
  return NULL;
}

/* The sentence at the top: where the rigs' work comes from now. */
static char *
format_headline (GPtrArray               *upstreams,
                 const ShoalUpstreamInfo *in_use)
{
  const ShoalUpstreamInfo *first = g_ptr_array_index (upstreams, 0);

  if (in_use == first)
    return g_strdup_printf (_("Mining on %s"), first->name);
  if (in_use != NULL)
    /* Translators: the rigs mine on the first %s because the second cannot be reached */
    return g_strdup_printf (_("Mining on %s: %s cannot be reached"), in_use->name, first->name);
  if (first->trouble != NULL)
    return g_strdup (_("No upstream pool answers: rigs mine solo on your node until one is back"));
  return g_strdup_printf (_("Connecting to %s…"), first->name);
}

static void
update_pools (ShoalUpstreamPage *self,
              GPtrArray         *upstreams)
{
  sync_rows (self->pools_group, self->pool_rows, upstreams->len);
  for (guint i = 0; i < upstreams->len; i++)
    {
      const ShoalUpstreamInfo *info = g_ptr_array_index (upstreams, i);

      set_row (g_ptr_array_index (self->pool_rows, i), info->name, format_pool_state (info),
               format_verdicts (info->accepted, info->rejected));
    }
}

static char *
format_share_time (guint64 difficulty,
                   guint64 hashrate)
{
  if (difficulty == 0 || hashrate == 0)
    return g_strdup ("—");
  return shoal_format_duration (MAX (difficulty / hashrate, 1));
}

static char *
format_sidechain_advice (guint64 hashrate)
{
  if (hashrate == 0)
    return g_strdup (_("Advice comes once your rigs are hashing"));
  if (hashrate < NANO_LIMIT_HS)
    return g_strdup (_("P2Pool nano suits your hashrate: below about 30 kH/s, "
                       "mini and main would leave long gaps between your shares"));
  return g_strdup (_("P2Pool mini suits your hashrate: nano is for less than about 30 kH/s"));
}

/* Only a P2Pool upstream has a sidechain, and its stratum port does not
 * say its difficulty: Shoal learns it from a login of its own, and only
 * for the sidechain that P2Pool is on (upstream-sidechain). */
static char *
format_sidechain_difficulty (gboolean connected,
                             guint64  difficulty)
{
  g_autofree char *value = NULL;

  if (!connected)
    return g_strdup (_("Unknown: Shoal reads a sidechain's difficulty from a P2Pool "
                       "connected to it"));
  if (difficulty == 0)
    return g_strdup (_("Your P2Pool's sidechain. Unknown yet: the upstream in use is not "
                       "P2Pool, or has not answered yet"));
  value = shoal_format_difficulty (difficulty);
  /* Translators: %s is a difficulty, e.g. "123.5 M" */
  return g_strdup_printf (_("Your P2Pool's sidechain, at its difficulty of %s"), value);
}

/* The sidechain the household's P2Pool runs on, as the settings say. */
static ShoalSidechain
connected_sidechain (ShoalUpstreamPage *self)
{
  ShoalConfig *config = shoal_pool_get_config (self->pool);
  ShoalSidechain sidechain = SHOAL_SIDECHAIN_MINI;

  shoal_sidechain_parse (shoal_config_get_string (config, "upstream-sidechain"), &sidechain);
  return sidechain;
}

static void
update_sidechains (ShoalUpstreamPage *self,
                   guint64            difficulty,
                   guint64            hashrate)
{
  ShoalSidechain connected = connected_sidechain (self);

  for (guint i = 0; i < N_SIDECHAINS; i++)
    {
      gboolean here = i == connected;

      set_row (self->sidechain_rows[i], _(sidechain_titles[i]),
               format_sidechain_difficulty (here, difficulty),
               format_share_time (here ? difficulty : 0, hashrate));
    }
}

static void
update_household (ShoalUpstreamPage       *self,
                  const ShoalUpstreamInfo *in_use,
                  const ShoalPoolSnapshot *snap)
{
  guint64 difficulty = in_use != NULL ? in_use->difficulty : 0;
  guint64 hashrate = snap->pool_hashrate_10m != 0 ? snap->pool_hashrate_10m
                                                  : snap->pool_hashrate_1m;
  g_autofree char *advice = format_sidechain_advice (hashrate);

  shoal_label_take (self->difficulty_label,
                    difficulty != 0 ? shoal_format_difficulty (difficulty) : g_strdup ("—"));
  shoal_label_take (self->hashrate_label, shoal_format_hashrate (hashrate));
  shoal_label_take (self->share_time_label, format_share_time (difficulty, hashrate));
  update_sidechains (self, in_use != NULL ? in_use->sidechain_difficulty : 0, hashrate);
  adw_action_row_set_subtitle (self->advice_row, advice);
}

static void
update_rigs (ShoalUpstreamPage       *self,
             const ShoalPoolSnapshot *snap)
{
  guint shown = MIN (snap->workers->len, MAX_RIG_ROWS);
  g_autofree char *more = NULL;

  sync_rows (self->rigs_group, self->rig_rows, shown);
  for (guint i = 0; i < shown; i++)
    {
      const ShoalWorkerInfo *info = g_ptr_array_index (snap->workers, i);

      set_row (g_ptr_array_index (self->rig_rows, i), info->worker,
               shoal_format_address_short (info->address),
               format_verdicts (info->upstream_accepted, info->upstream_rejected));
    }
  if (snap->workers->len > shown)
    more = g_strdup_printf (_("%u more rigs are not listed"), snap->workers->len - shown);
  adw_preferences_group_set_description (self->rigs_group, more);
}

/* --- P2Pool's payouts, read from the store ---------------------------- */

static char *
format_credits (const ShoalIncomeInfo *income)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < income->credits->len; i++)
    {
      const ShoalIncomeCredit *credit = g_ptr_array_index (income->credits, i);
      g_autofree char *member = shoal_format_address_short (credit->address);
      g_autofree char *amount = shoal_format_xmr (credit->amount);

      if (text->len > 0)
        g_string_append (text, " · ");
      /* Translators: a member's address, shortened, and what a payout credited it */
      g_string_append_printf (text, _("%s: %s"), member, amount);
    }
  if (text->len == 0)
    g_string_append (text, _("No member had work in its window: it went to the fee account"));
  return g_string_free (text, FALSE);
}

/* A payout P2Pool made that the wallet still holds locked: the members
 * see it coming, and what happens next. */
static char *
format_arrival (const ShoalIncomeInfo *income)
{
  guint blocks = (guint) MIN (income->unlocks_in, G_MAXUINT);

  return g_strdup_printf (ngettext ("Locked for %u more block, then split among the members by "
                                    "their work in its window",
                                    "Locked for %u more blocks, then split among the members by "
                                    "their work in its window", blocks), blocks);
}

static const ShoalIncomeInfo *
find_income (ShoalUpstreamPage *self,
             const char        *txid)
{
  for (guint i = 0; txid != NULL && i < self->incomes->len; i++)
    {
      const ShoalIncomeInfo *income = g_ptr_array_index (self->incomes, i);

      if (g_str_equal (income->txid, txid))
        return income;
    }
  return NULL;
}

/* Whose rig it was, and the first payout its window fed. */
static char *
format_found (ShoalUpstreamPage             *self,
              const ShoalSidechainShareInfo *share)
{
  g_autofree char *member = shoal_format_address_short (share->address);
  const ShoalIncomeInfo *fed = find_income (self, share->fed_txid);

  if (fed != NULL)
    /* Translators: a member's address, shortened, and a Monero block height */
    return g_strdup_printf (_("%s · fed the payout at block %" G_GUINT64_FORMAT), member,
                            fed->height);
  if (share->fed_txid != NULL)
    return g_strdup_printf (_("%s · fed an older payout"), member);
  return g_strdup_printf (_("%s · in no payout yet"), member);
}

static void
update_payouts (ShoalUpstreamPage *self)
{
  guint incomes = MIN (self->incomes->len, MAX_INCOME_ROWS);
  guint found = MIN (self->found->len, MAX_FOUND_ROWS);

  sync_rows (self->payouts_group, self->payout_rows, incomes + found);
  for (guint i = 0; i < incomes; i++)
    {
      const ShoalIncomeInfo *income = g_ptr_array_index (self->incomes, i);
      g_autofree char *amount = shoal_format_xmr (income->amount);
      /* Translators: an amount in XMR and a Monero block height */
      g_autofree char *title = g_strdup_printf (_("%s at block %" G_GUINT64_FORMAT), amount,
                                                income->height);

      if (!income->credited)
        set_row (g_ptr_array_index (self->payout_rows, i), title, format_arrival (income),
                 g_strdup (_("On its way")));
      else
        set_row (g_ptr_array_index (self->payout_rows, i), title, format_credits (income),
                 shoal_format_time (income->time_us));
    }
  for (guint i = 0; i < found; i++)
    {
      const ShoalSidechainShareInfo *share = g_ptr_array_index (self->found, i);
      g_autofree char *title = g_strdup_printf (_("Rig %s found a sidechain share"), share->worker);

      set_row (g_ptr_array_index (self->payout_rows, incomes + i), title,
               format_found (self, share), shoal_format_time (share->time_us));
    }
  adw_preferences_group_set_description (self->payouts_group, incomes + found > 0 ? NULL :
    _("None yet: P2Pool pays the pool wallet when a Monero block is found while a sidechain "
      "share of your rigs is in its window"));
}

static void
take_list (ShoalUpstreamPage  *self,
           GPtrArray         **slot,
           GPtrArray          *list,
           const GError       *error)
{
  if (list != NULL)
    {
      g_ptr_array_unref (*slot);
      *slot = list;
    }
  else
    g_debug ("Reading P2Pool's payouts: %s", error->message);
  if (--self->reads == 0)
    update_payouts (self);
}

static void
on_payouts_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean incomes = g_async_result_is_tagged (result, shoal_pool_list_incomes_async);
  g_autoptr(GError) error = NULL;
  GPtrArray *list = shoal_pool_list_finish (SHOAL_POOL (source), result, &error);
  ShoalUpstreamPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = SHOAL_UPSTREAM_PAGE (user_data);
  take_list (self, incomes ? &self->incomes : &self->found, list, error);
}

/* Every few seconds, one read of each at a time: a busy store must not
 * pile reads up behind the snapshots. */
static void
read_payouts (ShoalUpstreamPage *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->reads > 0 || (self->read_us != 0 && now - self->read_us < PAYOUTS_READ_US))
    return;
  self->read_us = now;
  self->reads = 2;
  shoal_pool_list_incomes_async (self->pool, MAX_INCOME_ROWS, self->cancellable,
                                 on_payouts_read, self);
  shoal_pool_list_sidechain_shares_async (self->pool, MAX_FOUND_ROWS, self->cancellable,
                                          on_payouts_read, self);
}

static void
on_snapshot_changed (ShoalUpstreamPage *self)
{
  g_autoptr(GPtrArray) upstreams = shoal_pool_list_upstreams (self->pool);
  const ShoalPoolSnapshot *snap = shoal_pool_get_snapshot (self->pool);
  const ShoalUpstreamInfo *in_use;

  if (upstreams->len == 0)
    return;
  in_use = find_in_use (upstreams);
  shoal_label_take (self->state_label, format_headline (upstreams, in_use));
  update_pools (self, upstreams);
  update_household (self, in_use, snap);
  update_rigs (self, snap);
  read_payouts (self);
}

static void
shoal_upstream_page_dispose (GObject *object)
{
  ShoalUpstreamPage *self = SHOAL_UPSTREAM_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->pool_rows, g_ptr_array_unref);
  g_clear_pointer (&self->rig_rows, g_ptr_array_unref);
  g_clear_pointer (&self->payout_rows, g_ptr_array_unref);
  g_clear_pointer (&self->incomes, g_ptr_array_unref);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_UPSTREAM_PAGE);
  G_OBJECT_CLASS (shoal_upstream_page_parent_class)->dispose (object);
}

static void
shoal_upstream_page_class_init (ShoalUpstreamPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_upstream_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-upstream-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, pools_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, difficulty_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, hashrate_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, share_time_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, sidechains_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, rigs_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalUpstreamPage, payouts_group);
}

static void
shoal_upstream_page_init (ShoalUpstreamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pool_rows = g_ptr_array_new ();
  self->rig_rows = g_ptr_array_new ();
  self->payout_rows = g_ptr_array_new ();
  self->incomes = g_ptr_array_new ();
  self->found = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < N_SIDECHAINS; i++)
    {
      self->sidechain_rows[i] = row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->sidechain_rows[i]),
                                     _(sidechain_titles[i]));
      adw_preferences_group_add (self->sidechains_group, GTK_WIDGET (self->sidechain_rows[i]));
    }
  /* P2Pool's advice last, under the three figures it is about. */
  self->advice_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->advice_row), _("P2Pool's advice"));
  adw_preferences_group_add (self->sidechains_group, GTK_WIDGET (self->advice_row));
}

void
shoal_upstream_page_set_pool (ShoalUpstreamPage *self,
                              ShoalPool         *pool)
{
  g_return_if_fail (SHOAL_IS_UPSTREAM_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  g_signal_connect_object (pool, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self,
                           G_CONNECT_SWAPPED);
  on_snapshot_changed (self);
}
