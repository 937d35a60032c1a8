/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-text.c: cairn-cli's commands on note bodies and todos' notes
 * (the text CRDT). */
#include "config.h"

#include <string.h>
#include <stdio.h>

#include "cairn-cli-private.h"
#include "cairn-position.h"

static gboolean
parse_count (CairnCli    *cli,
             const char  *what,
             const char  *arg,
             gsize       *out)
{
  guint64 v;
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (arg, 10, 0, G_MAXUINT32, &v, &error))
    {
      cairn_cli_usage (cli, "%s “%s” is not a number of characters (0 or more)", what, arg);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* Whether @id is a note's or (no note has it) a todo's: the text the
 * note-* commands work on. Ids are unique per kind only, so a note wins
 * the (unlikely) tie. NULL with @error when neither has it. */
static JsonNode *
read_text_owner (CairnStore  *store,
                 const char  *id,
                 gboolean    *is_todo,
                 GError     **error)
{
  g_autoptr(GError) not_note = NULL;
  JsonNode *row;

  *is_todo = FALSE;
  row = cairn_store_read_object (store, CAIRN_OBJECT_NOTE, id, NULL, &not_note);
  if (row != NULL || !g_error_matches (not_note, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    {
      if (row == NULL)
        g_propagate_error (error, g_steal_pointer (&not_note));
      return row;
    }
  row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, id, NULL, NULL);
  if (row == NULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No note or todo with id %s", id);
      return NULL;
    }
  *is_todo = TRUE;
  return row;
}

/* Prints the note's body (plain) or {"id","title","body","length"}; for a
 * todo, its notes, under "notes" in JSON. */
static int
show_note (CairnCli   *cli,
           CairnStore *store,
           const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  JsonObject *note;
  gboolean is_todo;
  const char *member;

  if (!cairn_is_object_id (id))
    return cairn_cli_failf (cli, "“%s” is not a note or todo id", id);
  row = read_text_owner (store, id, &is_todo, &error);
  if (row == NULL)
    return cairn_cli_fail (cli, error);
  note = json_node_get_object (row);
  member = is_todo ? "notes" : "body";
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      const char *body = json_object_get_string_member (note, member);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, json_object_get_string_member (note, "title"));
      json_builder_set_member_name (b, member);
      json_builder_add_string_value (b, body);
      json_builder_set_member_name (b, "length");
      json_builder_add_int_value (b, g_utf8_strlen (body, -1));
      json_builder_set_member_name (b, "deleted");
      json_builder_add_boolean_value (b, json_object_get_boolean_member (note, "deleted"));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      cairn_cli_print_json (cli, node);
    }
  else
    g_print ("%s\n", json_object_get_string_member (note, member));
  return CAIRN_CLI_OK;
}

/* Loads the body, lets @edit change it, commits the ops as one event. */
static int
edit_body (CairnCli   *cli,
           const char *id,
           gsize       pos,
           gsize       len,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) body = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(JsonNode) owner = NULL;
  CairnStore *store;
  gboolean is_todo = FALSE;

  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (!cairn_is_object_id (id))
    return cairn_cli_failf (cli, "“%s” is not a note or todo id", id);
  if ((owner = read_text_owner (store, id, &is_todo, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  body = is_todo ? cairn_store_load_todo_notes (store, id, &error)
                 : cairn_store_load_note_text (store, id, &error);
  if (body == NULL)
    return cairn_cli_fail (cli, error);
  if (text != NULL)
    {
      if (!cairn_text_insert (body, pos, text, -1, ops, &error))
        return cairn_cli_fail (cli, error);
    }
  else if (!cairn_text_delete (body, pos, len, ops, &error))
    return cairn_cli_fail (cli, error);
  if (!(is_todo ? cairn_store_edit_todo_notes (store, id, ops, &error)
                : cairn_store_edit_note (store, id, ops, &error)))
    return cairn_cli_fail (cli, error);
  return show_note (cli, store, id);
}

/* The text of note-insert --file: a file, or standard input for "-". */
static char *
read_text_file (const char  *path,
                GError     **error)
{
  char *contents = NULL;
  gsize length = 0;

  if (g_strcmp0 (path, "-") == 0)
    {
      GString *in = g_string_new (NULL);
      char buf[65536];
      gsize n;

      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
        g_string_append_len (in, buf, n);
      if (ferror (stdin))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Cannot read the text from standard input");
          g_string_free (in, TRUE);
          return NULL;
        }
      length = in->len;
      contents = g_string_free (in, FALSE);
    }
  else if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (memchr (contents, '\0', length) != NULL || !g_utf8_validate_len (contents, length, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The text in “%s” is not UTF-8 text", path);
      g_free (contents);
      return NULL;
    }
  return contents;
}

static int
cmd_note_insert (CairnCli  *cli,
                 int        argc,
                 char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  const char *file = NULL;
  CairnCliOption options[] = {
    { "--file", TRUE, &file },
    { NULL }
  };
  const char *args[3] = { NULL, NULL, NULL };
  gsize pos;

  if (!cairn_cli_parse (cli, argc, argv, options, 2, 3, args) ||
      !parse_count (cli, "Position", args[1], &pos))
    return CAIRN_CLI_USAGE;
  /* The text as an argument, or (too large for an argument: the kernel
   * takes at most 128 KiB in one) from a file. */
  if ((file == NULL) == (args[2] == NULL))
    return cairn_cli_usage (cli, "give either TEXT or --file PATH");
  if (file != NULL && (contents = read_text_file (file, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  return edit_body (cli, args[0], pos, 0, file != NULL ? contents : args[2]);
}

static int
cmd_note_delete (CairnCli  *cli,
                 int        argc,
                 char     **argv)
{
  const char *args[3];
  gsize pos, len;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 3, 3, args) ||
      !parse_count (cli, "Position", args[1], &pos) ||
      !parse_count (cli, "Length", args[2], &len))
    return CAIRN_CLI_USAGE;
  return edit_body (cli, args[0], pos, len, NULL);
}

static int
cmd_note_show (CairnCli  *cli,
               int        argc,
               char     **argv)
{
  g_autoptr(GError) error = NULL;
  const char *args[1];
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  return show_note (cli, store, args[0]);
}

const CairnCliCommand cairn_cli_text_commands[] = {
  { "note-insert", "ID POS TEXT | ID POS --file PATH",
    "Insert TEXT (or the text of PATH, - for standard input) into a note's body (or a todo's notes) before character POS (from 0)",
    cmd_note_insert },
  { "note-delete", "ID POS LEN",  "Delete LEN characters of a note's body (or a todo's notes) from character POS", cmd_note_delete },
  { "note-show",   "ID",          "Print a note's body (or a todo's notes)", cmd_note_show },
  { NULL }
};
