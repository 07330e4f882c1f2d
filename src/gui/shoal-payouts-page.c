/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-columns.h"
#include "shoal-format.h"
#include "shoal-label.h"
#include "shoal-page-loader.h"
#include "shoal-row-item.h"
#include "shoal-payouts-page.h"

#define REFRESH_S 5
#define PAYMENT_LIMIT 500

struct _ShoalPayoutsPage
{
  AdwBin           parent_instance;
  ShoalPool       *pool;
  GCancellable    *cancellable;
  GListStore      *balances;
  GListStore      *payments;
  ShoalPageLoader *loader;
  gboolean         paying;

  AdwToastOverlay *toasts;
  GtkLabel        *summary_label;
  GtkWidget       *progress_box;
  GtkSpinner      *spinner;
  GtkLabel        *progress_label;
  GtkWidget       *pay_button;
  GtkWidget       *check_button;
  GtkStack        *balances_stack;
  GtkColumnView   *balances_view;
  GtkStack        *history_stack;
  GtkColumnView   *history_view;
};

G_DEFINE_FINAL_TYPE (ShoalPayoutsPage, shoal_payouts_page, ADW_TYPE_BIN)

#define BAL(p) ((const ShoalBalanceInfo *) (p))
#define PAY(p) ((const ShoalPaymentInfo *) (p))

static int
cmp_u64 (guint64 a,
         guint64 b)
{
  return a < b ? -1 : a > b;
}

static char *text_bal_address (gconstpointer p) { return g_strdup (BAL (p)->address); }
static char *text_bal_balance (gconstpointer p) { return shoal_format_xmr (BAL (p)->balance); }
static char *text_bal_reserved (gconstpointer p) { return shoal_format_xmr (BAL (p)->reserved); }
static char *text_bal_paid (gconstpointer p) { return shoal_format_xmr (BAL (p)->paid); }

static int
cmp_bal_address (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (BAL (a)->address, BAL (b)->address);
}

static int
cmp_bal_balance (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (BAL (a)->balance, BAL (b)->balance);
}

static int
cmp_bal_paid (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (BAL (a)->paid, BAL (b)->paid);
}

static char *text_pay_time (gconstpointer p) { return shoal_format_time (PAY (p)->time_us); }
static char *
text_pay_address (gconstpointer p)
{
  return shoal_format_address_short (PAY (p)->address);
}

static char *text_pay_amount (gconstpointer p) { return shoal_format_xmr (PAY (p)->amount); }

static char *
text_pay_state (gconstpointer p)
{
  const char *state = PAY (p)->state;

  if (g_strcmp0 (state, "planned") == 0)
    return g_strdup (_("Planned"));
  if (g_strcmp0 (state, "built") == 0)
    return g_strdup (_("Built"));
  if (g_strcmp0 (state, "relayed") == 0)
    return g_strdup (_("Sent, waiting for confirmation"));
  if (g_strcmp0 (state, "confirmed") == 0)
    return g_strdup (_("Confirmed"));
  if (g_strcmp0 (state, "failed") == 0)
    return g_strdup (_("Failed"));
  return g_strdup (state != NULL ? state : "—");
}

static char *
text_pay_tx (gconstpointer p)
{
  return g_strdup (PAY (p)->tx_hash != NULL ? PAY (p)->tx_hash : "—");
}

static int
cmp_pay_time (gconstpointer a, gconstpointer b)
{
  int c = cmp_u64 ((guint64) PAY (a)->time_us, (guint64) PAY (b)->time_us);

  return c != 0 ? c : g_strcmp0 (PAY (a)->address, PAY (b)->address);
}

static int
cmp_pay_amount (gconstpointer a, gconstpointer b)
{
  return cmp_u64 (PAY (a)->amount, PAY (b)->amount);
}

static void
add_columns (ShoalPayoutsPage *self)
{
  GtkColumnView *v = self->balances_view;
  GtkColumnViewColumn *sort;

  shoal_columns_add (v, _("Member address"), text_bal_address, cmp_bal_address,
                     SHOAL_COLUMN_MONO | SHOAL_COLUMN_EXPAND);
  sort = shoal_columns_add (v, _("Balance"), text_bal_balance, cmp_bal_balance,
                            SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("In a payout"), text_bal_reserved, NULL, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("Paid in total"), text_bal_paid, cmp_bal_paid, SHOAL_COLUMN_NUMERIC);
  shoal_columns_set_model (v, G_LIST_MODEL (self->balances));
  gtk_column_view_sort_by_column (v, sort, GTK_SORT_DESCENDING);

  v = self->history_view;
  sort = shoal_columns_add (v, _("Time"), text_pay_time, cmp_pay_time, SHOAL_COLUMN_TEXT);
  shoal_columns_add (v, _("Recipient"), text_pay_address, NULL, SHOAL_COLUMN_MONO);
  shoal_columns_add (v, _("Amount"), text_pay_amount, cmp_pay_amount, SHOAL_COLUMN_NUMERIC);
  shoal_columns_add (v, _("State"), text_pay_state, NULL, SHOAL_COLUMN_TEXT);
  shoal_columns_add (v, _("Transaction"), text_pay_tx, NULL,
                     SHOAL_COLUMN_MONO | SHOAL_COLUMN_EXPAND);
  shoal_columns_set_model (v, G_LIST_MODEL (self->payments));
  gtk_column_view_sort_by_column (v, sort, GTK_SORT_DESCENDING);
}

static char *
balance_key (gconstpointer p)
{
  return g_strdup (BAL (p)->address);
}

static char *
payment_key (gconstpointer p)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT "/%s", PAY (p)->batch_id, PAY (p)->address);
}

static void
update_summary (ShoalPayoutsPage *self)
{
  ShoalConfig *config = shoal_pool_get_config (self->pool);
  g_autofree char *threshold =
    shoal_format_xmr (shoal_config_get_uint64 (config, "payout-threshold"));
  g_autofree char *total = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->balances));
  guint64 sum = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->balances), i);
      sum += BAL (shoal_row_item_get_data (item))->balance;
    }
  total = shoal_format_xmr (sum);
  /* Translators: the total owed to members, then the smallest amount that is paid out */
  shoal_label_take (self->summary_label,
                    g_strdup_printf (_("%s owed to members; balances from %s are paid out"),
                                     total, threshold));
}

static void
show_list (GtkStack   *stack,
           GListStore *store)
{
  gtk_stack_set_visible_child_name (stack, g_list_model_get_n_items (G_LIST_MODEL (store)) > 0
                                           ? "list" : "empty");
}

static void
on_payments (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = shoal_pool_list_payments_finish (SHOAL_POOL (source), result, &error);
  ShoalPayoutsPage *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (list == NULL)
    g_warning ("cannot list payments: %s", error->message);
  else
    {
      shoal_row_item_sync (self->payments, list, payment_key,
                           (GDestroyNotify) shoal_payment_info_free);
      shoal_columns_resort (self->history_view);
      show_list (self->history_stack, self->payments);
    }
  shoal_page_loader_done (self->loader);
}

static void
on_balances (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = shoal_pool_list_balances_finish (SHOAL_POOL (source), result, &error);
  ShoalPayoutsPage *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (list == NULL)
    g_warning ("cannot list balances: %s", error->message);
  else
    {
      shoal_row_item_sync (self->balances, list, balance_key,
                           (GDestroyNotify) shoal_balance_info_free);
      shoal_columns_resort (self->balances_view);
      show_list (self->balances_stack, self->balances);
      update_summary (self);
    }
  /* Balances first, then the history: one query in flight at a time. */
  shoal_pool_list_payments_async (self->pool, PAYMENT_LIMIT, self->cancellable, on_payments, self);
}

static gboolean
start_load (gpointer page)
{
  ShoalPayoutsPage *self = page;

  if (self->pool == NULL)
    return FALSE;
  shoal_pool_list_balances_async (self->pool, self->cancellable, on_balances, self);
  return TRUE;
}

/* PROGRESS: what is under way, or NULL when nothing is. */
static void
set_busy (ShoalPayoutsPage *self,
          const char       *progress)
{
  gboolean paying = progress != NULL;

  if (paying)
    gtk_label_set_text (self->progress_label, progress);
  self->paying = paying;
  gtk_widget_set_visible (self->progress_box, paying);
  gtk_spinner_set_spinning (self->spinner, paying);
  gtk_widget_set_sensitive (self->pay_button, !paying);
}

static void
show_error (ShoalPayoutsPage *self,
            const char       *heading,
            const char       *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_paid (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gint64 batch = shoal_pool_pay_out_finish (SHOAL_POOL (source), result, &error);
  ShoalPayoutsPage *self = user_data;
  g_autofree char *number = NULL;
  g_autofree char *title = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, NULL);
  shoal_page_loader_request (self->loader);
  if (batch < 0)
    {
      show_error (self, _("Payout Failed"), error->message);
      return;
    }
  /* Translators: %s is the number of the payout batch */
  number = g_strdup_printf ("%" G_GINT64_FORMAT, batch);
  title = g_strdup_printf (_("Payout %s confirmed"), number);
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (title));
}

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     ShoalPayoutsPage *self)
{
  GPtrArray *preview = g_object_get_data (G_OBJECT (dialog), "shoal-preview");

  if (g_strcmp0 (response, "pay") != 0 || self->pool == NULL)
    return;
  set_busy (self, _("Paying out…"));
  /* Exactly the list shown in this dialog, or nothing. */
  shoal_pool_pay_out_confirmed_async (self->pool, preview, self->cancellable, on_paid, self);
}

static GtkWidget *
recipient_row (const char *title,
               const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

/* The recipients, their amounts, and what the network takes. */
static GtkWidget *
build_recipient_list (GPtrArray *preview,
                      guint64    fee)
{
  GtkWidget *list = gtk_list_box_new ();
  g_autofree char *fee_text = shoal_format_xmr (fee);
  g_autofree char *total_text = NULL;
  guint64 total = 0;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < preview->len; i++)
    {
      const ShoalPaymentInfo *p = g_ptr_array_index (preview, i);
      g_autofree char *who = shoal_format_address_short (p->address);
      g_autofree char *amount = shoal_format_xmr (p->amount);

      total += p->amount;
      gtk_list_box_append (GTK_LIST_BOX (list), recipient_row (who, amount));
    }
  total_text = shoal_format_xmr (total);
  gtk_list_box_append (GTK_LIST_BOX (list), recipient_row (_("Total to members"), total_text));
  gtk_list_box_append (GTK_LIST_BOX (list), recipient_row (_("Network fee (estimate)"), fee_text));
  return list;
}

static void
confirm_payout (ShoalPayoutsPage *self,
                GPtrArray        *preview,
                guint64           fee)
{
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  body = g_strdup_printf (ngettext ("Shoal sends %u payment from the pool wallet. "
                                    "The network fee is paid by the pool.",
                                    "Shoal sends %u payments from the pool wallet in one "
                                    "transaction. "
                                    "The network fee is paid by the pool.", preview->len),
                          preview->len);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Pay Out Now?"), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog),
                                      build_recipient_list (preview, fee));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), "pay", _("_Pay Out"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "pay",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "shoal-preview", g_ptr_array_ref (preview),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_preview (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint64 fee = 0;
  g_autoptr(GPtrArray) preview =
    shoal_pool_preview_payout_finish (SHOAL_POOL (source), result, &fee, &error);
  ShoalPayoutsPage *self = user_data;
  g_autofree char *threshold = NULL;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, NULL);
  if (preview == NULL)
    {
      show_error (self, _("Cannot Prepare the Payout"), error->message);
      return;
    }
  if (preview->len > 0)
    {
      confirm_payout (self, preview, fee);
      return;
    }
  threshold = shoal_format_xmr (shoal_config_get_uint64 (shoal_pool_get_config (self->pool),
                                                         "payout-threshold"));
  message = g_strdup_printf (_("No member's balance has reached the payout threshold of %s."),
                             threshold);
  show_error (self, _("Nothing to Pay Out"), message);
}

static void
on_pay_clicked (ShoalPayoutsPage *self)
{
  if (self->pool == NULL || self->paying)
    return;
  /* The preview asks the wallet for a fee estimate: show that something is under way. */
  set_busy (self, _("Preparing the payout…"));
  shoal_pool_preview_payout_async (self->pool, self->cancellable, on_preview, self);
}

static GtkWidget *
report_view (const char *report)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *label = gtk_label_new (report);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  /* Addresses and hashes are long words: break them, never clip them. */
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "monospace");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), label);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 200);
  return scrolled;
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *report = shoal_pool_check_books_finish (SHOAL_POOL (source), result, &error);
  ShoalPayoutsPage *self = user_data;
  GtkWidget *dialog;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (self->check_button, TRUE);
  if (report == NULL)
    {
      show_error (self, _("The Books Do Not Match"), error->message);
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("The Books Match"),
                                   _("Every member's balance, every payment and every credited "
                                     "block agree with the wallet and the node."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), report_view (report));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The same read-only check as shoal --check. */
static void
on_check_clicked (ShoalPayoutsPage *self)
{
  if (self->pool == NULL)
    return;
  gtk_widget_set_sensitive (self->check_button, FALSE);
  shoal_pool_check_books_async (self->pool, self->cancellable, on_checked, self);
}

static void
shoal_payouts_page_dispose (GObject *object)
{
  ShoalPayoutsPage *self = SHOAL_PAYOUTS_PAGE (object);

  g_clear_object (&self->loader);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  /* The bin's child is a template child: let the bin drop it first, or
   * both unparent it and GTK warns. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_PAYOUTS_PAGE);
  g_clear_object (&self->balances);
  g_clear_object (&self->payments);
  G_OBJECT_CLASS (shoal_payouts_page_parent_class)->dispose (object);
}

static void
shoal_payouts_page_class_init (ShoalPayoutsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = shoal_payouts_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-payouts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, pay_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, check_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, balances_stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, balances_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, history_stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalPayoutsPage, history_view);
  gtk_widget_class_bind_template_callback (widget_class, on_pay_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_check_clicked);
}

static void
shoal_payouts_page_init (ShoalPayoutsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->loader = shoal_page_loader_new (GTK_WIDGET (self), REFRESH_S, start_load);
  self->cancellable = g_cancellable_new ();
  self->balances = g_list_store_new (SHOAL_TYPE_ROW_ITEM);
  self->payments = g_list_store_new (SHOAL_TYPE_ROW_ITEM);
  add_columns (self);
}

void
shoal_payouts_page_set_pool (ShoalPayoutsPage *self,
                             ShoalPool        *pool)
{
  g_return_if_fail (SHOAL_IS_PAYOUTS_PAGE (self));
  g_return_if_fail (SHOAL_IS_POOL (pool) && self->pool == NULL);

  self->pool = g_object_ref (pool);
  /* Balances grow when a block unlocks, i.e. when the chain grows. */
  g_signal_connect_object (pool, "notify::node-height", G_CALLBACK (shoal_page_loader_request),
                           self->loader, G_CONNECT_SWAPPED);
  g_signal_connect_object (shoal_pool_get_config (pool), "notify::payout-threshold",
                           G_CALLBACK (update_summary), self, G_CONNECT_SWAPPED);
  update_summary (self);
  shoal_page_loader_request (self->loader);
}
