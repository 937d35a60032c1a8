/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-history-private.h: the log's index by object id (issue 15),
 * shared by the schema step that makes it and the store that rebuilds it
 * when it is missing. */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

/* The object an event is about: the args member named after the first
 * word of its name ("todo.renamed" -> todo_id, "note.edited" -> note_id,
 * "list.…" -> list_id, "tag.…" -> tag_id); NULL for anything else. Args
 * in the log and the outbox are always a JSON object (the protocol's
 * decoder and cairn_store_commit() check), so json_extract() is not
 * guarded by json_valid(), which would parse every row twice: the
 * parse is most of what the index costs a catch-up (BENCHMARKS.md). */
#define CAIRN_HISTORY_OBJECT_OF(row) \
  "json_extract (" row ".args, '$.' || substr (" row ".name, 1, instr (" row ".name, '.') - 1) || '_id')"

/* log_objects: one row per log row about an object, keyed (object id,
 * seq), so that an object's history reads a few adjacent pages instead
 * of one scattered log page per change. It covers what the history reads
 * (name, who, when, skipped) and the args when they are short (at most
 * CAIRN_HISTORY_SHORT_ARGS bytes: field changes; text edits, which can be
 * 64 KiB, are read from the log). Derived state, local, never synced,
 * outside changesets: the triggers keep it in the transaction that
 * writes, updates (skipped) or deletes the log row; filled from the log
 * when made. */
#define CAIRN_HISTORY_SHORT_ARGS "256"
#define CAIRN_HISTORY_INDEX_COLUMNS(row) \
  CAIRN_HISTORY_OBJECT_OF (row) ", " row ".seq, " row ".name, " row ".client_id, " \
  row ".client_seq, " row ".created_at, " row ".device, " row ".user_name, " row ".skipped, " \
  "CASE WHEN length (" row ".args) <= " CAIRN_HISTORY_SHORT_ARGS " THEN " row ".args END"
#define CAIRN_HISTORY_INDEX_SQL \
  "CREATE TABLE log_objects (" \
  "  object_id TEXT NOT NULL," \
  "  seq INTEGER NOT NULL," \
  "  name TEXT NOT NULL," \
  "  client_id TEXT NOT NULL," \
  "  client_seq INTEGER NOT NULL," \
  "  created_at INTEGER NOT NULL," \
  "  device TEXT," \
  "  user_name TEXT," \
  "  skipped INTEGER NOT NULL," \
  "  args TEXT," \
  "  PRIMARY KEY (object_id, seq)" \
  ") WITHOUT ROWID;" \
  "CREATE TRIGGER log_objects_add AFTER INSERT ON log BEGIN " \
  "  INSERT OR REPLACE INTO log_objects SELECT o, NEW.seq, NEW.name, NEW.client_id, NEW.client_seq, " \
  "    NEW.created_at, NEW.device, NEW.user_name, NEW.skipped, " \
  "    CASE WHEN length (NEW.args) <= " CAIRN_HISTORY_SHORT_ARGS " THEN NEW.args END " \
  "  FROM (SELECT " CAIRN_HISTORY_OBJECT_OF ("NEW") " AS o) WHERE o IS NOT NULL; " \
  "END;" \
  "CREATE TRIGGER log_objects_skip AFTER UPDATE OF skipped ON log BEGIN " \
  "  UPDATE log_objects SET skipped = NEW.skipped WHERE object_id = " CAIRN_HISTORY_OBJECT_OF ("NEW") \
  "    AND seq = NEW.seq; " \
  "END;" \
  "CREATE TRIGGER log_objects_remove AFTER DELETE ON log BEGIN " \
  "  DELETE FROM log_objects WHERE object_id = " CAIRN_HISTORY_OBJECT_OF ("OLD") \
  "    AND seq = OLD.seq; " \
  "END;" \
  "INSERT OR REPLACE INTO log_objects SELECT " CAIRN_HISTORY_INDEX_COLUMNS ("log") " FROM log " \
  "  WHERE " CAIRN_HISTORY_OBJECT_OF ("log") " IS NOT NULL;"

/* Makes log_objects (and its triggers) again when it is missing, from
 * the log: what a file whose index was dropped needs. */
gboolean _cairn_store_history_ensure_index (CairnStore  *self,
                                            GError     **error);

/* The index's gap (meta.history_gap_from..history_gap_to): the log rows
 * of large batches, written without their index rows
 * (cairn-store-tail.c). _cairn_store_history_fill() indexes up to
 * @max_events of them from the start of the gap, in the caller's
 * transaction or its own, and says in *out_done whether the gap is
 * closed; a history fills the whole gap before it reads.
 * _cairn_store_history_schedule_fill() fills it a step at a time when
 * the thread-default main context is idle, unless the store's idle work
 * is off (cairn_store_set_idle_work()). */
gboolean _cairn_store_history_fill          (CairnStore  *self,
                                            gint64       max_events,
                                            gboolean    *out_done,
                                            GError     **error);
void     _cairn_store_history_schedule_fill (CairnStore  *self);
void     _cairn_store_history_cancel_fill   (CairnStore  *self);

G_END_DECLS
