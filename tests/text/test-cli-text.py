#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-cli-text.py: cairn-cli note-insert / note-delete / note-show end to
# end, as subprocesses with a temporary profile.
# Usage: test-cli-text.py PATH-TO-CAIRN-CLI
import json
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None


class NoteTextCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-test-cli-text-")
        self.profile = os.path.join(self.tmp.name, "profile")

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args):
        env = dict(os.environ)
        env.pop("CAIRN_PROFILE", None)
        p = subprocess.run([CLI, "--profile", self.profile, *args],
                           capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args):
        code, out, err = self.run_cli(*args)
        self.assertEqual(code, 0, f"{args}: {err}")
        return out

    def show(self, note):
        return json.loads(self.ok("--json", "note-show", note))

    def test_edit_and_show(self):
        note = self.ok("note-add", "Trip").strip()
        self.assertEqual(self.ok("note-insert", note, "0", "été à Paris"), "été à Paris\n")
        self.ok("note-insert", note, "4", "🙂 ")
        self.ok("note-delete", note, "0", "1")
        shown = self.show(note)
        self.assertEqual(shown["body"], "té 🙂 à Paris")
        self.assertEqual(shown["length"], 12)
        self.assertEqual(shown["title"], "Trip")
        self.assertEqual(self.ok("note-show", note), "té 🙂 à Paris\n")
        # Each edit is one note.edited event.
        log = json.loads(self.ok("--json", "log"))
        edits = [e for e in log["pending"] if e["name"] == "note.edited"]
        self.assertEqual(len(edits), 3)

    def test_task_notes(self):
        """note-insert / note-delete / note-show on a todo's id work on its
        notes; details and state show them; todos lines do not change."""
        inbox = "00000000-0000-8000-8000-000000000001"
        todo = self.ok("add", inbox, "Pack").strip()
        line_before = self.ok("todos", inbox)
        self.assertEqual(self.ok("note-insert", todo, "0", "tent\nmaps"), "tent\nmaps\n")
        self.ok("note-insert", todo, "4", " + stove")
        self.ok("note-delete", todo, "0", "1")
        shown = json.loads(self.ok("--json", "note-show", todo))
        self.assertEqual(shown["notes"], "ent + stove\nmaps")
        self.assertEqual(shown["length"], 16)
        self.assertNotIn("body", shown)
        self.assertEqual(self.ok("todos", inbox), line_before)
        details = self.ok("details", todo)
        self.assertTrue(details.endswith("notes         16 characters\n  ent + stove\n  maps\n"), details)
        self.assertEqual(json.loads(self.ok("--json", "details", todo))["notes"], "ent + stove\nmaps")
        state = json.loads(self.ok("--json", "state"))
        self.assertEqual([t["notes"] for t in state["todos"]], ["ent + stove\nmaps"])
        log = json.loads(self.ok("--json", "log"))
        self.assertEqual(len([e for e in log["pending"] if e["name"] == "todo.notes_edited"]), 3)
        before = self.ok("state")
        self.ok("rebuild")
        self.assertEqual(self.ok("state"), before)
        # A deleted todo keeps its notes and refuses edits; restored, it
        # has them back.
        self.ok("rm", todo)
        code, _, err = self.run_cli("note-insert", todo, "0", "x")
        self.assertEqual(code, 1)
        self.assertIn(f"Todo {todo} is deleted", err)
        self.ok("restore", todo)
        self.assertEqual(self.ok("note-show", todo), "ent + stove\nmaps\n")
        # No such id.
        code, _, err = self.run_cli("note-show", "01900000-0000-7000-8000-000000000000")
        self.assertEqual(code, 1)
        self.assertIn("No note or todo with id", err)
        # An empty todo's notes.
        other = self.ok("add", inbox, "Other").strip()
        self.assertIn("notes         -", self.ok("details", other))

    def test_bad_input_changes_nothing(self):
        note = self.ok("note-add", "N").strip()
        self.ok("note-insert", note, "0", "abc")
        cases = [
            (1, "past the end", ["note-insert", note, "4", "x"]),
            (1, "only 3 long", ["note-delete", note, "2", "2"]),
            (2, "not a number", ["note-insert", note, "1.5", "x"]),
            (2, "unknown option", ["note-insert", note, "-1", "x"]),
            (2, "not a number", ["note-delete", note, "0", "two"]),
            (1, "not a note or todo id", ["note-insert", "nope", "0", "x"]),
            (1, "No note", ["note-show", "01890a5d-ac96-774b-bcce-b302099a8058"]),
            (2, "usage", ["note-insert", note, "0"]),
        ]
        for code, message, args in cases:
            got, out, err = self.run_cli(*args)
            self.assertEqual(got, code, f"{args}: {err}")
            self.assertIn(message, err)
            self.assertEqual(out, "")
        self.assertEqual(self.show(note)["body"], "abc")
        # A deleted note cannot be edited.
        self.ok("note-rm", note)
        got, out, err = self.run_cli("note-insert", note, "0", "x")
        self.assertEqual(got, 1)
        self.assertIn("deleted", err)

    def test_insert_from_file(self):
        """note-insert --file PATH (or - for standard input) inserts a
        file's text, too large for an argument; bad files change nothing."""
        note = self.ok("note-add", "Big").strip()
        text = "ligne été 🙂\n" * 20000          # ~300 KB, over the 128 KiB of an argument
        path = os.path.join(self.tmp.name, "paste.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.ok("note-insert", note, "0", "--file", path)
        env = dict(os.environ)
        env.pop("CAIRN_PROFILE", None)
        p = subprocess.run([CLI, "--profile", self.profile, "note-insert", note, "0",
                            "--file", "-"], input="[stdin] ", capture_output=True, text=True,
                           env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.show(note)["body"], "[stdin] " + text)
        log = json.loads(self.ok("--json", "log"))
        self.assertGreater(len([e for e in log["pending"] if e["name"] == "note.edited"]), 2)

        bad = os.path.join(self.tmp.name, "bad.bin")
        with open(bad, "wb") as f:
            f.write(b"abc\xff")
        before = self.ok("--json", "log")
        cases = [
            (1, "not UTF-8", ["note-insert", note, "0", "--file", bad]),
            (1, "No such file", ["note-insert", note, "0", "--file",
                                 os.path.join(self.tmp.name, "missing")]),
            (2, "either TEXT or --file", ["note-insert", note, "0", "x", "--file", path]),
            (2, "either TEXT or --file", ["note-insert", note, "0"]),
            (2, "needs a value", ["note-insert", note, "0", "--file"]),
        ]
        for code, message, args in cases:
            got, out, err = self.run_cli(*args)
            self.assertEqual(got, code, f"{args}: {err}")
            self.assertIn(message, err)
            self.assertEqual(out, "")
        self.assertEqual(self.ok("--json", "log"), before)


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
