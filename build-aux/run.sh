#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command from a fresh Debian 12 machine to a running Cairn: installs what
# is missing, builds into ./build and starts the app. Arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
meson compile -C build

if [ -x build/app/cairn ]; then
  exec build/app/cairn "$@"
fi
exec build/app/cairn-cli "$@"
