#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes the screenshots in docs/screenshots/ (used by the README and the
# AppStream metainfo): the built app over a sample workspace, under Xvfb.
# Needs xvfb-run, dbus-run-session and ImageMagick's `import`.
# Usage: build-aux/screenshots.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=docs/screenshots
mkdir -p "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAIRN_PROFILE=$tmp/profile XDG_CONFIG_HOME=$tmp/config
export GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR=$build/app
cli() { "$build/app/cairn-cli" "$@"; }

groceries=$(cli list-add "Groceries")
cli list-add "Work" >/dev/null
cli list-add "Garden" >/dev/null
milk=$(cli add "$groceries" "Oat milk")
cli add "$groceries" "Sourdough bread" >/dev/null
apples=$(cli add "$groceries" "Apples for the pie")
cli add "$groceries" "Coffee beans" >/dev/null
eggs=$(cli add "$groceries" "A dozen eggs")
cli done "$apples" >/dev/null
cli due "$milk" "$(date +%F)" >/dev/null
cli due "$eggs" "$(date -d '+3 days' +%F)" >/dev/null
cli note-add "Packing list" >/dev/null
cli note-add "Ideas for the garden" >/dev/null
cli note-add "Meeting notes" >/dev/null

# shot NAME WIDTH HEIGHT LAST_SELECTED COLOR_SCHEME
shot() {
  mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
  cat > "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" <<KEYS
[org/cairn/Cairn]
window-width=$2
window-height=$3
last-selected='$4'
color-scheme='$5'
KEYS
  xvfb-run -a -s "-screen 0 $(( $2 + 40 ))x$(( $3 + 40 ))x24" dbus-run-session -- \
    bash -c "'$build/app/cairn' & pid=\$!; sleep 3; import -window root -crop ${2}x${3}+0+0 +repage '$out/$1.png'; kill \$pid" \
    2>/dev/null
  echo "$out/$1.png"
}

shot todos 900 600 "$groceries" follow
shot notes 900 600 notes follow
shot dark 900 600 "$groceries" dark
shot narrow 400 600 "$groceries" follow
