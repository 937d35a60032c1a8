/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the main window and Preferences with the real widgets:
 * size and last page restored, preferences bound to the settings, toasts
 * dismissed as they appear. */
#include "config.h"

#include "cairn-preferences-window.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"

static gboolean
window_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
test_window_restores_and_saves_size (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window;
  int width = 0, height = 0;

  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);

  window = cairn_window_new (NULL, settings, NULL);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (window_is_mapped, window));

  /* The user resizes, then closes: the next window opens at that size. */
  gtk_window_set_default_size (GTK_WINDOW (window), 820, 610);
  gtk_window_close (GTK_WINDOW (window));
  cairn_test_spin (50);

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

static void
test_window_restores_notes_page (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window;
  GtkWidget *notes_listbox;
  GtkListBoxRow *selected;

  g_settings_set_string (settings, "last-selected", "notes");
  window = cairn_window_new (NULL, settings, NULL);
  g_assert_cmpstr (cairn_window_get_selected (window), ==, "notes");

  notes_listbox = cairn_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX,
                                          "notes_listbox");
  g_assert_nonnull (notes_listbox);
  selected = gtk_list_box_get_selected_row (GTK_LIST_BOX (notes_listbox));
  g_assert_nonnull (selected);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_show_completed_follows_settings (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window = cairn_window_new (NULL, settings, NULL);
  gboolean show = TRUE;

  g_settings_set_boolean (settings, "show-completed", FALSE);
  g_object_get (window, "show-completed", &show, NULL);
  g_assert_false (show);

  /* The menu's toggle (win.show-completed) writes the setting back. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-completed", NULL);
  g_assert_true (g_settings_get_boolean (settings, "show-completed"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_bound_to_settings (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnPreferencesWindow *prefs = cairn_preferences_window_new (NULL, settings);
  GtkWidget *show_switch;
  GtkWidget *dark_check;
  GtkWidget *light_check;

  show_switch = cairn_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_SWITCH,
                                        "show_completed_switch");
  dark_check = cairn_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_CHECK_BUTTON,
                                       "dark_check");
  light_check = cairn_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_CHECK_BUTTON,
                                        "light_check");
  g_assert_nonnull (show_switch);
  g_assert_nonnull (dark_check);
  g_assert_nonnull (light_check);

  g_assert_true (gtk_switch_get_active (GTK_SWITCH (show_switch)));
  gtk_switch_set_active (GTK_SWITCH (show_switch), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "show-completed"));

  g_settings_set_string (settings, "color-scheme", "dark");
  cairn_test_spin (20);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (dark_check)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (light_check)));

  /* Choosing a style in the window writes the setting. */
  gtk_widget_activate (light_check);
  cairn_test_spin (20);
  {
    g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
    g_assert_cmpstr (scheme, ==, "light");
  }

  /* Log compaction (issue 17): off by default, the switch writes it. */
  {
    GtkWidget *compact_switch = cairn_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_SWITCH,
                                                        "compact_log_switch");

    g_assert_nonnull (compact_switch);
    g_assert_false (g_settings_get_boolean (settings, "compact-log"));
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (compact_switch)));
    gtk_switch_set_active (GTK_SWITCH (compact_switch), TRUE);
    g_assert_true (g_settings_get_boolean (settings, "compact-log"));
  }

  gtk_window_destroy (GTK_WINDOW (prefs));
}

static gboolean
toast_shown (gpointer data)
{
  const char **q = data;
  GtkWidget *label = cairn_test_find_widget (GTK_WIDGET (q[0]), GTK_TYPE_LABEL, q[1]);

  return label != NULL && gtk_widget_get_mapped (label);
}

static gboolean
toast_gone (gpointer data)
{
  return !toast_shown (data);
}

/* libadwaita 1.2 frees a toast's bookkeeping when its hide animation ends,
 * even if its show animation (500 ms when it replaces a toast that is
 * still leaving) is still running; the end of that one then writes into
 * freed memory. A toast dismissed as it appears (its button clicked at
 * once, Escape) must neither crash the app nor stay. */
static void
test_window_toast_dismissed_as_it_appears (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window = cairn_window_new (NULL, settings, NULL);
  AdwToast *first = adw_toast_new ("First toast");
  AdwToast *second = adw_toast_new ("Second toast");
  const char *first_q[] = { (const char *) window, "First toast" };
  const char *second_q[] = { (const char *) window, "Second toast" };

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (window_is_mapped, window));

  adw_toast_set_timeout (first, 0);
  adw_toast_set_timeout (second, 0);
  adw_toast_set_button_label (second, "_Act");
  g_object_ref (second);
  cairn_window_add_toast (window, first);
  g_assert_true (cairn_test_wait_until (toast_shown, first_q));
  cairn_test_spin (800);

  /* The first leaves; the second replaces it and is dismissed at once. */
  adw_toast_dismiss (first);
  cairn_window_add_toast (window, second);
  g_assert_true (toast_shown (second_q));
  adw_toast_dismiss (second);

  /* It stays until its show animation is over, then goes by itself. */
  cairn_test_spin (100);
  g_assert_true (toast_shown (second_q));
  g_assert_true (cairn_test_wait_until (toast_gone, second_q));
  g_assert_true (cairn_test_wait_until (toast_gone, first_q));
  cairn_test_spin (1000);
  g_object_unref (second);

  /* Dismissed as it appears, and the window closed right away. */
  second = adw_toast_new ("Second toast");
  cairn_window_add_toast (window, second);
  adw_toast_dismiss (second);
  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (1000);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

  g_test_add_func ("/window/restores-and-saves-size", test_window_restores_and_saves_size);
  g_test_add_func ("/window/restores-notes-page", test_window_restores_notes_page);
  g_test_add_func ("/window/show-completed-follows-settings", test_window_show_completed_follows_settings);
  g_test_add_func ("/window/toast-dismissed-as-it-appears", test_window_toast_dismissed_as_it_appears);
  g_test_add_func ("/preferences/bound-to-settings", test_preferences_bound_to_settings);

  return g_test_run ();
}
