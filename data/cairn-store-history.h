/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-history.h: history from the log (issue 15). Every change of
 * a todo, list, note or tag, field by field; what changed in the
 * workspace since a point (activity); and restoring an object as it was
 * after one of its changes, as new events. See docs/store.md, "History".
 */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

/* One field an event changed. Values are text as a person reads them
 * ("yes"/"no", dates, tag names joined by ", "); NULL is "none". For the
 * text fields ("body" of a note, "notes" of a todo) old and new are NULL,
 * and inserted / deleted say what the event put in and took out (NULL
 * when nothing), shortened to 60 characters for display. */
typedef struct
{
  const char *field;   /* static: "title", "done", "body" … */
  char *old_value;
  char *new_value;
  char *inserted;
  char *deleted;
} CairnHistoryChange;

/* One event of an object's history. seq 0: pending (not confirmed yet).
 * Its strings are interned (g_intern_string(): a few names repeated on
 * every entry), never freed.
 * user and device: NULL when unknown (this device's pending events, and
 * events from a server older than issue 15 for user). changes is empty
 * for an event that changed nothing (a rename to the same title, an event
 * the reducers skipped). */
typedef struct
{
  gint64     seq;
  gint64     client_seq;
  gint64     created_at;   /* unix ms, as the maker's clock said */
  const char *client_id;
  const char *user;
  const char *device;
  gboolean   own;          /* made by this store's client */
  const char *event;       /* "todo.renamed" */
  GPtrArray *changes;      /* CairnHistoryChange* */
} CairnHistoryEntry;

void  cairn_history_change_free (CairnHistoryChange *self);
void  cairn_history_entry_free  (CairnHistoryEntry  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnHistoryEntry, cairn_history_entry_free)

/* The history of @object_id (a todo, list, note or tag), confirmed events
 * in seq order, then pending ones: CairnHistoryEntry*. Old values come
 * from walking the object's events in order (log_objects finds them).
 * NOT_FOUND when no event is about @object_id. */
GPtrArray *cairn_store_get_history     (CairnStore  *self,
                                        const char  *object_id,
                                        GError     **error);

/* What changed since a point, one item per object. */
typedef struct
{
  char      *object_id;
  char      *kind;         /* "todo", "list", "note" or "tag" */
  char      *title;        /* its current title (tag: name); NULL when unknown */
  guint      n_changes;
  gint64     first_seq;
  gint64     last_seq;
  gint64     last_at;      /* created_at of the latest change */
  gboolean   others;       /* some change came from another device */
  GPtrArray *users;        /* char*: distinct users, in order of appearance */
  GPtrArray *devices;      /* char*: distinct devices */
} CairnActivityItem;

void  cairn_activity_item_free  (CairnActivityItem *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnActivityItem, cairn_activity_item_free)

/* The confirmed events with seq > @since_seq, grouped by object
 * (CairnActivityItem*): objects other devices changed first, then those
 * only this device changed; each group latest first. Events about no
 * object are left out. */
GPtrArray *cairn_store_get_activity    (CairnStore  *self,
                                        gint64       since_seq,
                                        GError     **error);

/* "Since this device last had the app open": a seq kept in the workspace
 * file (local, never synced). 0 until first set. */
gint64     cairn_store_get_activity_mark (CairnStore  *self,
                                          GError     **error);
gboolean   cairn_store_set_activity_mark (CairnStore  *self,
                                          gint64       seq,
                                          GError     **error);

/* Makes @object_id equal to the object as it was right after its event
 * @seq (a confirmed event of its history): every field that differs, and
 * the body of a note or the notes of a todo (text ops that turn the
 * current text into the old one), as ordinary new events in one commit
 * (one transaction, one ::changed). *out_n_events (nullable) gets how many
 * (0: it already was). NOT_FOUND, with a message that says which, for an
 * unknown object and for a @seq that is not a confirmed change of it;
 * nothing is changed then. A tag cannot come back from deletion (tag.deleted is final). */
gboolean   cairn_store_revert_object   (CairnStore  *self,
                                        const char  *object_id,
                                        gint64       seq,
                                        guint       *out_n_events,
                                        GError     **error);

/* The same for a version that is still pending: the object as it was
 * right after this device's pending event @client_seq (its history's
 * entry with seq 0 and that client_seq; confirmed events come first, as
 * the history lists them). NOT_FOUND when @client_seq is not a pending
 * change of @object_id (it may have been confirmed since: use its seq). */
gboolean   cairn_store_revert_object_to_pending (CairnStore  *self,
                                                 const char  *object_id,
                                                 gint64       client_seq,
                                                 guint       *out_n_events,
                                                 GError     **error);

G_END_DECLS
