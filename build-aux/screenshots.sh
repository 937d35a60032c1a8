#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes the screenshots in docs/screenshots/ (used by the README and the
# AppStream metainfo): the built app over a sample workspace, under Xvfb.
# Needs xvfb-run, dbus-run-session, ImageMagick's `import`, xdotool (to
# type into the search page and open a note) and gdbus (to open a task's
# details through the app's app.open-task action).
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
today=$(date +%F)
in_days() { date -d "+$1 days" +%F; }

groceries=$(cli list-add "Groceries")
work=$(cli list-add "Work")
cli list-add "Garden" >/dev/null
milk=$(cli add "$groceries" "Oat milk" --priority high --tag shop --due "$today")
cli add "$groceries" "Compare brands" --parent "$milk" >/dev/null
done_sub=$(cli add "$groceries" "Check the fridge" --parent "$milk")
cli done "$done_sub" >/dev/null
cli add "$groceries" "Sourdough bread" --tag bakery --tag shop >/dev/null
apples=$(cli add "$groceries" "Apples for the pie")
coffee=$(cli add "$groceries" "Coffee beans" --tag shop --due "$(in_days 3)")
cli repeat "$coffee" weekly >/dev/null
cli add "$groceries" "A dozen eggs" --due "$(in_days 1)" >/dev/null
cli done "$apples" >/dev/null
report=$(cli add "$work" "Write the quarterly report" --priority medium --tag work \
         --due "$(in_days 2)T14:30")
cli remind "$report" "$(in_days 2)T13:30" >/dev/null
cli note-insert "$report" 0 "Figures from the sales team first; the draft goes to Ann on Friday." >/dev/null
cli add "$work" "Review pull requests" --due "$today" --priority low >/dev/null
cli add "$work" "Book the train to Berlin" --due "$(in_days 6)" >/dev/null
packing=$(cli note-add "Packing list")
cli note-insert "$packing" 0 "# Before the trip

- [x] Passport
- [ ] Charger and **adapter**
- [ ] Rain jacket, the forecast is *wet*
1. Water the plants
2. Lock the shed

Train times: https://example.org/trains" >/dev/null
garden=$(cli note-add "Ideas for the garden")
cli note-insert "$garden" 0 "A bench under the apple tree, and tulips by the fence." >/dev/null
meeting=$(cli note-add "Meeting notes")
cli note-insert "$meeting" 0 "## Monday stand-up
- Release on Thursday
- Ann reviews the report" >/dev/null
cli note-pin "$meeting" >/dev/null

# shot NAME WIDTH HEIGHT LAST_SELECTED COLOR_SCHEME [COMMANDS]
# COMMANDS run (under the same X display and session bus) once the window
# is up, before the picture.
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
    bash -c "'$build/app/cairn' & pid=\$!; sleep 3; ${6:-true}; sleep 1.5; import -window root -crop ${2}x${3}+0+0 +repage '$out/$1.png'; kill \$pid" \
    2>/dev/null
  echo "$out/$1.png"
}

open_task="gdbus call --session --dest org.cairn.Cairn --object-path /org/cairn/Cairn \
  --method org.gtk.Actions.Activate open-task \"[<'$report'>]\" {} >/dev/null"
search="xdotool key ctrl+shift+f; sleep 0.5; xdotool type --delay 80 'milk'"
open_note="xdotool mousemove 420 230 click 1"

shot todos 900 600 "$groceries" follow
shot today 900 600 today follow
shot upcoming 900 600 upcoming follow
shot search 900 600 "$groceries" follow "$search"
shot details 1100 650 "$work" follow "$open_task"
shot notes 900 600 notes follow "$open_note"
shot dark 1100 650 "$work" dark "$open_task"
shot narrow 400 600 "$groceries" follow
shot narrow-notes 400 600 notes follow
