/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-smart-view.c: Today, Upcoming and a tag's page over the pool's
 * live models.
 *
 * The model is live: a commit changes a few of its items and the list view
 * recycles its rows, so a page is never rebuilt. GTK 4.8's GtkListView has
 * no sections: in Upcoming each row carries a day header, shown when its
 * task's "due" differs from the one before it. Which rows need one can
 * change with any insertion or removal, so after every ::items-changed the
 * rows on screen (at most the 200 the list view keeps) look again, once,
 * from an idle. */
#define G_LOG_DOMAIN "cairn-smart-view"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-event.h"
#include "cairn-first-rows.h"
#include "cairn-smart-view.h"
#include "cairn-todo-row.h"
#include "cairn-ui.h"
#include "cairn-window.h"

struct _CairnSmartView
{
  GtkWidget           parent_instance;

  CairnPool          *pool;
  CairnSmartViewKind  kind;
  GListModel         *todos;
  gulong              items_changed_id;
  guint               headers_idle;
  guint               prepare_idle;
  GHashTable         *bound;        /* GtkListItem* bound to a todo */

  GtkEntry           *new_entry;    /* Today only */
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (CairnSmartView, cairn_smart_view, GTK_TYPE_WIDGET)

char *
cairn_smart_view_format_day (const char *due,
                             const char *today)
{
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) base = NULL;
  int y, m, d;

  if (due == NULL || sscanf (due, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return NULL;
  date = g_date_time_new_local (y, m, d, 0, 0, 0);
  if (today != NULL && sscanf (today, "%4d-%2d-%2d", &y, &m, &d) == 3 &&
      g_date_valid_dmy (d, m, y))
    {
      g_autoptr(GDateTime) tomorrow = NULL;

      base = g_date_time_new_local (y, m, d, 0, 0, 0);
      tomorrow = g_date_time_add_days (base, 1);
      if (g_date_time_get_year (tomorrow) == g_date_time_get_year (date) &&
          g_date_time_get_day_of_year (tomorrow) == g_date_time_get_day_of_year (date))
        return g_strdup (_("Tomorrow"));
      if (g_date_time_get_year (base) != g_date_time_get_year (date))
        /* Translators: a day header in Upcoming, in another year, as strftime() format */
        return g_date_time_format (date, C_("upcoming day", "%A %-d %B %Y"));
    }
  /* Translators: a day header in Upcoming ("Wednesday 9 December"), as strftime() format */
  return g_date_time_format (date, C_("upcoming day", "%A %-d %B"));
}

/* ---- Headers (Upcoming) ---------------------------------------------------- */

static void
update_header (CairnSmartView *self,
               GtkListItem    *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *header = gtk_widget_get_first_child (box);
  CairnTodo *todo = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr(CairnTodo) before = NULL;
  g_autofree char *text = NULL;
  const char *due;

  if (self->kind != CAIRN_SMART_VIEW_UPCOMING || todo == NULL ||
      position == GTK_INVALID_LIST_POSITION || self->todos == NULL)
    {
      gtk_widget_set_visible (header, FALSE);
      return;
    }
  due = cairn_todo_get_due (todo);
  if (position > 0)
    before = g_list_model_get_item (self->todos, position - 1);
  if (before != NULL && g_strcmp0 (cairn_todo_get_due (before), due) == 0)
    {
      gtk_widget_set_visible (header, FALSE);
      return;
    }
  text = cairn_smart_view_format_day (due, cairn_pool_get_today (self->pool));
  gtk_label_set_label (GTK_LABEL (header), text != NULL ? text : "");
  gtk_widget_set_visible (header, text != NULL);
}

static gboolean
update_headers_idle (gpointer user_data)
{
  CairnSmartView *self = user_data;
  GHashTableIter iter;
  gpointer item;

  self->headers_idle = 0;
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    update_header (self, item);
  return G_SOURCE_REMOVE;
}

static void
on_items_changed (CairnSmartView *self)
{
  gboolean empty = self->todos == NULL || g_list_model_get_n_items (self->todos) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
  if (self->kind == CAIRN_SMART_VIEW_UPCOMING && self->headers_idle == 0)
    self->headers_idle = g_idle_add (update_headers_idle, self);
}

/* ---- Rows ------------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           CairnSmartView           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_label_new (NULL);
  GtkWidget *row = cairn_todo_row_new (self->pool);

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "day-header");
  gtk_widget_set_visible (header, FALSE);
  gtk_box_append (GTK_BOX (box), header);
  cairn_todo_row_set_show_list (CAIRN_TODO_ROW (row), TRUE);
  gtk_box_append (GTK_BOX (box), row);
  gtk_list_item_set_child (item, box);
}

/* A row activated (double click, Enter on the row) opens the task's
 * details: win.show-task, where the window has it. */
static void
on_activate (GtkListView    *list_view,
             guint           position,
             CairnSmartView *self)
{
  g_autoptr(CairnTodo) todo = self->todos != NULL ? g_list_model_get_item (self->todos, position)
                                                  : NULL;

  if (todo != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-task", "s", cairn_todo_get_id (todo));
}

static CairnTodoRow *
item_row (GtkListItem *item)
{
  return CAIRN_TODO_ROW (gtk_widget_get_last_child (gtk_list_item_get_child (item)));
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          CairnSmartView           *self)
{
  cairn_todo_row_set_todo (item_row (item), gtk_list_item_get_item (item));
  g_hash_table_add (self->bound, item);
  update_header (self, item);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            CairnSmartView           *self)
{
  cairn_todo_row_set_todo (item_row (item), NULL);
  g_hash_table_remove (self->bound, item);
}

/* A page given its model while hidden (after the window's first frame)
 * makes the widgets of the rows it will show first, when the main loop
 * is idle, so that switching to it does not: of a switch, making the
 * rows on screen was the most (BENCHMARKS.md, "perf14b"). Eight, not
 * the ~14 on screen: sixteen put start-up's RSS over its 130 MB budget
 * (130.2–130.5 MB against 128.0–128.5 with eight, the switches 14/24
 * against 22/30 ms; BENCHMARKS.md, "merged main, session 8"). */
#define PREPARED_ROWS 8

static gboolean
prepare_rows_idle (gpointer user_data)
{
  CairnSmartView *self = user_data;
  GHashTableIter iter;
  gpointer item;

  self->prepare_idle = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    return G_SOURCE_REMOVE;
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    if (gtk_list_item_get_position (item) < PREPARED_ROWS)
      cairn_todo_row_prepare (item_row (item));
  return G_SOURCE_REMOVE;
}

/* ---- Today's entry --------------------------------------------------------- */

/* A task due today, in the Inbox (made if this workspace has none yet). */
static void
on_new_entry_activate (GtkEntry       *entry,
                       CairnSmartView *self)
{
  CairnStore *store = cairn_pool_get_store (self->pool);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autofree char *id = NULL;

  if (title[0] == '\0')
    return;

  if (cairn_pool_lookup_list (self->pool, CAIRN_INBOX_ID) == NULL &&
      !cairn_store_ensure_inbox (store, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      cairn_window_report_error (GTK_WIDGET (self), _("Could not add the task"), error);
      return;
    }
  id = cairn_store_create_todo (store, CAIRN_INBOX_ID, title, NULL, NULL, &error);
  if (id == NULL)
    {
      /* Keep the text so that the user can fix it. */
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      cairn_window_report_error (GTK_WIDGET (self), _("Could not add the task"), error);
      return;
    }
  /* Two events: the store has no todo.created with a due date. The task
   * is in the Inbox either way; a failure here says it has no date. */
  if (!cairn_store_set_todo_due (store, id, cairn_pool_get_today (self->pool), &error))
    cairn_window_report_error (GTK_WIDGET (self),
                               _("The task was added to the Inbox without a due date"), error);
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* ---- The widget ------------------------------------------------------------ */

static void
build (CairnSmartView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled, *clamp;
  const char *icon, *title, *description, *list_name;

  if (self->kind == CAIRN_SMART_VIEW_TODAY)
    {
      GtkWidget *entry_clamp = adw_clamp_new ();

      self->new_entry = GTK_ENTRY (gtk_entry_new ());
      gtk_entry_set_placeholder_text (self->new_entry, _("New task due today"));
      gtk_entry_set_icon_from_icon_name (self->new_entry, GTK_ENTRY_ICON_PRIMARY,
                                         "list-add-symbolic");
      gtk_widget_set_name (GTK_WIDGET (self->new_entry), "new_entry");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->new_entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("New task due today"),
                                      -1);
      cairn_ui_limit_title_entry (self->new_entry);
      g_signal_connect (self->new_entry, "activate", G_CALLBACK (on_new_entry_activate), self);
      adw_clamp_set_maximum_size (ADW_CLAMP (entry_clamp), 720);
      gtk_widget_set_margin_top (entry_clamp, 12);
      gtk_widget_set_margin_bottom (entry_clamp, 6);
      gtk_widget_set_margin_start (entry_clamp, 12);
      gtk_widget_set_margin_end (entry_clamp, 12);
      adw_clamp_set_child (ADW_CLAMP (entry_clamp), GTK_WIDGET (self->new_entry));
      gtk_box_append (GTK_BOX (box), entry_clamp);
    }

  switch (self->kind)
    {
    case CAIRN_SMART_VIEW_TODAY:
      icon = "weather-clear-symbolic";
      title = _("Nothing Due Today");
      description = _("Tasks due today and overdue ones show up here");
      list_name = _("Due Today");
      break;
    case CAIRN_SMART_VIEW_UPCOMING:
      icon = "x-office-calendar-symbolic";
      title = _("Nothing Upcoming");
      description = _("Tasks due in the next two weeks show up here");
      list_name = _("Upcoming Tasks");
      break;
    case CAIRN_SMART_VIEW_TAG:
    default:
      icon = "view-list-bullet-symbolic";
      title = _("No Tagged Tasks");
      description = _("Tasks with this tag show up here");
      list_name = _("Tagged Tasks");
      break;
    }

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, icon);
  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_description (self->empty_page, description);
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (NULL, g_object_ref (factory)));
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "card");
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "todo-list");
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "smart-list");
  g_signal_connect (self->list_view, "activate", G_CALLBACK (on_activate), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, list_name, -1);
  /* Scrollable, so that the list view only makes rows for what is on screen. */
  clamp = adw_clamp_scrollable_new ();
  adw_clamp_scrollable_set_maximum_size (ADW_CLAMP_SCROLLABLE (clamp), 720);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  gtk_widget_set_margin_top (clamp, self->kind == CAIRN_SMART_VIEW_TODAY ? 0 : 12);
  adw_clamp_scrollable_set_child (ADW_CLAMP_SCROLLABLE (clamp), GTK_WIDGET (self->list_view));
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (self->stack, scrolled, "list");

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  on_items_changed (self);
}

static void
cairn_smart_view_dispose (GObject *object)
{
  CairnSmartView *self = CAIRN_SMART_VIEW (object);

  cairn_smart_view_set_model (self, NULL);
  g_clear_handle_id (&self->headers_idle, g_source_remove);
  g_clear_handle_id (&self->prepare_idle, g_source_remove);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_smart_view_parent_class)->dispose (object);
}

static void
cairn_smart_view_finalize (GObject *object)
{
  CairnSmartView *self = CAIRN_SMART_VIEW (object);

  g_clear_pointer (&self->bound, g_hash_table_unref);

  G_OBJECT_CLASS (cairn_smart_view_parent_class)->finalize (object);
}

static void
cairn_smart_view_class_init (CairnSmartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_smart_view_dispose;
  object_class->finalize = cairn_smart_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cairn_smart_view_init (CairnSmartView *self)
{
  self->bound = g_hash_table_new (NULL, NULL);
}

GtkWidget *
cairn_smart_view_new (CairnPool          *pool,
                      CairnSmartViewKind  kind)
{
  CairnSmartView *self;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_SMART_VIEW, NULL);
  self->pool = g_object_ref (pool);
  self->kind = kind;
  build (self);
  return GTK_WIDGET (self);
}

void
cairn_smart_view_set_model (CairnSmartView *self,
                            GListModel     *todos)
{
  g_return_if_fail (CAIRN_IS_SMART_VIEW (self));
  g_return_if_fail (todos == NULL || G_IS_LIST_MODEL (todos));

  if (self->todos == todos)
    return;

  if (self->todos != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->todos);
      gtk_list_view_set_model (self->list_view, NULL);
      g_clear_object (&self->todos);
    }
  if (todos != NULL)
    {
      /* The first screenful until it is painted (cairn-first-rows.h):
       * the page is made hidden, and shown with the rows it has. */
      g_autoptr(GtkNoSelection) selection =
        gtk_no_selection_new (cairn_first_rows_new (g_object_ref (todos), GTK_WIDGET (self->list_view)));

      self->todos = g_object_ref (todos);
      self->items_changed_id =
        g_signal_connect_swapped (todos, "items-changed", G_CALLBACK (on_items_changed), self);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
      if (!gtk_widget_get_mapped (GTK_WIDGET (self)) && self->prepare_idle == 0)
        self->prepare_idle = g_idle_add_full (G_PRIORITY_LOW, prepare_rows_idle, self, NULL);
    }
  if (self->stack != NULL)
    on_items_changed (self);
}

GListModel *
cairn_smart_view_get_model (CairnSmartView *self)
{
  g_return_val_if_fail (CAIRN_IS_SMART_VIEW (self), NULL);

  return self->todos;
}

void
cairn_smart_view_focus_entry (CairnSmartView *self)
{
  g_return_if_fail (CAIRN_IS_SMART_VIEW (self));

  if (self->new_entry != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->new_entry));
}
