/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui-test.h: helpers shared by the UI tests (start-up, settings,
 * main loop, widgets on screen). */
#pragma once

#include <adwaita.h>

#include "cairn-sync-engine.h"

G_BEGIN_DECLS

/* gtk_test_init(), adw_init() and cairn_ui_init(): a UI test's start. */
void       cairn_test_init_ui          (int         *argc,
                                        char      ***argv);
/* The same for a test that signs in to a server: GTK's focus-out warning
 * is dropped (cairn_test_drop_focus_out_warning()). The token stays in
 * the profile through CAIRN_TOKEN_STORE=file, which tests/meson.build's
 * test_env sets for every test. */
void       cairn_test_init_ui_for_sync (int         *argc,
                                        char      ***argv);
/* Settings of schema org.cairn.Cairn compiled into the build directory,
 * in the memory backend (every call starts from the defaults). */
GSettings *cairn_test_settings_new     (void);
/* Iterates the default main context until predicate(data) or 5 s passed;
 * returns the predicate's last answer. */
gboolean   cairn_test_wait_until       (gboolean   (*predicate) (gpointer data),
                                        gpointer     data);
/* Iterates the default main context for about ms milliseconds. */
void       cairn_test_spin             (guint        ms);
/* The first of root and its descendants (depth first) for which
 * match (widget, data) holds, or NULL. */
GtkWidget *cairn_test_find_first      (GtkWidget     *root,
                                        gboolean     (*match) (GtkWidget *widget, gconstpointer data),
                                        gconstpointer  data);
/* The first descendant of root of type `type` whose accessible/label text
 * or buildable id matches `name` (NULL: any). */
GtkWidget *cairn_test_find_widget      (GtkWidget   *root,
                                        GType        type,
                                        const char  *name);
/* The first mapped (shown) button under root labelled `label` (a toast's
 * button, say), or NULL. */
GtkWidget *cairn_test_find_mapped_button (GtkWidget  *root,
                                          const char *label);
/* For cairn_test_wait_until(): a widget under root found by its text (in
 * found), or its absence. */
typedef struct
{
  GtkWidget  *root;
  const char *text;
  GtkWidget  *found;
} CairnTestWidgetQuery;
/* The button labelled text. */
typedef CairnTestWidgetQuery CairnTestButtonQuery;
gboolean   cairn_test_button_shown     (gpointer     query);
gboolean   cairn_test_button_gone      (gpointer     query);
/* How cairn_test_find_label() matches a label's text against `text`. */
typedef enum
{
  CAIRN_TEST_LABEL_CONTAINS,
  CAIRN_TEST_LABEL_IS,
  CAIRN_TEST_LABEL_STARTS_WITH,
} CairnTestLabelMatch;
/* The first mapped (shown) GtkLabel under root whose text matches, or
 * NULL. */
GtkWidget *cairn_test_find_label       (GtkWidget           *root,
                                        const char          *text,
                                        CairnTestLabelMatch  match);
/* For cairn_test_wait_until(): such a label (a toast's, say), or its
 * absence. */
typedef struct
{
  GtkWidget           *root;
  const char          *text;
  CairnTestLabelMatch  match;
} CairnTestLabelQuery;
gboolean   cairn_test_label_shown      (gpointer     query);
gboolean   cairn_test_label_gone       (gpointer     query);
/* The first mapped task row under root showing a task titled `title` in
 * its title entry, or NULL. */
GtkWidget *cairn_test_find_todo_row   (GtkWidget   *root,
                                        const char  *title);
/* For cairn_test_wait_until(): the task row titled text. */
typedef CairnTestWidgetQuery CairnTestRowQuery;
gboolean   cairn_test_todo_row_shown   (gpointer     query);
gboolean   cairn_test_todo_row_gone    (gpointer     query);
/* The shown task row titled @title under @root, waited for; the test
 * fails, naming it, when none shows up. */
GtkWidget *cairn_test_wait_for_todo_row    (GtkWidget   *root,
                                            const char  *title);
/* Waits until no shown task row under @root is titled @title; the test
 * fails, naming it, when one stays. */
void       cairn_test_wait_for_no_todo_row (GtkWidget   *root,
                                            const char  *title);
/* The engine's login and one full sync round, run to completion on the
 * default main context; the test fails on an error. */
void       cairn_test_engine_login     (CairnSyncEngine *engine,
                                        const char      *server_url,
                                        const char      *username,
                                        const char      *password,
                                        const char      *device);
void       cairn_test_engine_sync      (CairnSyncEngine *engine);
/* Installs a log writer that drops GTK 4.8's "did not receive a
 * focus-out event" warning (a GtkText misses a focus-out when its window
 * loses the focus first: Xvfb has no window manager, and slow runs hit it).
 * Everything else stays fatal. */
void       cairn_test_drop_focus_out_warning (void);
/* rm -rf dir (a test's temporary folder). */
void       cairn_test_remove_dir       (const char      *dir);

G_END_DECLS
