#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# with-postgres.sh: runs a test program against its own throw-away
# PostgreSQL server, never one that was there before.
#
# Usage: with-postgres.sh PROGRAM [ARGS...]
# initdb's a cluster in a fresh temporary folder, starts it with pg_ctl on a
# Unix socket in that folder only (no TCP), runs PROGRAM with
#   CAIRN_TEST_BACKEND=postgresql
#   CAIRN_TEST_PG_HOST=<socket folder>   (user postgres, trust)
# and stops the server and removes the folder at the end, also when PROGRAM
# fails or the script is interrupted. As root (CI) the cluster runs as the
# postgres user (runuser). PostgreSQL that cannot start is a FAILURE (exit
# 1), not a skip: build-aux/install-deps.sh --tests installs it.
# fsync is off: the tests check the server's logic, not the disk's.
# CAIRN_PG_FSYNC=on (the benchmarks) keeps PostgreSQL's defaults instead.
set -u

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres.sh: PostgreSQL not found (install postgresql)" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/cairn-pg-XXXXXX") || exit 1
chmod 755 "$dir"
as_pg=""
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir" || exit 1
  as_pg="runuser -u postgres --"
fi

stop() {
  $as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

if ! $as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C \
       >"$dir/initdb.log" 2>&1; then
  echo "with-postgres.sh: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi
durability="-c fsync=off -c full_page_writes=off"
if [ "${CAIRN_PG_FSYNC:-off}" = "on" ]; then
  durability=""
fi
if ! $as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
       -o "-k $dir -c listen_addresses= $durability -c max_connections=200" \
       start >/dev/null 2>&1; then
  echo "with-postgres.sh: PostgreSQL did not start:" >&2
  cat "$dir/postgres.log" >&2
  exit 1
fi

export CAIRN_TEST_BACKEND=postgresql
export CAIRN_TEST_PG_HOST="$dir"
export CAIRN_TEST_PG_CTL="$as_pg $bindir/pg_ctl -D $dir/data"
"$@"
rc=$?
exit $rc
