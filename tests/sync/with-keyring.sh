#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# with-keyring.sh: runs a test program against a real Secret Service, on a
# private session bus, never the user's own keyring.
#
# Usage: with-keyring.sh PROGRAM [ARGS...]
# Starts dbus-run-session, then gnome-keyring-daemon (secrets component only)
# with its data in a fresh temporary folder, creating and unlocking the login
# keyring with a password given on stdin, and runs PROGRAM there. Exits 77
# (meson: skipped) when dbus-run-session or gnome-keyring-daemon is missing;
# build-aux/install-deps.sh --tests installs both.
set -u

if [ "${CAIRN_KEYRING_SESSION:-}" != "1" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$tool not found (install gnome-keyring and dbus-daemon)" >&2
      exit 77
    fi
  done
  CAIRN_KEYRING_SESSION=1 exec dbus-run-session -- sh "$0" "$@"
fi

# test_env (tests/meson.build) keeps every other test off the keyring with
# CAIRN_TOKEN_STORE=file; this one is about the keyring.
unset CAIRN_TOKEN_STORE

dir=$(mktemp -d "${TMPDIR:-/tmp}/cairn-keyring-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
export XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config"
export XDG_CACHE_HOME="$dir/cache" XDG_RUNTIME_DIR="$dir/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# Creates the login keyring with this password and unlocks it; the daemon
# forks and leaves with the session bus.
env_lines=$(printf '%s' "cairn-test-keyring" | gnome-keyring-daemon --unlock --components=secrets) || {
  echo "gnome-keyring-daemon --unlock failed" >&2
  exit 1
}
eval "$env_lines"
export GNOME_KEYRING_CONTROL 2>/dev/null || true

"$@"
