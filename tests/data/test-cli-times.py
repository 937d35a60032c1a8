#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-cli-times.py: cairn-cli's due times, reminders and repeats end to end
# (due, add --due, remind, repeat, done, details, todos, state, rebuild).
# Usage: test-cli-times.py PATH-TO-CAIRN-CLI
import json
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None


class Cli:
    def __init__(self, profile, tz="UTC"):
        self.profile = profile
        self.tz = tz

    def run(self, *args):
        env = dict(os.environ)
        env.pop("CAIRN_PROFILE", None)
        env["TZ"] = self.tz
        p = subprocess.run([CLI, "--profile", self.profile, *args], capture_output=True,
                           text=True, env=env, timeout=60)
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


class TimesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-test-cli-times-")
        self.cli = Cli(os.path.join(self.tmp.name, "profile"))
        self.home = self.cli.ok("list-add", "Home").strip()

    def tearDown(self):
        self.tmp.cleanup()

    def assert_fails(self, code, message, *args):
        """Fails with exit code, names what is wrong, changes nothing."""
        before = self.cli.state()
        n_log = len(self.cli.ok("log").splitlines())
        got, out, err = self.cli.run(*args)
        self.assertEqual(got, code, f"{args}: stderr {err!r}")
        self.assertEqual(out, "")
        self.assertIn(message, err)
        self.assertEqual(self.cli.state(), before)
        self.assertEqual(len(self.cli.ok("log").splitlines()), n_log)

    def line_of(self, tid):
        return next(l for l in self.cli.ok("todos", "--all").splitlines() if tid in l)

    def test_due_time(self):
        t = self.cli.json("add", self.home, "Call the plumber", "--due", "2026-12-07T17:00")
        self.assertEqual((t["due"], t["due_time"]), ("2026-12-07", "17:00"))
        self.assertTrue(self.line_of(t["id"]).endswith("Call the plumber  due 2026-12-07 17:00"))
        row = self.cli.json("due", t["id"], "2026-12-08")
        self.assertEqual((row["due"], row["due_time"]), ("2026-12-08", None))
        self.assertTrue(self.line_of(t["id"]).endswith("due 2026-12-08"))
        row = self.cli.json("due", t["id"], "--clear")
        self.assertIsNone(row["due"])

    def test_bad_input(self):
        t = self.cli.ok("add", self.home, "x").strip()
        self.assert_fails(1, "“time” is not a time of day", "due", t, "2026-12-07T25:00")
        self.assert_fails(1, "“time” is not a time of day", "due", t, "2026-12-07T24:60")
        self.assert_fails(1, "“due” is not a real date", "due", t, "2026-02-30")
        self.assert_fails(1, "“due” is not a real date", "due", t, "07/12/2026")
        self.assert_fails(1, "“time” is not a time of day", "add", self.home, "y", "--due", "2026-12-07T24:60")
        self.assert_fails(1, "“at” is not a moment", "remind", t, "2026-12-07T09:00+15:00")
        self.assert_fails(1, "“at” is not a moment", "remind", t, "2026-12-07T25:00")
        self.assert_fails(1, "“at” is not a moment", "remind", t, "2026-12-07")
        self.assert_fails(1, "“fun” is not a weekday", "repeat", t, "weekly:mon,fun")
        self.assert_fails(1, "“every” must be a whole number from 1 to 999, not “0”", "repeat", t, "daily", "--every", "0")
        self.assert_fails(1, "“every” must be a whole number from 1 to 999, not “10000”", "repeat", t, "daily", "--every", "10000")
        self.assert_fails(1, "“rule” is not a repeat rule", "repeat", t, "hourly")
        self.assert_fails(1, "has no reminder", "remind", t, "--dismiss")
        self.assert_fails(2, "give one of", "remind", t, "--clear", "--dismiss")
        self.assert_fails(2, "give either", "repeat", t)

    def test_reminder_zones(self):
        t = self.cli.ok("add", self.home, "Train").strip()
        # no offset: the device's current one (Paris in winter: +01:00)
        paris = Cli(self.cli.profile, "Europe/Paris")
        row = json.loads(paris.ok("--json", "remind", t, "2026-12-07T09:00"))
        self.assertEqual(row["reminder"], "2026-12-07T09:00+01:00")
        # shown in the device's zone, with the zone it was set in when it differs
        self.assertIn("Train  remind 2026-12-07 09:00\n", paris.ok("todos"))
        self.assertIn("remind 2026-12-07 08:00 (09:00 +01:00 where set)", self.line_of(t))
        ny = Cli(self.cli.profile, "America/New_York")
        self.assertIn("reminder      2026-12-07 03:00 (09:00 +01:00 where set)", ny.ok("details", t))
        row = self.cli.json("remind", t, "2026-12-07T09:00-05:00")
        self.assertEqual(row["reminder"], "2026-12-07T09:00-05:00")
        row = self.cli.json("remind", t, "--dismiss")
        self.assertTrue(row["reminder_dismissed"])
        self.assertIn("(dismissed)", self.line_of(t))
        row = self.cli.json("remind", t, "--clear")
        self.assertIsNone(row["reminder"])

    def test_repeat(self):
        t = self.cli.ok("add", self.home, "Rent", "--due", "2027-01-31T10:00").strip()
        self.cli.ok("remind", t, "2027-01-30T18:00+01:00")
        row = self.cli.json("repeat", t, "monthly")
        self.assertEqual(row["repeat"], "monthly")
        self.assertTrue(self.line_of(t).endswith("  repeat monthly"))
        for expected in ["2027-02-28", "2027-03-31", "2027-04-30"]:
            self.cli.ok("done", t)
            d = self.cli.json("details", t)
            self.assertEqual(d["due"], expected)
            self.assertFalse(d["done"])
        self.assertEqual(d["occurrences"], ["2027-01-31", "2027-02-28", "2027-03-31"])
        self.assertEqual(d["reminder"], "2027-04-29T18:00+01:00")
        self.assertIn("completed on  2027-01-31 2027-02-28 2027-03-31", self.cli.ok("details", t))
        # weekdays in any order, every N: one spelling
        row = self.cli.json("repeat", t, "weekly:WED,mon", "--every", "2")
        self.assertEqual(row["repeat"], "weekly:mon,wed/2")
        self.assertEqual(self.cli.json("repeat", t, "yearly", "--every", "1")["repeat"], "yearly")
        self.assertIsNone(self.cli.json("repeat", t, "--clear")["repeat"])
        self.cli.ok("done", t)
        self.assertTrue(self.cli.json("details", t)["done"])
        # the state has every new field, and rebuild gives it back byte for byte
        state = self.cli.state()
        parsed = json.loads(state)
        self.assertEqual(len(parsed["todo_occurrences"]), 3)
        todo = next(x for x in parsed["todos"] if x["id"] == t)
        for field in ["due_time", "due_anchor", "reminder", "reminder_dismissed", "repeat"]:
            self.assertIn(field, todo)
        self.cli.ok("rebuild")
        self.assertEqual(self.cli.state(), state)


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
