/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event.c: the event type, its JSON forms, object ids and validation. */
#define G_LOG_DOMAIN "cairn-event"

#include "config.h"

#include <string.h>

#include "cairn-event-private.h"
#include "cairn-json-guard.h"
#include "cairn-position.h"
#include "cairn-text.h"
#include "cairn-times.h"

G_DEFINE_QUARK (cairn-event-error-quark, cairn_event_error)
G_DEFINE_BOXED_TYPE (CairnEvent, cairn_event, cairn_event_ref, cairn_event_unref)

/* The catalogue: one row per (name, version) this build understands. The
 * reducers live in cairn-store-reducers.c and are keyed by name; they only
 * ever see the newest version of each event (see cairn_event_upcast()).
 * docs/events.md describes every row. */
static const CairnEventSpec catalogue[] = {
  { "list.created",   1, { { "list_id", CAIRN_FIELD_ID }, { "title", CAIRN_FIELD_TITLE },
                           { "position", CAIRN_FIELD_POSITION } } },
  { "list.renamed",   1, { { "list_id", CAIRN_FIELD_ID }, { "title", CAIRN_FIELD_TITLE } } },
  { "list.moved",     1, { { "list_id", CAIRN_FIELD_ID }, { "position", CAIRN_FIELD_POSITION } } },
  { "list.deleted",   1, { { "list_id", CAIRN_FIELD_ID } } },
  { "list.restored",  1, { { "list_id", CAIRN_FIELD_ID } } },

  { "todo.created",   1, { { "todo_id", CAIRN_FIELD_ID }, { "list_id", CAIRN_FIELD_ID },
                           { "title", CAIRN_FIELD_TITLE }, { "position", CAIRN_FIELD_POSITION } } },
  { "todo.renamed",   1, { { "todo_id", CAIRN_FIELD_ID }, { "title", CAIRN_FIELD_TITLE } } },
  { "todo.completed", 1, { { "todo_id", CAIRN_FIELD_ID } } },
  { "todo.reopened",  1, { { "todo_id", CAIRN_FIELD_ID } } },
  { "todo.due_set",   1, { { "todo_id", CAIRN_FIELD_ID }, { "due", CAIRN_FIELD_DATE } } },
  { "todo.due_cleared", 1, { { "todo_id", CAIRN_FIELD_ID } } },
  { "todo.moved",     1, { { "todo_id", CAIRN_FIELD_ID }, { "list_id", CAIRN_FIELD_ID, TRUE },
                           { "position", CAIRN_FIELD_POSITION } } },
  /* v2 (subtasks): an optional parent todo. created: the todo goes under
   * it, in the parent's list; moved: absent means top level. */
  { "todo.created",   2, { { "todo_id", CAIRN_FIELD_ID }, { "list_id", CAIRN_FIELD_ID },
                           { "title", CAIRN_FIELD_TITLE }, { "position", CAIRN_FIELD_POSITION },
                           { "parent_id", CAIRN_FIELD_ID, TRUE } } },
  { "todo.moved",     2, { { "todo_id", CAIRN_FIELD_ID }, { "list_id", CAIRN_FIELD_ID, TRUE },
                           { "position", CAIRN_FIELD_POSITION },
                           { "parent_id", CAIRN_FIELD_ID, TRUE } } },
  { "todo.deleted",   1, { { "todo_id", CAIRN_FIELD_ID } } },
  { "todo.restored",  1, { { "todo_id", CAIRN_FIELD_ID } } },

  { "note.created",   1, { { "note_id", CAIRN_FIELD_ID }, { "title", CAIRN_FIELD_TITLE } } },
  { "note.renamed",   1, { { "note_id", CAIRN_FIELD_ID }, { "title", CAIRN_FIELD_TITLE } } },
  { "note.deleted",   1, { { "note_id", CAIRN_FIELD_ID } } },
  { "note.restored",  1, { { "note_id", CAIRN_FIELD_ID } } },
  { "note.edited",    1, { { "note_id", CAIRN_FIELD_ID }, { "ops", CAIRN_FIELD_TEXT_OPS } } },
  /* Pinned notes (issue 14) */
  { "note.pinned",    1, { { "note_id", CAIRN_FIELD_ID } } },
  { "note.unpinned",  1, { { "note_id", CAIRN_FIELD_ID } } },

  /* Priorities and tags (issue 13) */
  { "todo.priority_set", 1, { { "todo_id", CAIRN_FIELD_ID }, { "priority", CAIRN_FIELD_PRIORITY } } },
  { "tag.created",    1, { { "tag_id", CAIRN_FIELD_ID }, { "name", CAIRN_FIELD_TAG_NAME },
                           { "color", CAIRN_FIELD_COLOR } } },
  { "tag.renamed",    1, { { "tag_id", CAIRN_FIELD_ID }, { "name", CAIRN_FIELD_TAG_NAME } } },
  { "tag.recolored",  1, { { "tag_id", CAIRN_FIELD_ID }, { "color", CAIRN_FIELD_COLOR } } },
  { "tag.deleted",    1, { { "tag_id", CAIRN_FIELD_ID } } },
  { "todo.tagged",    1, { { "todo_id", CAIRN_FIELD_ID }, { "tag_id", CAIRN_FIELD_ID } } },
  { "todo.untagged",  1, { { "todo_id", CAIRN_FIELD_ID }, { "tag_id", CAIRN_FIELD_ID } } },

  /* Due times, reminders and repeats (issue 13). due_set v2: an optional
   * wall-clock time; completed v2: the occurrence (due date) completed. */
  { "todo.due_set",   2, { { "todo_id", CAIRN_FIELD_ID }, { "due", CAIRN_FIELD_DATE },
                           { "time", CAIRN_FIELD_TIME, TRUE } } },
  { "todo.completed", 2, { { "todo_id", CAIRN_FIELD_ID }, { "occurrence", CAIRN_FIELD_DATE, TRUE } } },
  { "todo.reminder_set", 1, { { "todo_id", CAIRN_FIELD_ID }, { "at", CAIRN_FIELD_MOMENT } } },
  { "todo.reminder_cleared", 1, { { "todo_id", CAIRN_FIELD_ID } } },
  { "todo.reminder_dismissed", 1, { { "todo_id", CAIRN_FIELD_ID }, { "at", CAIRN_FIELD_MOMENT } } },
  { "todo.repeat_set", 1, { { "todo_id", CAIRN_FIELD_ID }, { "rule", CAIRN_FIELD_REPEAT } } },
  { "todo.repeat_cleared", 1, { { "todo_id", CAIRN_FIELD_ID } } },

  /* Notes on a task (issue 13): the text CRDT of note bodies */
  { "todo.notes_edited", 1, { { "todo_id", CAIRN_FIELD_ID }, { "ops", CAIRN_FIELD_TEXT_OPS } } },
};

const char * const cairn_tag_colors[] = {
  "blue", "green", "yellow", "orange", "red", "purple", "brown", "slate", NULL
};

const char * const cairn_priorities[] = { "none", "low", "medium", "high", NULL };

gboolean
cairn_is_tag_color (const char *str)
{
  return str != NULL && g_strv_contains (cairn_tag_colors, str);
}

gboolean
cairn_is_priority (const char *str)
{
  return str != NULL && g_strv_contains (cairn_priorities, str);
}

char *
cairn_tag_id_for_name (const char *name)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *folded = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;

  g_return_val_if_fail (name != NULL, NULL);

  /* Not the workspace id: a never-synced local workspace takes another id
   * when it becomes the personal one (cairn-sync-engine-login.c), and its
   * tags must still meet those other devices create. Ids only need to be
   * unique within one workspace. */
  folded = g_utf8_casefold (name, -1);
  g_checksum_update (sum, (const guchar *) "cairn-tag:", -1);
  g_checksum_update (sum, (const guchar *) folded, -1);
  g_checksum_get_digest (sum, digest, &len);
  digest[6] = (digest[6] & 0x0f) | 0x80;   /* version 8: custom */
  digest[8] = (digest[8] & 0x3f) | 0x80;   /* RFC 9562 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}

/* Upcasters: each turns the args of (name, from_version) into the args of
 * version from_version + 1. cairn_event_upcast() chains them until the
 * newest version in the catalogue. When e.g. todo.moved v2 was added, v1
 * stayed in the catalogue (so old events still validate) and one row went
 * here. */
typedef JsonObject *(*CairnUpcastFunc) (JsonObject *args);

typedef struct
{
  const char      *name;
  guint            from_version;
  CairnUpcastFunc  upcast;
} CairnUpcaster;

/* todo.created and todo.moved v1 -> v2: the same args. No todo had a
 * parent before v2, so "no parent_id" (top level) is what v1 meant. */
static JsonObject *
upcast_identity (JsonObject *args)
{
  return json_object_ref (args);
}

static const CairnUpcaster upcasters[] = {
  { "todo.created", 1, upcast_identity },
  { "todo.moved",   1, upcast_identity },
  /* v1 had no time (a date-only due) and completed no particular
   * occurrence (it completes the todo, as it always did). */
  { "todo.due_set",   1, upcast_identity },
  { "todo.completed", 1, upcast_identity },
};

const CairnEventSpec *
_cairn_event_spec_upcast_as_is (const CairnEventSpec *spec)
{
  guint newest = _cairn_event_current_version (spec->name);

  for (guint v = spec->version; v < newest; v++)
    {
      gboolean as_is = FALSE;

      for (gsize i = 0; i < G_N_ELEMENTS (upcasters); i++)
        if (upcasters[i].from_version == v && g_str_equal (upcasters[i].name, spec->name))
          {
            as_is = upcasters[i].upcast == upcast_identity;
            break;
          }
      if (!as_is)
        return NULL;
    }
  return _cairn_event_lookup_spec (spec->name, newest);
}

const CairnEventSpec *
_cairn_event_lookup_spec (const char *name,
                          guint       version)
{
  for (gsize i = 0; i < G_N_ELEMENTS (catalogue); i++)
    if (catalogue[i].version == version && g_strcmp0 (catalogue[i].name, name) == 0)
      return &catalogue[i];
  return NULL;
}

const CairnEventSpec *
_cairn_event_get_catalogue (gsize *n_specs)
{
  *n_specs = G_N_ELEMENTS (catalogue);
  return catalogue;
}

guint
_cairn_event_current_version (const char *name)
{
  /* name -> its newest version, made once: the catalogue is constant, and
   * a rebase asks this for every event (issue 17: the scan of the whole
   * catalogue was 1.4 % of a catch-up). */
  static GHashTable *newest;
  static gsize made = 0;

  if (g_once_init_enter (&made))
    {
      newest = g_hash_table_new (g_str_hash, g_str_equal);
      for (gsize i = 0; i < G_N_ELEMENTS (catalogue); i++)
        {
          guint best = GPOINTER_TO_UINT (g_hash_table_lookup (newest, catalogue[i].name));

          g_hash_table_insert (newest, (gpointer) catalogue[i].name,
                               GUINT_TO_POINTER (MAX (best, catalogue[i].version)));
        }
      g_once_init_leave (&made, 1);
    }
  return name != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (newest, name)) : 0;
}

gboolean
_cairn_event_spec_is_newest (const CairnEventSpec *spec)
{
  static guint8 newest[G_N_ELEMENTS (catalogue)];
  static gsize computed = 0;
  gsize i;

  g_return_val_if_fail (spec >= catalogue && spec < catalogue + G_N_ELEMENTS (catalogue), FALSE);

  /* once: the catalogue is constant, and this is asked for every event a
   * rebuild replays */
  if (g_once_init_enter (&computed))
    {
      for (i = 0; i < G_N_ELEMENTS (catalogue); i++)
        newest[i] = catalogue[i].version == _cairn_event_current_version (catalogue[i].name);
      g_once_init_leave (&computed, 1);
    }
  return newest[spec - catalogue];
}

CairnEvent *
cairn_event_new (const char *name,
                 guint       version,
                 JsonObject *args)
{
  CairnEvent *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_new0 (CairnEvent, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->version = version;
  self->args = args != NULL ? json_object_ref (args) : json_object_new ();
  return self;
}

CairnEvent *
cairn_event_ref (CairnEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cairn_event_unref (CairnEvent *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->name);
  g_clear_pointer (&self->args, json_object_unref);
  if (self->flat != NULL)
    {
      _cairn_flat_args_clear (self->flat);
      g_free (self->flat);
    }
  g_free (self->client_id);
  g_free (self->device);
  g_free (self->user);
  g_free (self->args_text);
  g_free (self);
}

CairnEvent *
_cairn_event_copy (const CairnEvent *src)
{
  CairnEvent *self = cairn_event_new (src->name, src->version, _cairn_event_ensure_args (src));

  self->client_id = g_strdup (src->client_id);
  self->client_seq = src->client_seq;
  self->created_at = src->created_at;
  self->seq = src->seq;
  self->device = g_strdup (src->device);
  self->user = g_strdup (src->user);
  return self;
}

/* Validation */

static gboolean
check_title (const char  *field,
             const char  *value,
             glong        max_chars,
             GError     **error)
{
  glong n_chars;
  const char *p;

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“%s” is not valid UTF-8", field);
      return FALSE;
    }

  n_chars = g_utf8_strlen (value, -1);
  if (n_chars == 0)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“%s” is empty", field);
      return FALSE;
    }

  for (p = value; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” contains a control character (U+%04X)", field, c);
          return FALSE;
        }
    }

  if (g_unichar_isspace (g_utf8_get_char (value)) ||
      g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (value + strlen (value)))))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“%s” has leading or trailing white space (trim it first)", field);
      return FALSE;
    }

  if (n_chars > max_chars)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“%s” is %ld characters long; at most %ld are allowed",
                   field, n_chars, max_chars);
      return FALSE;
    }

  return TRUE;
}

gboolean
cairn_is_date (const char *str)
{
  guint year, month, day;

  if (str == NULL || strlen (str) != 10 || str[4] != '-' || str[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (str[i]))
      return FALSE;

  year = (guint) g_ascii_strtoull (str, NULL, 10);
  month = (guint) g_ascii_strtoull (str + 5, NULL, 10);
  day = (guint) g_ascii_strtoull (str + 8, NULL, 10);

  return year >= 1 && g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

/* value: the member's string, NULL when it is not a string. */
static gboolean
check_field (const CairnFieldSpec  *field,
             const char            *value,
             GError               **error)
{
  if (value == NULL)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“%s” must be a string", field->name);
      return FALSE;
    }

  switch (field->kind)
    {
    case CAIRN_FIELD_ID:
      if (!cairn_is_object_id (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not an object id (a lowercase UUID)", field->name);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_TITLE:
      return check_title (field->name, value, CAIRN_TITLE_MAX_CHARS, error);

    case CAIRN_FIELD_TAG_NAME:
      return check_title (field->name, value, CAIRN_TAG_NAME_MAX_CHARS, error);

    case CAIRN_FIELD_COLOR:
      if (!cairn_is_tag_color (value))
        {
          g_autofree char *names = g_strjoinv (", ", (char **) cairn_tag_colors);

          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a tag colour (one of %s)", field->name, names);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_PRIORITY:
      if (!cairn_is_priority (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a priority (none, low, medium or high)", field->name);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_POSITION:
      if (!cairn_position_is_valid (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a position key (1 to %d characters of "
                       "0-9, A-Z, a-z, not ending in 0)",
                       field->name, CAIRN_POSITION_MAX_LENGTH);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_DATE:
      if (!cairn_is_date (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a real date in the form YYYY-MM-DD", field->name);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_TIME:
      if (!cairn_is_time_of_day (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a time of day in the form HH:MM (00:00 to 23:59)", field->name);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_MOMENT:
      if (!cairn_is_moment (value))
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "“%s” is not a moment in the form YYYY-MM-DDTHH:MM±HH:MM "
                       "(a real date, 00:00 to 23:59, an offset from -12:00 to +14:00)",
                       field->name);
          return FALSE;
        }
      return TRUE;

    case CAIRN_FIELD_REPEAT:
      {
        g_autofree char *why = cairn_repeat_rule_check (value);

        if (why != NULL)
          {
            g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                         "“%s” is not a repeat rule: %s", field->name, why);
            return FALSE;
          }
        return TRUE;
      }

    case CAIRN_FIELD_TEXT_OPS:
      {
        g_autoptr(GError) inner = NULL;
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(CairnTextOps) ops = NULL;
        guchar *raw;
        gsize n;

        for (const char *p = value; *p; p++)
          if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
            {
              g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                           "“%s” is not base64 (character %d)", field->name, (int) (p - value));
              return FALSE;
            }
        raw = g_base64_decode (value, &n);
        bytes = g_bytes_new_take (raw, n);
        ops = cairn_text_ops_decode (bytes, &inner);
        if (ops == NULL)
          {
            g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                         "“%s” does not hold text operations: %s", field->name, inner->message);
            return FALSE;
          }
        if (cairn_text_ops_is_empty (ops))
          {
            g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                         "“%s” holds no text operation", field->name);
            return FALSE;
          }
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

/* What validation needs to know of a member of the args: whether it is
 * there (*present), and its string (NULL when it is not a string). */
typedef const char *(*ArgsLookup) (gconstpointer  args,
                                   const char    *name,
                                   gboolean      *present);

/* The fields of the spec, in its order; *n_present counts those found. */
static gboolean
validate_fields (const char            *event_name,
                 const CairnEventSpec  *spec,
                 ArgsLookup             lookup,
                 gconstpointer          args,
                 guint                 *n_present,
                 GError               **error)
{
  *n_present = 0;
  for (guint i = 0; i < CAIRN_EVENT_MAX_FIELDS && spec->fields[i].name != NULL; i++)
    {
      const CairnFieldSpec *field = &spec->fields[i];
      gboolean present;
      const char *value = lookup (args, field->name, &present);

      if (!present)
        {
          if (field->optional)
            continue;
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "%s: “%s” is missing", event_name, field->name);
          return FALSE;
        }

      if (!check_field (field, value, error))
        {
          g_prefix_error (error, "%s: ", event_name);
          return FALSE;
        }
      (*n_present)++;
    }
  return TRUE;
}

static gboolean
is_spec_field (const CairnEventSpec *spec,
               const char           *name)
{
  for (guint i = 0; i < CAIRN_EVENT_MAX_FIELDS && spec->fields[i].name != NULL; i++)
    if (g_str_equal (spec->fields[i].name, name))
      return TRUE;
  return FALSE;
}

static void
set_unexpected (GError     **error,
                const char  *event_name,
                const char  *member)
{
  /* The name comes from the sender: a JSON escape of a lone surrogate
   * ("\ud66d") reads back as bytes that are not UTF-8, and an error
   * message must be. */
  g_autofree char *shown = g_utf8_make_valid (member, -1);

  g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
               "%s: unexpected field “%s”", event_name, shown);
}

static const char *
lookup_json (gconstpointer  args,
             const char    *name,
             gboolean      *present)
{
  JsonNode *node = json_object_get_member ((JsonObject *) args, name);

  *present = node != NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
lookup_flat (gconstpointer  args,
             const char    *name,
             gboolean      *present)
{
  const CairnFlatMember *member = _cairn_flat_args_lookup (args, name);

  *present = member != NULL;
  if (member == NULL || member->node_type != JSON_NODE_VALUE ||
      member->value_type != G_TYPE_STRING)
    return NULL;
  return member->string;
}

static gboolean
set_unknown (GError     **error,
             const char  *name,
             guint        version)
{
  g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_UNKNOWN,
               "Unknown event “%s” version %u", name, version);
  return FALSE;
}

gboolean
cairn_event_validate (const CairnEvent  *self,
                      GError           **error)
{
  const CairnEventSpec *spec;
  g_autoptr(GList) members = NULL;
  guint n_present;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _cairn_event_ensure_args (self);
  spec = _cairn_event_lookup_spec (self->name, self->version);
  if (spec == NULL)
    return set_unknown (error, self->name, self->version);
  if (!validate_fields (self->name, spec, lookup_json, self->args, &n_present, error))
    return FALSE;

  /* Member names are unique, and so are a spec's field names: when every
   * member is a field found above, the counts agree. Only otherwise look
   * for the stranger (without allocating a list for every event). */
  if (json_object_get_size (self->args) == n_present)
    return TRUE;
  members = json_object_get_members (self->args);
  for (const GList *l = members; l != NULL; l = l->next)
    if (!is_spec_field (spec, l->data))
      {
        set_unexpected (error, self->name, l->data);
        return FALSE;
      }
  return TRUE;
}

gboolean
cairn_event_check_limits (const CairnEvent  *self,
                          GError           **error)
{
  g_autofree char *args = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  args = cairn_event_dup_args_json (self);
  return _cairn_event_check_limits_args (self, args, error);
}

gboolean
_cairn_event_check_limits_args (const CairnEvent  *self,
                                const char        *args,
                                GError           **error)
{
  g_autoptr(GList) members = NULL;
  const char *largest = NULL;
  gsize largest_bytes = 0;
  gsize n;

  if (strlen (self->name) > CAIRN_EVENT_MAX_NAME_BYTES)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_TOO_LARGE,
                   "%s: the event name is longer than the %d bytes the server accepts",
                   self->name, CAIRN_EVENT_MAX_NAME_BYTES);
      return FALSE;
    }
  if (self->version < 1 || self->version > CAIRN_EVENT_MAX_VERSION)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_TOO_LARGE,
                   "%s: version %u is not one the server accepts (1 to %d)",
                   self->name, self->version, CAIRN_EVENT_MAX_VERSION);
      return FALSE;
    }

  n = strlen (args);
  if (n <= CAIRN_EVENT_MAX_ARGS_BYTES)
    return TRUE;

  /* Name the field that makes it large (by its text's length: the JSON
   * escapes add little to the strings events carry). */
  members = json_object_get_members (_cairn_event_ensure_args (self));
  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (self->args, l->data);
      gsize bytes = JSON_NODE_HOLDS_VALUE (node) &&
                    json_node_get_value_type (node) == G_TYPE_STRING
                    ? strlen (json_node_get_string (node)) : 0;

      if (largest == NULL || bytes > largest_bytes)
        {
          largest = l->data;
          largest_bytes = bytes;
        }
    }
  g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_TOO_LARGE,
               "%s: “%s” is too large: the event's args would be %" G_GSIZE_FORMAT
               " bytes, more than the %d the server accepts",
               self->name, largest != NULL ? largest : "args", n, CAIRN_EVENT_MAX_ARGS_BYTES);
  return FALSE;
}

gboolean
_cairn_event_validate_flat (const char          *name,
                            guint                version,
                            const CairnFlatArgs *args,
                            GError             **error)
{
  const CairnEventSpec *spec;
  guint n_present;

  g_return_val_if_fail (name != NULL && args != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  spec = _cairn_event_lookup_spec (name, version);
  if (spec == NULL)
    return set_unknown (error, name, version);
  if (!validate_fields (name, spec, lookup_flat, args, &n_present, error))
    return FALSE;
  if (args->n_members == n_present)
    return TRUE;
  for (guint i = 0; i < args->n_members; i++)
    if (!is_spec_field (spec, args->members[i].name))
      {
        set_unexpected (error, name, args->members[i].name);
        return FALSE;
      }
  return TRUE;
}

CairnEvent *
cairn_event_upcast (const CairnEvent *self)
{
  g_autoptr(CairnEvent) current = cairn_event_ref ((CairnEvent *) self);
  gboolean progress = TRUE;

  _cairn_event_ensure_args (self);
  while (progress)
    {
      progress = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (upcasters); i++)
        {
          const CairnUpcaster *u = &upcasters[i];
          g_autoptr(JsonObject) args = NULL;
          CairnEvent *next;

          if (u->name == NULL || u->from_version != current->version ||
              !g_str_equal (u->name, current->name))
            continue;

          args = u->upcast (current->args);
          next = _cairn_event_copy (current);
          json_object_unref (next->args);
          next->args = g_steal_pointer (&args);
          next->version = u->from_version + 1;
          g_clear_pointer (&current, cairn_event_unref);
          current = next;
          progress = TRUE;
          break;
        }
    }

  return g_steal_pointer (&current);
}

/* JSON */

static JsonNode *
canonical_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *src = json_node_get_object (node);
      g_autoptr(JsonObject) dst = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (src);
      JsonNode *result;

      members = g_list_sort (members, (GCompareFunc) strcmp);
      for (const GList *l = members; l != NULL; l = l->next)
        json_object_set_member (dst, l->data,
                                canonical_copy (json_object_get_member (src, l->data)));
      result = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (result, dst);
      return result;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *src = json_node_get_array (node);
      g_autoptr(JsonArray) dst = json_array_new ();
      JsonNode *result;

      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst, canonical_copy (json_array_get_element (src, i)));
      result = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (result, dst);
      return result;
    }

  return json_node_copy (node);
}

/* TRUE if json-glib writes s between quotes as it is (no escapes). */
static gboolean
needs_no_escape (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* The common case, written directly: a flat object of plain strings (every
 * event args today). The same bytes as the general path below
 * (test-event.c compares them); NULL when it does not apply. */
static char *
flat_strings_json (JsonObject *args)
{
  g_autoptr(GList) members = json_object_get_members (args);
  GString *out = g_string_sized_new (160);

  members = g_list_sort (members, (GCompareFunc) strcmp);
  g_string_append_c (out, '{');
  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (args, l->data);
      const char *value;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !needs_no_escape (l->data) || !needs_no_escape (value = json_node_get_string (node)))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      if (l != members)
        g_string_append_c (out, ',');
      g_string_append_c (out, '"');
      g_string_append (out, l->data);
      g_string_append (out, "\":\"");
      g_string_append (out, value);
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
cairn_event_dup_args_json (const CairnEvent *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) canonical = NULL;
  char *flat;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->args == NULL)
    return g_strdup (self->args_text);
  if ((flat = flat_strings_json (self->args)) != NULL)
    return flat;
  node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, self->args);
  canonical = canonical_copy (node);
  return json_to_string (canonical, FALSE);
}

JsonNode *
cairn_event_to_json (const CairnEvent *self)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_string_member (obj, "name", self->name);
  json_object_set_int_member (obj, "version", self->version);
  json_object_set_object_member (obj, "args", json_object_ref (_cairn_event_ensure_args (self)));
  if (self->client_id != NULL)
    json_object_set_string_member (obj, "client_id", self->client_id);
  json_object_set_int_member (obj, "client_seq", self->client_seq);
  json_object_set_int_member (obj, "created_at", self->created_at);
  if (self->seq > 0)
    json_object_set_int_member (obj, "seq", self->seq);
  if (self->device != NULL)
    json_object_set_string_member (obj, "device", self->device);
  if (self->user != NULL)
    json_object_set_string_member (obj, "user", self->user);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, obj);
  return node;
}

static gboolean
get_int_member (JsonObject  *obj,
                const char  *member,
                gboolean     optional,
                gint64       min,
                gint64      *out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL)
    {
      if (optional)
        return TRUE;
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “%s” is missing", member);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “%s” must be an integer", member);
      return FALSE;
    }

  *out = json_node_get_int (node);
  if (*out < min)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “%s” must be at least %" G_GINT64_FORMAT, member, min);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_string_member (JsonObject   *obj,
                   const char   *member,
                   gboolean      optional,
                   const char  **out,
                   GError      **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || (optional && JSON_NODE_HOLDS_NULL (node)))
    {
      if (optional)
        return TRUE;
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “%s” is missing", member);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “%s” must be a string", member);
      return FALSE;
    }

  *out = json_node_get_string (node);
  return TRUE;
}

/* Whether @text (already read by the flat scanner: one object, no
 * whitespace, no repeated member) is byte for byte what
 * flat_strings_json() writes for it: plain string values, no escape,
 * members in strcmp order. */
static gboolean
is_canonical_flat (const char *text)
{
  const char *p = text, *prev = NULL;
  gsize prev_len = 0;

  if (*p++ != '{')
    return FALSE;
  if (*p == '}')
    return p[1] == '\0';
  for (;;)
    {
      const char *key, *end;
      gsize len;
      int cmp;

      if (*p++ != '"')
        return FALSE;
      key = p;
      while (*p != '"')
        {
          if (*p == '\0' || (guchar) *p < 0x20 || *p == '\\' || *p == 0x7f)
            return FALSE;
          p++;
        }
      len = p - key;
      if (prev != NULL)
        {
          cmp = strncmp (prev, key, MIN (prev_len, len));
          if (cmp > 0 || (cmp == 0 && prev_len >= len))
            return FALSE;
        }
      prev = key;
      prev_len = len;
      if (*++p != ':' || *++p != '"')
        return FALSE;
      end = ++p;
      while (*end != '"')
        {
          if (*end == '\0' || (guchar) *end < 0x20 || *end == '\\' || *end == 0x7f)
            return FALSE;
          end++;
        }
      p = end + 1;
      if (*p == '}')
        return p[1] == '\0';
      if (*p++ != ',')
        return FALSE;
    }
}

CairnEvent *
cairn_event_new_from_args_json (const char  *name,
                                guint        version,
                                const char  *args_json,
                                GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  CairnJsonGuardResult guard;
  gsize at = 0;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (args_json != NULL, NULL);

  if ((args = _cairn_event_args_scan (args_json, -1)) != NULL)
    {
      CairnEvent *event = cairn_event_new (name, version, args);

      if (is_canonical_flat (args_json))
        event->args_text = g_strdup (args_json);
      return event;
    }

  /* json-glib recurses without limit, cuts strings at an escaped NUL, and
   * writes fractions and large numbers back as text that is not JSON. */
  guard = cairn_json_guard (args_json, -1, CAIRN_JSON_GUARD_INTEGERS, &at);
  if (guard != CAIRN_JSON_GUARD_OK)
    {
      g_autofree char *why = cairn_json_guard_message (guard, at);

      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID, "args are not a JSON object that can be read exactly: %s", why);
      return NULL;
    }
  node = json_from_string (args_json, &local_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "args are not a JSON object%s%s",
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }
  if (cairn_json_node_has_fraction (node))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "args hold a number with a fraction or exponent (only integers are kept exactly)");
      return NULL;
    }
  return cairn_event_new (name, version, json_node_get_object (node));
}

/* One string of canonical flat text, *pp at its opening quote: copied to
 * *out with its NUL, *pp left after the closing quote; *high gets the
 * bits of bytes above ASCII. FALSE at an escape, a control, DEL or the
 * end of the text (NUL). */
static gboolean
copy_plain_string (const char **pp,
                   char       **out,
                   guchar      *high)
{
  const char *p = *pp;
  char *o = *out;

  if (*p++ != '"')
    return FALSE;
  while (*p != '"')
    {
      guchar c = *p;

      if (c < 0x20 || c == '\\' || c == 0x7f)
        return FALSE;
      *high |= c & 0x80;
      *o++ = *p++;
    }
  *o++ = '\0';
  *pp = p + 1;
  *out = o;
  return TRUE;
}

/* What _cairn_flat_args_scan() and is_canonical_flat() both accept, read
 * in one pass (issue 17, third round: the two passes were 4 % of a
 * catch-up): string members only, no escape, names in strcmp order, at
 * most CAIRN_FLAT_ARGS_MAX, valid UTF-8. FALSE for anything else, which
 * the two-step way then decides. */
static gboolean
scan_canonical_flat (CairnFlatArgs *args,
                     const char    *text)
{
  gsize length = strlen (text);
  const char *p = text + 1;
  const char *prev = NULL;
  char *o;

  args->n_members = 0;
  if (length < 2 || text[0] != '{')
    return FALSE;
  /* Each string takes one byte more than its quoted text less two. */
  if (args->text_size < length)
    {
      g_free (args->text);
      args->text_size = MAX (length, 256);
      args->text = g_malloc (args->text_size);
    }
  o = args->text;
  if (*p == '}')
    return p[1] == '\0';
  for (;;)
    {
      CairnFlatMember *m;
      const char *key = o, *value;
      guchar high = 0;

      if (args->n_members == CAIRN_FLAT_ARGS_MAX ||
          !copy_plain_string (&p, &o, &high) || *key == '\0' ||
          (prev != NULL && strcmp (prev, key) >= 0) || *p++ != ':')
        break;
      value = o;
      if (!copy_plain_string (&p, &o, &high) ||
          (high != 0 && (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))))
        break;
      m = &args->members[args->n_members++];
      m->name = key;
      m->node_type = JSON_NODE_VALUE;
      m->value_type = G_TYPE_STRING;
      m->string = value;
      m->number = 0;
      prev = key;
      if (*p == '}')
        {
          if (p[1] == '\0')
            return TRUE;
          break;
        }
      if (*p++ != ',')
        break;
    }
  args->n_members = 0;
  return FALSE;
}

CairnEvent *
_cairn_event_new_wire (const char  *name,
                       guint        version,
                       const char  *args_json,
                       GError     **error)
{
  CairnFlatArgs *flat;
  CairnEvent *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (args_json != NULL, NULL);

  flat = g_new (CairnFlatArgs, 1);
  _cairn_flat_args_init (flat);
  if (!scan_canonical_flat (flat, args_json) &&
      (!_cairn_flat_args_scan (flat, args_json, -1) || !is_canonical_flat (args_json)))
    {
      _cairn_flat_args_clear (flat);
      g_free (flat);
      return cairn_event_new_from_args_json (name, version, args_json, error);
    }
  self = g_new0 (CairnEvent, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->version = version;
  self->flat = flat;
  self->args_text = g_strdup (args_json);

  /* Checked as the store would check it (apply_flat(): an older version
   * that upcasting keeps as it is, as its newest), here rather than on
   * the store's thread. Invalid or unknown: left for the store to say. */
  {
    const CairnEventSpec *spec = _cairn_event_lookup_spec (name, version), *newest;
    guint as = version;

    if (spec != NULL && !_cairn_event_spec_is_newest (spec) &&
        (newest = _cairn_event_spec_upcast_as_is (spec)) != NULL)
      as = newest->version;
    if (spec != NULL && _cairn_event_validate_flat (name, as, flat, NULL))
      self->flat_valid_as = as;
  }
  return self;
}

const CairnFlatArgs *
_cairn_event_get_flat (const CairnEvent *event)
{
  return event->args == NULL ? event->flat : NULL;
}

JsonObject *
_cairn_event_ensure_args (const CairnEvent *event)
{
  CairnEvent *self = (CairnEvent *) event;

  if (self->args == NULL)
    {
      g_assert (self->flat != NULL);
      self->args = _cairn_flat_args_to_object (self->flat);
    }
  return self->args;
}

CairnEvent *
cairn_event_new_from_json (JsonNode  *node,
                           GError   **error)
{
  JsonObject *obj;
  JsonNode *args;
  const char *name = NULL, *client_id = NULL, *device = NULL, *user = NULL;
  gint64 version = 0, client_seq = 0, created_at = 0, seq = 0;
  CairnEvent *self;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (node);

  if (!get_string_member (obj, "name", FALSE, &name, error) ||
      !get_int_member (obj, "version", FALSE, 1, &version, error) ||
      !get_string_member (obj, "client_id", TRUE, &client_id, error) ||
      !get_int_member (obj, "client_seq", TRUE, 0, &client_seq, error) ||
      !get_int_member (obj, "created_at", TRUE, 0, &created_at, error) ||
      !get_int_member (obj, "seq", TRUE, 0, &seq, error) ||
      !get_string_member (obj, "device", TRUE, &device, error) ||
      !get_string_member (obj, "user", TRUE, &user, error))
    return NULL;

  if (*name == '\0' || strlen (name) > 100 || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “name” must be 1 to 100 bytes of UTF-8");
      return NULL;
    }
  if (version > G_MAXUINT)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “version” is too large");
      return NULL;
    }
  if (client_id != NULL && !cairn_is_client_id (client_id))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “client_id” must be 32 lowercase hex digits");
      return NULL;
    }
  if (device != NULL && !g_utf8_validate (device, -1, NULL))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “device” is not valid UTF-8");
      return NULL;
    }
  if (user != NULL && !g_utf8_validate (user, -1, NULL))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “user” is not valid UTF-8");
      return NULL;
    }

  args = json_object_get_member (obj, "args");
  if (args == NULL || !JSON_NODE_HOLDS_OBJECT (args))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Event: “args” must be a JSON object");
      return NULL;
    }

  self = cairn_event_new (name, (guint) version, json_node_get_object (args));
  self->client_id = g_strdup (client_id);
  self->client_seq = client_seq;
  self->created_at = created_at;
  self->seq = seq;
  self->device = g_strdup (device);
  self->user = g_strdup (user);
  return self;
}

/* Ids */

char *
cairn_new_object_id (void)
{
  guint8 b[16];
  guint64 ms = (guint64) (g_get_real_time () / 1000);

  /* UUIDv7 (RFC 9562): 48-bit big-endian Unix milliseconds, version 7,
   * then random bits with the 10 variant. */
  for (guint i = 0; i < 6; i++)
    b[i] = (guint8) (ms >> (8 * (5 - i)));
  for (guint i = 6; i < 16; i += 4)
    {
      guint32 r = g_random_int ();

      for (guint j = 0; j < 4 && i + j < 16; j++)
        b[i + j] = (guint8) (r >> (8 * j));
    }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;

  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

