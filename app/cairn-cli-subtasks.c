/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-subtasks.c: cairn-cli's commands that show one todo: its
 * subtasks, and every field of it (`details`). */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include "cairn-cli-private.h"

/* The todo as the store gives it, deleted or not; NULL after printing why. */
static JsonObject *
read_todo (CairnCli   *cli,
           const char *id,
           int        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  CairnStore *store;

  *status = CAIRN_CLI_OK;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    {
      *status = cairn_cli_fail (cli, error);
      return NULL;
    }
  row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, id, NULL, &error);
  if (row == NULL)
    {
      if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        *status = cairn_cli_failf (cli, "no todo with id %s", id);
      else
        *status = cairn_cli_fail (cli, error);
      return NULL;
    }
  return json_object_ref (json_node_get_object (row));
}

/* The live subtasks of id in position order, as store rows. */
static GPtrArray *
read_subtasks (CairnCli    *cli,
               const char  *id,
               GError     **error)
{
  CairnStore *store = cairn_cli_get_store (cli, error);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  if (store == NULL || (ids = cairn_store_list_subtasks (store, id, error)) == NULL)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(JsonNode) row = cairn_store_read_object (store, CAIRN_OBJECT_TODO,
                                                         ids->pdata[i], NULL, error);
      if (row == NULL)
        return NULL;
      g_ptr_array_add (rows, json_object_ref (json_node_get_object (row)));
    }
  return g_steal_pointer (&rows);
}

static const char *
member_or_null (JsonObject *row,
                const char *name)
{
  return json_object_get_string_member_with_default (row, name, NULL);
}

static void
print_line (JsonObject *row,
            const char *indent)
{
  const char *due = member_or_null (row, "due");

  g_print ("%s[%c] %s  %s%s%s\n", indent,
           json_object_get_boolean_member (row, "done") ? 'x' : ' ',
           member_or_null (row, "id"), member_or_null (row, "title"),
           due != NULL ? "  due " : "", due != NULL ? due : "");
}

static JsonNode *
rows_to_json (GPtrArray *rows)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; i < rows->len; i++)
    json_array_add_object_element (array, json_object_ref (rows->pdata[i]));
  return json_node_init_array (json_node_alloc (), array);
}

static guint
count_open (GPtrArray *rows)
{
  guint open = 0;

  for (guint i = 0; i < rows->len; i++)
    open += !json_object_get_boolean_member (rows->pdata[i], "done");
  return open;
}

static int
cmd_subtasks (CairnCli  *cli,
              int        argc,
              char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) todo = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const char *args[1];
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((todo = read_todo (cli, args[0], &status)) == NULL)
    return status;
  if ((rows = read_subtasks (cli, args[0], &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = rows_to_json (rows);

      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }
  for (guint i = 0; i < rows->len; i++)
    print_line (rows->pdata[i], "");
  return CAIRN_CLI_OK;
}

/* The fields `details` prints, in order: a new field of a todo is one row
 * here (the JSON form is the store's row, so it has them all anyway). */
typedef enum { FIELD_TEXT, FIELD_FLAG, FIELD_MOMENT, FIELD_NAMES } FieldKind;

static const struct
{
  const char *label;
  const char *member;   /* in cairn_store_read_object()'s row */
  FieldKind   kind;
} fields[] = {
  { "id",       "id",        FIELD_TEXT },
  { "title",    "title",     FIELD_TEXT },
  { "list",     "list_id",   FIELD_TEXT },
  { "parent",   "parent_id", FIELD_TEXT },
  { "done",     "done",      FIELD_FLAG },
  { "due",      "due",       FIELD_TEXT },
  { "due time", "due_time",  FIELD_TEXT },
  { "reminder", "reminder",  FIELD_MOMENT },
  { "dismissed", "reminder_dismissed", FIELD_FLAG },
  { "repeat",   "repeat",    FIELD_TEXT },
  { "priority", "priority",  FIELD_TEXT },
  { "tags",     "tags",      FIELD_NAMES },
  { "deleted",  "deleted",   FIELD_FLAG },
  { "deleted with", "gone_with", FIELD_TEXT },
  { "position", "position",  FIELD_TEXT },
};

/* An array of names as "#Errands #Shop", "-" for none. */
static char *
names_of (JsonObject *object,
          const char *member)
{
  JsonArray *names = json_object_has_member (object, member)
                     ? json_object_get_array_member (object, member) : NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    g_string_append_printf (out, "%s#%s", i > 0 ? " " : "", json_array_get_string_element (names, i));
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : g_strdup ("-");
}

/* The task notes last, as they may take many lines: each indented, so
 * that no line of them passes for a field. */
static void
print_notes (const char *notes)
{
  g_auto(GStrv) lines = NULL;

  if (notes == NULL || *notes == '\0')
    {
      g_print ("%-13s %s\n", "notes", "-");
      return;
    }
  g_print ("%-13s %ld characters\n", "notes", g_utf8_strlen (notes, -1));
  lines = g_strsplit (notes, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_print ("  %s\n", lines[i]);
}

static int
cmd_details (CairnCli  *cli,
             int        argc,
             char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) todo = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) occurrences = NULL;
  const char *args[1];
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((todo = read_todo (cli, args[0], &status)) == NULL)
    return status;
  if ((rows = read_subtasks (cli, args[0], &error)) == NULL)
    return cairn_cli_fail (cli, error);
  /* a repeating todo's completed occurrences (cairn-cli-times.c) */
  if ((occurrences = cairn_store_list_occurrences (cairn_cli_get_store (cli, NULL), args[0],
                                                   &error)) == NULL)
    return cairn_cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonArray) dates = json_array_new ();

      for (guint i = 0; i < occurrences->len; i++)
        json_array_add_string_element (dates, occurrences->pdata[i]);
      json_object_set_array_member (todo, "occurrences", g_steal_pointer (&dates));

      json_object_set_member (todo, "subtasks", rows_to_json (rows));
      json_object_set_int_member (todo, "open_subtasks", count_open (rows));
      root = json_node_init_object (json_node_alloc (), todo);
      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *value;

      g_autofree char *shown = NULL;

      if (fields[i].kind == FIELD_FLAG)
        value = json_object_get_boolean_member (todo, fields[i].member) ? "yes" : "no";
      else if (fields[i].kind == FIELD_NAMES)
        value = shown = names_of (todo, fields[i].member);
      else if ((value = member_or_null (todo, fields[i].member)) == NULL)
        value = "-";
      else if (fields[i].kind == FIELD_MOMENT)
        value = shown = cairn_cli_format_moment (value);
      g_print ("%-13s %s\n", fields[i].label, value);
    }
  if (occurrences->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (occurrences, NULL);
      joined = g_strjoinv (" ", (char **) occurrences->pdata);
      g_print ("%-13s %s\n", "completed on", joined);
    }
  /* Completing a todo leaves its subtasks as they are: say how many are
   * still open, so that nobody takes a done parent for a done subtree. */
  g_print ("%-13s %u (%u open)\n", "subtasks", rows->len, count_open (rows));
  for (guint i = 0; i < rows->len; i++)
    print_line (rows->pdata[i], "  ");
  print_notes (member_or_null (todo, "notes"));
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_subtask_commands[] = {
  { "subtasks", "ID", "Show a todo's subtasks (live ones, in order)", cmd_subtasks },
  { "details",  "ID", "Show every field of a todo, and its subtasks", cmd_details },
  { NULL }
};
