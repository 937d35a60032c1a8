#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-sync-paste.py: large pastes and events the server refuses, through
# the real cairn-server and cairn-cli (issue 10): a 1 MB paste reaches the
# other device and the changes made after it follow it.
# Usage: test-sync-paste.py CAIRN-SERVER CAIRN-CLI
import base64
import configparser
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from cairn_test_store import ServerStore  # noqa: E402  (a data folder, or PostgreSQL)

SERVER = None
# Every workspace has its Inbox, first, with this id (docs/events.md).
INBOX = "00000000-0000-8000-8000-000000000001"
CLI = None
PASSWORD = "ann-password-1"


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return out


class Server:
    def __init__(self, tmp, extra_env=None):
        self.env = dict(os.environ, CAIRN_SERVER_ARGON2_FAST="1", **(extra_env or {}))
        self.store = ServerStore(tmp)
        self.log = open(os.path.join(tmp, "server.log"), "a")
        self.proc = None
        subprocess.run([SERVER, "user", "add", "ann", *self.store.args()],
                       input=PASSWORD + "\n", text=True, check=True, env=self.env,
                       capture_output=True)
        self.start("127.0.0.1:0")

    def start(self, listen):
        self.proc = subprocess.Popen([SERVER, "serve", *self.store.args(), "--listen", listen],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=self.env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://(127\.0\.0\.1:\d+))", line)
        if not m:
            self.stop()
            raise RuntimeError(f"cairn-server did not say where it listens: {line!r}")
        self.url, self.listen = m.group(1), m.group(2)

    def stop_only(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc.stdout.close()
            self.proc = None

    def stop(self):
        self.stop_only()
        self.log.close()

    def backup(self, path):
        """A backup of the store, taken while the server is stopped."""
        self.stop_only()
        self.store.backup(path)
        self.start(self.listen)

    def restore(self, path):
        """The store put back from a backup, on the same address."""
        self.stop_only()
        self.store.restore(path)
        self.start(self.listen)


class Device:
    def __init__(self, tmp, name):
        self.name = name
        self.profile = os.path.join(tmp, name)

    def run(self, *args, input=None):
        env = dict(os.environ)  # CAIRN_TOKEN_STORE=file from test_env
        env.pop("CAIRN_PROFILE", None)
        p = subprocess.run([CLI, "--profile", self.profile, *args], input=input,
                           capture_output=True, text=True, env=env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args, input=None):
        code, out, err = self.run(*args, input=input)
        if code != 0:
            raise AssertionError(f"{self.name}: cairn-cli {' '.join(args[:3])} exited {code}: {err}")
        return out

    def json(self, *args):
        return json.loads(self.ok("--json", *args))

    def login(self, server):
        self.ok("login", server.url, "ann", "--device", self.name, input=PASSWORD + "\n")


class PasteSyncTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cairn-test-paste-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def server(self, extra_env=None):
        s = Server(self.tmp, extra_env)
        self.servers.append(s)
        return s

    def paste_file(self, n_bytes):
        pieces = ["paste ", "été ", "日本 ", "🙂", "\n"]
        text = "".join(pieces[i % len(pieces)] for i in range(n_bytes // 4))
        while len(text.encode()) < n_bytes:
            text += "x" * 1000
        path = os.path.join(self.tmp, "paste.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path, text

    def test_large_paste_syncs_and_later_changes_follow(self):
        server = self.server()
        a, b = Device(self.tmp, "a"), Device(self.tmp, "b")
        a.login(server)
        b.login(server)
        note = a.ok("note-add", "Pasted").strip()
        a.ok("sync")
        path, text = self.paste_file(1024 * 1024)
        a.ok("note-insert", note, "0", "--file", path)
        # The reproduction: 120,000 characters as an argument.
        small = a.ok("note-add", "Argument").strip()
        a.ok("note-insert", small, "0", "x" * 120000)
        # Changes made after the paste, independent of it.
        lst = a.ok("list-add", "After the paste").strip()
        todo = a.ok("add", lst, "still arrives").strip()

        log = a.json("log")
        edits = [e for e in log["pending"] if e["name"] == "note.edited"]
        self.assertGreater(len(edits), 1, "the paste is split into several events")
        for e in edits:
            self.assertLessEqual(len(json.dumps(e["args"], separators=(",", ":"))), 64 * 1024)

        a.ok("sync")
        status = a.json("status")
        self.assertEqual(status["pending"], 0, status)
        b.ok("sync")
        self.assertEqual(b.json("note-show", note)["body"], text)
        self.assertEqual(b.json("note-show", small)["body"], "x" * 120000)
        self.assertEqual([l["title"] for l in b.json("lists")], ["Inbox", "After the paste"])
        self.assertEqual([t["id"] for t in b.json("todos", lst)], [todo])
        self.assertEqual(a.ok("--json", "state"), b.ok("--json", "state"))
        # A device that syncs later rebuilds the body from the server alone.
        c = Device(self.tmp, "c")
        c.login(server)
        c.ok("sync")
        self.assertEqual(c.json("note-show", note)["body"], text)

    def test_large_paste_survives_a_server_restore(self):
        """After a restore from a backup older than the paste, the devices
        push the log again (docs/sync.md): a pasted note's events are up to
        64 KiB each, and those pushes too must stay within 1 MiB."""
        server = self.server()
        a, b = Device(self.tmp, "a"), Device(self.tmp, "b")
        a.login(server)
        b.login(server)
        server.backup(os.path.join(self.tmp, "backup"))
        note = a.ok("note-add", "Pasted").strip()
        path, text = self.paste_file(1024 * 1024)
        a.ok("note-insert", note, "0", "--file", path)
        lst = a.ok("list-add", "After the paste").strip()
        a.ok("add", lst, "still there")
        a.ok("sync")
        b.ok("sync")

        server.restore(os.path.join(self.tmp, "backup"))
        b.ok("sync")
        a.ok("sync")
        b.ok("sync")
        self.assertEqual(a.json("note-show", note)["body"], text)
        self.assertEqual(b.json("note-show", note)["body"], text)
        self.assertEqual([t["title"] for t in b.json("todos", lst)], ["still there"])
        self.assertEqual(a.ok("--json", "state"), b.ok("--json", "state"))

    def test_outbox_stuck_by_an_old_build_recovers(self):
        """A device whose outbox holds a note.edited over the limit, as a
        build that did not split large edits left it (the server refuses
        it with args_too_large), splits it when refused and syncs it all:
        the paste is not set aside, and what came after it follows."""
        server = self.server()
        a, b = Device(self.tmp, "a"), Device(self.tmp, "b")
        a.login(server)
        b.login(server)
        note = a.ok("note-add", "Pasted long ago").strip()
        a.ok("sync")

        text = "x" * 120000
        ops = bytearray([0xC1]) + varint(1) + os.urandom(16) + varint(1)
        ops += varint(len(text) << 1) + varint(0) + varint(0) + varint(0) + varint(0)
        ops += varint(len(text.encode())) + text.encode()
        args = json.dumps({"note_id": note, "ops": base64.b64encode(bytes(ops)).decode()},
                          separators=(",", ":"))
        ini = configparser.ConfigParser()
        ini.read(os.path.join(a.profile, "profile.ini"))
        db = os.path.join(a.profile, "workspaces", ini["profile"]["current-workspace"] + ".db")
        con = sqlite3.connect(db)
        con.execute("INSERT INTO pending (client_seq, name, version, args, created_at, changeset) "
                    "SELECT max(client_seq) + 1, 'note.edited', 1, ?, 1, X'' FROM log "
                    "WHERE client_id = (SELECT client_id FROM meta)", (args,))
        con.execute("UPDATE meta SET rebuild = 1")
        con.commit()
        con.close()
        self.assertEqual(a.json("note-show", note)["body"], text)
        lst = a.ok("list-add", "After the paste").strip()

        code, out, err = a.run("sync")
        self.assertEqual(code, 0, err)
        self.assertNotIn("refused", err)
        self.assertEqual(a.json("status")["refused"], 0)
        self.assertEqual(a.json("status")["pending"], 0)
        b.ok("sync")
        self.assertEqual(b.json("note-show", note)["body"], text)
        self.assertEqual([l["id"] for l in b.json("lists")], [INBOX, lst])
        self.assertEqual(a.ok("--json", "state"), b.ok("--json", "state"))

    def test_refused_change_is_set_aside_and_later_changes_follow(self):
        """A change the server refuses for good (here: a server started
        with a lower args limit, a test-only setting) leaves the outbox
        with what depends on it, is reported, and does not hold back the
        changes that do not depend on it."""
        server = self.server({"CAIRN_SERVER_TEST_MAX_ARGS_BYTES": "2000"})
        a, b = Device(self.tmp, "a"), Device(self.tmp, "b")
        a.login(server)
        b.login(server)
        before = a.ok("list-add", "Before").strip()
        milk = a.ok("add", before, "milk").strip()
        note = a.ok("note-add", "Too long").strip()
        a.ok("sync")

        first = a.ok("add", before, "made before it").strip()
        a.ok("note-insert", note, "0", "x" * 3000)   # ~4 KB of args: refused
        a.ok("note-insert", note, "3000", "y")       # the same note: depends on it
        after = a.ok("list-add", "After").strip()
        bread = a.ok("add", after, "bread").strip()
        a.ok("rename", milk, "oat milk")

        code, out, err = a.run("sync")
        self.assertEqual(code, 0, err)
        self.assertIn("warning: The server refused a change", err)
        self.assertIn(f"note.edited of note {note}", err)
        self.assertIn("args_too_large", err)
        self.assertIn("1 later changes", err)

        status = a.json("status")
        self.assertEqual(status["pending"], 0, status)
        self.assertEqual(status["refused"], 2, status)
        self.assertIn("refused: 2", a.ok("status"))
        refused = a.json("refused")
        self.assertEqual([r["event"]["name"] for r in refused], ["note.edited"] * 2)
        self.assertEqual(refused[0]["code"], "args_too_large")
        self.assertEqual(refused[0]["event"]["args"]["note_id"], note)
        self.assertEqual(refused[1]["refused_client_seq"], refused[0]["event"]["client_seq"])
        self.assertIn(f"note.edited of note {note}", a.ok("refused"))
        # Rolled back here too: the replicas agree, nothing is half applied.
        self.assertEqual(a.json("note-show", note)["body"], "")

        b.ok("sync")
        self.assertEqual([l["title"] for l in b.json("lists")], ["Inbox", "Before", "After"])
        self.assertEqual([t["id"] for t in b.json("todos", after)], [bread])
        self.assertEqual([t["title"] for t in b.json("todos", before)], ["oat milk", "made before it"])
        self.assertEqual(b.json("todos", before)[1]["id"], first)
        self.assertEqual(a.ok("--json", "state"), b.ok("--json", "state"))

        # The outbox goes on from there: no gap in this device's client_seqs.
        eggs = a.ok("add", after, "eggs").strip()
        a.ok("note-insert", note, "0", "short")
        a.ok("sync")
        b.ok("sync")
        self.assertEqual([t["id"] for t in b.json("todos", after)], [bread, eggs])
        self.assertEqual(b.json("note-show", note)["body"], "short")
        mine = [e for e in a.json("log")["confirmed"] if e["client_id"] ==
                a.json("log")["confirmed"][0]["client_id"]]
        self.assertEqual([e["client_seq"] for e in mine], list(range(1, len(mine) + 1)))
        self.assertEqual(a.json("status")["refused"], 2)

        # Once the person has what they need from them, they can go.
        self.assertEqual(a.run("refused-dismiss", "999")[0], 1)
        self.assertEqual(a.run("refused-dismiss", "x")[0], 2)
        a.ok("refused-dismiss", str(refused[1]["id"]))
        self.assertEqual([r["id"] for r in a.json("refused")], [refused[0]["id"]])
        self.assertEqual(a.json("status")["refused"], 1)

    def test_sync_commands_print_one_json_line(self):
        """docs/cli.md: --json prints one value on one line, for the
        commands that talk to the server too."""
        server = self.server()
        subprocess.run([SERVER, "user", "add", "bob", *server.store.args()],
                       input="bob-password-1\n", text=True, check=True, env=server.env,
                       capture_output=True)
        a = Device(self.tmp, "a")

        def one_line(*args, input=None):
            code, out, err = a.run("--json", *args, input=input)
            self.assertEqual(code, 0, f"{args}: {err}")
            self.assertEqual(out.count("\n"), 1, f"{args} printed {out!r}")
            self.assertTrue(out.endswith("\n"))
            return json.loads(out)

        one_line("login", server.url, "ann", "--device", "a", input=PASSWORD + "\n")
        a.ok("list-add", "L")
        ws = one_line("workspaces")[0]["id"]
        for args in (("sync",), ("status",), ("conflicts",), ("refused",),
                     ("workspace-use", ws), ("share", ws, "bob"), ("logout",)):
            with self.subTest(args=args):
                one_line(*args)


if __name__ == "__main__":
    SERVER = os.path.abspath(sys.argv.pop(1))
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
