#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-cli-undo.py: `cairn-cli undo` and `redo` end to end (docs/cli.md):
# each run is a new process, so every step also checks that the undo stack
# survives a restart.
# Usage: test-cli-undo.py PATH-TO-CAIRN-CLI
import json
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None
INBOX = "00000000-0000-8000-8000-000000000001"


class CliUndoTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-test-cli-undo-")
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

    def state(self):
        return self.ok("state", "--json")

    def test_nothing_to_undo_or_redo(self):
        before = self.state()
        for command, message in [("undo", "Nothing to undo"), ("redo", "Nothing to redo")]:
            code, out, err = self.run_cli(command)
            self.assertEqual(code, 1)
            self.assertEqual(out, "")
            self.assertEqual(err, f"cairn-cli: {message}\n")
            code, out, err = self.run_cli("--json", command)
            self.assertEqual(code, 1)
            self.assertEqual(out, "")
        self.assertEqual(self.state(), before)

    def test_bad_usage(self):
        code, out, err = self.run_cli("undo", "extra")
        self.assertEqual(code, 2)
        self.assertIn("usage: cairn-cli undo", err)

    def test_undo_redo_chain(self):
        todo = self.ok("add", INBOX, "Milk").strip()
        before = self.state()
        self.ok("rename", todo, "Oat milk")
        self.ok("done", todo)
        after = self.state()

        out = self.ok("undo")
        self.assertEqual(out, f"Completion of task {todo}: put back\n")
        out = self.ok("undo")
        self.assertEqual(out, f"Title of task {todo}: put back\n")
        self.assertEqual(self.state(), before)

        result = json.loads(self.ok("--json", "redo"))
        self.assertTrue(result["redo"])
        self.assertEqual(result["changed"], [{"kind": "todo", "id": todo, "field": "title"}])
        self.assertEqual(result["left"], [])
        self.ok("redo")
        self.assertEqual(self.state(), after)
        code, _, err = self.run_cli("redo")
        self.assertEqual((code, err), (1, "cairn-cli: Nothing to redo\n"))

        # Undo of the creation deletes the task; redo brings it back.
        self.ok("undo")
        self.ok("undo")
        self.assertEqual(self.ok("undo"), f"Task {todo} deleted\n")
        self.assertEqual(self.ok("redo"), f"Task {todo} restored\n")

    def test_left_when_deleted(self):
        todo = self.ok("add", INBOX, "Milk").strip()
        self.ok("rename", todo, "Oat milk")
        # Deleted since by another process of this device is this device's
        # own action: undone first.
        self.ok("rm", todo)
        self.assertEqual(self.ok("undo"), f"Task {todo} restored\n")
        result = json.loads(self.ok("--json", "undo"))
        self.assertEqual(result["changed"][0]["field"], "title")


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
