/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-page.c: the global search over the pool's search model. */
#define G_LOG_DOMAIN "cairn-search-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cairn-search-model.h"
#include "cairn-search-page.h"
#include "cairn-search-slots.h"

/* Results kept: the best ones, a screenful; a person refines the search
 * rather than scroll through hundreds, and the store makes a snippet for
 * each one kept (with 50 the query took twice as long, and the rows as
 * much again: BENCHMARKS.md). When there are more, the page says so. */
#define RESULTS_LIMIT 20

struct _CairnSearchPage
{
  GtkWidget           parent_instance;

  CairnPool          *pool;
  /* CairnSearchModel, only while the page is shown: the pool runs every
   * search model again after each change (and brings the index up to
   * date first), which a hidden page must not cost typing elsewhere. */
  GListModel         *results;
  /* What the list view shows: the results as slots that stay while the
   * results change, so that a keystroke rebinds no row and makes none
   * (cairn-search-slots.h). */
  CairnSearchSlots   *slots;
  GtkSingleSelection *selection;

  GtkSearchEntry     *entry;
  GtkStack           *stack;
  GtkListView        *results_view;
  GtkLabel           *more_label;
};

G_DEFINE_FINAL_TYPE (CairnSearchPage, cairn_search_page, GTK_TYPE_WIDGET)

enum { OPEN_RESULT, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
cairn_search_markup (const char *snippet)
{
  GString *markup = g_string_new (NULL);
  gboolean marked = FALSE;
  const char *p = snippet != NULL ? snippet : "";

  while (*p != '\0')
    {
      size_t run = strcspn (p, CAIRN_SEARCH_MARK_START CAIRN_SEARCH_MARK_END);

      if (run > 0)
        {
          g_autofree char *escaped = g_markup_escape_text (p, run);

          g_string_append (markup, escaped);
          p += run;
          continue;
        }
      /* A mark: open or close the highlighting (a stray one is dropped). */
      if (*p == CAIRN_SEARCH_MARK_START[0] && !marked)
        g_string_append (markup, "<b>");
      else if (*p == CAIRN_SEARCH_MARK_END[0] && marked)
        g_string_append (markup, "</b>");
      else
        {
          p++;
          continue;
        }
      marked = !marked;
      p++;
    }
  if (marked)
    g_string_append (markup, "</b>");
  return g_string_free (markup, FALSE);
}

/* The snippet without its marks. */
static char *
strip_marks (const char *snippet)
{
  GString *text = g_string_new (NULL);

  for (const char *p = snippet != NULL ? snippet : ""; *p != '\0'; p++)
    if (*p != CAIRN_SEARCH_MARK_START[0] && *p != CAIRN_SEARCH_MARK_END[0])
      g_string_append_c (text, *p);
  return g_string_free (text, FALSE);
}

static void
update_stack (CairnSearchPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autofree char *match = cairn_search_build_match (text);

  if (match == NULL)
    gtk_stack_set_visible_child_name (self->stack, "start");
  else if (self->results == NULL || g_list_model_get_n_items (self->results) == 0)
    gtk_stack_set_visible_child_name (self->stack, "none");
  else
    gtk_stack_set_visible_child_name (self->stack, "results");
  /* At the limit there may be more. */
  gtk_widget_set_visible (GTK_WIDGET (self->more_label),
                          self->results != NULL &&
                          g_list_model_get_n_items (self->results) >= RESULTS_LIMIT);
}

static void
on_search_changed (GtkSearchEntry  *entry,
                   CairnSearchPage *self)
{
  if (self->results != NULL)
    cairn_search_model_set_text (CAIRN_SEARCH_MODEL (self->results),
                                 gtk_editable_get_text (GTK_EDITABLE (entry)));
  /* New text, the best result first again (the slots keep a position). */
  if (self->selection != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
  update_stack (self);
}

static void
open_position (CairnSearchPage *self,
               guint            position)
{
  g_autoptr(CairnSearchResult) result = NULL;
  g_autofree char *id = NULL;

  result = self->results != NULL ? g_list_model_get_item (self->results, position) : NULL;
  if (result == NULL)
    return;
  /* The handler may change the results (a search again): keep the id. */
  id = g_strdup (cairn_search_result_get_id (result));
  g_signal_emit (self, signals[OPEN_RESULT], 0, (int) cairn_search_result_get_kind (result), id);
}

static void
on_entry_activate (GtkSearchEntry  *entry,
                   CairnSearchPage *self)
{
  guint selected = gtk_single_selection_get_selected (self->selection);

  /* Search as typed, not as the debounce last saw it. */
  on_search_changed (entry, self);
  open_position (self, selected != GTK_INVALID_LIST_POSITION ? selected : 0);
}

static void
on_result_activate (GtkListView     *view,
                    guint            position,
                    CairnSearchPage *self)
{
  open_position (self, position);
}

/* Escape in the entry: start over. */
static void
on_stop_search (GtkSearchEntry  *entry,
                CairnSearchPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  on_search_changed (entry, self);
}

/* Down (or Page Down) in the entry: on to the results. */
static gboolean
on_entry_key_pressed (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      CairnSearchPage       *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down &&
      keyval != GDK_KEY_Page_Down && keyval != GDK_KEY_KP_Page_Down)
    return FALSE;
  if (!g_str_equal (gtk_stack_get_visible_child_name (self->stack), "results"))
    return FALSE;
  return gtk_widget_child_focus (GTK_WIDGET (self->results_view), GTK_DIR_TAB_FORWARD);
}

/* ---- A result's row ------------------------------------------------------ */

typedef struct
{
  GtkImage          *icon;
  GtkLabel          *title;
  GtkLabel          *snippet;
  GtkLabel          *list;
  CairnSearchPage   *page;
  CairnSearchSlot   *slot;    /* bound */
  CairnSearchResult *result;  /* the slot's, followed for its changes */
  CairnList         *task_list; /* a task's, followed for its name */
} ResultRow;

/* Follows list (NULL: none) for its title, in place of the one before. */
static void
result_row_set_list (ResultRow *row,
                     GtkWidget *box,
                     CairnList *list,
                     GCallback  on_title)
{
  if (row->task_list == list)
    return;
  if (row->task_list != NULL)
    g_signal_handlers_disconnect_by_data (row->task_list, box);
  g_set_object (&row->task_list, list);
  if (list != NULL)
    g_signal_connect_swapped (list, "notify::title", on_title, box);
}

static void
result_row_free (gpointer data)
{
  ResultRow *row = data;

  g_clear_object (&row->slot);
  g_clear_object (&row->result);
  g_clear_object (&row->task_list);
  g_free (row);
}

static void
setup_result (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CairnSearchPage          *self)
{
  ResultRow *row = g_new0 (ResultRow, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);

  row->page = self;
  gtk_widget_add_css_class (box, "search-result");
  /* The row's accessible label says the kind in words. */
  row->icon = g_object_new (GTK_TYPE_IMAGE, "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
  gtk_widget_set_valign (GTK_WIDGET (row->icon), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->icon));

  row->title = GTK_LABEL (gtk_label_new (NULL));
  row->snippet = GTK_LABEL (gtk_label_new (NULL));
  row->list = GTK_LABEL (gtk_label_new (NULL));
  for (guint i = 0; i < 3; i++)
    {
      GtkLabel *label = (GtkLabel *[]) { row->title, row->snippet, row->list }[i];

      gtk_label_set_xalign (label, 0);
      gtk_label_set_ellipsize (label, PANGO_ELLIPSIZE_END);
      gtk_label_set_single_line_mode (label, TRUE);
    }
  gtk_widget_add_css_class (GTK_WIDGET (row->snippet), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (row->list), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (row->list), "caption");
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (row->title));
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (row->snippet));
  gtk_box_append (GTK_BOX (box), text);
  /* A list's name is short: it keeps its width, the title gives way. */
  gtk_label_set_max_width_chars (row->list, 16);
  gtk_widget_set_valign (GTK_WIDGET (row->list), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->list));

  g_object_set_data_full (G_OBJECT (box), "cairn-result-row", row, result_row_free);
  gtk_list_item_set_child (item, box);
}

/* Shows row->result as it is now. */
static void
sync_result (GtkWidget *box)
{
  ResultRow *row = g_object_get_data (G_OBJECT (box), "cairn-result-row");
  CairnSearchPage *self = row->page;
  CairnSearchResult *result = row->result;
  gboolean is_todo;
  const char *title, *snippet;
  g_autofree char *plain = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *accessible = NULL;
  const char *list_title = NULL;
  const char *icon = "document-edit-symbolic";
  CairnList *list = NULL;

  if (result == NULL)
    {
      /* An emptied slot (no results: the page shows no list) keeps its
       * widgets for the next search, but nothing of the last one. */
      result_row_set_list (row, box, NULL, NULL);
      gtk_label_set_text (row->title, "");
      gtk_label_set_text (row->snippet, "");
      gtk_label_set_text (row->list, "");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }
  is_todo = cairn_search_result_get_kind (result) == CAIRN_OBJECT_TODO;
  title = cairn_search_result_get_title (result);
  snippet = cairn_search_result_get_snippet (result);
  plain = strip_marks (snippet);
  markup = cairn_search_markup (snippet);

  if (title == NULL || title[0] == '\0')
    title = is_todo ? _("Untitled Task") : _("Untitled Note");
  if (is_todo && self->pool != NULL)
    {
      CairnTodo *todo = cairn_pool_lookup_todo (self->pool, cairn_search_result_get_id (result));
      list = todo != NULL ? cairn_pool_lookup_list (self->pool, cairn_todo_get_list_id (todo)) : NULL;
      list_title = list != NULL ? cairn_list_get_title (list) : NULL;
      /* A check box, as the task's row has it: ticked when done. */
      icon = todo != NULL && cairn_todo_get_done (todo) ? "checkbox-checked-symbolic" : "checkbox-symbolic";
    }

  result_row_set_list (row, box, list, G_CALLBACK (sync_result));
  gtk_image_set_from_icon_name (row->icon, icon);
  /* The match is in the title: highlight it there, no second line. */
  if (g_str_equal (plain, title))
    {
      gtk_label_set_markup (row->title, markup);
      gtk_widget_set_visible (GTK_WIDGET (row->snippet), FALSE);
    }
  else
    {
      gtk_label_set_text (row->title, title);
      gtk_label_set_markup (row->snippet, markup);
      gtk_widget_set_visible (GTK_WIDGET (row->snippet), plain[0] != '\0');
    }
  gtk_label_set_text (row->list, list_title != NULL ? list_title : "");
  gtk_widget_set_visible (GTK_WIDGET (row->list), list_title != NULL);

  if (is_todo && list_title != NULL)
    /* Translators: a search result: the task's title, its list, the words around the match */
    accessible = g_strdup_printf (_("Task “%s” in %s: %s"), title, list_title, plain);
  else if (is_todo)
    /* Translators: a search result: the task's title, the words around the match */
    accessible = g_strdup_printf (_("Task “%s”: %s"), title, plain);
  else
    /* Translators: a search result: the note's title, the words around the match */
    accessible = g_strdup_printf (_("Note “%s”: %s"), title, plain);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

/* Follows the result the row's slot holds now, and shows it. */
static void
on_slot_item (GtkWidget *box)
{
  ResultRow *row = g_object_get_data (G_OBJECT (box), "cairn-result-row");
  GObject *item = row->slot != NULL ? cairn_search_slot_get_item (row->slot) : NULL;

  if (row->result != NULL)
    g_signal_handlers_disconnect_by_data (row->result, box);
  g_set_object (&row->result, (CairnSearchResult *) item);
  if (row->result != NULL)
    {
      g_signal_connect_swapped (row->result, "notify::title", G_CALLBACK (sync_result), box);
      g_signal_connect_swapped (row->result, "notify::snippet", G_CALLBACK (sync_result), box);
    }
  sync_result (box);
}

static void
bind_result (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CairnSearchPage          *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  ResultRow *row = g_object_get_data (G_OBJECT (box), "cairn-result-row");

  row->slot = g_object_ref (gtk_list_item_get_item (item));
  g_signal_connect_swapped (row->slot, "notify::item", G_CALLBACK (on_slot_item), box);
  on_slot_item (box);
}

static void
unbind_result (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               CairnSearchPage          *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  ResultRow *row = g_object_get_data (G_OBJECT (box), "cairn-result-row");

  if (row->slot != NULL)
    g_signal_handlers_disconnect_by_data (row->slot, box);
  g_clear_object (&row->slot);
  if (row->result != NULL)
    g_signal_handlers_disconnect_by_data (row->result, box);
  g_clear_object (&row->result);
  result_row_set_list (row, box, NULL, NULL);
}

/* ---- The page ------------------------------------------------------------ */

static void
attach_results (CairnSearchPage *self)
{
  if (self->results != NULL || self->pool == NULL)
    return;
  self->results = cairn_pool_search (self->pool, gtk_editable_get_text (GTK_EDITABLE (self->entry)),
                                     RESULTS_LIMIT);
  g_signal_connect_swapped (self->results, "items-changed", G_CALLBACK (update_stack), self);
  cairn_search_slots_set_source (self->slots, self->results);
  update_stack (self);
}

static void
detach_results (CairnSearchPage *self)
{
  if (self->results == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->results, self);
  if (self->slots != NULL)
    cairn_search_slots_set_source (self->slots, NULL);
  g_clear_object (&self->results);
}

static void
cairn_search_page_map (GtkWidget *widget)
{
  attach_results (CAIRN_SEARCH_PAGE (widget));
  GTK_WIDGET_CLASS (cairn_search_page_parent_class)->map (widget);
}

static void
cairn_search_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cairn_search_page_parent_class)->unmap (widget);
  detach_results (CAIRN_SEARCH_PAGE (widget));
}

static void
cairn_search_page_dispose (GObject *object)
{
  CairnSearchPage *self = CAIRN_SEARCH_PAGE (object);

  detach_results (self);
  if (self->results_view != NULL)
    gtk_list_view_set_model (self->results_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CAIRN_TYPE_SEARCH_PAGE);
  /* Not a container: children the template made without an id too. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->slots);
  g_clear_object (&self->results);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_search_page_parent_class)->dispose (object);
}

static gboolean
cairn_search_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CAIRN_SEARCH_PAGE (widget)->entry));
}

static void
cairn_search_page_class_init (CairnSearchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_search_page_dispose;
  widget_class->grab_focus = cairn_search_page_grab_focus;
  widget_class->map = cairn_search_page_map;
  widget_class->unmap = cairn_search_page_unmap;

  signals[OPEN_RESULT] = g_signal_new ("open-result", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-search-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnSearchPage, entry);
  gtk_widget_class_bind_template_child (widget_class, CairnSearchPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CairnSearchPage, results_view);
  gtk_widget_class_bind_template_child (widget_class, CairnSearchPage, more_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_result_activate);
}

static void
cairn_search_page_init (CairnSearchPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  {
    g_autofree char *more = g_strdup_printf (ngettext ("Only the best result is shown: type more to narrow the search",
                                                       "Only the best %u results are shown: type more to narrow the search",
                                                       RESULTS_LIMIT),
                                             RESULTS_LIMIT);

    gtk_label_set_text (self->more_label, more);
  }

  gtk_event_controller_set_name (keys, "cairn-search-entry-keys");
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_result), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_result), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_result), self);
  gtk_list_view_set_factory (self->results_view, factory);
}

GtkWidget *
cairn_search_page_new (CairnPool *pool)
{
  CairnSearchPage *self;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_SEARCH_PAGE, NULL);
  self->pool = g_object_ref (pool);
  /* The first result is selected: Enter in the entry opens it. The
   * results come when the page is shown (map). */
  self->slots = cairn_search_slots_new ();
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slots)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->selection));
  update_stack (self);
  return GTK_WIDGET (self);
}

void
cairn_search_page_focus_entry (CairnSearchPage *self)
{
  g_return_if_fail (CAIRN_IS_SEARCH_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

GtkEditable *
cairn_search_page_get_entry (CairnSearchPage *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_PAGE (self), NULL);

  return GTK_EDITABLE (self->entry);
}

GListModel *
cairn_search_page_get_results (CairnSearchPage *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_PAGE (self), NULL);

  return self->results;
}
