/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-cli.c: the real cairn-server and several cairn-cli profiles.
 *
 * Devices edit offline and sync in different orders and must end with
 * identical `state --json`; one conflict report on the losing side only;
 * kill -9 of the server mid-push and of a client mid-sync lose and
 * duplicate nothing; a server restored from an older copy of its data
 * folder makes no device lose anything; a revoked sign-in keeps local
 * changes and sends them after signing in again.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "cairn-test-server.h"
#include "pg-test-util.h"
#include "cairn-test-util.h"

#define PASSWORD "ann-password-1"

typedef struct
{
  CairnTestServer *server;
  char            *dir;
  char            *cli;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = cairn_test_server_new ();
  cairn_test_server_start (f->server, NULL);
  cairn_test_server_add_user (f->server, "ann", PASSWORD);
  cairn_test_server_add_user (f->server, "bob", "bob-password-1");
  f->dir = g_dir_make_tmp ("cairn-sync-test-XXXXXX", NULL);
  f->cli = g_build_filename (g_getenv ("CAIRN_BUILD_ROOT"), "app", "cairn-cli", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_free (f->server);
  cairn_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->cli);
}

static GSubprocessLauncher *
cli_launcher (Fixture *f)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  return l;
}

static GSubprocess *
cli_spawn (Fixture     *f,
           const char  *profile,
           const char **args)
{
  g_autoptr(GSubprocessLauncher) l = cli_launcher (f);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (argv, g_strdup (f->cli));
  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_build_filename (f->dir, profile, NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

/* The arguments of ap up to NULL, as a NULL-terminated array. */
static GPtrArray *
collect_args (va_list ap)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *arg;

  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  g_ptr_array_add (args, NULL);
  return args;
}

/* Runs cairn-cli to the end with input on stdin; returns its exit status,
 * stdout and stderr. */
static int
cli_communicate (Fixture     *f,
                 const char  *profile,
                 const char  *input,
                 GPtrArray   *args,
                 char       **stdout_buf,
                 char       **stderr_buf)
{
  g_autoptr(GSubprocess) proc = cli_spawn (f, profile, (const char **) args->pdata);
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (proc, input, NULL, stdout_buf, stderr_buf, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

/* Runs cairn-cli; returns its exit status and, if wanted, stdout. */
static int
cli_run (Fixture     *f,
         const char  *profile,
         const char  *input,
         char       **out,
         char       **err,
         ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *stdout_buf = NULL;
  g_autofree char *stderr_buf = NULL;
  va_list ap;
  int status;

  va_start (ap, err);
  args = collect_args (ap);
  va_end (ap);

  status = cli_communicate (f, profile, input, args, &stdout_buf, &stderr_buf);
  if (out)
    *out = g_steal_pointer (&stdout_buf);
  if (err)
    *err = g_steal_pointer (&stderr_buf);
  else if (status != 0)
    g_test_message ("cairn-cli %s: %s", (char *) args->pdata[0], stderr_buf);
  return status;
}

/* cairn-cli that must succeed; returns stdout without the final newline. */
static char *
cli_ok (Fixture    *f,
        const char *profile,
        ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *stdout_buf = NULL;
  g_autofree char *stderr_buf = NULL;
  va_list ap;

  va_start (ap, profile);
  args = collect_args (ap);
  va_end (ap);

  if (cli_communicate (f, profile, NULL, args, &stdout_buf, &stderr_buf) != 0)
    g_error ("cairn-cli --profile %s %s failed: %s", profile, (char *) args->pdata[0], stderr_buf);
  g_strchomp (stdout_buf);
  return g_steal_pointer (&stdout_buf);
}

static void
login (Fixture    *f,
       const char *profile,
       const char *user,
       const char *password)
{
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  g_autofree char *err = NULL;
  int status = cli_run (f, profile, input, NULL, &err, "login", f->server->base, user,
                        "--device", profile, NULL);

  if (status != 0)
    g_error ("login %s failed: %s", profile, err);
}

static void
sync_ok (Fixture    *f,
         const char *profile)
{
  g_free (cli_ok (f, profile, "sync", "--timeout", "60", NULL));
}

static char *
state (Fixture    *f,
       const char *profile)
{
  return cli_ok (f, profile, "--json", "state", NULL);
}

/* The state of profile p, asserted to be q's too. */
static char *
same_state (Fixture    *f,
            const char *p,
            const char *q)
{
  char *sp = state (f, p);
  g_autofree char *sq = state (f, q);

  g_assert_cmpstr (sp, ==, sq);
  return sp;
}

/* a and b sign in as ann; a makes a list called title and both sync:
 * returns the list's id. */
static char *
share_new_list (Fixture    *f,
                const char *title)
{
  char *list;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", title, NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");
  return list;
}

static JsonNode *
json_of (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static guint
count_json_array (const char *text)
{
  g_autoptr(JsonNode) node = json_of (text);
  return json_array_get_length (json_node_get_array (node));
}

/* A workspace nobody wrote in has only its Inbox. */
static void
assert_only_inbox (const char *lists_json)
{
  g_assert_cmpuint (count_json_array (lists_json), ==, 1);
  g_assert_nonnull (strstr (lists_json, "\"id\":\"00000000-0000-8000-8000-000000000001\""));
}

/* The server's whole log for the user's personal workspace: checks every
 * client's events are there once, in order, with no gap; returns how many
 * events the log has. */
static guint
check_server_log (Fixture *f)
{
  g_autofree char *token = cairn_test_login (f->server, "ann", PASSWORD, "checker");
  g_autofree char *ws = cairn_test_personal_ws (f->server, token);
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 after = 0;
  guint n = 0;

  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=%" G_GINT64_FORMAT
                                               "&limit=1000", ws, after);
      guint status = 0;
      g_autoptr(JsonNode) node = cairn_test_http (f->server, NULL, "GET", path, token, NULL, 0, &status);
      g_autoptr(GError) error = NULL;
      g_autoptr(CairnPullReply) page = NULL;

      g_assert_cmpuint (status, ==, 200);
      page = cairn_protocol_decode_pull_reply (node, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->events->len; i++)
        {
          CairnWireEvent *w = g_ptr_array_index (page->events, i);
          gint64 prev = GPOINTER_TO_SIZE (g_hash_table_lookup (last, w->client_id));

          g_assert_cmpint (w->seq, ==, (gint64) n + 1);
          /* Exactly once and in order: each client's next event is the
           * next client_seq. */
          g_assert_cmpint (w->client_seq, ==, prev + 1);
          g_hash_table_replace (last, g_strdup (w->client_id), GSIZE_TO_POINTER (w->client_seq));
          n++;
        }
      if (!page->more)
        break;
      after = n;
    }
  return n;
}

static char *
first_id (const char *json_text)
{
  g_autoptr(JsonNode) node = json_of (json_text);
  JsonArray *a = json_node_get_array (node);

  g_assert_cmpuint (json_array_get_length (a), >, 0);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (a, 0), "id"));
}

static guint
pending_of (Fixture    *f,
            const char *profile)
{
  g_autofree char *out = cli_ok (f, profile, "--json", "status", NULL);
  g_autoptr(JsonNode) node = json_of (out);

  return (guint) json_object_get_int_member (json_node_get_object (node), "pending");
}

/* ---- tests --------------------------------------------------------------- */

static void
test_two_devices_converge (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *list = NULL, *list2 = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
  g_autofree char *sa = NULL, *sb = NULL;
  g_autofree char *todos = NULL, *note = NULL, *body_a = NULL, *body_b = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);

  list = cli_ok (f, "a", "list-add", "Home", NULL);
  list2 = cli_ok (f, "a", "list-add", "Work", NULL);
  t1 = cli_ok (f, "a", "add", list, "milk", NULL);
  t2 = cli_ok (f, "a", "add", list, "bread", NULL);
  t3 = cli_ok (f, "a", "add", list, "eggs", NULL);
  t4 = cli_ok (f, "a", "add", list2, "report", NULL);
  note = cli_ok (f, "a", "note-add", "Plan", NULL);
  g_free (cli_ok (f, "a", "note-insert", note, "0", "Hello world", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");

  /* Both type in the same note body at the same time. */
  g_free (cli_ok (f, "a", "note-insert", note, "5", ", dear", NULL));
  g_free (cli_ok (f, "b", "note-insert", note, "11", "!", NULL));
  g_free (cli_ok (f, "b", "note-delete", note, "0", "1", NULL));
  g_free (cli_ok (f, "b", "note-insert", note, "0", "J", NULL));

  /* Both offline: renames, completes, moves, deletes, new items. */
  g_free (cli_ok (f, "a", "rename", t1, "oat milk", NULL));
  g_free (cli_ok (f, "a", "done", t2, NULL));
  g_free (cli_ok (f, "a", "move", t3, "--list", list2, NULL));
  g_free (cli_ok (f, "a", "note-add", "Ideas", NULL));
  g_free (cli_ok (f, "b", "rm", t4, NULL));
  g_free (cli_ok (f, "b", "move", t2, "--before", t1, NULL));
  g_free (cli_ok (f, "b", "due", t1, "2026-12-24", NULL));
  g_free (cli_ok (f, "b", "add", list, "butter", NULL));
  g_free (cli_ok (f, "b", "list-rename", list2, "Office", NULL));
  g_free (cli_ok (f, "b", "undone", t2, NULL));

  /* b first, then a, then b again. */
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  g_assert_nonnull (strstr (sa, "oat milk"));
  g_assert_nonnull (strstr (sa, "butter"));
  g_assert_nonnull (strstr (sa, "Office"));
  g_assert_nonnull (strstr (sa, "2026-12-24"));
  g_assert_nonnull (strstr (sa, "Ideas"));
  body_a = cli_ok (f, "a", "note-show", note, NULL);
  body_b = cli_ok (f, "b", "note-show", note, NULL);
  g_assert_cmpstr (body_a, ==, body_b);
  g_assert_nonnull (strstr (body_a, "Jello, dear world!"));
  g_assert_cmpuint (check_server_log (f), ==, 22 + 2);   /* + each device's Inbox */

  /* A third device that signs in later catches up to the same state. */
  login (f, "c", "ann", PASSWORD);
  sync_ok (f, "c");
  g_free (sb);
  sb = state (f, "c");
  g_assert_cmpstr (sa, ==, sb);
  todos = cli_ok (f, "c", "--json", "todos", list, "--all", NULL);
  g_assert_nonnull (strstr (todos, "butter"));
}

static char *
details_field (Fixture    *f,
               const char *profile,
               const char *id,
               const char *member)
{
  g_autofree char *out = cli_ok (f, profile, "--json", "details", id, NULL);
  g_autoptr(JsonNode) node = json_of (out);
  JsonObject *o = json_node_get_object (node);

  if (json_object_get_null_member (o, member))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (json_object_get_member (o, member)) &&
      json_node_get_value_type (json_object_get_member (o, member)) == G_TYPE_BOOLEAN)
    return g_strdup (json_object_get_boolean_member (o, member) ? "true" : "false");
  return g_strdup (json_object_get_string_member (o, member));
}

/* Subtasks through the real server: two devices put A under B and B under
 * A while offline (the later one in server order is a no-op everywhere);
 * one deletes a parent while the other adds a subtask under it (deleted
 * with it, back with it); a move to another list carries the subtree. */
static void
test_subtasks (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *home = NULL, *work = NULL, *a = NULL, *b = NULL, *p = NULL, *late = NULL;
  g_autofree char *sa = NULL, *sb = NULL, *v = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  home = cli_ok (f, "a", "list-add", "Home", NULL);
  work = cli_ok (f, "a", "list-add", "Work", NULL);
  a = cli_ok (f, "a", "add", home, "A", NULL);
  b = cli_ok (f, "a", "add", home, "B", NULL);
  p = cli_ok (f, "a", "add", home, "Parent", NULL);
  g_free (cli_ok (f, "a", "add", home, "Child", "--parent", p, NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");

  /* offline: a puts A under B, b puts B under A; a deletes Parent, b adds
   * a subtask under it */
  g_free (cli_ok (f, "a", "move", a, "--parent", b, NULL));
  g_free (cli_ok (f, "b", "move", b, "--parent", a, NULL));
  g_free (cli_ok (f, "a", "rm", p, NULL));
  late = cli_ok (f, "b", "add", home, "Late", "--parent", p, NULL);

  sync_ok (f, "a");   /* a's events come first in the server's order */
  sync_ok (f, "b");
  sync_ok (f, "a");
  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);

  v = details_field (f, "b", a, "parent_id");
  g_assert_cmpstr (v, ==, b);
  g_clear_pointer (&v, g_free);
  v = details_field (f, "b", b, "parent_id");
  g_assert_null (v);
  v = details_field (f, "b", late, "gone_with");
  g_assert_cmpstr (v, ==, p);
  g_clear_pointer (&v, g_free);

  /* restore on b brings the late subtask back on a */
  g_free (cli_ok (f, "b", "restore", p, NULL));
  /* a moves B (with A under it) to Work */
  g_free (cli_ok (f, "a", "move", b, "--list", work, NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (sa);
  g_free (sb);
  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  v = details_field (f, "a", late, "deleted");
  g_assert_cmpstr (v, ==, "false");
  g_clear_pointer (&v, g_free);
  v = details_field (f, "a", a, "list_id");
  g_assert_cmpstr (v, ==, work);
  g_clear_pointer (&v, g_free);
  g_free (cli_ok (f, "a", "rebuild", NULL));
  g_free (sb);
  sb = state (f, "a");
  g_assert_cmpstr (sa, ==, sb);
}

/* Due times, reminders and repeats through the real server: both devices
 * complete the same occurrence of a repeating todo offline (exactly one
 * next occurrence, the completed one once in the history); a reminder
 * dismissed on one device is dismissed on the other. */
static void
test_times (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *home = NULL, *t = NULL, *sa = NULL, *sb = NULL, *v = NULL, *out = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  home = cli_ok (f, "a", "list-add", "Home", NULL);
  t = cli_ok (f, "a", "add", home, "Water the plants", "--due", "2026-12-07T18:00", NULL);
  g_free (cli_ok (f, "a", "repeat", t, "daily", "--every", "3", NULL));
  g_free (cli_ok (f, "a", "remind", t, "2026-12-07T17:45+01:00", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");

  /* offline: both complete the 7th; a also dismisses the reminder */
  g_free (cli_ok (f, "a", "done", t, NULL));
  g_free (cli_ok (f, "b", "done", t, NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");
  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  v = details_field (f, "a", t, "due");
  g_assert_cmpstr (v, ==, "2026-12-10");
  g_clear_pointer (&v, g_free);
  v = details_field (f, "b", t, "reminder");
  g_assert_cmpstr (v, ==, "2026-12-10T17:45+01:00");
  g_clear_pointer (&v, g_free);
  out = cli_ok (f, "b", "--json", "details", t, NULL);
  g_assert_nonnull (strstr (out, "\"occurrences\":[\"2026-12-07\"]"));
  g_assert_nonnull (strstr (out, "\"done\":false"));

  g_free (cli_ok (f, "a", "remind", t, "--dismiss", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");
  v = details_field (f, "b", t, "reminder_dismissed");
  g_assert_cmpstr (v, ==, "true");
  g_free (cli_ok (f, "b", "rebuild", NULL));
  g_free (sb);
  g_free (sa);
  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
}

static void
test_long_offline (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *list = NULL;
  g_autofree char *sa = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  list = share_new_list (f, "Trip");

  /* b is away for a long time: hundreds of changes pile up. */
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *title = g_strdup_printf ("item %u", i);
      g_ptr_array_add (ids, cli_ok (f, "b", "add", list, title, NULL));
    }
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *title = g_strdup_printf ("item %u!", i);
      g_free (cli_ok (f, "b", i % 2 ? "done" : "rename", ids->pdata[i], i % 2 ? NULL : title, NULL));
    }
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *title = g_strdup_printf ("meanwhile %u", i);
      g_free (cli_ok (f, "a", "add", list, title, NULL));
    }
  sync_ok (f, "a");
  g_assert_cmpuint (pending_of (f, "b"), ==, 240);

  sync_ok (f, "b");
  sync_ok (f, "a");
  g_assert_cmpuint (pending_of (f, "b"), ==, 0);
  sa = same_state (f, "a", "b");
  g_assert_cmpuint (check_server_log (f), ==, 1 + 240 + 20 + 2);   /* + each device's Inbox */
}

static void
test_one_conflict_on_losing_side (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *list = NULL, *todo = NULL;
  g_autofree char *ca = NULL, *cb = NULL, *sa = NULL, *sb = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *c;
  g_autofree char *id = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  todo = cli_ok (f, "a", "add", list, "milk", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");

  g_free (cli_ok (f, "a", "rename", todo, "oat milk", NULL));
  g_free (cli_ok (f, "b", "rename", todo, "soy milk", NULL));
  sync_ok (f, "a");   /* a's rename gets the earlier seq ... */
  sync_ok (f, "b");   /* ... b's comes after it and wins */
  sync_ok (f, "a");

  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  g_assert_nonnull (strstr (sa, "soy milk"));

  ca = cli_ok (f, "a", "--json", "conflicts", NULL);
  cb = cli_ok (f, "b", "--json", "conflicts", NULL);
  g_assert_cmpuint (count_json_array (ca), ==, 1);
  g_assert_cmpuint (count_json_array (cb), ==, 0);
  node = json_of (ca);
  c = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpstr (json_object_get_string_member (c, "object_id"), ==, todo);
  g_assert_cmpstr (json_object_get_string_member (c, "field"), ==, "title");
  g_assert_cmpstr (json_object_get_string_member (c, "ours"), ==, "oat milk");
  g_assert_cmpstr (json_object_get_string_member (c, "theirs"), ==, "soy milk");
  g_assert_cmpstr (json_object_get_string_member (c, "their_device"), ==, "b");

  /* A bad id is refused and changes nothing. */
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, NULL, "conflict-keep", "999", NULL), ==, 1);
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, NULL, "conflict-keep", "x", NULL), ==, 2);

  /* "Keep mine" is a new change that every device gets. */
  id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (c, "id"));
  g_free (cli_ok (f, "a", "conflict-keep", id, NULL));
  g_free (ca);
  ca = cli_ok (f, "a", "--json", "conflicts", NULL);
  g_assert_cmpuint (count_json_array (ca), ==, 0);
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (sb);
  sb = state (f, "b");
  g_assert_nonnull (strstr (sb, "oat milk"));
}

/* A task moved under two different parents on two devices: the listing
 * names the field "parent", and conflict-keep moves it back. */
static void
test_parent_conflict (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *list = NULL, *p1 = NULL, *p2 = NULL, *x = NULL;
  g_autofree char *ca = NULL, *cb = NULL, *want = NULL, *kids = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *c;
  g_autofree char *id = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  p1 = cli_ok (f, "a", "add", list, "Shopping", NULL);
  p2 = cli_ok (f, "a", "add", list, "Cooking", NULL);
  x = cli_ok (f, "a", "add", list, "eggs", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");

  g_free (cli_ok (f, "a", "move", x, "--parent", p1, NULL));
  g_free (cli_ok (f, "b", "move", x, "--parent", p2, NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");   /* b's move comes last and wins */
  sync_ok (f, "a");

  cb = cli_ok (f, "b", "--json", "conflicts", NULL);
  g_assert_cmpuint (count_json_array (cb), ==, 0);
  ca = cli_ok (f, "a", "conflicts", NULL);
  want = g_strdup_printf ("todo %s parent: yours “%s”, now “%s” from b", x, p1, p2);
  g_assert_nonnull (strstr (ca, want));
  g_free (ca);
  ca = cli_ok (f, "a", "--json", "conflicts", NULL);
  node = json_of (ca);
  c = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpstr (json_object_get_string_member (c, "field"), ==, "parent");

  id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (c, "id"));
  g_free (cli_ok (f, "a", "conflict-keep", id, NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");
  kids = cli_ok (f, "b", "subtasks", p1, NULL);
  g_assert_nonnull (strstr (kids, x));
}

static void
restart_server_same_port (Fixture *f)
{
  const char *port = strrchr (f->server->base, ':') + 1;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%s", port);
  g_autofree char *old_base = g_strdup (f->server->base);
  const char *args[] = { "--listen", listen, NULL };

  cairn_test_server_start_full (f->server, NULL, args);
  g_assert_cmpstr (f->server->base, ==, old_base);
}

static void
test_server_killed_mid_push (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *list = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *sa = NULL;
  const char *sync_args[] = { "sync", "--timeout", "30", NULL };

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Big", NULL);
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *title = g_strdup_printf ("todo %u", i);
      g_free (cli_ok (f, "a", "add", list, title, NULL));
    }

  /* The sync runs while the server dies hard; it fails or finishes. */
  proc = cli_spawn (f, "a", sync_args);
  g_usleep (20 * 1000);
  cairn_test_server_stop (f->server, TRUE);
  g_subprocess_wait (proc, NULL, NULL);

  restart_server_same_port (f);
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_assert_cmpuint (pending_of (f, "a"), ==, 0);
  sa = same_state (f, "a", "b");
  g_assert_cmpuint (check_server_log (f), ==, 151 + 2);   /* + each device's Inbox */
}

static void
test_client_killed_mid_sync (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *list = NULL;
  g_autofree char *sa = NULL;
  const char *sync_args[] = { "sync", "--timeout", "30", NULL };

  list = share_new_list (f, "Big");
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *title = g_strdup_printf ("todo %u", i);
      g_free (cli_ok (f, i % 3 ? "a" : "b", "add", list, title, NULL));
    }
  sync_ok (f, "b");

  /* kill -9 a's sync at several points of its run. */
  for (guint delay = 5; delay <= 45; delay += 20)
    {
      g_autoptr(GSubprocess) proc = cli_spawn (f, "a", sync_args);
      g_usleep (delay * 1000);
      g_subprocess_send_signal (proc, SIGKILL);
      g_subprocess_wait (proc, NULL, NULL);
    }

  sync_ok (f, "a");
  sync_ok (f, "b");
  sa = same_state (f, "a", "b");
  g_assert_cmpuint (check_server_log (f), ==, 151 + 2);   /* + each device's Inbox */
}

static void
copy_dir (const char *from,
          const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        {
          copy_dir (src, dst);
          continue;
        }
      g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (dst, contents, len, NULL));
    }
}

static void
test_server_restored_from_backup (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *list = NULL, *backup = NULL;
  g_autofree char *sa = NULL, *todos = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  g_free (cli_ok (f, "a", "add", list, "before backup", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");

  /* The backup: a copy of the data folder while the server is stopped. */
  cairn_test_server_stop (f->server, FALSE);
  backup = g_build_filename (f->dir, "backup", NULL);
  cairn_test_server_save_store (f->server, backup);
  restart_server_same_port (f);

  g_free (cli_ok (f, "a", "add", list, "after backup by a", NULL));
  sync_ok (f, "a");
  g_free (cli_ok (f, "b", "add", list, "after backup by b", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");

  /* Disaster: the server comes back from the backup. */
  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_load_store (f->server, backup);
  restart_server_same_port (f);

  /* New work on b before it notices; then everyone syncs. */
  g_free (cli_ok (f, "b", "add", list, "after restore by b", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  sa = same_state (f, "a", "b");
  todos = cli_ok (f, "a", "--json", "todos", list, "--all", NULL);
  g_assert_nonnull (strstr (todos, "before backup"));
  g_assert_nonnull (strstr (todos, "after backup by a"));
  g_assert_nonnull (strstr (todos, "after backup by b"));
  g_assert_nonnull (strstr (todos, "after restore by b"));
  g_assert_cmpuint (check_server_log (f), ==, 5 + 2);   /* + each device's Inbox */
}

/* A copy of the server's data folder, taken while it is stopped. */
static char *
take_backup (Fixture    *f,
             const char *name)
{
  char *backup = g_build_filename (f->dir, name, NULL);

  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_save_store (f->server, backup);
  restart_server_same_port (f);
  return backup;
}

/* The server killed and its data folder put back from a backup. */
static void
restore_backup (Fixture    *f,
                const char *backup)
{
  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_load_store (f->server, backup);
  restart_server_same_port (f);
}

/* The history id and head of ann's personal workspace, as the server
 * answers a pull. */
static char *
history_and_head (Fixture *f)
{
  g_autofree char *token = cairn_test_login (f->server, "ann", PASSWORD, "checker");
  g_autofree char *ws = cairn_test_personal_ws (f->server, token);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=0&limit=1", ws);
  guint status = 0;
  g_autoptr(JsonNode) node = cairn_test_http (f->server, NULL, "GET", path, token, NULL, 0, &status);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) page = NULL;

  g_assert_cmpuint (status, ==, 200);
  page = cairn_protocol_decode_pull_reply (node, &error);
  g_assert_no_error (error);
  return g_strdup_printf ("%s@%" G_GINT64_FORMAT, page->history_id, page->head);
}

/* `cairn-server ARGS… --data|--database STORE` of the fixture's server;
 * its standard output. */
static char *
server_admin (Fixture    *f,
              const char *arg1,
              const char *arg2)
{
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, f->server->binary, arg1, arg2,
                        f->server->store_option, f->server->store, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  return out;
}

/* `cairn-server migrate`: a server on a data folder moved to PostgreSQL.
 * Its devices go on without signing in again, without pushing anything
 * again, and end in the same state; a database that is not empty is
 * refused; a new device starts from the snapshot the folder had made.
 * (Run under with-postgres.sh only.) */
static void
test_migrate_to_postgresql (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *list = NULL, *sa = NULL, *out = NULL, *err = NULL, *history = NULL;
  g_autofree char *workspaces = NULL, *made = NULL, *info = NULL, *seq_json = NULL;
  g_autofree char *database = cairn_test_pg_new_database ();
  g_auto(GStrv) fields = NULL;
  const char *at;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  guint before;

  /* The fixture's server runs on PostgreSQL: start this one on a folder. */
  cairn_test_server_stop (f->server, FALSE);
  f->server->store_option = "--data";
  g_free (f->server->store);
  f->server->store = g_strdup (f->server->data_dir);
  cairn_test_server_add_user (f->server, "ann", PASSWORD);
  cairn_test_server_add_user (f->server, "bob", "bob-password-1");
  cairn_test_server_add_user (f->server, "cy", "cy-password-1");
  restart_server_same_port (f);

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  login (f, "c", "bob", "bob-password-1");
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *title = g_strdup_printf ("before %u", i);
      g_free (cli_ok (f, i % 2 ? "a" : "b", "add", list, title, NULL));
    }
  sync_ok (f, "a");
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "c");
  before = check_server_log (f);
  history = history_and_head (f);

  cairn_test_server_stop (f->server, FALSE);
  /* A snapshot of ann's workspace (hers is listed first: by owner), made
   * on the folder. */
  workspaces = server_admin (f, "workspace", "list");
  fields = g_strsplit (workspaces, "\t", 2);
  made = server_admin (f, "snapshot", fields[0]);
  g_assert_nonnull ((at = strstr (made, " at seq ")));
  seq_json = g_strdup_printf ("\"seq\":%" G_GINT64_FORMAT ",", g_ascii_strtoll (at + strlen (" at seq "), NULL, 10));
  g_assert_cmpint (g_ascii_strtoll (at + strlen (" at seq "), NULL, 10), >, 20);

  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                        f->server->binary, "migrate", "--data", f->server->data_dir,
                        "--database", database, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_true (g_subprocess_get_successful (p));
  g_assert_nonnull (strstr (out, "3 users"));
  g_clear_object (&p);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Once more into the same database: refused, nothing changed. */
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                        f->server->binary, "migrate", "--data", f->server->data_dir,
                        "--database", database, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_false (g_subprocess_get_successful (p));
  g_assert_nonnull (strstr (err, "not empty"));
  g_clear_object (&p);

  f->server->store_option = "--database";
  g_free (f->server->store);
  f->server->store = g_steal_pointer (&database);
  restart_server_same_port (f);

  /* The same log and history, and the devices' tokens still work. */
  g_assert_cmpuint (check_server_log (f), ==, before);
  {
    g_autofree char *after = history_and_head (f);

    g_assert_cmpstr (after, ==, history);
  }
  sync_ok (f, "a");
  sync_ok (f, "b");
  /* Nothing was pushed again (a device that thought the server restored
   * would push its events once more: idempotent, but not silent). */
  g_assert_cmpuint (check_server_log (f), ==, before);
  g_free (cli_ok (f, "b", "add", list, "after the move", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "c");
  sa = same_state (f, "a", "b");
  g_assert_nonnull (strstr (sa, "after the move"));
  g_assert_cmpuint (check_server_log (f), ==, before + 1);

  /* A new device starts from the folder's snapshot, which came along:
   * the migrated server did not have to make one. */
  login (f, "d", "ann", PASSWORD);
  sync_ok (f, "d");
  info = cli_ok (f, "d", "--json", "snapshot-info", NULL);
  g_test_message ("%s", info);
  g_assert_nonnull (strstr (info, seq_json));
  sync_ok (f, "a");
  g_free (same_state (f, "a", "d"));
}

static gboolean
has_line_with (const char *text,
               const char *id,
               const char *words)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], id) != NULL && strstr (lines[i], words) != NULL)
      return TRUE;
  return FALSE;
}

/* The reproduction of issue 10: b adds a todo to a's list; the server is
 * put back to a backup with an empty log and b syncs first. Before, b
 * pushed only its own todo.created (seq 1, before the list) and the todo
 * was lost on every device. */
static void
test_restore_todo_in_others_list (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *backup = NULL, *list = NULL, *ta = NULL, *tb = NULL;
  g_autofree char *sa = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  backup = take_backup (f, "backup");
  list = cli_ok (f, "a", "list-add", "Groceries", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (cli_ok (f, "b", "add", list, "milk", NULL));
  sync_ok (f, "b");

  restore_backup (f, backup);
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  ta = cli_ok (f, "a", "todos", list, "--all", NULL);
  tb = cli_ok (f, "b", "todos", list, "--all", NULL);
  g_assert_nonnull (strstr (ta, "milk"));
  g_assert_nonnull (strstr (tb, "milk"));
  sa = same_state (f, "a", "b");
  g_assert_cmpuint (check_server_log (f), ==, 2 + 2);   /* + each device's Inbox */
}

/* Text b typed into a's note survives a restore that lost the note, and
 * a's typing after it too. */
static void
test_restore_text_in_others_note (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *backup = NULL, *note = NULL, *ba = NULL, *bb = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  backup = take_backup (f, "backup");
  note = cli_ok (f, "a", "note-add", "Plan", NULL);
  g_free (cli_ok (f, "a", "note-insert", note, "0", "first", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (cli_ok (f, "b", "note-insert", note, "5", " and b's", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  g_free (cli_ok (f, "a", "note-insert", note, "13", " and a's again", NULL));

  restore_backup (f, backup);
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  ba = cli_ok (f, "a", "note-show", note, NULL);
  bb = cli_ok (f, "b", "note-show", note, NULL);
  g_assert_cmpstr (ba, ==, "first and b's and a's again");
  g_assert_cmpstr (bb, ==, ba);
  check_server_log (f);
}

/* ---- notes on a task (issue 13) ---- */

/* Two devices type into the same todo's notes at the same place while
 * offline; a third edits a subtask's notes while another device deletes
 * its parent. Through the real server: every replica shows the same text,
 * each device's run of characters whole, and the subtask's notes (with
 * the edit made while it was deleted) come back with the restore. */
static void
test_task_notes (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *list = NULL, *parent = NULL, *child = NULL;
  g_autofree char *na = NULL, *nb = NULL, *nc = NULL, *sa = NULL, *sc = NULL, *details = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Trip", NULL);
  parent = cli_ok (f, "a", "add", list, "pack", NULL);
  child = cli_ok (f, "a", "add", list, "socks", "--parent", parent, NULL);
  g_free (cli_ok (f, "a", "note-insert", parent, "0", "bring: ", NULL));
  g_free (cli_ok (f, "a", "note-insert", child, "0", "wool", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");

  g_free (cli_ok (f, "a", "note-insert", parent, "7", "tent ", NULL));
  g_free (cli_ok (f, "a", "note-insert", parent, "12", "stove ", NULL));
  g_free (cli_ok (f, "b", "note-insert", parent, "7", "maps ", NULL));
  g_free (cli_ok (f, "b", "note-insert", parent, "12", "boots ", NULL));
  g_free (cli_ok (f, "b", "note-insert", child, "4", ", two pairs", NULL));
  g_free (cli_ok (f, "a", "rm", parent, NULL));

  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");
  sa = same_state (f, "a", "b");
  na = cli_ok (f, "a", "note-show", parent, NULL);
  nb = cli_ok (f, "b", "note-show", parent, NULL);
  g_assert_cmpstr (na, ==, nb);
  /* b synced first: its run comes first in server order, each whole */
  g_assert_true (g_str_equal (na, "bring: maps boots tent stove") ||   /* chomped */
                 g_str_equal (na, "bring: tent stove maps boots"));

  /* The subtask went with its parent, and kept b's edit. */
  g_free (cli_ok (f, "b", "restore", parent, NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  g_free (sa);
  sa = same_state (f, "a", "b");
  g_free (nb);
  nb = cli_ok (f, "a", "note-show", child, NULL);
  g_assert_cmpstr (nb, ==, "wool, two pairs");
  details = cli_ok (f, "a", "details", child, NULL);
  g_assert_true (g_str_has_suffix (details, "\nnotes         15 characters\n  wool, two pairs"));

  /* A device that signs in later has them too. */
  login (f, "c", "ann", PASSWORD);
  sync_ok (f, "c");
  sc = state (f, "c");
  g_assert_cmpstr (sc, ==, sa);
  nc = cli_ok (f, "c", "note-show", parent, NULL);
  g_assert_cmpstr (nc, ==, na);
  check_server_log (f);
}

/* Text b typed into the notes of a's todo survives a restore that lost
 * the todo, and a's typing after it too (as for a note's body). */
static void
test_restore_text_in_others_todo (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *backup = NULL, *list = NULL, *todo = NULL, *ba = NULL, *bb = NULL, *sa = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  backup = take_backup (f, "backup");
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  todo = cli_ok (f, "a", "add", list, "plan", NULL);
  g_free (cli_ok (f, "a", "note-insert", todo, "0", "first", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (cli_ok (f, "b", "note-insert", todo, "5", " and b's", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  g_free (cli_ok (f, "a", "note-insert", todo, "13", " and a's again", NULL));

  restore_backup (f, backup);
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  ba = cli_ok (f, "a", "note-show", todo, NULL);
  bb = cli_ok (f, "b", "note-show", todo, NULL);
  g_assert_cmpstr (ba, ==, "first and b's and a's again");
  g_assert_cmpstr (bb, ==, ba);
  sa = same_state (f, "a", "b");
  check_server_log (f);
}

/* b renames and moves a todo that a made after the backup, and deletes
 * another one; a restores a third that b deleted. After the restore (b
 * syncs first), every one of those changes holds on both devices. */
static void
test_restore_rename_move_delete (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *backup = NULL, *home = NULL, *work = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
  g_autofree char *sa = NULL, *wa = NULL, *ha = NULL, *all = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  home = cli_ok (f, "a", "list-add", "Home", NULL);
  sync_ok (f, "a");
  backup = take_backup (f, "backup");

  work = cli_ok (f, "a", "list-add", "Work", NULL);
  t1 = cli_ok (f, "a", "add", home, "call plumber", NULL);
  t2 = cli_ok (f, "a", "add", home, "old idea", NULL);
  t3 = cli_ok (f, "a", "add", home, "keep me", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (cli_ok (f, "b", "rename", t1, "call the plumber at 9", NULL));
  g_free (cli_ok (f, "b", "move", t1, "--list", work, NULL));
  g_free (cli_ok (f, "b", "done", t1, NULL));
  g_free (cli_ok (f, "b", "rm", t2, NULL));
  g_free (cli_ok (f, "b", "rm", t3, NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  g_free (cli_ok (f, "a", "restore", t3, NULL));
  sync_ok (f, "a");

  restore_backup (f, backup);
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "b");

  sa = same_state (f, "a", "b");
  wa = cli_ok (f, "a", "todos", work, "--all", NULL);
  g_assert_true (has_line_with (wa, t1, "[x]"));
  g_assert_true (has_line_with (wa, t1, "call the plumber at 9"));
  ha = cli_ok (f, "a", "todos", home, NULL);
  g_assert_null (strstr (ha, t1));
  g_assert_null (strstr (ha, t2));          /* deleted stays deleted */
  g_assert_true (has_line_with (ha, t3, "keep me"));   /* restored stays */
  all = cli_ok (f, "a", "todos", home, "--all", NULL);
  g_assert_null (strstr (all, t2));
  check_server_log (f);
}

/* Adds a todo on @device after syncing, completes the one @device_before
 * added last (another device's, made after a backup), and syncs. */
static void
add_and_complete (Fixture     *f,
                  const char  *device,
                  const char  *list,
                  const char  *title,
                  GPtrArray   *ids,
                  GPtrArray   *completed)
{
  sync_ok (f, device);
  g_ptr_array_add (ids, cli_ok (f, device, "add", list, title, NULL));
  if (ids->len > 1)
    {
      const char *before = ids->pdata[ids->len - 2];

      g_free (cli_ok (f, device, "done", before, NULL));
      g_ptr_array_add (completed, g_strdup (before));
    }
  sync_ok (f, device);
}

/* Three devices, two restores from two backups, with work on every device
 * between them, each completing another device's newest todo, and devices
 * syncing in different orders: everything anyone wrote is there once. */
static void
test_restore_three_devices_twice (Fixture       *f,
                                  gconstpointer  data)
{
  static const char * const devices[] = { "a", "b", "c" };
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) completed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *first = NULL, *second = NULL, *list = NULL;
  g_autofree char *sa = NULL, *sb = NULL, *sc = NULL, *all = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint d = 0; d < 3; d++)
    login (f, devices[d], "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Shared", NULL);
  sync_ok (f, "a");
  first = take_backup (f, "first");
  for (guint round = 0; round < 2; round++)
    for (guint d = 0; d < 3; d++)
      {
        g_autofree char *title = g_strdup_printf ("r%u by %s", round, devices[d]);
        add_and_complete (f, devices[d], list, title, ids, completed);
      }
  second = take_backup (f, "second");
  for (guint d = 0; d < 3; d++)
    {
      g_autofree char *title = g_strdup_printf ("late by %s", devices[d]);
      add_and_complete (f, devices[d], list, title, ids, completed);
    }

  /* Back to the first backup; c syncs, then b writes and syncs. */
  restore_backup (f, first);
  sync_ok (f, "c");
  g_ptr_array_add (ids, cli_ok (f, "b", "add", list, "between restores by b", NULL));
  sync_ok (f, "b");
  /* Then to the second one, which a never saw from this side. */
  restore_backup (f, second);
  g_ptr_array_add (ids, cli_ok (f, "a", "add", list, "after both by a", NULL));
  sync_ok (f, "a");
  sync_ok (f, "c");
  sync_ok (f, "b");
  sync_ok (f, "a");
  sync_ok (f, "c");

  sa = state (f, "a");
  sb = state (f, "b");
  sc = state (f, "c");
  g_assert_cmpstr (sa, ==, sb);
  g_assert_cmpstr (sa, ==, sc);
  all = cli_ok (f, "a", "todos", list, "--all", NULL);
  lines = g_strsplit (all, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, ids->len);
  for (guint i = 0; i < ids->len; i++)
    g_assert_nonnull (strstr (all, ids->pdata[i]));
  for (guint i = 0; i < completed->len; i++)
    g_assert_true (has_line_with (all, completed->pdata[i], "[x]"));
  g_assert_nonnull (strstr (all, "between restores by b"));
  g_assert_nonnull (strstr (all, "after both by a"));
  /* The list, each todo and each completion once. */
  g_assert_cmpuint (check_server_log (f), ==, 1 + ids->len + completed->len + 3);   /* + the Inbox of each of the three devices */
}

static void
test_sign_in_revoked (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *list = NULL, *err = NULL, *status = NULL;
  g_autofree char *sa = NULL, *sb = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GSubprocessLauncher) l = NULL;
  g_autoptr(GError) error = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  list = cli_ok (f, "a", "list-add", "Home", NULL);
  sync_ok (f, "a");

  /* A new password revokes every session. */
  l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (l, "CAIRN_SERVER_ARGON2_FAST", "1", TRUE);
  proc = g_subprocess_launcher_spawn (l, &error, f->server->binary, "user", "passwd", "ann",
                                      f->server->store_option, f->server->store, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, "new-password-2\n", NULL, NULL, NULL, &error));
  g_assert_true (g_subprocess_get_successful (proc));

  g_free (cli_ok (f, "a", "add", list, "written while signed out", NULL));
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, &err, "sync", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "ign in"));
  status = cli_ok (f, "a", "--json", "status", NULL);
  g_assert_nonnull (strstr (status, "\"state\":\"needs-sign-in\""));
  g_assert_cmpuint (pending_of (f, "a"), ==, 1);

  /* Signing in again sends the outbox. */
  login (f, "a", "ann", "new-password-2");
  sync_ok (f, "a");
  g_assert_cmpuint (pending_of (f, "a"), ==, 0);
  login (f, "b", "ann", "new-password-2");
  sync_ok (f, "b");
  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  g_assert_nonnull (strstr (sb, "written while signed out"));
}

static void
test_workspaces_and_sharing (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *ws_a = NULL, *ws_b = NULL, *err = NULL, *out = NULL;
  g_autofree char *list = NULL, *sa = NULL;
  g_autofree char *bob_personal = NULL;

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "bob", "bob-password-1");
  ws_a = cli_ok (f, "a", "--json", "workspaces", NULL);
  g_assert_cmpuint (count_json_array (ws_a), ==, 1);
  g_free (ws_a);
  {
    g_autofree char *all = cli_ok (f, "a", "--json", "workspaces", NULL);
    ws_a = first_id (all);
  }
  {
    g_autofree char *all = cli_ok (f, "b", "--json", "workspaces", NULL);
    bob_personal = first_id (all);
  }

  /* Bob cannot use ann's workspace until she shares it. */
  g_assert_cmpint (cli_run (f, "b", NULL, NULL, &err, "workspace-use", ws_a, NULL), ==, 1);
  g_assert_cmpint (cli_run (f, "b", NULL, NULL, NULL, "workspace-use", "not-an-id", NULL), ==, 2);
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, NULL, "share", ws_a, "nobody", NULL), ==, 1);
  g_free (cli_ok (f, "a", "share", ws_a, "bob", NULL));

  ws_b = cli_ok (f, "b", "--json", "workspaces", NULL);
  g_assert_cmpuint (count_json_array (ws_b), ==, 2);
  g_free (cli_ok (f, "b", "workspace-use", ws_a, NULL));

  list = cli_ok (f, "a", "list-add", "Shared", NULL);
  sync_ok (f, "a");
  sync_ok (f, "b");
  g_free (cli_ok (f, "b", "add", list, "from bob", NULL));
  sync_ok (f, "b");
  sync_ok (f, "a");
  sa = same_state (f, "a", "b");
  g_assert_nonnull (strstr (sa, "from bob"));

  /* Switching back shows bob's own workspace, untouched. */
  g_free (cli_ok (f, "b", "workspace-use", bob_personal, NULL));
  out = cli_ok (f, "b", "--json", "lists", NULL);
  assert_only_inbox (out);

  /* Bob's personal workspace shared with ann is listed to her with
   * "personal" set too; what ann writes on a new device before signing in
   * still goes to her own personal workspace, not to bob's. */
  g_free (cli_ok (f, "b", "share", bob_personal, "ann", NULL));
  g_free (cli_ok (f, "c", "list-add", "Written on c before signing in", NULL));
  login (f, "c", "ann", PASSWORD);
  {
    g_autofree char *status = cli_ok (f, "c", "--json", "status", NULL);
    g_autofree char *expect = g_strdup_printf ("\"workspace\":\"%s\"", ws_a);

    g_assert_nonnull (strstr (status, expect));
  }
  sync_ok (f, "c");
  sync_ok (f, "a");
  g_free (sa);
  sa = state (f, "a");
  g_assert_nonnull (strstr (sa, "Written on c before signing in"));
  g_free (out);
  out = cli_ok (f, "b", "--json", "lists", NULL);
  assert_only_inbox (out);
}

static void
test_not_signed_in (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *err = NULL, *out = NULL;

  /* Offline with no account is normal: editing works, syncing says why not. */
  g_free (cli_ok (f, "a", "list-add", "Local", NULL));
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, &err, "sync", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Not signed in"));
  out = cli_ok (f, "a", "--json", "status", NULL);
  g_assert_nonnull (strstr (out, "\"state\":\"offline\""));
  g_assert_nonnull (strstr (out, "\"pending\":2"));   /* the Inbox, the list */

  /* Wrong password, bad URL, no password: refused, nothing saved. */
  g_free (err);
  err = NULL;
  g_assert_cmpint (cli_run (f, "a", "wrong-password\n", NULL, &err, "login",
                            f->server->base, "ann", NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_run (f, "a", PASSWORD "\n", NULL, &err, "login", "ftp://x", "ann", NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_run (f, "a", "", NULL, &err, "login", f->server->base, "ann", NULL), ==, 1);
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, NULL, "login", NULL), ==, 2);
  g_assert_cmpint (cli_run (f, "a", NULL, NULL, NULL, "sync", "--timeout", "soon", NULL), ==, 2);
  g_free (out);
  out = cli_ok (f, "a", "--json", "status", NULL);
  g_assert_nonnull (strstr (out, "\"server\":null"));
  g_assert_nonnull (strstr (out, "\"last_sync\":null"));

  /* Signing in then sends what was written before. */
  login (f, "a", "ann", PASSWORD);
  sync_ok (f, "a");
  g_assert_cmpuint (check_server_log (f), ==, 2);   /* the Inbox, the list */
  g_free (out);
  out = cli_ok (f, "a", "--json", "status", NULL);
  g_assert_nonnull (strstr (out, "\"state\":\"offline\""));
  g_assert_null (strstr (out, "\"last_sync\":null"));
  g_assert_nonnull (strstr (out, "\"pending\":0"));
  g_free (cli_ok (f, "a", "logout", NULL));
  g_free (out);
  out = cli_ok (f, "a", "--json", "lists", NULL);
  g_assert_nonnull (strstr (out, "Local"));
}

/* Two devices that start offline, before signing in, each with an Inbox
 * and the tag "Work" (in another case) on a todo of it: after both sync
 * through the real server, one Inbox, one tag, both todos carry it,
 * priorities as set. */
static void
test_inbox_and_tags_offline (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *inbox_a = NULL, *inbox_b = NULL, *ta = NULL, *tb = NULL;
  g_autofree char *sa = NULL, *sb = NULL, *lists = NULL, *tags = NULL, *todos = NULL;

  inbox_a = g_strstrip (cli_ok (f, "a", "inbox", NULL));
  inbox_b = g_strstrip (cli_ok (f, "b", "inbox", NULL));
  g_assert_cmpstr (inbox_a, ==, inbox_b);
  ta = g_strstrip (cli_ok (f, "a", "add", inbox_a, "from a", "--tag", "Work", "--priority", "high", NULL));
  tb = g_strstrip (cli_ok (f, "b", "add", inbox_b, "from b", "--tag", "work", NULL));

  login (f, "a", "ann", PASSWORD);
  login (f, "b", "ann", PASSWORD);
  sync_ok (f, "a");
  sync_ok (f, "b");
  sync_ok (f, "a");

  sa = state (f, "a");
  sb = state (f, "b");
  g_assert_cmpstr (sa, ==, sb);
  lists = cli_ok (f, "b", "--json", "lists", NULL);
  assert_only_inbox (lists);
  tags = cli_ok (f, "b", "--json", "tags", NULL);
  g_assert_cmpuint (count_json_array (tags), ==, 1);
  g_assert_nonnull (strstr (tags, "\"name\":\"Work\""));
  todos = cli_ok (f, "b", "todos", inbox_b, NULL);
  g_assert_nonnull (strstr (todos, "from a  !high  #Work"));
  g_assert_nonnull (strstr (todos, "from b  #Work"));
  g_assert_cmpint (cli_run (f, "b", NULL, NULL, NULL, "list-rm", inbox_b, NULL), ==, 1);
}

/* The client id `status --json` gives for @profile. */
static char *
client_id_of (Fixture    *f,
              const char *profile)
{
  g_autofree char *text = cli_ok (f, profile, "--json", "status", NULL);
  g_autoptr(JsonNode) node = json_of (text);
  const char *id = json_object_get_string_member (json_node_get_object (node), "client_id");

  g_assert_true (cairn_is_client_id (id));
  return g_strdup (id);
}

/* The note's text on a, b and c, asserted equal; returned. */
static char *
same_note (Fixture    *f,
           const char *note)
{
  char *ta = cli_ok (f, "a", "note-show", note, NULL);
  g_autofree char *tb = cli_ok (f, "b", "note-show", note, NULL);
  g_autofree char *tc = cli_ok (f, "c", "note-show", note, NULL);

  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  return ta;
}

/* a's profile copied to c (a backup restored on a second machine), and
 * both used: a and c share a client id and a text client id. Their
 * concurrent changes (a todo and typing at one place in a note each) all
 * survive on a, b and c, which end equal, and later typing on both
 * converges. @c_first: c syncs its changes before a. */
static void
check_copied_profile (Fixture  *f,
                      gboolean  c_first)
{
  g_autofree char *list = share_new_list (f, "Home");
  g_autofree char *from = g_build_filename (f->dir, "a", NULL);
  g_autofree char *to = g_build_filename (f->dir, "c", NULL);
  g_autofree char *note = NULL, *text = NULL, *later = NULL, *sa = NULL, *sc = NULL;
  g_autofree char *todos = NULL, *status_c = NULL, *status_a = NULL;
  g_autofree char *id_a = NULL, *id_c = NULL;
  const char *first = c_first ? "c" : "a", *second = c_first ? "a" : "c";

  note = cli_ok (f, "a", "note-add", "N", NULL);
  g_free (cli_ok (f, "a", "note-insert", note, "0", "Base.", NULL));
  sync_ok (f, "a");
  copy_dir (from, to);
  g_free (cli_ok (f, "a", "note-insert", note, "5", " from a", NULL));
  g_free (cli_ok (f, "a", "add", list, "todo of a", NULL));
  g_free (cli_ok (f, "c", "note-insert", note, "5", " from c", NULL));
  g_free (cli_ok (f, "c", "add", list, "todo of c", NULL));
  sync_ok (f, first);
  sync_ok (f, second);
  sync_ok (f, first);
  sync_ok (f, "b");

  text = same_note (f, note);
  /* Both typings whole, one after the other (which first: the tie rule on
   * the text client ids, random). */
  g_assert_true (g_str_equal (text, "Base. from a from c") ||
                 g_str_equal (text, "Base. from c from a"));
  sa = same_state (f, "a", "b");
  sc = state (f, "c");
  g_assert_cmpstr (sc, ==, sa);
  todos = cli_ok (f, "b", "--json", "todos", list, NULL);
  g_assert_nonnull (strstr (todos, "todo of a"));
  g_assert_nonnull (strstr (todos, "todo of c"));

  /* The one that synced second took a new identity and says so. */
  status_c = cli_ok (f, second, "status", NULL);
  status_a = cli_ok (f, first, "status", NULL);
  g_assert_nonnull (strstr (status_c, "identity: new client id"));
  g_assert_null (strstr (status_a, "identity:"));
  {
    g_autofree char *json_second = cli_ok (f, second, "--json", "status", NULL);
    g_autofree char *json_first = cli_ok (f, first, "--json", "status", NULL);

    /* The engine's status says it too, and the store's details. */
    g_assert_nonnull (strstr (json_second, "\"identity_changed_at\":"));
    g_assert_nonnull (strstr (json_second, "\"identity_change\":"));
    g_assert_null (strstr (json_first, "identity_change"));
  }
  id_a = client_id_of (f, "a");
  id_c = client_id_of (f, "c");
  g_assert_cmpstr (id_a, !=, id_c);

  /* Later edits on both converge. */
  g_free (cli_ok (f, "c", "note-insert", note, "0", "X", NULL));
  g_free (cli_ok (f, "a", "note-insert", note, "0", "Y", NULL));
  g_free (cli_ok (f, "c", "note-insert", note, "5", "Q", NULL));
  sync_ok (f, "c");
  sync_ok (f, "a");
  sync_ok (f, "c");
  sync_ok (f, "b");
  later = same_note (f, note);
  g_assert_true (g_str_has_prefix (later, "XY") || g_str_has_prefix (later, "YX"));
  g_assert_nonnull (strstr (later, " from a"));
  g_assert_nonnull (strstr (later, " from c"));
  g_assert_nonnull (strstr (later, "Q"));
  g_free (sa);
  g_free (sc);
  sa = same_state (f, "a", "b");
  sc = state (f, "c");
  g_assert_cmpstr (sc, ==, sa);
  check_server_log (f);
}

static void
test_copied_profile (Fixture       *f,
                     gconstpointer  data)
{
  check_copied_profile (f, FALSE);
}

static void
test_copied_profile_copy_first (Fixture       *f,
                                gconstpointer  data)
{
  check_copied_profile (f, TRUE);
}

/* A power cut loses a's last commits after they were pushed (its profile
 * goes back to a copy taken before them); a then types and adds more.
 * Nothing is lost: the changes the server had and the new ones are all
 * on a and b, which end equal. */
static void
test_power_cut_after_push (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *list = share_new_list (f, "Home");
  g_autofree char *dir = g_build_filename (f->dir, "a", NULL);
  g_autofree char *saved = g_build_filename (f->dir, "a-before", NULL);
  g_autofree char *note = NULL, *ta = NULL, *tb = NULL, *sa = NULL, *todos = NULL;

  note = cli_ok (f, "a", "note-add", "N", NULL);
  g_free (cli_ok (f, "a", "note-insert", note, "0", "Base.", NULL));
  sync_ok (f, "a");
  copy_dir (dir, saved);
  g_free (cli_ok (f, "a", "note-insert", note, "5", " sent", NULL));
  g_free (cli_ok (f, "a", "add", list, "sent todo", NULL));
  sync_ok (f, "a");

  /* The power cut: the commits since the copy are gone. */
  cairn_test_rm_rf (dir);
  copy_dir (saved, dir);
  g_free (cli_ok (f, "a", "note-insert", note, "5", " typed after", NULL));
  g_free (cli_ok (f, "a", "add", list, "todo after", NULL));
  sync_ok (f, "a");
  sync_ok (f, "b");
  sync_ok (f, "a");

  ta = cli_ok (f, "a", "note-show", note, NULL);
  tb = cli_ok (f, "b", "note-show", note, NULL);
  g_assert_cmpstr (ta, ==, tb);
  g_assert_true (g_str_equal (ta, "Base. sent typed after") ||
                 g_str_equal (ta, "Base. typed after sent"));
  sa = same_state (f, "a", "b");
  todos = cli_ok (f, "b", "--json", "todos", list, NULL);
  g_assert_nonnull (strstr (todos, "sent todo"));
  g_assert_nonnull (strstr (todos, "todo after"));
  check_server_log (f);
}

int
main (int argc, char *argv[])
{
  char base[] = "/tmp/cairn-sync-cli-XXXXXX";
  int status;

  /* A private temporary folder: other test programs clean up their own
   * patterns in /tmp, and this one keeps server folders across restarts. */
  g_assert_nonnull (g_mkdtemp (base));
  g_setenv ("TMPDIR", base, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/sync/cli/inbox-and-tags-offline", test_inbox_and_tags_offline);
  ADD ("/sync/cli/not-signed-in", test_not_signed_in);
  ADD ("/sync/cli/two-devices-converge", test_two_devices_converge);
  ADD ("/sync/cli/long-offline", test_long_offline);
  ADD ("/sync/cli/subtasks", test_subtasks);
  ADD ("/sync/cli/times", test_times);
  ADD ("/sync/cli/one-conflict-on-losing-side", test_one_conflict_on_losing_side);
  ADD ("/sync/cli/parent-conflict", test_parent_conflict);
  ADD ("/sync/cli/server-killed-mid-push", test_server_killed_mid_push);
  ADD ("/sync/cli/client-killed-mid-sync", test_client_killed_mid_sync);
  ADD ("/sync/cli/server-restored-from-backup", test_server_restored_from_backup);
  ADD ("/sync/cli/restore/todo-in-others-list", test_restore_todo_in_others_list);
  ADD ("/sync/cli/restore/text-in-others-note", test_restore_text_in_others_note);
  ADD ("/sync/cli/task-notes", test_task_notes);
  ADD ("/sync/cli/restore/text-in-others-todo", test_restore_text_in_others_todo);
  ADD ("/sync/cli/restore/rename-move-delete", test_restore_rename_move_delete);
  ADD ("/sync/cli/restore/three-devices-twice", test_restore_three_devices_twice);
  ADD ("/sync/cli/sign-in-revoked", test_sign_in_revoked);
  ADD ("/sync/cli/fork/copied-profile", test_copied_profile);
  ADD ("/sync/cli/fork/copied-profile-copy-first", test_copied_profile_copy_first);
  ADD ("/sync/cli/fork/power-cut-after-push", test_power_cut_after_push);
  ADD ("/sync/cli/workspaces-and-sharing", test_workspaces_and_sharing);
  if (cairn_test_backend_is_postgresql ())
    ADD ("/sync/cli/migrate-to-postgresql", test_migrate_to_postgresql);
#undef ADD

  status = g_test_run ();
  cairn_test_rm_rf (base);
  return status;
}
