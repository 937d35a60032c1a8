#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-fault-cli.py: what cairn-cli tells a person when the disk is full.
# Runs cairn-cli-fault (cairn-cli over the fault VFS, whose disk is full
# while CAIRN_FAULT_FULL_FLAG names an existing file): a change is refused
# with an error that names the file and the full disk, nothing of it is
# stored, reading still works, and the same change succeeds once there is
# space. Usage: test-fault-cli.py PATH-TO-CAIRN-CLI-FAULT
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-fault-cli-")
        self.profile = os.path.join(self.tmp.name, "profile")
        self.flag = os.path.join(self.tmp.name, "disk-full")

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args):
        env = dict(os.environ)
        env.pop("CAIRN_PROFILE", None)
        env["CAIRN_FAULT_FULL_FLAG"] = self.flag
        p = subprocess.run([CLI, "--profile", self.profile, *args],
                           capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args):
        code, out, err = self.run_cli(*args)
        self.assertEqual(code, 0, f"cairn-cli {' '.join(args)}: {err}")
        return out

    def test_full_disk(self):
        list_id = self.ok("list-add", "Groceries").strip()
        self.ok("add", list_id, "bread")

        open(self.flag, "w").close()
        code, out, err = self.run_cli("add", list_id, "milk")
        # Refused with an error, not a crash.
        self.assertEqual(code, 1, err)
        self.assertIn("the disk is full", err)
        self.assertIn(os.path.join(self.profile, "workspaces"), err)
        self.assertNotIn("CRITICAL", err)
        # Reading works on a full disk, and shows nothing of the refused change.
        todos = self.ok("todos", list_id)
        self.assertIn("bread", todos)
        self.assertNotIn("milk", todos)

        os.unlink(self.flag)
        self.ok("add", list_id, "milk")
        todos = self.ok("todos", list_id)
        self.assertIn("bread", todos)
        self.assertIn("milk", todos)
        self.ok("rebuild")
        self.assertEqual(self.ok("todos", list_id), todos)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
