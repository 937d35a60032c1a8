#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, or when POTFILES.in names a file that does not exist.
# Usage: check-potfiles.sh SOURCE_ROOT
set -eu
root=${1:?usage: check-potfiles.sh SOURCE_ROOT}
potfiles="$root/po/POTFILES.in"
status=0

listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$potfiles" | sort -u)

for f in $listed; do
  if [ ! -f "$root/$f" ]; then
    echo "po/POTFILES.in: lists $f, which does not exist" >&2
    status=1
  fi
done

# Files whose strings are all meant for people: always translatable.
found=$(cd "$root" && find app ui data sync server -type f \
  \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' -o -name '*.gschema.xml' \) \
  2>/dev/null || true)
# Code and templates that mark strings.
found="$found
$(cd "$root" && grep -rlE --include='*.c' --include='*.h' '(^|[^A-Za-z0-9_])(N|C|NC)?_ ?\(' \
    app ui data sync server 2>/dev/null || true)
$(cd "$root" && grep -rl --include='*.ui' 'translatable="yes"' \
    app ui data sync server 2>/dev/null || true)"

for f in $(printf '%s\n' "$found" | sed '/^$/d' | sort -u); do
  if ! printf '%s\n' "$listed" | grep -qxF "$f"; then
    echo "po/POTFILES.in: $f has translatable strings but is not listed" >&2
    status=1
  fi
done

[ $status -eq 0 ] && echo "po/POTFILES.in lists all $(printf '%s\n' "$listed" | wc -l) files with translatable strings"
exit $status
