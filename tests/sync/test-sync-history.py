#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-sync-history.py: history, activity and revert (issue 15) through the
# real cairn-server and cairn-cli: a workspace shared by two users, the
# user and device of every change, and restoring a note's body after the
# other user's later edits, on both devices.
# Usage: test-sync-history.py CAIRN-SERVER CAIRN-CLI
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from cairn_test_store import ServerStore  # noqa: E402  (a data folder, or PostgreSQL)

SERVER = None
CLI = None
PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-1"}


class Server:
    def __init__(self, tmp):
        self.env = dict(os.environ, CAIRN_SERVER_ARGON2_FAST="1")
        self.store = ServerStore(tmp)
        self.log = open(os.path.join(tmp, "server.log"), "a")
        for user, password in PASSWORDS.items():
            subprocess.run([SERVER, "user", "add", user, *self.store.args()],
                           input=password + "\n", text=True, check=True, env=self.env,
                           capture_output=True)
        self.proc = subprocess.Popen([SERVER, "serve", *self.store.args(), "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, env=self.env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"cairn-server did not say where it listens: {line!r}")
        self.url = m.group(1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.log.close()


class Device:
    def __init__(self, tmp, user, name):
        self.user = user
        self.name = name
        self.profile = os.path.join(tmp, name)

    def run(self, *args, input=None):
        env = dict(os.environ)  # CAIRN_TOKEN_STORE=file from test_env
        env.pop("CAIRN_PROFILE", None)
        p = subprocess.run([CLI, "--profile", self.profile, *args], input=input,
                           capture_output=True, text=True, env=env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args):
        code, out, err = self.run(*args)
        if code != 0:
            raise AssertionError(f"{self.name}: cairn-cli {' '.join(args[:3])} exited {code}: {err}")
        return out

    def json(self, *args):
        return json.loads(self.ok("--json", *args))

    def login(self, server):
        code, out, err = self.run("login", server.url, self.user, "--device", self.name,
                                  input=PASSWORDS[self.user] + "\n")
        if code != 0:
            raise AssertionError(f"{self.name}: login exited {code}: {err}")


class HistorySyncTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cairn-test-history-")
        self.server = Server(self.tmp)
        self.ann = Device(self.tmp, "ann", "laptop")
        self.bob = Device(self.tmp, "bob", "phone")
        self.ann.login(self.server)
        self.bob.login(self.server)
        ws = [w for w in self.ann.json("workspaces") if w["name"] == "ann"]
        self.assertEqual(len(ws), 1, self.ann.json("workspaces"))
        self.ann.ok("share", ws[0]["id"], "bob")
        self.bob.ok("workspace-use", ws[0]["id"])

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_fails(self, device, message, *args):
        """Exit 1, the message on stderr, nothing on stdout, nothing changed."""
        before = device.ok("--json", "state")
        code, out, err = device.run(*args)
        self.assertEqual(code, 1, f"{args}: {err!r}")
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("cairn-cli: "), err)
        self.assertIn(message, err)
        self.assertEqual(device.ok("--json", "state"), before)
        self.assertEqual(device.json("status")["pending"], 0)

    def test_revert_note_after_other_users_edits(self):
        ann, bob = self.ann, self.bob
        note = ann.ok("note-add", "Week").strip()
        ann.ok("note-insert", note, "0", "Monday: call Eve")
        ann.ok("sync")
        bob.ok("sync")
        # bob edits the same note, then ann edits it again on top
        bob.ok("note-insert", note, "0", "Sunday: rest. ")
        bob.ok("note-rename", note, "This week")
        bob.ok("sync")
        ann.ok("sync")
        ann.ok("note-insert", note, "30", " and Mallory")
        ann.ok("sync")
        bob.ok("sync")
        self.assertEqual(bob.json("note-show", note)["body"],
                         "Sunday: rest. Monday: call Eve and Mallory")

        # Both see who changed what: user and device.
        history = bob.json("history", note)
        who = [(e["event"], e["user"], e["device"]) for e in history]
        self.assertEqual(who, [("note.created", "ann", "laptop"),
                               ("note.edited", "ann", "laptop"),
                               ("note.edited", "bob", "phone"),
                               ("note.renamed", "bob", "phone"),
                               ("note.edited", "ann", "laptop")])
        self.assertTrue(all(not e["pending"] for e in history))
        self.assertEqual(history[2]["changes"], [{"field": "body", "inserted": "Sunday: rest. ",
                                                  "deleted": None}])
        self.assertEqual(history[3]["changes"], [{"field": "title", "old": "Week", "new": "This week"}])
        # The same history on ann's laptop, but for whose device made it.
        mine = ann.json("history", note)
        self.assertEqual([e["own"] for e in mine], [True, True, False, False, True])
        self.assertEqual([{**e, "own": None} for e in mine], [{**e, "own": None} for e in history])
        text = ann.ok("history", note)
        self.assertIn("bob on phone", text)
        self.assertIn("title: Week → This week", text)

        # ann's activity since before bob's changes: the note, bob's first.
        since = history[1]["seq"]
        activity = ann.json("activity", "--since", str(since))
        self.assertEqual(activity[0]["id"], note)
        self.assertTrue(activity[0]["others"])
        self.assertEqual(activity[0]["users"], ["bob", "ann"])
        self.assertEqual(activity[0]["devices"], ["phone", "laptop"])
        self.assertEqual(activity[0]["title"], "This week")

        # Bad input: exit 1, a message, nothing changed.
        todo = ann.ok("add", ann.ok("inbox").strip(), "Other").strip()
        ann.ok("sync")
        todo_seq = ann.json("history", todo)[0]["seq"]
        self.assert_fails(ann, "No todo, list, note or tag with id nope", "revert", "nope", "--to", "1")
        self.assert_fails(ann, "No todo, list, note or tag with id nope", "history", "nope")
        self.assert_fails(ann, "is past the last confirmed change", "revert", note, "--to", "9999")
        self.assert_fails(ann, "is not the seq of a confirmed change of", "revert", note, "--to", str(todo_seq))
        self.assert_fails(ann, "must be a seq", "revert", note, "--to", "first")
        self.assert_fails(ann, "must be a seq", "revert", note, "--to", "0")
        self.assert_fails(ann, "must be a seq", "activity", "--since", "-1")
        self.assert_fails(ann, "is past the last confirmed change", "activity", "--since", "9999")

        # Restore the version after ann's first edit: exactly that body,
        # on both devices, whoever edited since.
        out = ann.json("revert", note, "--to", str(history[1]["seq"]))
        self.assertEqual(out["events"], 2)   # renamed, edited
        self.assertEqual(ann.json("note-show", note)["body"], "Monday: call Eve")
        ann.ok("sync")
        bob.ok("sync")
        self.assertEqual(bob.json("note-show", note)["body"], "Monday: call Eve")
        self.assertEqual(bob.json("note-show", note)["title"], "Week")
        self.assertEqual(ann.ok("--json", "state"), bob.ok("--json", "state"))
        # The revert is itself in the history, as ann's changes.
        last = bob.json("history", note)[-2:]
        self.assertEqual([(e["event"], e["user"]) for e in last],
                         [("note.renamed", "ann"), ("note.edited", "ann")])


if __name__ == "__main__":
    SERVER, CLI = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
