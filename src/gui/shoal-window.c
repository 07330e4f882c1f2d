/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-blocks-page.h"
#include "shoal-condition-banners.h"
#include "shoal-miners-page.h"
#include "shoal-node-page.h"
#include "shoal-overview-page.h"
#include "shoal-payouts-page.h"
#include "shoal-upstream-page.h"
#include "shoal-window.h"

struct _ShoalWindow
{
  AdwApplicationWindow  parent_instance;
  ShoalPool            *pool;

  ShoalConditionBanners *banners;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  AdwViewStack         *stack;
  AdwViewStackPage     *payouts_stack_page;
  ShoalOverviewPage    *overview_page;
  ShoalMinersPage      *miners_page;
  ShoalBlocksPage      *blocks_page;
  ShoalPayoutsPage     *payouts_page;
  AdwViewStackPage     *node_stack_page;
  ShoalNodePage        *node_page;
  AdwViewStackPage     *upstream_stack_page;
  ShoalUpstreamPage    *upstream_page;
};

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_POOL, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Payouts exist only where members are paid (small-pool mode, a
 * household split over P2Pool): solo rewards go straight to the pool
 * address.  The Upstream page only in upstream mode. */
static void
update_mode (ShoalWindow *self)
{
  ShoalMode mode = shoal_pool_get_mode (self->pool);
  gboolean pplns = shoal_pool_pays_members (self->pool);

  if (!pplns && g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "payouts") == 0)
    adw_view_stack_set_visible_child_name (self->stack, "overview");
  adw_view_stack_page_set_visible (self->payouts_stack_page, pplns);
  adw_view_stack_page_set_visible (self->upstream_stack_page, mode == SHOAL_MODE_UPSTREAM);
}

static void
on_show_page (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ShoalWindow *self = user_data;
  const char *name = g_variant_get_string (parameter, NULL);
  GtkWidget *child = adw_view_stack_get_child_by_name (self->stack, name);

  if (child != NULL &&
      adw_view_stack_page_get_visible (adw_view_stack_get_page (self->stack, child)))
    adw_view_stack_set_visible_child (self->stack, child);
}

static void
shoal_window_constructed (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  G_OBJECT_CLASS (shoal_window_parent_class)->constructed (object);
  shoal_condition_banners_set_pool (self->banners, self->pool);
  shoal_overview_page_set_pool (self->overview_page, self->pool);
  shoal_miners_page_set_pool (self->miners_page, self->pool);
  shoal_blocks_page_set_pool (self->blocks_page, self->pool);
  shoal_payouts_page_set_pool (self->payouts_page, self->pool);
  /* Shown only while Shoal runs a node of its own. */
  g_object_bind_property (self->node_page, "has-node", self->node_stack_page, "visible",
                          G_BINDING_SYNC_CREATE);
  shoal_node_page_set_pool (self->node_page, self->pool);
  shoal_upstream_page_set_pool (self->upstream_page, self->pool);
  /* The mode the pool runs in: a changed setting waits for the restart,
   * which makes the window again. */
  update_mode (self);
}

static void
shoal_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_POOL:
      self->pool = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_window_dispose (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  /* libadwaita 1.2 warns when a switcher outlives its stack: let go first. */
  if (self->switcher_bar != NULL)
    adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
  if (self->switcher_title != NULL)
    adw_view_switcher_title_set_stack (self->switcher_title, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WINDOW);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (shoal_window_parent_class)->dispose (object);
}

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = shoal_window_constructed;
  object_class->set_property = shoal_window_set_property;
  object_class->dispose = shoal_window_dispose;

  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, SHOAL_TYPE_POOL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SHOAL_TYPE_CONDITION_BANNERS);
  g_type_ensure (SHOAL_TYPE_OVERVIEW_PAGE);
  g_type_ensure (SHOAL_TYPE_MINERS_PAGE);
  g_type_ensure (SHOAL_TYPE_BLOCKS_PAGE);
  g_type_ensure (SHOAL_TYPE_PAYOUTS_PAGE);
  g_type_ensure (SHOAL_TYPE_NODE_PAGE);
  g_type_ensure (SHOAL_TYPE_UPSTREAM_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/shoalpool/Shoal/shoal-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, banners);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, payouts_stack_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, miners_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, blocks_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, payouts_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, node_stack_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, node_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, upstream_stack_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, upstream_page);
}

static void
shoal_window_init (ShoalWindow *self)
{
  static const GActionEntry actions[] = {
    { "show-page", on_show_page, "s" },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
}

ShoalWindow *
shoal_window_new (ShoalApplication *application,
                  ShoalPool        *pool)
{
  return g_object_new (SHOAL_TYPE_WINDOW, "application", application, "pool", pool, NULL);
}
