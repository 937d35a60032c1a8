/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-history-private.h: the log's index by object id (issue 15),
 * shared by the schema step that makes it and the store that rebuilds it
 * when it is missing. */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

/* The object an event is about: the args member named after the first
 * word of its name ("todo.renamed" -> todo_id, "note.edited" -> note_id,
 * "list.…" -> list_id, "tag.…" -> tag_id); NULL for anything else. */
#define CAIRN_HISTORY_OBJECT_OF(row) \
  "(CASE WHEN json_valid (" row ".args) THEN json_extract (" row ".args, '$.' || " \
  "substr (" row ".name, 1, instr (" row ".name, '.') - 1) || '_id') END)"

/* log_objects: (object id, seq) for every log row about an object. Derived
 * state, local, never synced, outside changesets: the triggers keep it in
 * the transaction that writes or deletes the log row; filled from the log
 * when made. */
#define CAIRN_HISTORY_INDEX_SQL \
  "CREATE TABLE log_objects (" \
  "  object_id TEXT NOT NULL," \
  "  seq INTEGER NOT NULL," \
  "  PRIMARY KEY (object_id, seq)" \
  ") WITHOUT ROWID;" \
  "CREATE TRIGGER log_objects_add AFTER INSERT ON log " \
  "  WHEN " CAIRN_HISTORY_OBJECT_OF ("NEW") " IS NOT NULL BEGIN " \
  "  INSERT OR IGNORE INTO log_objects VALUES (" CAIRN_HISTORY_OBJECT_OF ("NEW") ", NEW.seq); " \
  "END;" \
  "CREATE TRIGGER log_objects_remove AFTER DELETE ON log BEGIN " \
  "  DELETE FROM log_objects WHERE object_id = " CAIRN_HISTORY_OBJECT_OF ("OLD") \
  "    AND seq = OLD.seq; " \
  "END;" \
  "INSERT OR IGNORE INTO log_objects SELECT " CAIRN_HISTORY_OBJECT_OF ("log") ", seq FROM log " \
  "  WHERE " CAIRN_HISTORY_OBJECT_OF ("log") " IS NOT NULL;"

/* Makes log_objects (and its triggers) again when it is missing, from
 * the log: what a file whose index was dropped needs. */
gboolean _cairn_store_history_ensure_index (CairnStore  *self,
                                            GError     **error);

G_END_DECLS
