#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-cli-concurrent.py: many cairn-cli processes committing to one profile
# at once. docs/store.md promises that a second process waits for the lock
# (up to the busy timeout) instead of failing with "database is locked".
# Usage: test-cli-concurrent.py PATH-TO-CAIRN-CLI
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

CLI = None


def env():
    e = dict(os.environ)
    e.pop("CAIRN_PROFILE", None)
    return e


class ConcurrentCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cairn-test-concurrent-")
        self.profile = os.path.join(self.tmp.name, "profile")
        self.list_id = self.ok("list-add", "Inbox").strip()

    def tearDown(self):
        self.tmp.cleanup()

    def argv(self, *args):
        return [CLI, "--profile", self.profile, *args]

    def ok(self, *args):
        p = subprocess.run(self.argv(*args), capture_output=True, text=True, env=env(),
                           timeout=120)
        self.assertEqual(p.returncode, 0, f"cairn-cli {' '.join(args)}: {p.stderr}")
        return p.stdout

    def assert_titles_once(self, titles):
        todos = json.loads(self.ok("--json", "todos", self.list_id, "--all"))
        got = sorted(t["title"] for t in todos)
        self.assertEqual(got, sorted(titles))
        self.assertEqual(len({t["id"] for t in todos}), len(titles))
        log = json.loads(self.ok("--json", "log"))
        seqs = [e["client_seq"] for e in log["pending"]]
        # the Inbox, the list, then one per todo
        self.assertEqual(seqs, list(range(1, len(titles) + 3)), "client_seqs 1..n, no repeat")

    def test_many_at_once(self):
        """Many processes started together: each one opens the file (the
        read-only probe first), commits and closes (checkpointing the WAL),
        all at the same moments."""
        n = 120
        titles = [f"todo {i}" for i in range(n)]
        procs = [subprocess.Popen(self.argv("add", self.list_id, t), env=env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for t in titles]
        failures = []
        for t, p in zip(titles, procs):
            out, err = p.communicate(timeout=300)
            if p.returncode != 0:
                failures.append(f"{t}: exit {p.returncode}: {err.strip()}")
        self.assertEqual(failures, [])
        self.assert_titles_once(titles)

    def test_two_loops(self):
        """Two processes at a time, each side committing in a loop."""
        rounds = 40
        failures = []
        titles = []

        def loop(side):
            for i in range(rounds):
                p = subprocess.run(self.argv("add", self.list_id, f"{side} {i}"), env=env(),
                                   capture_output=True, text=True, timeout=120)
                if p.returncode != 0:
                    failures.append(f"{side} {i}: exit {p.returncode}: {p.stderr.strip()}")

        threads = [threading.Thread(target=loop, args=(side,)) for side in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assert_titles_once([f"{side} {i}" for side in ("a", "b") for i in range(rounds)])


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
