/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync.c: the sync button follows the engine's states, and the
 * sign-in dialog, against a real cairn-server, reports a wrong password,
 * an unreachable server and missing fields inline, then signs in. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-account-dialog.h"
#include "cairn-profile.h"
#include "cairn-store-sync.h"
#include "cairn-sync-indicator.h"
#include "cairn-sync-status-private.h"
#include "cairn-test-server.h"
#include "cairn-tls-pin.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "cairn-workspace.h"

static void
test_indicator_follows_states (void)
{
  g_autoptr(CairnSyncStatus) status = cairn_sync_status_new ();
  GtkWidget *indicator = g_object_ref_sink (cairn_sync_indicator_new ());
  CairnSyncIndicator *ind = CAIRN_SYNC_INDICATOR (indicator);
  GtkWidget *sync_now;
  const struct { CairnSyncState state; const char *icon; const char *summary; } cases[] = {
    { CAIRN_SYNC_STATE_CONNECTING, "network-transmit-receive-symbolic", "Sync: Connecting" },
    { CAIRN_SYNC_STATE_SYNCING, "emblem-synchronizing-symbolic", "Sync: Syncing" },
    { CAIRN_SYNC_STATE_UP_TO_DATE, "emblem-ok-symbolic", "Sync: Up to date" },
    { CAIRN_SYNC_STATE_NEEDS_SIGN_IN, "dialog-password-symbolic", "Sync: Sign in to sync" },
    { CAIRN_SYNC_STATE_OFFLINE, "network-offline-symbolic", "Sync: Offline" },
  };

  cairn_sync_indicator_set_status (ind, status);
  /* No account: offline, and the popover offers only signing in. */
  g_assert_cmpstr (cairn_sync_indicator_get_icon_name (ind), ==, "network-offline-symbolic");
  g_assert_cmpstr (cairn_sync_indicator_get_summary (ind), ==, "Sync: Not syncing: no account");
  sync_now = cairn_test_find_widget (indicator, GTK_TYPE_BUTTON, "Sync _Now");
  g_assert_nonnull (sync_now);
  g_assert_false (gtk_widget_get_visible (sync_now));

  /* Signed in, but the open workspace is only on this device: not synced. */
  _cairn_sync_status_set_account (status, "https://cairn.example", "ann", NULL);
  g_assert_cmpstr (cairn_sync_indicator_get_summary (ind), ==,
                   "Sync: Not syncing: this workspace is only on this device");
  g_assert_false (gtk_widget_get_visible (sync_now));

  _cairn_sync_status_set_account (status, "https://cairn.example", "ann",
                                  "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  g_assert_true (gtk_widget_get_visible (sync_now));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      _cairn_sync_status_set_state (status, cases[i].state, NULL);
      g_assert_cmpstr (cairn_sync_indicator_get_icon_name (ind), ==, cases[i].icon);
      g_assert_cmpstr (cairn_sync_indicator_get_summary (ind), ==, cases[i].summary);
    }

  _cairn_sync_status_set_state (status, CAIRN_SYNC_STATE_ERROR, "Disk full on the server");
  g_assert_cmpstr (cairn_sync_indicator_get_icon_name (ind), ==, "dialog-warning-symbolic");
  g_assert_cmpstr (cairn_sync_indicator_get_summary (ind), ==, "Sync: Disk full on the server");

  /* Pending changes are counted in the popover. */
  _cairn_sync_status_set_pending_count (status, 3);
  g_assert_nonnull (cairn_test_find_widget (indicator, GTK_TYPE_LABEL,
                                            "3 changes not yet on the server"));

  g_object_unref (indicator);
}

typedef struct
{
  CairnTestServer *server;
  char            *dir;
  CairnProfile    *profile;
  CairnSyncEngine *engine;
  CairnAccountDialog *dialog;
  CairnStore      *store;
  gboolean         signed_in;
} SignIn;

static gboolean
not_busy (gpointer data)
{
  return !cairn_account_dialog_is_busy (data);
}

static void
on_signed_in (CairnAccountDialog *dialog,
              SignIn             *s)
{
  s->signed_in = TRUE;
}

static void
try_sign_in (SignIn     *s,
             const char *server,
             const char *user,
             const char *password)
{
  GtkWidget *root = GTK_WIDGET (s->dialog);
  GtkWidget *button;

  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_ENTRY_ROW,
                                                               "Server Address")), server);
  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_ENTRY_ROW,
                                                               "Username")), user);
  gtk_editable_set_text (GTK_EDITABLE (cairn_test_find_widget (root, ADW_TYPE_PASSWORD_ENTRY_ROW,
                                                               "Password")), password);
  button = cairn_test_find_widget (root, GTK_TYPE_BUTTON, "_Sign In");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (cairn_test_wait_until (not_busy, s->dialog));
}

/* A new profile, its engine and the account dialog on it, shown (the
 * server is started). */
static void
sign_in_open (SignIn *s)
{
  g_autoptr(GError) error = NULL;

  s->dir = g_dir_make_tmp ("cairn-ui-sync-XXXXXX", &error);
  g_assert_no_error (error);
  s->profile = cairn_profile_open (s->dir, &error);
  g_assert_no_error (error);
  s->engine = cairn_sync_engine_new (s->profile);
  s->dialog = cairn_account_dialog_new (NULL, s->engine);
  g_signal_connect (s->dialog, "signed-in", G_CALLBACK (on_signed_in), s);
  gtk_window_present (GTK_WINDOW (s->dialog));
}

/* The dialog closed, everything freed, the server stopped. */
static void
sign_in_close (SignIn *s)
{
  gtk_window_destroy (GTK_WINDOW (s->dialog));
  cairn_test_spin (20);
  g_clear_object (&s->engine);
  g_clear_object (&s->store);
  g_clear_object (&s->profile);
  cairn_test_server_stop (s->server, FALSE);
  cairn_test_server_free (s->server);
  cairn_test_remove_dir (s->dir);
  g_free (s->dir);
}

static gboolean
has_workspace_row (gpointer data)
{
  return cairn_test_find_widget (data, ADW_TYPE_ACTION_ROW, NULL) != NULL;
}

static void
share_with (SignIn     *s,
            const char *user)
{
  GtkWidget *row = cairn_test_find_widget (GTK_WIDGET (s->dialog), ADW_TYPE_ENTRY_ROW,
                                           "Username to share with");

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), user);
  g_signal_emit_by_name (row, "apply");
  g_assert_true (cairn_test_wait_until (not_busy, s->dialog));
}

/* The text under the share row. */
static const char *
share_result (SignIn *s)
{
  GtkWidget *row = cairn_test_find_widget (GTK_WIDGET (s->dialog), ADW_TYPE_ENTRY_ROW,
                                           "Username to share with");
  GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);
  GtkWidget *label = gtk_widget_get_next_sibling (group);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
test_sign_in_dialog (void)
{
  g_autoptr(GError) error = NULL;
  SignIn s = { 0 };

  s.server = cairn_test_server_new ();
  cairn_test_server_start (s.server, NULL);
  cairn_test_server_add_user (s.server, "ann", "correct horse battery");

  sign_in_open (&s);

  /* Missing fields are caught before any network work. */
  try_sign_in (&s, s.server->base, "ann", "");
  g_assert_cmpstr (cairn_account_dialog_get_error (s.dialog), ==,
                   "Enter the server address, your username and your password");
  try_sign_in (&s, "cairn.example", "ann", "x");
  g_assert_cmpstr (cairn_account_dialog_get_error (s.dialog), ==,
                   "The server address starts with https:// (or http://)");

  try_sign_in (&s, s.server->base, "ann", "wrong password");
  g_assert_cmpstr (cairn_account_dialog_get_error (s.dialog), ==, "Wrong username or password");
  g_assert_false (s.signed_in);
  g_assert_false (cairn_sync_engine_is_signed_in (s.engine));

  /* Port 1 on loopback: nothing listens there. */
  try_sign_in (&s, "http://127.0.0.1:1", "ann", "correct horse battery");
  g_assert_true (g_str_has_prefix (cairn_account_dialog_get_error (s.dialog),
                                   "Cannot reach the server"));
  g_assert_false (s.signed_in);

  try_sign_in (&s, s.server->base, "ann", "correct horse battery");
  g_assert_null (cairn_account_dialog_get_error (s.dialog));
  g_assert_true (s.signed_in);
  g_assert_true (cairn_sync_engine_is_signed_in (s.engine));

  /* As the app does after signing in: sync the profile's current workspace. */
  {
    g_autofree char *ws = cairn_profile_dup_current_workspace (s.profile, &error);
    g_assert_no_error (error);
    s.store = cairn_profile_open_store (s.profile, ws, &error);
    g_assert_no_error (error);
    cairn_sync_engine_set_store (s.engine, s.store, ws);
  }

  /* Signed in: the workspaces are listed, and this one can be shared. */
  g_assert_true (cairn_test_wait_until (has_workspace_row, s.dialog));
  cairn_test_server_add_user (s.server, "bob", "another fine password");
  share_with (&s, "nobody");
  g_assert_cmpstr (share_result (&s), ==, "There is no user named “nobody” on this server");
  share_with (&s, "bob");
  g_assert_cmpstr (share_result (&s), ==, "Shared with bob");

  sign_in_close (&s);
}

/* The open "Trust This Server's Certificate?" dialog, or NULL. */
static AdwMessageDialog *
find_trust_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)),
                     "Trust This Server's Certificate?") == 0)
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
has_trust_dialog (gpointer data)
{
  return find_trust_dialog () != NULL;
}

static gboolean
is_signed_in (gpointer data)
{
  SignIn *s = data;
  return s->signed_in && !cairn_account_dialog_is_busy (s->dialog);
}

/* A self-hosted server with a self-signed certificate: signing in asks
 * whether to trust it, showing its fingerprint; Cancel leaves the person
 * signed out, Trust Certificate signs in with it. */
static void
test_sign_in_trusts_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *cert = NULL, *key = NULL, *fingerprint = NULL, *shown = NULL;
  AdwMessageDialog *dialog;
  SignIn s = { 0 };

  s.server = cairn_test_server_new ();
  if (!cairn_test_make_certificate (s.server->dir, "server", &cert, &key))
    {
      g_test_skip ("openssl is not installed; cannot make a test certificate");
      cairn_test_server_free (s.server);
      return;
    }
  certificate = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  fingerprint = cairn_tls_fingerprint (certificate);
  shown = cairn_tls_fingerprint_display (fingerprint);
  cairn_test_server_add_user (s.server, "ann", "correct horse battery");
  {
    const char * const args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    cairn_test_server_start_full (s.server, NULL, args);
  }

  sign_in_open (&s);

  /* Asked, with the fingerprint; Cancel: still signed out. */
  try_sign_in (&s, s.server->base, "ann", "correct horse battery");
  g_assert_true (g_str_has_prefix (cairn_account_dialog_get_error (s.dialog),
                                   "The server's certificate is not trusted"));
  g_assert_true (cairn_test_wait_until (has_trust_dialog, NULL));
  dialog = find_trust_dialog ();
  /* In four lines of 8 bytes. */
  shown[23] = shown[47] = shown[71] = '\n';
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), shown));
  adw_message_dialog_response (dialog, "cancel");
  cairn_test_spin (5);
  g_assert_false (s.signed_in);
  g_assert_false (cairn_sync_engine_is_signed_in (s.engine));

  /* Asked again; Trust Certificate: signed in, the certificate kept. */
  try_sign_in (&s, s.server->base, "ann", "correct horse battery");
  g_assert_true (cairn_test_wait_until (has_trust_dialog, NULL));
  adw_message_dialog_response (find_trust_dialog (), "trust");
  g_assert_true (cairn_test_wait_until (is_signed_in, &s));
  g_assert_null (cairn_account_dialog_get_error (s.dialog));
  g_assert_true (cairn_sync_engine_is_signed_in (s.engine));
  g_assert_cmpstr (cairn_sync_engine_get_certificate (s.engine), ==, fingerprint);
  g_assert_true (cairn_test_wait_until (has_workspace_row, s.dialog));

  /* The server gets a new key at the same address: the dialog, opened
   * again, asks about the new certificate, and trusting it lists the
   * workspaces through it. */
  gtk_window_destroy (GTK_WINDOW (s.dialog));
  cairn_test_spin (20);
  {
    g_autofree char *listen = g_strdup_printf ("127.0.0.1:%s", strrchr (s.server->base, ':') + 1);
    g_autofree char *new_cert = NULL, *new_key = NULL, *new_fingerprint = NULL;
    g_autoptr(GTlsCertificate) renewed = NULL;

    g_assert_true (cairn_test_make_certificate (s.server->dir, "renewed", &new_cert, &new_key));
    renewed = g_tls_certificate_new_from_file (new_cert, &error);
    g_assert_no_error (error);
    new_fingerprint = cairn_tls_fingerprint (renewed);
    cairn_test_server_stop (s.server, FALSE);
    {
      const char * const args[] = { "--listen", listen, "--tls-cert", new_cert, "--tls-key", new_key,
                                    NULL };
      cairn_test_server_start_full (s.server, NULL, args);
    }
    s.dialog = cairn_account_dialog_new (NULL, s.engine);
    gtk_window_present (GTK_WINDOW (s.dialog));
    g_assert_true (cairn_test_wait_until (has_trust_dialog, NULL));
    g_clear_pointer (&shown, g_free);
    shown = cairn_tls_fingerprint_display (new_fingerprint);
    shown[23] = shown[47] = shown[71] = '\n';
    g_assert_nonnull (strstr (adw_message_dialog_get_body (find_trust_dialog ()), shown));
    adw_message_dialog_response (find_trust_dialog (), "trust");
    g_assert_true (cairn_test_wait_until (has_workspace_row, s.dialog));
    g_assert_cmpstr (cairn_sync_engine_get_certificate (s.engine), ==, new_fingerprint);
  }

  sign_in_close (&s);
}

static void
test_conflict_toast (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-conflict-XXXXXX", &error);
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnSyncEngine) engine = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func (g_object_unref);
  CairnWindow *window;
  CairnTestLabelQuery q = { NULL, NULL, CAIRN_TEST_LABEL_CONTAINS };

  g_assert_no_error (error);
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  store = cairn_profile_open_store (profile, NULL, &error);
  g_assert_no_error (error);
  pool = cairn_pool_new (store);
  engine = cairn_sync_engine_new (profile);
  window = g_object_new (CAIRN_TYPE_WINDOW,
                         "settings", settings, "pool", pool, "sync-engine", engine,
                         NULL);
  gtk_window_present (GTK_WINDOW (window));

  /* The engine reports that another device renamed our task. */
  g_ptr_array_add (conflicts, cairn_conflict_new (1, "todo", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                                                  "title", "Buy milk", "Buy oat milk",
                                                  "laptop", 7, 0));
  _cairn_sync_status_set_conflicts (cairn_sync_engine_get_status (engine), conflicts);

  q.root = GTK_WIDGET (window);
  q.text = "The title of “Buy milk” was changed to “Buy oat milk” on laptop";
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &q));

  /* Moved under another task: named by the titles, not the ids. */
  {
    g_autofree char *list = cairn_store_create_list (store, "Home", &error);
    g_autofree char *shopping = cairn_store_create_todo (store, list, "Shopping", NULL, NULL, &error);
    g_autofree char *eggs = cairn_store_create_todo (store, list, "Eggs", NULL, NULL, &error);

    g_assert_no_error (error);
    /* one report at a time: the overlay shows one toast, and a report
     * that is gone takes its toast along */
    g_ptr_array_set_size (conflicts, 0);
    g_ptr_array_add (conflicts, cairn_conflict_new (2, "todo", eggs, "parent", "", shopping,
                                                    "laptop", 8, 0));
    _cairn_sync_status_set_conflicts (cairn_sync_engine_get_status (engine), conflicts);
    q.text = "“Eggs” was moved under “Shopping” on laptop";
    g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &q));
    g_ptr_array_set_size (conflicts, 0);
    g_ptr_array_add (conflicts, cairn_conflict_new (3, "todo", shopping, "parent", eggs, "",
                                                    NULL, 9, 0));
    _cairn_sync_status_set_conflicts (cairn_sync_engine_get_status (engine), conflicts);
    q.text = "“Shopping” was moved to the top level on another device";
    g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &q));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}


/* ---- Keep Mine and Sync Now, clicked, against a real server -------------- */

static gboolean
nothing_pending (gpointer data)
{
  return cairn_sync_status_get_pending_count (data) == 0 &&
         cairn_sync_status_get_state (data) == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static gboolean
has_conflict (gpointer data)
{
  return g_list_model_get_n_items (cairn_sync_status_get_conflicts (data)) > 0;
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Opens the sync popover until button (inside it) is mapped. Under load
 * the popover takes more than a few frames to map, and a popover closes
 * at once while its window is not the active one (on a display shared
 * with other tests): present the window and ask again. */
static void
popup_until_mapped (CairnWindow *window,
                    GtkWidget   *menu_button,
                    GtkWidget   *button)
{
  for (guint i = 0; i < 4 && !gtk_widget_get_mapped (button); i++)
    {
      gtk_window_present (GTK_WINDOW (window));
      gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
      cairn_test_wait_until (widget_is_mapped, button);
    }
  g_assert_true (gtk_widget_get_mapped (button));
}

/* Opens the sync popover and clicks Sync Now, as the user does. */
static void
click_sync_now (CairnWindow *window)
{
  GtkWidget *indicator = cairn_test_find_widget (GTK_WIDGET (window), CAIRN_TYPE_SYNC_INDICATOR, NULL);
  GtkWidget *menu_button = cairn_test_find_widget (indicator, GTK_TYPE_MENU_BUTTON, NULL);
  GtkWidget *sync_now = cairn_test_find_widget (indicator, GTK_TYPE_BUTTON, "Sync _Now");

  g_assert_nonnull (menu_button);
  g_assert_nonnull (sync_now);
  popup_until_mapped (window, menu_button, sync_now);
  g_assert_true (gtk_widget_is_sensitive (sync_now));
  g_signal_emit_by_name (sync_now, "clicked");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
}

static char *
todo_title (CairnStore *store,
            const char *id)
{
  /* A fresh pool reads what the database holds now. */
  g_autoptr(CairnPool) pool = cairn_pool_new (store);
  CairnTodo *todo = cairn_pool_lookup_todo (pool, id);

  g_assert_nonnull (todo);
  return g_strdup (cairn_todo_get_title (todo));
}

static void
test_keep_mine_and_sync_now (void)
{
  g_autoptr(GError) error = NULL;
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir_a = NULL;
  g_autofree char *dir_b = NULL;
  g_autoptr(CairnProfile) profile_a = NULL;
  g_autoptr(CairnProfile) profile_b = NULL;
  g_autoptr(CairnWorkspace) workspace = NULL;
  g_autoptr(CairnSyncEngine) engine_b = NULL;
  g_autoptr(CairnStore) store_b = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  g_autofree char *ws = NULL;
  g_autofree char *list = NULL;
  g_autofree char *todo = NULL;
  g_autofree char *title = NULL;
  CairnSyncEngine *engine_a;
  CairnSyncStatus *status_a;
  CairnStore *store_a;
  CairnWindow *window;
  CairnTestLabelQuery toast_text = { NULL, NULL, CAIRN_TEST_LABEL_CONTAINS };
  CairnTestButtonQuery keep_mine = { NULL };

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", "correct horse battery");

  /* Device A: the app, signed in; only Sync Now syncs (the engine is not
   * left running, so what syncs is the click). */
  dir_a = g_dir_make_tmp ("cairn-ui-keep-a-XXXXXX", &error);
  g_assert_no_error (error);
  profile_a = cairn_profile_open (dir_a, &error);
  g_assert_no_error (error);
  workspace = cairn_workspace_new (profile_a);
  engine_a = cairn_workspace_get_engine (workspace);
  status_a = cairn_sync_engine_get_status (engine_a);
  cairn_test_engine_login (engine_a, server->base, "ann", "correct horse battery", "desktop");
  g_assert_true (cairn_workspace_open (workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  cairn_sync_engine_stop (engine_a);
  store_a = cairn_workspace_get_store (workspace);
  window = cairn_window_new_for_workspace (NULL, settings, workspace);
  gtk_window_present (GTK_WINDOW (window));

  list = cairn_store_create_list (store_a, "Home", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (store_a, list, "milk", NULL, NULL, &error);
  g_assert_no_error (error);
  /* the Inbox, made as the workspace opened, the list, the todo */
  g_assert_cmpuint (cairn_sync_status_get_pending_count (status_a), ==, 3);
  click_sync_now (window);
  g_assert_true (cairn_test_wait_until (nothing_pending, status_a));

  /* Device B ("laptop"), the same account: gets the task through the server. */
  dir_b = g_dir_make_tmp ("cairn-ui-keep-b-XXXXXX", &error);
  g_assert_no_error (error);
  profile_b = cairn_profile_open (dir_b, &error);
  g_assert_no_error (error);
  engine_b = cairn_sync_engine_new (profile_b);
  cairn_test_engine_login (engine_b, server->base, "ann", "correct horse battery", "laptop");
  ws = cairn_profile_dup_current_workspace (profile_b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ws, ==, cairn_workspace_get_id (workspace));
  store_b = cairn_profile_open_store (profile_b, ws, &error);
  g_assert_no_error (error);
  cairn_sync_engine_set_store (engine_b, store_b, ws);
  cairn_test_engine_sync (engine_b);
  title = todo_title (store_b, todo);
  g_assert_cmpstr (title, ==, "milk");

  /* A renames and syncs; B renames later and syncs; A's next Sync Now
   * brings B's title over A's: a conflict report on A. */
  g_assert_true (cairn_store_rename_todo (store_a, todo, "oat milk", &error));
  click_sync_now (window);
  g_assert_true (cairn_test_wait_until (nothing_pending, status_a));
  g_assert_true (cairn_store_rename_todo (store_b, todo, "soy milk", &error));
  cairn_test_engine_sync (engine_b);
  click_sync_now (window);
  g_assert_true (cairn_test_wait_until (has_conflict, status_a));
  g_free (title);
  title = todo_title (store_a, todo);
  g_assert_cmpstr (title, ==, "soy milk");

  toast_text.root = GTK_WIDGET (window);
  toast_text.text = "The title of “oat milk” was changed to “soy milk” on laptop";
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast_text));

  /* Keep Mine on the toast: our title is back, as a new event, and the
   * report and its toast are gone. */
  keep_mine.root = GTK_WIDGET (window);
  keep_mine.text = "_Keep Mine";
  g_assert_true (cairn_test_wait_until (cairn_test_button_shown, &keep_mine));
  g_signal_emit_by_name (keep_mine.found, "clicked");
  g_free (title);
  title = todo_title (store_a, todo);
  g_assert_cmpstr (title, ==, "oat milk");
  g_assert_cmpuint (cairn_store_get_pending_count (store_a), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (cairn_sync_status_get_conflicts (status_a)), ==, 0);
  {
    g_autoptr(GPtrArray) left = cairn_store_list_conflicts (store_a, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (left->len, ==, 0);
  }
  g_assert_true (cairn_test_wait_until (cairn_test_button_gone, &keep_mine));

  /* Sync Now sends it; the other device gets our title back. */
  g_assert_cmpuint (cairn_sync_status_get_pending_count (status_a), ==, 1);
  click_sync_now (window);
  g_assert_true (cairn_test_wait_until (nothing_pending, status_a));
  cairn_test_engine_sync (engine_b);
  g_free (title);
  title = todo_title (store_b, todo);
  g_assert_cmpstr (title, ==, "oat milk");
  g_assert_false (has_conflict (status_a));

  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  cairn_sync_engine_set_store (engine_b, NULL, NULL);
  g_clear_object (&workspace);
  g_clear_object (&engine_b);
  g_clear_object (&store_b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_remove_dir (dir_a);
  cairn_test_remove_dir (dir_b);
}

static gboolean
is_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

static gboolean
has_next_retry (gpointer status)
{
  return cairn_sync_status_get_next_retry (status) > 0;
}

/* Sync Now with the server down: the person hears that it could not
 * connect, and when it tries again, in a toast and in the popover. */
static void
test_sync_now_server_down (void)
{
  g_autoptr(GError) error = NULL;
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnWorkspace) workspace = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnSyncEngine *engine;
  CairnWindow *window;
  CairnTestLabelQuery toast_text = { NULL, NULL, CAIRN_TEST_LABEL_STARTS_WITH };
  CairnSyncStatus *status;
  const char *summary;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", "correct horse battery");
  dir = g_dir_make_tmp ("cairn-ui-down-XXXXXX", &error);
  g_assert_no_error (error);
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  workspace = cairn_workspace_new (profile);
  engine = cairn_workspace_get_engine (workspace);
  status = cairn_sync_engine_get_status (engine);
  cairn_test_engine_login (engine, server->base, "ann", "correct horse battery", "desktop");
  g_assert_true (cairn_workspace_open (workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  window = cairn_window_new_for_workspace (NULL, settings, workspace);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (nothing_pending, status));
  cairn_test_server_stop (server, FALSE);

  /* The engine runs: it lost the server and has its next try set. */
  g_assert_true (cairn_test_wait_until (has_next_retry, status));
  click_sync_now (window);
  toast_text.root = GTK_WIDGET (window);
  toast_text.text = "Could not connect to the server. Changes are kept on this device; trying again at ";
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast_text));
  /* Not the technical words of the error. */
  g_assert_null (cairn_test_find_label (GTK_WIDGET (window), "Connection refused",
                                        CAIRN_TEST_LABEL_CONTAINS));
  /* The popover says it too. */
  summary = cairn_sync_indicator_get_summary (CAIRN_SYNC_INDICATOR (
              cairn_test_find_widget (GTK_WIDGET (window), CAIRN_TYPE_SYNC_INDICATOR, NULL)));
  g_assert_true (g_str_has_prefix (summary, "Sync: Offline, trying again at "));

  /* The account dialog, opened from the popover, is not under it. */
  {
    GtkWidget *indicator = cairn_test_find_widget (GTK_WIDGET (window), CAIRN_TYPE_SYNC_INDICATOR, NULL);
    GtkWidget *menu_button = cairn_test_find_widget (indicator, GTK_TYPE_MENU_BUTTON, NULL);
    GtkWidget *account = cairn_test_find_widget (indicator, GTK_TYPE_BUTTON, "_Account…");
    GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button));
    g_autoptr(GList) toplevels = NULL;
    CairnAccountDialog *dialog = NULL;

    popup_until_mapped (window, menu_button, account);
    g_signal_emit_by_name (account, "clicked");
    g_assert_true (cairn_test_wait_until (is_hidden, popover));
    toplevels = gtk_window_list_toplevels ();
    for (GList *l = toplevels; l != NULL; l = l->next)
      if (CAIRN_IS_ACCOUNT_DIALOG (l->data))
        dialog = l->data;
    g_assert_nonnull (dialog);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  g_clear_object (&workspace);
  cairn_test_server_free (server);
  cairn_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui_for_sync (&argc, &argv);

  g_test_add_func ("/sync/indicator-follows-states", test_indicator_follows_states);
  g_test_add_func ("/sync/sign-in-dialog", test_sign_in_dialog);
  g_test_add_func ("/sync/sign-in-trusts-certificate", test_sign_in_trusts_certificate);
  g_test_add_func ("/sync/conflict-toast", test_conflict_toast);
  g_test_add_func ("/sync/keep-mine-and-sync-now", test_keep_mine_and_sync_now);
  g_test_add_func ("/sync/sync-now-server-down", test_sync_now_server_down);

  return g_test_run ();
}
