#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-cli.py: cairn-cli end to end, as a subprocess with a temporary profile.
# Usage: test-cli.py PATH-TO-CAIRN-CLI
import configparser
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

CLI = None
# Every workspace has its Inbox, first, with this id (docs/events.md).
INBOX = "00000000-0000-8000-8000-000000000001"


class Cli:
    """Runs cairn-cli against one profile directory."""

    def __init__(self, profile):
        self.profile = profile

    def run(self, *args, env_profile=False):
        env = dict(os.environ)
        env.pop("CAIRN_PROFILE", None)
        if env_profile:
            env["CAIRN_PROFILE"] = self.profile
            argv = [CLI, *args]
        else:
            argv = [CLI, "--profile", self.profile, *args]
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args):
        code, out, err = self.run(*args)
        if code != 0:
            raise AssertionError(f"cairn-cli {' '.join(args)} exited {code}: {err}")
        return out

    def json(self, *args):
        return json.loads(self.ok("--json", *args))

    def state(self):
        return self.ok("state", "--json")


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-test-cli-")
        self.cli = Cli(os.path.join(self.tmp.name, "profile"))

    def tearDown(self):
        self.tmp.cleanup()

    def assert_fails(self, code, message, *args):
        """The command fails with exit `code`, says `message` on stderr,
        prints nothing on stdout and changes nothing."""
        before = self.cli.state()
        got, out, err = self.cli.run(*args)
        self.assertEqual(got, code, f"{args}: stderr {err!r}")
        self.assertEqual(out, "")
        self.assertIn(message, err)
        self.assertTrue(err.startswith("cairn-cli: "), err)
        if code == 1:
            self.assertEqual(err.count("\n"), 1, f"one line expected: {err!r}")
        else:
            self.assertIn("usage: cairn-cli", err)
        self.assertEqual(self.cli.state(), before)

    # ---- subtasks ----

    def test_subtasks(self):
        home = self.cli.ok("list-add", "Home").strip()
        work = self.cli.ok("list-add", "Work").strip()
        p = self.cli.ok("add", home, "Paint the shed").strip()
        c1 = self.cli.json("add", home, "Buy paint", "--parent", p)
        self.assertEqual(c1["parent_id"], p)
        self.assertIsNone(c1["gone_with"])
        c2 = self.cli.ok("add", home, "Sand", "--parent", p).strip()
        g = self.cli.ok("add", home, "Choose colour", "--parent", c1["id"]).strip()
        other = self.cli.ok("add", home, "Other").strip()
        # subtasks in order; todos prints them under their parent
        self.assertEqual([t["id"] for t in self.cli.json("subtasks", p)], [c1["id"], c2])
        self.assertEqual(self.cli.ok("subtasks", p),
                         f"[ ] {c1['id']}  Buy paint\n[ ] {c2}  Sand\n")
        self.assertEqual(self.cli.ok("todos", home),
                         f"[ ] {p}  Paint the shed\n"
                         f"  [ ] {c1['id']}  Buy paint\n"
                         f"    [ ] {g}  Choose colour\n"
                         f"  [ ] {c2}  Sand\n"
                         f"[ ] {other}  Other\n")
        self.assertEqual({t["id"]: t["parent_id"] for t in self.cli.json("todos", home)},
                         {p: None, c1["id"]: p, c2: p, g: c1["id"], other: None})

        # completing the parent leaves the subtasks open, and details says so
        self.cli.ok("done", p)
        details = self.cli.json("details", p)
        self.assertTrue(details["done"])
        self.assertEqual(details["open_subtasks"], 2)
        self.assertEqual([t["id"] for t in details["subtasks"]], [c1["id"], c2])
        text = self.cli.ok("details", p)
        self.assertIn("done          yes\n", text)
        self.assertIn("subtasks      2 (2 open)\n", text)
        self.assertIn(f"parent        -\n", text)
        self.assertIn(f"list          {home}\n", text)

        # move: before a sibling, under another todo, to the top, to another list
        self.cli.ok("move", c2, "--before", c1["id"])
        self.assertEqual([t["id"] for t in self.cli.json("subtasks", p)], [c2, c1["id"]])
        self.assertEqual(self.cli.json("move", c1["id"], "--parent", other)["parent_id"], other)
        self.assertIsNone(self.cli.json("move", c1["id"], "--no-parent")["parent_id"])
        self.cli.ok("move", c1["id"], "--parent", p)
        moved = self.cli.json("move", p, "--list", work)
        self.assertEqual(moved["list_id"], work)
        self.assertEqual(self.cli.json("details", g)["list_id"], work)

        # delete takes the subtree; restore brings back exactly it
        self.cli.ok("rm", c2)
        self.cli.ok("rm", p)
        self.assertEqual(self.cli.json("details", g)["gone_with"], p)
        self.assertTrue(self.cli.json("details", g)["deleted"])
        self.assert_fails(1, "restore that first", "restore", g)
        self.cli.ok("restore", p)
        self.assertFalse(self.cli.json("details", g)["deleted"])
        self.assertTrue(self.cli.json("details", c2)["deleted"])

        state = self.cli.state()
        self.cli.ok("rebuild")
        self.assertEqual(self.cli.state(), state)

    def test_subtasks_bad_input(self):
        home = self.cli.ok("list-add", "Home").strip()
        work = self.cli.ok("list-add", "Work").strip()
        p = self.cli.ok("add", home, "P").strip()
        c = self.cli.ok("add", home, "C", "--parent", p).strip()
        w = self.cli.ok("add", work, "W").strip()
        gone = self.cli.ok("add", home, "Gone").strip()
        self.cli.ok("rm", gone)
        missing = "01890a5d-ac96-774b-bcce-b30209900099"
        # add --parent
        self.assert_fails(1, "“parent_id”", "add", work, "x", "--parent", p)
        self.assert_fails(1, "no todo with id", "add", home, "x", "--parent", missing)
        self.assert_fails(1, "is deleted", "add", home, "x", "--parent", gone)
        self.assert_fails(1, "no todo with id", "add", home, "x", "--parent", "nonsense")
        self.assert_fails(2, "--parent", "add", home, "x", "--parent")
        # move --parent / --no-parent
        self.assert_fails(1, "the todo itself", "move", p, "--parent", p)
        self.assert_fails(1, "one of the todo's subtasks", "move", p, "--parent", c)
        self.assert_fails(1, "“parent_id”", "move", c, "--list", work, "--parent", p)
        self.assert_fails(1, "no todo with id", "move", c, "--parent", missing)
        self.assert_fails(1, "is deleted", "move", c, "--parent", gone)
        self.assert_fails(2, "not both", "move", c, "--parent", p, "--no-parent")
        self.assert_fails(1, "under that parent", "move", c, "--parent", p, "--after", p)
        self.assert_fails(1, "not in list", "move", c, "--parent", p, "--after", w)
        # subtasks / details
        self.assert_fails(1, "no todo with id", "subtasks", missing)
        self.assert_fails(1, "no todo with id", "details", missing)
        self.assert_fails(2, "usage", "subtasks")
        self.assert_fails(2, "usage", "details", p, c)

    # ---- lists ----

    def test_lists(self):
        a = self.cli.ok("list-add", "Groceries").strip()
        b = self.cli.json("list-add", "Work")
        self.assertEqual(b["title"], "Work")
        self.assertFalse(b["deleted"])
        lists = self.cli.json("lists")
        self.assertEqual([l["title"] for l in lists], ["Inbox", "Groceries", "Work"])
        self.assertEqual([l["inbox"] for l in lists], [True, False, False])
        self.assertEqual(lists[1]["id"], a)
        self.assertEqual(self.cli.ok("lists"),
                         f"{INBOX}  Inbox  (inbox)\n{a}  Groceries\n{b['id']}  Work\n")

        self.assertEqual(self.cli.ok("list-rename", a, "Food"), "")
        self.assertEqual(self.cli.json("lists")[1]["title"], "Food")
        self.assertTrue(self.cli.json("list-rm", a)["deleted"])
        self.assertEqual([l["title"] for l in self.cli.json("lists")], ["Inbox", "Work"])
        self.assert_fails(1, f"list {a} is deleted", "add", a, "Milk")
        self.assert_fails(1, f"list {a} is deleted", "list-rename", a, "X")
        self.cli.ok("list-restore", a)
        self.assertEqual([l["title"] for l in self.cli.json("lists")], ["Inbox", "Food", "Work"])
        self.assert_fails(1, f"list {a} is not deleted", "list-restore", a)

    # ---- todos ----

    def make_list(self, title="L", todos=("a", "b", "c")):
        lid = self.cli.ok("list-add", title).strip()
        ids = [self.cli.ok("add", lid, t).strip() for t in todos]
        return lid, ids

    def titles(self, *args):
        return [t["title"] for t in self.cli.json("todos", *args)]

    def test_todos(self):
        lid, (a, b, c) = self.make_list()
        self.assertEqual(self.titles(lid), ["a", "b", "c"])
        t = self.cli.json("done", b)
        self.assertTrue(t["done"])
        self.assertEqual(self.titles(lid), ["a", "c"])
        self.assertEqual(self.titles(lid, "--all"), ["a", "b", "c"])
        self.cli.ok("undone", b)
        self.assertEqual(self.titles(lid), ["a", "b", "c"])

        self.assertEqual(self.cli.json("rename", a, "A")["title"], "A")
        self.assertEqual(self.cli.json("due", a, "2026-03-01")["due"], "2026-03-01")
        self.assertIsNone(self.cli.json("due", a, "--clear")["due"])

        self.assertTrue(self.cli.json("rm", c)["deleted"])
        self.assertEqual(self.titles(lid, "--all"), ["A", "b"])
        self.assert_fails(1, f"todo {c} is deleted", "rename", c, "x")
        self.assert_fails(1, f"todo {c} is deleted", "done", c)
        self.assert_fails(1, f"todo {c} is deleted", "rm", c)
        self.assertFalse(self.cli.json("restore", c)["deleted"])
        self.assert_fails(1, f"todo {c} is not deleted", "restore", c)
        self.assertEqual(self.titles(lid), ["A", "b", "c"])

        # Human output: a checkbox, the id, the title, the due date.
        self.cli.ok("done", b)
        self.cli.ok("due", c, "2026-12-24")
        out = self.cli.ok("todos", lid, "--all")
        self.assertEqual(out.splitlines(),
                         [f"[ ] {a}  A", f"[x] {b}  b", f"[ ] {c}  c  due 2026-12-24"])
        # Without a list: every list in order, with its todos indented.
        lid2, (d,) = self.make_list("M", ("d",))
        out = self.cli.ok("todos")
        self.assertEqual(out.splitlines(),
                         [f"{INBOX}  Inbox", f"{lid}  L", f"  [ ] {a}  A", f"  [ ] {c}  c  due 2026-12-24",
                          f"{lid2}  M", f"  [ ] {d}  d"])
        self.assertEqual([t["title"] for t in self.cli.json("todos", "--all")],
                         ["A", "b", "c", "d"])

    def test_move(self):
        lid, (a, b, c) = self.make_list()
        lid2, (p, q) = self.make_list("M", ("p", "q"))
        self.cli.ok("move", c, "--before", a)
        self.assertEqual(self.titles(lid), ["c", "a", "b"])
        self.cli.ok("move", c, "--after", b)
        self.assertEqual(self.titles(lid), ["a", "b", "c"])
        self.cli.ok("move", a)
        self.assertEqual(self.titles(lid), ["b", "c", "a"])
        moved = self.cli.json("move", b, "--list", lid2, "--after", p)
        self.assertEqual(moved["list_id"], lid2)
        self.assertEqual(self.titles(lid), ["c", "a"])
        self.assertEqual(self.titles(lid2), ["p", "b", "q"])
        self.cli.ok("move", c, f"--list={lid2}")
        self.assertEqual(self.titles(lid2), ["p", "b", "q", "c"])

        self.assert_fails(1, f"todo {a} is not in list {lid2}", "move", c, "--before", a)
        self.assert_fails(2, "not both", "move", c, "--before", p, "--after", q)
        self.assert_fails(2, "--before needs a value", "move", c, "--before")
        self.assert_fails(2, "next to itself", "move", c, "--after", c)

    def test_validation_errors_change_nothing(self):
        lid, (a,) = self.make_list("L", ("a",))
        self.assert_fails(1, "title", "rename", a, "")
        self.assert_fails(1, "title", "list-add", "   ")
        self.assert_fails(1, "title", "add", lid, "x" * 501)
        self.assert_fails(1, "due", "due", a, "2026-02-30")
        self.assert_fails(1, "due", "due", a, "tomorrow")
        self.assertEqual(len(self.cli.json("log")["pending"]), 3)   # Inbox, list, todo

    def test_unknown_ids(self):
        lid, (a,) = self.make_list("L", ("a",))
        n = self.cli.ok("note-add", "n").strip()
        ghost = "01890000-0000-7000-8000-000000000000"
        cases = [(("done", ghost), "todo", ghost), (("undone", ghost), "todo", ghost),
                 (("rename", ghost, "x"), "todo", ghost), (("due", ghost, "--clear"), "todo", ghost),
                 (("move", ghost), "todo", ghost), (("rm", ghost), "todo", ghost),
                 (("restore", ghost), "todo", ghost), (("add", ghost, "x"), "list", ghost),
                 (("todos", ghost), "list", ghost), (("list-rename", ghost, "x"), "list", ghost),
                 (("list-rm", ghost), "list", ghost), (("list-restore", ghost), "list", ghost),
                 (("note-rename", ghost, "x"), "note", ghost), (("note-rm", ghost), "note", ghost),
                 (("note-restore", ghost), "note", ghost),
                 (("move", a, "--before", ghost), "todo", ghost),
                 (("move", a, "--list", ghost), "list", ghost),
                 (("done", "nonsense"), "todo", "nonsense"),
                 # An id of another kind is not found either.
                 (("done", lid), "todo", lid), (("list-rm", n), "list", n)]
        for args, noun, missing in cases:
            with self.subTest(args=args):
                self.assert_fails(1, f"no {noun} with id {missing}", *args)

    def test_bad_usage(self):
        lid, (a,) = self.make_list("L", ("a",))
        code, out, err = self.cli.run()
        self.assertEqual(code, 2)
        self.assertIn("usage: cairn-cli", err)
        for args, message in [(("frob",), "unknown command"),
                              (("add", lid), "missing arguments"),
                              (("add",), "missing arguments"),
                              (("lists", "extra"), "unexpected argument"),
                              (("rename", a), "missing arguments"),
                              (("todos", "--done"), "unknown option --done"),
                              (("due", a), "either a date"),
                              (("due", a, "2026-01-01", "--clear"), "either a date"),
                              (("done", a, "--all"), "unknown option"),
                              (("help", "frob"), "no command"),
                              (("todos", "--all=yes"), "takes no value")]:
            with self.subTest(args=args):
                self.assert_fails(2, message, *args)
        code, out, err = self.cli.run("lists", "--profile")
        self.assertEqual(code, 2)
        self.assertIn("--profile needs a directory", err)

    def test_titles_that_look_like_options(self):
        lid = self.cli.ok("list-add", "--", "--json").strip()
        self.assertEqual(self.cli.json("lists")[1]["title"], "--json")
        t = self.cli.ok("add", lid, "--", "-5 degrees").strip()
        self.assertEqual(self.titles(lid), ["-5 degrees"])
        self.cli.ok("rename", t, "-")
        self.assertEqual(self.titles(lid), ["-"])

    # ---- notes ----

    def test_notes(self):
        n1 = self.cli.ok("note-add", "first").strip()
        n2 = self.cli.json("note-add", "second")["id"]
        notes = self.cli.json("notes")
        self.assertEqual([n["title"] for n in notes], ["second", "first"])
        self.assertEqual(notes[0]["body"], "")
        self.assertEqual(self.cli.ok("notes"), f"{n2}  second\n{n1}  first\n")
        self.assertEqual(self.cli.json("note-rename", n1, "First")["title"], "First")
        self.cli.ok("note-rm", n2)
        self.assertEqual([n["title"] for n in self.cli.json("notes")], ["First"])
        self.assert_fails(1, f"note {n2} is deleted", "note-rename", n2, "x")
        self.cli.ok("note-restore", n2)
        # The last edited first: the rename made "First" the newest.
        self.assertEqual([n["title"] for n in self.cli.json("notes")], ["First", "second"])
        # Pinned first, and said so; pinning twice changes nothing.
        self.assertTrue(self.cli.json("note-pin", n2)["pinned"])
        self.cli.ok("note-pin", n2)
        notes = self.cli.json("notes")
        self.assertEqual([(n["title"], n["pinned"]) for n in notes],
                         [("second", True), ("First", False)])
        self.assertEqual(self.cli.ok("notes"), f"{n2}  second  (pinned)\n{n1}  First\n")
        self.assertEqual(sum(e["name"] == "note.pinned" for e in self.cli.json("log")["pending"]), 1)
        self.assertEqual([n["pinned"] for n in self.cli.json("state")["notes"] if n["id"] == n2], [1])
        self.assertFalse(self.cli.json("note-unpin", n2)["pinned"])
        self.assertEqual([n["title"] for n in self.cli.json("notes")], ["First", "second"])
        self.cli.ok("note-rm", n2)
        self.assert_fails(1, f"note {n2} is deleted", "note-pin", n2)

    # ---- log, state, rebuild ----

    def test_log_state_rebuild(self):
        lid, (a, b) = self.make_list("L", ("a", "b"))
        self.cli.ok("done", a)
        self.cli.ok("move", b, "--before", a)
        self.cli.ok("note-add", "n")
        log = self.cli.json("log")
        self.assertEqual(log["head"], 0)
        self.assertEqual(log["confirmed"], [])
        self.assertEqual([e["name"] for e in log["pending"]],
                         ["list.created", "list.created", "todo.created", "todo.created",
                          "todo.completed", "todo.moved", "note.created"])
        self.assertEqual(log["pending"][0]["args"]["list_id"], INBOX)
        self.assertEqual([e["client_seq"] for e in log["pending"]], [1, 2, 3, 4, 5, 6, 7])
        self.assertEqual(len({e["client_id"] for e in log["pending"]}), 1)
        self.assertEqual(log["pending"][4]["args"], {"todo_id": a})
        lines = self.cli.ok("log").splitlines()
        self.assertEqual(len(lines), 7)
        self.assertTrue(lines[0].split()[0] == "pending" and "list.created v1" in lines[0])

        state = self.cli.state()
        parsed = json.loads(state)
        self.assertEqual(len(parsed["todos"]), 2)
        self.assertEqual(self.cli.state(), state)
        out = self.cli.json("rebuild")
        self.assertEqual(out, {"confirmed": 0, "pending": 7})
        self.assertEqual(self.cli.state(), state, "rebuild changed the state")
        self.assertIn("Rebuilt", self.cli.ok("rebuild"))
        self.assertEqual(self.cli.state(), state)

    # ---- profile ----

    def test_profile(self):
        profile = self.cli.profile
        code, out, err = self.cli.run("list-add", "From env", env_profile=True)
        self.assertEqual(code, 0, err)
        lid = out.strip()
        ini = configparser.ConfigParser()
        ini.read(os.path.join(profile, "profile.ini"))
        ws = ini["profile"]["current-workspace"]
        self.assertTrue(os.path.isfile(os.path.join(profile, "workspaces", ws + ".db")))
        # The same data through --profile, and nothing in another profile.
        self.assertEqual(self.cli.json("lists")[1]["id"], lid)
        other = Cli(os.path.join(self.tmp.name, "other"))
        self.assertEqual([l["id"] for l in other.json("lists")], [INBOX])
        # A profile path that is a file is a clear error.
        path = os.path.join(self.tmp.name, "file")
        open(path, "w").close()
        code, out, err = Cli(path).run("lists")
        self.assertEqual(code, 1)
        self.assertIn("not a directory", err)

    def test_damaged_database(self):
        self.cli.ok("list-add", "L")
        ini = configparser.ConfigParser()
        ini.read(os.path.join(self.cli.profile, "profile.ini"))
        db = os.path.join(self.cli.profile, "workspaces",
                          ini["profile"]["current-workspace"] + ".db")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        garbage = b"this is not a database" * 100
        with open(db, "wb") as f:
            f.write(garbage)
        for args in (("lists",), ("list-add", "M"), ("state",)):
            code, out, err = self.cli.run(*args)
            self.assertEqual(code, 1, err)
            self.assertEqual(out, "")
            self.assertIn(db, err)
            self.assertEqual(err.count("\n"), 1, err)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), garbage)

    def test_newer_events_warn(self):
        self.cli.ok("list-add", "L")
        self.assertEqual(self.cli.run("lists")[2], "")
        ini = configparser.ConfigParser()
        ini.read(os.path.join(self.cli.profile, "profile.ini"))
        db = os.path.join(self.cli.profile, "workspaces",
                          ini["profile"]["current-workspace"] + ".db")
        # An event from a newer Cairn, as a pull would have stored it.
        con = sqlite3.connect(db)
        con.execute("INSERT INTO log (seq, client_id, client_seq, name, version, args, "
                    "created_at, skipped) VALUES (1, ?, 1, 'todo.frobbed', 9, '{}', 0, 1)",
                    ("ab" * 16,))
        con.commit()
        con.close()
        code, out, err = self.cli.run("lists")
        self.assertEqual(code, 0, err)
        self.assertIn("L", out)
        self.assertIn("warning: this workspace holds changes made with a newer Cairn", err)
        self.assertIn("todo.frobbed v9", self.cli.ok("log"))

    def test_json_one_line(self):
        """docs/cli.md: with --json every command prints exactly one JSON
        value on one line, multi-line text (a note body) included."""
        def one_line(*args):
            code, out, err = self.cli.run("--json", *args)
            self.assertEqual(code, 0, f"{args}: {err}")
            self.assertTrue(out.endswith("\n"), f"{args}: {out!r}")
            self.assertEqual(out.count("\n"), 1, f"{args} printed {out!r}")
            return json.loads(out)

        lst = one_line("list-add", "Groceries")["id"]
        other = one_line("list-add", "Work")["id"]
        todo = one_line("add", lst, "Milk")["id"]
        second = one_line("add", lst, "Bread")["id"]
        note = one_line("note-add", "Diary")["id"]
        for args in (("lists",), ("list-rename", lst, "Food"), ("list-rm", other),
                     ("list-restore", other), ("todos",), ("todos", lst, "--all"),
                     ("done", todo), ("undone", todo), ("rename", todo, "Oat milk"),
                     ("due", todo, "2026-12-24"), ("due", todo, "--clear"),
                     ("move", todo, "--after", second), ("move", todo, "--list", other),
                     ("rm", second), ("restore", second), ("notes",),
                     ("note-rename", note, "Journal"),
                     ("note-insert", note, "0", "line one\nline two\n"),
                     ("note-delete", note, "0", "5"), ("note-show", note),
                     ("note-rm", note), ("note-restore", note), ("log",), ("state",),
                     ("rebuild",), ("help",), ("help", "move"), ("status",),
                     ("conflicts",), ("refused",), ("inbox",), ("priority", todo, "low"),
                     ("tag", todo, "Work"), ("tags",), ("tag-color", "work", "red"),
                     ("tag-rename", "Work", "Job"), ("untag", todo, "job"),
                     ("tag-rm", "Job"), ("state-hash",)):
            with self.subTest(args=args):
                one_line(*args)
        self.assertEqual(one_line("state"), json.loads(self.cli.ok("state")))

    # ---- priorities, tags, the Inbox ----

    def test_priorities_and_tags(self):
        lid, (a, b) = self.make_list("L", ("a", "b"))
        t = self.cli.json("add", lid, "c", "--priority", "high", "--tag", "Work", "--tag=Home")
        self.assertEqual(t["priority"], "high")
        self.assertEqual(t["tags"], ["Home", "Work"])
        self.assertEqual(self.cli.ok("priority", a, "medium"), "")
        self.assertEqual(self.cli.json("tag", a, "work")["tags"], ["Work"])   # the same tag
        tags = self.cli.json("tags")
        self.assertEqual([(g["name"], g["deleted"]) for g in tags], [("Home", False), ("Work", False)])
        self.assertTrue(all(g["color"] in ("blue", "green", "yellow", "orange", "red", "purple",
                                           "brown", "slate") for g in tags))
        self.assertEqual(self.cli.ok("todos", lid).splitlines(),
                         [f"[ ] {a}  a  !medium  #Work", f"[ ] {b}  b",
                          f"[ ] {t['id']}  c  !high  #Home #Work"])
        self.cli.ok("due", a, "2026-12-24")
        self.assertEqual(self.cli.ok("todos", lid).splitlines()[0],
                         f"[ ] {a}  a  due 2026-12-24  !medium  #Work")

        self.assertEqual(self.cli.json("tag-rename", "home", "House")["name"], "House")
        self.assertEqual(self.cli.json("tag-color", "House", "slate")["color"], "slate")
        self.assertEqual(self.cli.json("untag", t["id"], "WORK")["tags"], ["House"])
        self.assertTrue(self.cli.json("tag-rm", "House")["deleted"])
        self.assertEqual(self.cli.json("todos", lid)[2]["tags"], [])
        self.assertEqual([g["name"] for g in self.cli.json("tags")], ["Work"])

        state = self.cli.state()
        self.cli.ok("rebuild")
        self.assertEqual(self.cli.state(), state, "rebuild changed the state")
        parsed = json.loads(state)
        self.assertEqual(sorted(parsed), ["lists", "notes", "tags", "todo_occurrences",
                                          "todo_tags", "todos"])
        self.assertEqual({x["priority"] for x in parsed["todos"]}, {"medium", "none", "high"})

    def test_tag_and_priority_errors(self):
        lid, (a,) = self.make_list("L", ("a",))
        self.cli.ok("tag", a, "Work")
        self.assert_fails(1, "“priority” is not a priority", "priority", a, "urgent")
        self.assert_fails(1, "“priority” is not a priority", "add", lid, "x", "--priority", "HIGH")
        self.assert_fails(1, "“name” is 10000 characters long", "tag", a, "x" * 10000)
        self.assert_fails(1, "“name” is empty", "tag", a, "   ")
        self.assert_fails(1, "“name” contains a control character", "tag", a, "a\tb")
        self.assert_fails(1, "“color” is not a tag colour", "tag-color", "Work", "pink")
        self.assert_fails(1, "“name”: a tag named “wORK” exists already", "tag-rename",
                          self.cli.json("tag", a, "Other")["tags"][0], "wORK")
        self.assert_fails(1, "No tag named “Nope”", "untag", a, "Nope")
        self.assert_fails(1, "No tag named “Nope”", "tag-rm", "Nope")
        self.assert_fails(1, f"no todo with id {lid}", "tag", lid, "Work")
        self.assert_fails(2, "--tag needs a name", "add", lid, "x", "--tag")
        inbox = self.cli.ok("inbox").strip()
        self.assertEqual(inbox, INBOX)
        self.assertTrue(self.cli.json("inbox")["inbox"])
        self.assert_fails(1, "“list_id” is the Inbox, which cannot be deleted", "list-rm", inbox)
        self.assertEqual(self.cli.ok("list-rename", inbox, "In"), "")
        self.assertIn(f"{INBOX}  In  (inbox)", self.cli.ok("lists"))

    def test_views_and_search(self):
        a = self.cli.ok("add", INBOX, "Café crème").strip()
        b = self.cli.ok("add", INBOX, "Inscription ÉCOLE").strip()
        c = self.cli.ok("add", INBOX, "Call the plumber").strip()
        home = self.cli.ok("list-add", "Home").strip()
        d = self.cli.ok("add", home, "Water the plants").strip()
        self.cli.ok("due", a, "2026-03-10")
        self.cli.ok("due", b, "2026-03-01")
        self.cli.ok("due", c, "2026-03-11")
        self.cli.ok("due", d, "2026-03-24")
        self.cli.ok("done", d)
        self.assertEqual([t["id"] for t in self.cli.json("inbox-todos")], [a, b, c])
        self.assertEqual([t["id"] for t in self.cli.json("today", "--date", "2026-03-10")], [b, a])
        self.assertIn(f"{b}  Inscription ÉCOLE  due 2026-03-01", self.cli.ok("today", "--date", "2026-03-10"))
        self.assertEqual([t["id"] for t in self.cli.json("upcoming", "--date", "2026-03-10")], [c])
        self.cli.ok("undone", d)
        self.assertEqual([t["id"] for t in self.cli.json("upcoming", "--date", "2026-03-10")], [c, d])
        self.assertEqual([t["id"] for t in self.cli.json("upcoming", "1", "--date", "2026-03-10")], [c])
        hits = self.cli.json("search", "cafe")
        self.assertEqual(hits, [{"kind": "todo", "id": a, "title": "Café crème",
                                 "snippet": "\x02Café\x03 crème"}])
        self.assertEqual([h["id"] for h in self.cli.json("search", "ecole")], [b])
        self.assertEqual(self.cli.ok("search", "ÉCOLE"), f"todo  {b}  Inscription ÉCOLE  Inscription [ÉCOLE]\n")
        n = self.cli.ok("note-add", "Plumbing notes").strip()
        self.assertEqual(sorted(h["kind"] for h in self.cli.json("search", "plumb")), ["note", "todo"])
        for typed in ['"', "(", "AND", "NEAR(a b)", "*", "-", "cafe\"", "a OR", "^x"]:
            self.assertIsInstance(self.cli.json("search", typed), list)
        self.cli.ok("rm", a)
        self.cli.ok("note-rm", n)
        self.assertEqual(self.cli.json("search", "cafe"), [])
        self.assertEqual([h["kind"] for h in self.cli.json("search", "plumb")], ["todo"])
        self.cli.ok("restore", a)
        self.assertEqual([h["id"] for h in self.cli.json("search", "caf")], [a])
        self.cli.ok("rebuild")
        self.assertEqual([h["id"] for h in self.cli.json("search", "caf")], [a])
        self.assert_fails(2, "“--date” must be a date YYYY-MM-DD", "today", "--date", "2026-13-01")
        self.assert_fails(2, "“DAYS” must be a number from 1 to 366", "upcoming", "0")
        self.assert_fails(2, "“--limit” must be a number", "search", "x", "--limit", "z")
        self.assert_fails(2, "usage", "search")

    def test_snapshot_info_and_compact(self):
        # A device that never synced starts from no snapshot, and has
        # nothing to compact: nothing changes.
        self.cli.ok("list-add", "Home")
        info = self.cli.json("snapshot-info")
        self.assertIsNone(info["snapshot"])
        self.assertEqual(info["head"], 0)
        self.assertGreater(info["database_bytes"], 0)
        self.assertIn("started from no snapshot", self.cli.ok("snapshot-info"))
        before = self.cli.ok("state")
        out = self.cli.json("compact")
        self.assertEqual(out["base_seq"], 0)
        self.assertEqual(out["rows_dropped"], 0)
        self.assertEqual(self.cli.ok("state"), before)
        self.assertIsNone(self.cli.json("snapshot-info")["snapshot"])
        self.assert_fails(2, "usage", "compact", "now")

    def test_help(self):
        out = self.cli.ok("help")
        for name in ["lists", "list-add", "add", "todos", "move", "note-add", "log",
                     "state", "rebuild", "help"]:
            self.assertIn(f"\n  {name} ", out)
        self.assertEqual(self.cli.ok("--help"), out)
        self.assertIn("usage: cairn-cli move ID", self.cli.ok("help", "move"))


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
