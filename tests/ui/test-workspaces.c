/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-workspaces.c: against a real cairn-server, the account dialog opens
 * another workspace on this device (one shared by another user, the
 * personal one, one that exists only here): the window rebinds in place,
 * the engine follows, the old store is let go and the choice is kept in the
 * profile; sharing a workspace one does not own is refused inline; a bad
 * workspace id changes nothing. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-account-dialog.h"
#include "cairn-profile.h"
#include "cairn-notes-view.h"
#include "cairn-sync-indicator.h"
#include "cairn-store-private.h"
#include "cairn-sync-status-private.h"
#include "cairn-test-server.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "cairn-workspace.h"
#include "cairn-workspace-dialog.h"
#include "cairn-test-util.h"

#define ANN_PASSWORD "correct horse battery"
#define BOB_PASSWORD "another fine password"

typedef struct
{
  CairnTestServer    *server;
  char               *dir;        /* ann's profile */
  char               *bob_dir;    /* bob's profile */
  char               *bob_ws;     /* bob's personal workspace, shared with ann */
  GSettings          *settings;
  CairnWorkspace     *workspace;
  CairnWindow        *window;
  CairnAccountDialog *dialog;
} Fixture;

/* Bob fills his personal workspace and shares it with ann. */
static void
set_up_bob (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnSyncEngine) engine = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *list = NULL;
  g_autofree char *todo = NULL;

  f->bob_dir = g_dir_make_tmp ("cairn-ui-bob-XXXXXX", &error);
  g_assert_no_error (error);
  profile = cairn_profile_open (f->bob_dir, &error);
  g_assert_no_error (error);
  engine = cairn_sync_engine_new (profile);
  cairn_test_engine_login (engine, f->server->base, "bob", BOB_PASSWORD, "bob-laptop");
  f->bob_ws = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  store = cairn_profile_open_store (profile, f->bob_ws, &error);
  g_assert_no_error (error);
  cairn_sync_engine_set_store (engine, store, f->bob_ws);

  list = cairn_store_create_list (store, "Bob's Groceries", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (store, list, "Apples", NULL, NULL, &error);
  g_assert_no_error (error);
  g_free (cairn_store_create_note (store, "Bob's note", &error));
  g_assert_no_error (error);
  cairn_test_engine_sync (engine);
  g_assert_cmpuint (cairn_store_get_pending_count (store), ==, 0);

  cairn_sync_engine_share_async (engine, f->bob_ws, "ann", NULL, cairn_test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (cairn_sync_engine_share_finish (engine, result, &error));
  g_assert_no_error (error);
  cairn_sync_engine_set_store (engine, NULL, NULL);
}

/* The label of a list in the window's sidebar. */
static GtkWidget *
sidebar_list (Fixture    *f,
              const char *title)
{
  GtkWidget *lists = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_BOX,
                                             "lists_listbox");

  g_assert_nonnull (lists);
  return cairn_test_find_widget (lists, GTK_TYPE_LABEL, title);
}

typedef struct
{
  Fixture    *f;
  const char *title;
} ListQuery;

static gboolean
list_shown (gpointer data)
{
  ListQuery *q = data;
  return sidebar_list (q->f, q->title) != NULL;
}

/* The sidebar's subtitle: the open workspace's name. */
static const char *
sidebar_subtitle (Fixture *f)
{
  GtkWidget *title = cairn_test_find_widget (GTK_WIDGET (f->window), ADW_TYPE_WINDOW_TITLE,
                                             "sidebar_title");

  g_assert_nonnull (title);
  return adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title));
}

/* A note's title in the notes page's list. */
static gboolean
note_listed (Fixture    *f,
             const char *title)
{
  GtkWidget *notes = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL);

  g_assert_nonnull (notes);
  return cairn_test_find_widget (notes, GTK_TYPE_LABEL, title) != NULL;
}

static gboolean
bobs_note_listed (gpointer data)
{
  return note_listed (data, "Bob's note");
}

static gboolean
not_busy (gpointer data)
{
  return !cairn_account_dialog_is_busy (data);
}

/* The dialog's row, on the page shown, of a workspace whose subtitle
 * starts with prefix. */
static gboolean
is_row_with_subtitle (GtkWidget     *widget,
                      gconstpointer  prefix)
{
  return ADW_IS_ACTION_ROW (widget) && gtk_widget_get_mapped (widget) &&
         g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)) ?: "", prefix);
}

static GtkWidget *
find_row_by_subtitle (GtkWidget  *root,
                      const char *prefix)
{
  return cairn_test_find_first (root, is_row_with_subtitle, prefix);
}

typedef struct
{
  Fixture    *f;
  const char *prefix;
  gboolean    openable;
} RowQuery;

/* A row with that subtitle, with an Open button (or, for the workspace
 * open now, without one). */
static gboolean
row_listed (gpointer data)
{
  RowQuery *q = data;
  GtkWidget *row = find_row_by_subtitle (GTK_WIDGET (q->f->dialog), q->prefix);

  return row != NULL &&
         (cairn_test_find_widget (row, GTK_TYPE_BUTTON, "_Open") != NULL) == q->openable;
}

static void
open_workspace_row (Fixture    *f,
                    const char *subtitle_prefix)
{
  RowQuery q = { f, subtitle_prefix, TRUE };
  GtkWidget *button;

  g_assert_true (cairn_test_wait_until (row_listed, &q));
  button = cairn_test_find_widget (find_row_by_subtitle (GTK_WIDGET (f->dialog), subtitle_prefix),
                                   GTK_TYPE_BUTTON, "_Open");
  g_signal_emit_by_name (button, "clicked");
}

/* The Open button, mapped (on the page shown), of the row titled title. */
static gboolean
is_openable_row_titled (GtkWidget     *widget,
                        gconstpointer  title)
{
  return ADW_IS_ACTION_ROW (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0 &&
         cairn_test_find_widget (widget, GTK_TYPE_BUTTON, "_Open") != NULL;
}

static GtkWidget *
find_open_button (GtkWidget  *root,
                  const char *title)
{
  GtkWidget *row = cairn_test_find_first (root, is_openable_row_titled, title);

  return row != NULL ? cairn_test_find_widget (row, GTK_TYPE_BUTTON, "_Open") : NULL;
}

static CairnAccountDialog *
find_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (CAIRN_IS_ACCOUNT_DIALOG (l->data))
      return l->data;
  return NULL;
}

static void
sign_in_ann (Fixture *f)
{
  GtkWidget *root;

  /* Through the window, as the user does: Account… in the sync popover. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.accounts", NULL);
  f->dialog = find_dialog ();
  g_assert_nonnull (f->dialog);
  root = GTK_WIDGET (f->dialog);
  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_ENTRY_ROW,
                                                               "Server Address")),
                         f->server->base);
  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_ENTRY_ROW,
                                                               "Username")), "ann");
  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_PASSWORD_ENTRY_ROW,
                                                               "Password")), ANN_PASSWORD);
  g_signal_emit_by_name (cairn_test_find_widget (root, GTK_TYPE_BUTTON, "_Sign In"), "clicked");
  g_assert_true (cairn_test_wait_until (not_busy, f->dialog));
  g_assert_null (cairn_account_dialog_get_error (f->dialog));
}

/* The main windows open: the switch happens in place, not in a new one. */
static guint
count_windows (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();
  guint n = 0;

  for (GList *l = toplevels; l != NULL; l = l->next)
    n += CAIRN_IS_WINDOW (l->data);
  return n;
}

static char *
saved_current_workspace (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = cairn_profile_open (f->dir, &error);
  char *id;

  g_assert_no_error (error);
  id = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  return id;
}

static const char *
share_result (Fixture    *f,
              const char *user)
{
  GtkWidget *row = cairn_test_find_widget (GTK_WIDGET (f->dialog), ADW_TYPE_ENTRY_ROW,
                                           "Username to share with");
  GtkWidget *label = gtk_widget_get_next_sibling (gtk_widget_get_ancestor (row,
                                                                           ADW_TYPE_PREFERENCES_GROUP));

  gtk_editable_set_text (GTK_EDITABLE (row), user);
  g_signal_emit_by_name (row, "apply");
  g_assert_true (cairn_test_wait_until (not_busy, f->dialog));
  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
test_switch_workspace (void)
{
  g_autoptr(GError) error = NULL;
  Fixture fx = { 0 };
  Fixture *f = &fx;
  CairnSyncEngine *engine;
  CairnStore *old_store;
  g_autofree char *personal = NULL;
  g_autofree char *local_id = g_uuid_string_random ();
  g_autofree char *saved = NULL;
  ListQuery ann_list = { f, "Ann's Plans" };
  ListQuery bob_list = { f, "Bob's Groceries" };
  ListQuery local_list = { f, "Offline Ideas" };
  CairnTestLabelQuery conflict_toast = { NULL, NULL, CAIRN_TEST_LABEL_IS };

  f->server = cairn_test_server_new ();
  cairn_test_server_start (f->server, NULL);
  cairn_test_server_add_user (f->server, "ann", ANN_PASSWORD);
  cairn_test_server_add_user (f->server, "bob", BOB_PASSWORD);
  set_up_bob (f);

  /* Ann, with no account yet: a local workspace with one list. */
  f->dir = g_dir_make_tmp ("cairn-ui-ann-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (f->dir, &error);
    g_autofree char *list = NULL;

    g_assert_no_error (error);
    f->workspace = cairn_workspace_new (profile);
    g_assert_true (cairn_workspace_open (f->workspace, NULL, FALSE, &error));
    g_assert_no_error (error);
    list = cairn_store_create_list (cairn_workspace_get_store (f->workspace), "Ann's Plans", &error);
    g_assert_no_error (error);
    g_free (cairn_store_create_note (cairn_workspace_get_store (f->workspace), "Ann's note", &error));
    g_assert_no_error (error);
  }
  engine = cairn_workspace_get_engine (f->workspace);
  f->settings = cairn_test_settings_new ();
  f->window = cairn_window_new_for_workspace (NULL, f->settings, f->workspace);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_nonnull (sidebar_list (f, "Ann's Plans"));
  g_assert_cmpstr (sidebar_subtitle (f), ==, "Local Workspace");

  /* Signing in makes the local workspace her personal one, in place. */
  sign_in_ann (f);
  personal = g_strdup (cairn_workspace_get_id (f->workspace));
  g_assert_cmpstr (cairn_sync_status_get_workspace_id (cairn_sync_engine_get_status (engine)),
                   ==, personal);
  g_assert_true (cairn_sync_engine_get_store (engine) == cairn_workspace_get_store (f->workspace));
  g_assert_nonnull (sidebar_list (f, "Ann's Plans"));
  {
    RowQuery q = { f, "Personal — open now", FALSE };
    g_assert_true (cairn_test_wait_until (row_listed, &q));
  }
  /* Personal workspaces are named after their user. */
  g_assert_cmpstr (sidebar_subtitle (f), ==, "ann");

  /* Open bob's workspace: the same window shows it, the engine syncs it
   * (its lists arrive), and the old store is closed. */
  /* A conflict report of this workspace shows as a toast. */
  {
    g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func (g_object_unref);

    g_ptr_array_add (conflicts, cairn_conflict_new (1, "list", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                                                    "title", "Ann's Plans", "Plans",
                                                    "laptop", 7, 0));
    _cairn_sync_status_set_conflicts (cairn_sync_engine_get_status (engine), conflicts);
  }
  conflict_toast.root = GTK_WIDGET (f->window);
  conflict_toast.text = "The title of “Ann's Plans” was changed to “Plans” on laptop";
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &conflict_toast));

  old_store = cairn_workspace_get_store (f->workspace);
  g_object_add_weak_pointer (G_OBJECT (old_store), (gpointer *) &old_store);
  open_workspace_row (f, "Shared by bob");
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, f->bob_ws);
  g_assert_cmpuint (count_windows (), ==, 1);
  g_assert_null (sidebar_list (f, "Ann's Plans"));
  g_assert_cmpstr (cairn_sync_status_get_workspace_id (cairn_sync_engine_get_status (engine)),
                   ==, f->bob_ws);
  g_assert_true (cairn_sync_engine_get_store (engine) == cairn_workspace_get_store (f->workspace));
  g_assert_true (cairn_window_get_pool (f->window) == cairn_workspace_get_pool (f->workspace));
  g_assert_true (cairn_test_wait_until (list_shown, &bob_list));
  g_assert_cmpstr (sidebar_subtitle (f), ==, "bob");
  /* The old workspace's report is not this one's: its toast went along. */
  g_assert_true (cairn_test_wait_until (cairn_test_label_gone, &conflict_toast));
  /* The notes page lists this workspace's notes. */
  cairn_window_select_page (f->window, "notes");
  g_assert_true (cairn_test_wait_until (bobs_note_listed, f));
  g_assert_false (note_listed (f, "Ann's note"));
  cairn_test_spin (50);
  g_assert_null (old_store);
  saved = saved_current_workspace (f);
  g_assert_cmpstr (saved, ==, f->bob_ws);
  {
    RowQuery q = { f, "Shared by bob — open now", FALSE };
    g_assert_true (cairn_test_wait_until (row_listed, &q));
  }

  /* Only the owner shares. */
  g_assert_cmpstr (share_result (f, "bob"), ==, "Only the owner of this workspace can share it");

  /* A bad id changes nothing. */
  g_assert_false (cairn_workspace_open (f->workspace, "../workspaces/x", FALSE, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, f->bob_ws);
  g_assert_nonnull (sidebar_list (f, "Bob's Groceries"));
  g_free (saved);
  saved = saved_current_workspace (f);
  g_assert_cmpstr (saved, ==, f->bob_ws);

  /* A database the server does not have (made by an older sign-in, say):
   * listed as only on this device once the list is refreshed. */
  {
    g_autoptr(CairnStore) store = cairn_profile_open_store (cairn_workspace_get_profile (f->workspace),
                                                            local_id, &error);
    g_autofree char *list = NULL;

    g_assert_no_error (error);
    list = cairn_store_create_list (store, "Offline Ideas", &error);
    g_assert_no_error (error);
  }

  /* Back to her personal workspace. */
  open_workspace_row (f, "Personal");
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, personal);
  g_assert_true (cairn_test_wait_until (list_shown, &ann_list));
  g_assert_null (sidebar_list (f, "Bob's Groceries"));
  /* Notes stay open, now with hers. */
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "notes");
  g_assert_true (note_listed (f, "Ann's note"));
  g_assert_false (note_listed (f, "Bob's note"));

  /* Her own one she shares; an unknown user is named. */
  g_assert_cmpstr (share_result (f, "nobody"), ==,
                   "There is no user named “nobody” on this server");
  g_assert_cmpstr (share_result (f, "bob"), ==, "Shared with bob");

  /* The local one opens without syncing, and stays so after a restart. */
  open_workspace_row (f, "Not synced");
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, local_id);
  g_assert_true (cairn_workspace_is_local_only (f->workspace));
  g_assert_true (cairn_test_wait_until (list_shown, &local_list));
  g_assert_cmpstr (sidebar_subtitle (f), ==, "Local Workspace");
  g_assert_null (cairn_sync_engine_get_store (engine));
  g_assert_null (cairn_sync_status_get_workspace_id (cairn_sync_engine_get_status (engine)));
  g_assert_true (cairn_sync_engine_is_signed_in (engine));
  {
    GtkWidget *indicator = cairn_test_find_widget (GTK_WIDGET (f->window),
                                                   CAIRN_TYPE_SYNC_INDICATOR, NULL);
    g_assert_cmpstr (cairn_sync_indicator_get_summary (CAIRN_SYNC_INDICATOR (indicator)), ==,
                     "Sync: Not syncing: this workspace is only on this device");
  }
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (f->dir, &error);
    g_autoptr(CairnWorkspace) restarted = NULL;

    g_assert_no_error (error);
    restarted = cairn_workspace_new (profile);
    g_assert_true (cairn_workspace_open (restarted, NULL, FALSE, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (cairn_workspace_get_id (restarted), ==, local_id);
    g_assert_true (cairn_workspace_is_local_only (restarted));
    g_assert_null (cairn_sync_engine_get_store (cairn_workspace_get_engine (restarted)));
  }

  /* Signed out, the dialog still lists the workspaces on this device (by
   * the names last seen) and opens any of them, without syncing. */
  g_signal_emit_by_name (cairn_test_find_widget (GTK_WIDGET (f->dialog), GTK_TYPE_BUTTON,
                                                 "Sign _Out"), "clicked");
  g_assert_true (cairn_test_wait_until (not_busy, f->dialog));
  g_assert_false (cairn_sync_engine_is_signed_in (engine));
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, local_id);
  cairn_test_spin (50);
  g_assert_null (find_open_button (GTK_WIDGET (f->dialog), "Local Workspace"));
  g_assert_nonnull (find_open_button (GTK_WIDGET (f->dialog), "ann"));
  g_signal_emit_by_name (find_open_button (GTK_WIDGET (f->dialog), "bob"), "clicked");
  g_assert_cmpstr (cairn_workspace_get_id (f->workspace), ==, f->bob_ws);
  g_assert_true (cairn_test_wait_until (list_shown, &bob_list));
  g_assert_cmpstr (sidebar_subtitle (f), ==, "bob");
  /* The engine keeps it, for when she signs in again, but does not sync. */
  g_assert_true (cairn_sync_engine_get_store (engine) == cairn_workspace_get_store (f->workspace));
  {
    CairnSyncState state = cairn_sync_status_get_state (cairn_sync_engine_get_status (engine));

    g_assert_true (state == CAIRN_SYNC_STATE_OFFLINE || state == CAIRN_SYNC_STATE_NEEDS_SIGN_IN);
    cairn_test_spin (200);
    state = cairn_sync_status_get_state (cairn_sync_engine_get_status (engine));
    g_assert_true (state == CAIRN_SYNC_STATE_OFFLINE || state == CAIRN_SYNC_STATE_NEEDS_SIGN_IN);
  }
  g_free (saved);
  saved = saved_current_workspace (f);
  g_assert_cmpstr (saved, ==, f->bob_ws);
  g_assert_nonnull (find_open_button (GTK_WIDGET (f->dialog), "Local Workspace"));

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (20);
  g_clear_object (&f->workspace);
  g_clear_object (&f->settings);
  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_free (f->server);
  cairn_test_remove_dir (f->dir);
  cairn_test_remove_dir (f->bob_dir);
  g_free (f->dir);
  g_free (f->bob_dir);
  g_free (f->bob_ws);
}

/* The deleted flag of a task in store, or -1 without that task. */
static int
todo_deleted (CairnStore *store,
              const char *todo_id)
{
  sqlite3_stmt *stmt = NULL;
  int deleted = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT deleted FROM todos WHERE id = ?", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_TRANSIENT), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    deleted = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return deleted;
}

/* An Undo toast belongs to the workspace it was shown in. Opening another
 * one from the account dialog (signed out, from the workspaces on this
 * device) takes it away, and its button, pressed before it is gone, does
 * nothing (no "Could not undo"); reopening the same workspace (as after a
 * sign-in) keeps it, and its Undo still restores. */
static void
test_undo_toast_across_switch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnWorkspace) workspace = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-undo-XXXXXX", &error);
  g_autofree char *other_id = g_uuid_string_random ();
  g_autofree char *first_id = NULL;
  g_autofree char *list = NULL, *todo = NULL, *other_list = NULL;
  CairnWindow *window;
  CairnAccountDialog *dialog;
  CairnStore *store;
  CairnTestButtonQuery undo = { NULL, "_Undo", NULL };
  guint pending;

  g_assert_no_error (error);
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  workspace = cairn_workspace_new (profile);
  g_assert_true (cairn_workspace_open (workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  first_id = g_strdup (cairn_workspace_get_id (workspace));
  store = cairn_workspace_get_store (workspace);
  list = cairn_store_create_list (store, "Groceries", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (store, list, "Milk", NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CairnStore) other = cairn_profile_open_store (profile, other_id, &error);

    g_assert_no_error (error);
    other_list = cairn_store_create_list (other, "Elsewhere", &error);
    g_assert_no_error (error);
  }

  settings = cairn_test_settings_new ();
  window = cairn_window_new_for_workspace (NULL, settings, workspace);
  gtk_window_present (GTK_WINDOW (window));
  undo.root = GTK_WIDGET (window);

  /* Delete the task: its Undo toast shows. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-task", "s", todo);
  g_assert_true (cairn_test_wait_until (cairn_test_button_shown, &undo));

  /* Open the other workspace from the account dialog. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.accounts", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  cairn_test_spin (50);
  g_assert_nonnull (find_open_button (GTK_WIDGET (dialog), "Local Workspace"));
  g_signal_emit_by_name (find_open_button (GTK_WIDGET (dialog), "Local Workspace"), "clicked");
  g_assert_cmpstr (cairn_workspace_get_id (workspace), ==, other_id);
  store = cairn_workspace_get_store (workspace);
  pending = cairn_store_get_pending_count (store);

  /* The old toast is still there (nothing ran since the switch), but its
   * button does nothing now; then it goes. */
  g_assert_true (cairn_test_button_shown (&undo));
  g_signal_emit_by_name (undo.found, "clicked");
  g_assert_true (cairn_test_wait_until (cairn_test_button_gone, &undo));
  cairn_test_spin (100);
  g_assert_null (cairn_test_find_label (GTK_WIDGET (window), "Could not undo",
                                        CAIRN_TEST_LABEL_STARTS_WITH));
  g_assert_cmpuint (cairn_store_get_pending_count (store), ==, pending);
  {
    g_autoptr(CairnStore) first = cairn_profile_open_store (profile, first_id, &error);

    g_assert_no_error (error);
    g_assert_cmpint (todo_deleted (first, todo), ==, 1);
  }

  /* Reopening the same workspace (what a sign-in or sign-out does) keeps
   * its Undo toast working. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-list", "s", other_list);
  g_assert_true (cairn_test_wait_until (cairn_test_button_shown, &undo));
  g_assert_true (cairn_workspace_open (workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_workspace_get_id (workspace), ==, other_id);
  cairn_test_spin (100);
  g_assert_true (cairn_test_button_shown (&undo));
  g_signal_emit_by_name (undo.found, "clicked");
  {
    ListQuery back = { NULL, "Elsewhere" };
    Fixture f = { 0 };

    f.window = window;
    back.f = &f;
    g_assert_true (cairn_test_wait_until (list_shown, &back));
  }
  g_assert_null (cairn_test_find_label (GTK_WIDGET (window), "Could not undo",
                                        CAIRN_TEST_LABEL_STARTS_WITH));

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  g_clear_object (&workspace);
  cairn_test_remove_dir (dir);
}

typedef struct
{
  CairnWindow *window;
  const char  *name;
} SubtitleQuery;

static gboolean
subtitle_is (gpointer data)
{
  SubtitleQuery *q = data;
  Fixture f = { 0 };

  f.window = q->window;
  return g_strcmp0 (sidebar_subtitle (&f), q->name) == 0;
}

/* Opens the profile in dir as the app does, in a new window. */
static CairnWindow *
open_app (const char      *dir,
          GSettings       *settings,
          CairnWorkspace **out_workspace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = cairn_profile_open (dir, &error);
  CairnWindow *window;

  g_assert_no_error (error);
  *out_workspace = cairn_workspace_new (profile);
  g_assert_true (cairn_workspace_open (*out_workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  window = cairn_window_new_for_workspace (NULL, settings, *out_workspace);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* Signed in outside the app (cairn-cli login signs in through the same
 * engine call): the app names the synced workspace at once, not "Local
 * Workspace" until the account dialog is opened. A profile signed in
 * before names were kept at sign-in gets the name from the server. */
static void
test_name_after_cli_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-cli-login-XXXXXX", &error);
  g_autofree char *current = NULL;
  CairnTestServer *server = cairn_test_server_new ();
  CairnWorkspace *workspace = NULL;
  CairnWindow *window;

  g_assert_no_error (error);
  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", ANN_PASSWORD);
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (dir, &error);
    g_autoptr(CairnSyncEngine) engine = NULL;

    g_assert_no_error (error);
    engine = cairn_sync_engine_new (profile);
    cairn_test_engine_login (engine, server->base, "ann", ANN_PASSWORD, "cli");
  }

  window = open_app (dir, settings, &workspace);
  g_assert_cmpstr (cairn_workspace_get_name (workspace), ==, "ann");
  {
    SubtitleQuery q = { window, "ann" };
    g_assert_true (subtitle_is (&q));
  }
  current = g_strdup (cairn_workspace_get_id (workspace));
  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  g_clear_object (&workspace);

  /* Forget the name, as a profile signed in by an older build has none. */
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (dir, &error);

    g_assert_no_error (error);
    g_assert_true (cairn_profile_set_setting (profile, "workspace-names", current, NULL, &error));
    g_assert_no_error (error);
  }
  window = open_app (dir, settings, &workspace);
  {
    SubtitleQuery q = { window, "ann" };
    g_assert_true (cairn_test_wait_until (subtitle_is, &q));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  g_clear_object (&workspace);

  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_remove_dir (dir);
}

/* ---- Shared workspaces: create, invite, members, leave ------------------- */

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
workspace_dialog_shown (gpointer data)
{
  return find_toplevel (CAIRN_TYPE_WORKSPACE_DIALOG) != NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *title;
  const char *subtitle;
} MemberQuery;

static gboolean
is_member_row (GtkWidget     *widget,
               gconstpointer  data)
{
  const MemberQuery *q = data;

  return ADW_IS_ACTION_ROW (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), q->title) == 0 &&
         g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)), q->subtitle) == 0;
}

static gboolean
member_shown (gpointer data)
{
  MemberQuery *q = data;
  return cairn_test_find_first (q->root, is_member_row, q) != NULL;
}

static gboolean
member_gone (gpointer data)
{
  return !member_shown (data);
}

/* An icon button, found by its tooltip (also its accessible name). */
static gboolean
is_button_with_tooltip (GtkWidget     *widget,
                        gconstpointer  tooltip)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static GtkWidget *
find_icon_button (GtkWidget  *root,
                  const char *tooltip)
{
  return cairn_test_find_first (root, is_button_with_tooltip, tooltip);
}

static gboolean
workspace_dialog_idle (gpointer data)
{
  return !cairn_workspace_dialog_is_busy (data);
}

/* Types name into the dialog's entry row titled row_title and applies. */
static void
apply_entry (GtkWidget  *root,
             const char *row_title,
             const char *text)
{
  GtkWidget *row = cairn_test_find_widget (root, ADW_TYPE_ENTRY_ROW, row_title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static void
invite (CairnWorkspaceDialog *dialog,
        const char           *who)
{
  apply_entry (GTK_WIDGET (dialog), "User name to invite", who);
  g_assert_true (cairn_test_wait_until (workspace_dialog_idle, dialog));
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Ann creates "Family" from the account dialog, is told what is wrong with
 * a bad name or an unknown user, invites bob and sees him in it; bob, with
 * Family open, leaves it: his app opens his personal workspace first, and
 * the server no longer lists Family for him. Offline, inviting says so. */
static void
test_shared_workspace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-shared-ann-XXXXXX", &error);
  g_autofree char *bob_dir = g_dir_make_tmp ("cairn-ui-shared-bob-XXXXXX", &error);
  g_autofree char *family = NULL;
  g_autofree char *bob_personal = NULL;
  CairnTestServer *server = cairn_test_server_new ();
  CairnWorkspace *workspace = NULL;
  CairnWorkspace *bob = NULL;
  CairnWindow *window;
  CairnAccountDialog *account;
  CairnWorkspaceDialog *dialog;
  gboolean left = FALSE;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", ANN_PASSWORD);
  cairn_test_server_add_user (server, "bob", BOB_PASSWORD);
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (dir, &error);

    g_assert_no_error (error);
    workspace = cairn_workspace_new (profile);
    cairn_test_engine_login (cairn_workspace_get_engine (workspace), server->base, "ann",
                             ANN_PASSWORD, "desktop");
    g_assert_true (cairn_workspace_open (workspace, NULL, FALSE, &error));
    g_assert_no_error (error);
  }
  window = cairn_window_new_for_workspace (NULL, settings, workspace);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.accounts", NULL);
  account = find_dialog ();
  g_assert_nonnull (account);
  {
    Fixture f = { 0 };
    RowQuery q = { &f, "Personal — open now", FALSE };

    f.dialog = account;
    g_assert_true (cairn_test_wait_until (row_listed, &q));
  }

  /* A name of nothing but spaces is refused before anything is sent. */
  apply_entry (GTK_WIDGET (account), "Name", "   ");
  g_assert_nonnull (cairn_test_find_label (GTK_WIDGET (account), "A workspace needs a name",
                                           CAIRN_TEST_LABEL_STARTS_WITH));
  g_assert_null (find_toplevel (CAIRN_TYPE_WORKSPACE_DIALOG));

  /* Created: its members dialog opens, ann in it as its owner. */
  apply_entry (GTK_WIDGET (account), "Name", "Family");
  g_assert_true (cairn_test_wait_until (workspace_dialog_shown, NULL));
  dialog = CAIRN_WORKSPACE_DIALOG (find_toplevel (CAIRN_TYPE_WORKSPACE_DIALOG));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Family");
  {
    MemberQuery q = { GTK_WIDGET (dialog), "ann", "Owner (you)" };
    g_assert_true (cairn_test_wait_until (member_shown, &q));
  }
  /* The owner cannot leave; nothing offers it. */
  g_assert_null (cairn_test_find_mapped_button (GTK_WIDGET (dialog), "_Leave Workspace"));

  /* Bad input and the server's refusals, in the user's words. */
  invite (dialog, "Bad Name");
  g_assert_true (g_str_has_prefix (cairn_workspace_dialog_get_message (dialog),
                                   "“Bad Name” is not a user name"));
  invite (dialog, "nobody");
  g_assert_cmpstr (cairn_workspace_dialog_get_message (dialog), ==,
                   "There is no user named “nobody” on this server");
  invite (dialog, "bob");
  g_assert_cmpstr (cairn_workspace_dialog_get_message (dialog), ==, "bob can now use this workspace");
  {
    MemberQuery q = { GTK_WIDGET (dialog), "bob", "Member" };
    g_assert_true (cairn_test_wait_until (member_shown, &q));
    g_assert_nonnull (find_icon_button (GTK_WIDGET (dialog), "Remove bob"));
  }
  invite (dialog, "bob");
  g_assert_cmpstr (cairn_workspace_dialog_get_message (dialog), ==, "bob is a member already");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The account dialog lists it, with its members button. */
  {
    Fixture f = { 0 };
    RowQuery q = { &f, "Shared, yours", TRUE };

    f.dialog = account;
    g_assert_true (cairn_test_wait_until (row_listed, &q));
    g_assert_nonnull (find_icon_button (GTK_WIDGET (account), "Members of “Family”"));
  }

  /* Bob has Family open and leaves it. */
  {
    g_autoptr(CairnProfile) profile = cairn_profile_open (bob_dir, &error);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) listed = NULL;
    CairnSyncEngine *engine;

    g_assert_no_error (error);
    bob = cairn_workspace_new (profile);
    engine = cairn_workspace_get_engine (bob);
    cairn_test_engine_login (engine, server->base, "bob", BOB_PASSWORD, "bob-laptop");
    g_assert_true (cairn_workspace_open (bob, NULL, FALSE, &error));
    g_assert_no_error (error);
    bob_personal = g_strdup (cairn_workspace_get_id (bob));
    cairn_sync_engine_list_workspaces_async (engine, NULL, cairn_test_got_result, &result);
    listed = cairn_sync_engine_list_workspaces_finish (engine, cairn_test_wait_result (&result),
                                                       &error);
    g_assert_no_error (error);
    g_assert_cmpuint (listed->len, ==, 2);
    family = g_strdup (((CairnWorkspaceInfo *) listed->pdata[1])->id);
    g_assert_true (cairn_workspace_open (bob, family, FALSE, &error));
    g_assert_no_error (error);
    dialog = cairn_workspace_dialog_new (NULL, bob, listed->pdata[1], bob_personal);
  }
  g_signal_connect_swapped (dialog, "left", G_CALLBACK (set_flag), &left);
  gtk_window_present (GTK_WINDOW (dialog));
  {
    MemberQuery q = { GTK_WIDGET (dialog), "bob", "Member (you)" };
    g_assert_true (cairn_test_wait_until (member_shown, &q));
  }
  g_assert_false (gtk_widget_get_mapped (cairn_test_find_widget (GTK_WIDGET (dialog),
                                                                 ADW_TYPE_ENTRY_ROW,
                                                                 "User name to invite")));
  g_signal_emit_by_name (cairn_test_find_mapped_button (GTK_WIDGET (dialog), "_Leave Workspace"),
                         "clicked");
  {
    GtkWindow *confirm = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

    g_assert_nonnull (confirm);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "leave");
  }
  g_assert_true (cairn_test_wait_until (flag_set, &left));
  g_assert_cmpstr (cairn_workspace_get_id (bob), ==, bob_personal);
  {
    CairnSyncEngine *engine = cairn_workspace_get_engine (bob);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) listed = NULL;

    cairn_sync_engine_list_workspaces_async (engine, NULL, cairn_test_got_result, &result);
    listed = cairn_sync_engine_list_workspaces_finish (engine, cairn_test_wait_result (&result),
                                                       &error);
    g_assert_no_error (error);
    g_assert_cmpuint (listed->len, ==, 1);
    g_assert_true (cairn_sync_engine_is_signed_in (engine));
  }

  /* Ann's members dialog no longer lists bob; offline, inviting says so. */
  g_signal_emit_by_name (find_icon_button (GTK_WIDGET (account), "Members of “Family”"), "clicked");
  g_assert_true (cairn_test_wait_until (workspace_dialog_shown, NULL));
  dialog = CAIRN_WORKSPACE_DIALOG (find_toplevel (CAIRN_TYPE_WORKSPACE_DIALOG));
  {
    MemberQuery ann = { GTK_WIDGET (dialog), "ann", "Owner (you)" };
    MemberQuery gone = { GTK_WIDGET (dialog), "bob", "Member" };

    g_assert_true (cairn_test_wait_until (member_shown, &ann));
    g_assert_true (member_gone (&gone));
  }
  cairn_test_server_stop (server, FALSE);
  invite (dialog, "bob");
  g_assert_true (g_str_has_prefix (cairn_workspace_dialog_get_message (dialog),
                                   "Cannot reach the server"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (account));
  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  g_clear_object (&bob);
  g_clear_object (&workspace);
  cairn_test_server_free (server);
  cairn_test_remove_dir (dir);
  cairn_test_remove_dir (bob_dir);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui_for_sync (&argc, &argv);

  g_test_add_func ("/workspaces/switch", test_switch_workspace);
  g_test_add_func ("/workspaces/undo-toast", test_undo_toast_across_switch);
  g_test_add_func ("/workspaces/name-after-cli-login", test_name_after_cli_login);
  g_test_add_func ("/workspaces/shared-workspace", test_shared_workspace);

  return g_test_run ();
}
