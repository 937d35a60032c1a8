/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui-test.c: helpers shared by the UI tests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "cairn-todo-row.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-test-util.h"

GSettings *
cairn_test_settings_new (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("CAIRN_BUILD_ROOT"), "app", NULL);
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GError) error = NULL;

  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  g_assert_no_error (error);
  schema = g_settings_schema_source_lookup (source, "org.cairn.Cairn", FALSE);
  g_assert_nonnull (schema);

  return g_settings_new_full (schema, backend, NULL);
}

gboolean
cairn_test_wait_until (gboolean (*predicate) (gpointer data),
                       gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!predicate (data))
    {
      if (g_get_monotonic_time () > deadline)
        return predicate (data);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

void
cairn_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  if (GTK_IS_EDITABLE (widget))
    return gtk_editable_get_text (GTK_EDITABLE (widget));
  return NULL;
}

GtkWidget *
cairn_test_find_first (GtkWidget     *root,
                       gboolean     (*match) (GtkWidget *widget, gconstpointer data),
                       gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = cairn_test_find_first (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GType       type;
  const char *name;
} WidgetQuery;

static gboolean
widget_matches (GtkWidget     *widget,
                gconstpointer  data)
{
  const WidgetQuery *q = data;

  return G_TYPE_CHECK_INSTANCE_TYPE (widget, q->type) &&
         (q->name == NULL ||
          g_strcmp0 (widget_text (widget), q->name) == 0 ||
          g_strcmp0 (gtk_widget_get_name (widget), q->name) == 0 ||
          g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), q->name) == 0);
}

GtkWidget *
cairn_test_find_widget (GtkWidget  *root,
                        GType       type,
                        const char *name)
{
  WidgetQuery q = { type, name };

  return cairn_test_find_first (root, widget_matches, &q);
}

void
cairn_test_engine_login (CairnSyncEngine *engine,
                         const char      *server_url,
                         const char      *username,
                         const char      *password,
                         const char      *device)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cairn_sync_engine_login_async (engine, server_url, username, password, device, NULL,
                                 cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

void
cairn_test_engine_sync (CairnSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cairn_sync_engine_sync_async (engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

void
cairn_test_remove_dir (const char *dir)
{
  g_autofree char *quoted = g_shell_quote (dir);
  g_autofree char *cmd = g_strdup_printf ("rm -rf %s", quoted);

  g_assert_cmpint (system (cmd), ==, 0);
}

static gboolean
is_mapped_button (GtkWidget     *widget,
                  gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

GtkWidget *
cairn_test_find_mapped_button (GtkWidget  *root,
                               const char *label)
{
  return cairn_test_find_first (root, is_mapped_button, label);
}

/* Runs a query with find; whether it found something. */
static gboolean
query_shown (CairnTestWidgetQuery *q,
             GtkWidget          *(*find) (GtkWidget *root, const char *text))
{
  q->found = find (q->root, q->text);
  return q->found != NULL;
}

gboolean
cairn_test_button_shown (gpointer query)
{
  return query_shown (query, cairn_test_find_mapped_button);
}

gboolean
cairn_test_button_gone (gpointer query)
{
  return !cairn_test_button_shown (query);
}

static gboolean
label_matches (const char          *label,
               const char          *text,
               CairnTestLabelMatch  match)
{
  switch (match)
    {
    case CAIRN_TEST_LABEL_CONTAINS:
      return strstr (label, text) != NULL;
    case CAIRN_TEST_LABEL_IS:
      return g_strcmp0 (label, text) == 0;
    case CAIRN_TEST_LABEL_STARTS_WITH:
      return g_str_has_prefix (label, text);
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  const char          *text;
  CairnTestLabelMatch  match;
} LabelQuery;

static gboolean
is_mapped_label (GtkWidget     *widget,
                 gconstpointer  data)
{
  const LabelQuery *q = data;

  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         label_matches (gtk_label_get_label (GTK_LABEL (widget)), q->text, q->match);
}

GtkWidget *
cairn_test_find_label (GtkWidget           *root,
                       const char          *text,
                       CairnTestLabelMatch  match)
{
  LabelQuery q = { text, match };

  return cairn_test_find_first (root, is_mapped_label, &q);
}

gboolean
cairn_test_label_shown (gpointer query)
{
  CairnTestLabelQuery *q = query;

  return cairn_test_find_label (q->root, q->text, q->match) != NULL;
}

gboolean
cairn_test_label_gone (gpointer query)
{
  return !cairn_test_label_shown (query);
}

static gboolean
is_todo_row_titled (GtkWidget     *widget,
                    gconstpointer  title)
{
  GtkWidget *entry;

  if (!CAIRN_IS_TODO_ROW (widget) || !gtk_widget_get_mapped (widget) ||
      cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget)) == NULL)
    return FALSE;
  /* A row makes its widgets when it is first laid out on screen. */
  entry = cairn_test_find_widget (widget, GTK_TYPE_ENTRY, "title_entry");
  return entry != NULL && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (entry)), title) == 0;
}

GtkWidget *
cairn_test_find_todo_row (GtkWidget  *root,
                          const char *title)
{
  return cairn_test_find_first (root, is_todo_row_titled, title);
}

gboolean
cairn_test_todo_row_shown (gpointer query)
{
  return query_shown (query, cairn_test_find_todo_row);
}

gboolean
cairn_test_todo_row_gone (gpointer query)
{
  return !cairn_test_todo_row_shown (query);
}

GtkWidget *
cairn_test_wait_for_todo_row (GtkWidget  *root,
                              const char *title)
{
  CairnTestRowQuery q = { root, title, NULL };

  if (!cairn_test_wait_until (cairn_test_todo_row_shown, &q))
    g_error ("no task row shows “%s”", title);
  return q.found;
}

void
cairn_test_wait_for_no_todo_row (GtkWidget  *root,
                                 const char *title)
{
  CairnTestRowQuery q = { root, title, NULL };

  if (!cairn_test_wait_until (cairn_test_todo_row_gone, &q))
    g_error ("a task row still shows “%s”", title);
}

static GLogWriterOutput
focus_out_filter (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr (fields[i].value, "did not receive a focus-out event") != NULL)
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
cairn_test_drop_focus_out_warning (void)
{
  g_log_set_writer_func (focus_out_filter, NULL, NULL);
}

void
cairn_test_init_ui (int    *argc,
                    char ***argv)
{
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  cairn_ui_init ();
}

void
cairn_test_init_ui_for_sync (int    *argc,
                             char ***argv)
{
  cairn_test_init_ui (argc, argv);
  cairn_test_drop_focus_out_warning ();
}
