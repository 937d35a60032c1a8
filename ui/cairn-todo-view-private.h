/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-view-private.h: what the todo view shares with its
 * reordering (cairn-todo-dnd.c: drag and drop, and Alt+arrow moves). */
#pragma once

#include "cairn-todo-view.h"

G_BEGIN_DECLS

struct _CairnTodoView
{
  GtkWidget         parent_instance;

  CairnPool        *pool;
  char             *list_id;
  GListModel       *top;         /* the list's top-level todos */
  GtkTreeListModel *tree;        /* top with each todo's subtasks under it */
  GListModel       *first_rows;  /* tree's first screenful, then all (cairn-first-rows.h) */
  GtkFilterListModel *shown;     /* first_rows through row_filter: the list view's */
  GtkFilter        *filter;      /* the find bar's, over CairnTodo; NULL: none */
  GtkFilter        *row_filter;  /* filter applied to a GtkTreeListRow's todo */
  gulong            items_changed_id;
  guint             show_completed : 1;

  GtkEntry         *new_entry;
  GtkStack         *stack;
  AdwStatusPage    *empty_page;
  GtkListView      *list_view;

  GtkRoot          *root;        /* whose focus the view follows (weak) */
  gulong            focus_id;
  /* Scrolling while a drag hovers near the list's top or bottom edge. */
  guint             autoscroll_id;
  double            drag_y;       /* in the scrolled window; < 0: no drag */
};

/* Where a drop lands relative to the row it is dropped on. */
typedef enum
{
  CAIRN_DROP_BEFORE,  /* upper third: before it, under the same parent */
  CAIRN_DROP_INTO,    /* middle: its last subtask */
  CAIRN_DROP_AFTER,   /* lower third: after it, under the same parent */
} CairnDropPosition;

/* cairn-todo-dnd.c. The item widget of each row (made in the view's
 * factory "setup") gets a drag source on its handle and a drop target. */
void  _cairn_todo_dnd_setup_item     (CairnTodoView *self,
                                      GtkListItem   *item,
                                      GtkWidget     *item_box,
                                      GtkWidget     *handle);
void  _cairn_todo_dnd_class_init     (GtkWidgetClass *widget_class);
/* The -focused moves are enabled only while a task holds the focus, so
 * that Alt+Left elsewhere still reaches the leaflet (Back). */
void  _cairn_todo_dnd_init           (CairnTodoView  *self);
void  _cairn_todo_dnd_dispose        (CairnTodoView  *self);
/* What the item's GtkDropTarget does on ::motion (the indicator; 0 when
 * the drop is refused) and ::drop (the move), for `dragged` at y in the
 * item: tests call these with a todo, as a drag would bring it. */
GdkDragAction _cairn_todo_dnd_hover  (CairnTodoView *self,
                                      GtkListItem   *item,
                                      CairnTodo     *dragged,
                                      double         y);
gboolean      _cairn_todo_dnd_drop   (CairnTodoView *self,
                                      GtkListItem   *item,
                                      CairnTodo     *dragged,
                                      double         y);
/* Every row of the list in the view's models from now on (they start
 * with the first screenful: cairn-first-rows.h). */
void            _cairn_todo_view_show_all_rows (CairnTodoView *self);
/* The GtkTreeListRow of a todo in the view's tree, or NULL; transfer full. */
GtkTreeListRow *_cairn_todo_view_find_row (CairnTodoView *self,
                                           const char    *todo_id,
                                           guint         *position);
/* The mapped CairnTodoRow showing @todo_id under @widget, or NULL (the
 * row widget of a task, once the list view has made it). */
GtkWidget      *_cairn_todo_view_find_row_widget (GtkWidget  *widget,
                                                  const char *todo_id);

G_END_DECLS
