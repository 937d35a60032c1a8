# SPDX-License-Identifier: GPL-3.0-or-later
# cairn_test_store.py: where a Python integration test's cairn-server keeps
# its store -- the Python side of pg-test-util.h and cairn-test-server.c.
#
# On a normal run: a data folder (--data DIR). Under with-postgres.sh
# (CAIRN_TEST_BACKEND=postgresql, CAIRN_TEST_PG_HOST): a fresh database on
# the test's own throw-away PostgreSQL (--database URI). Backups are a copy
# of the folder or pg_dump, restores the copy put back or pg_restore into a
# new database, as docs/server.md tells an admin to take them.
import itertools
import os
import shutil
import subprocess

_databases = itertools.count(1)


def is_postgresql():
    return os.environ.get("CAIRN_TEST_BACKEND") == "postgresql"


def _uri(dbname):
    host = os.environ.get("CAIRN_TEST_PG_HOST")
    if not host:
        raise RuntimeError("CAIRN_TEST_BACKEND=postgresql but CAIRN_TEST_PG_HOST is not set: "
                           "run through tests/server/with-postgres.sh")
    return f"postgresql:///{dbname}?host={host}&user=postgres"


def _run(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {p.returncode}: {p.stderr}")
    return p.stdout


def sql(uri, statement):
    """Runs one SQL statement on the database at uri; returns psql's
    unaligned output (for tests that look behind the server's back)."""
    return _run(["psql", "--no-psqlrc", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                 "-d", uri, "-c", statement])


def new_database():
    name = f"cairn_test_py_{os.getpid()}_{next(_databases)}"
    sql(_uri("postgres"), f"CREATE DATABASE {name}")
    return _uri(name)


class ServerStore:
    """The store of one test server: args() goes on every cairn-server
    command line (serve and the admin commands)."""

    def __init__(self, tmp):
        if is_postgresql():
            self.option, self.location = "--database", new_database()
        else:
            self.option, self.location = "--data", os.path.join(tmp, "server-data")

    def args(self):
        return [self.option, self.location]

    def backup(self, path):
        """A backup of the stopped server's store into path."""
        if is_postgresql():
            _run(["pg_dump", "--format=custom", "--file", path, "--dbname", self.location])
        else:
            shutil.copytree(self.location, path)

    def restore(self, path):
        """The store replaced by a backup() (PostgreSQL: restored into a new
        database, which the server uses from now on)."""
        if is_postgresql():
            uri = new_database()
            _run(["pg_restore", "--exit-on-error", "--dbname", uri, path])
            self.location = uri
        else:
            shutil.rmtree(self.location)
            shutil.copytree(path, self.location)
