#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a translation in po/LINGUAS has an untranslated or fuzzy entry
# after being merged with a freshly extracted template (what
# `meson compile cairn-update-po` does), or does not compile. Offline; writes
# only to a temporary directory, never to po/.
# Usage: check-translations.sh SOURCE_ROOT
set -eu
root=${1:?usage: check-translations.sh SOURCE_ROOT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

xgettext --package-name=cairn --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
  -D "$root" -f "$root/po/POTFILES.in" -o "$tmp/cairn.pot"

for lang in $(sed -e 's/#.*//' "$root/po/LINGUAS"); do
  msgmerge --quiet -o "$tmp/$lang.po" "$root/po/$lang.po" "$tmp/cairn.pot"
  if ! stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>&1); then
    echo "po/$lang.po does not compile: $stats" >&2
    status=1
    continue
  fi
  echo "po/$lang.po: $stats"
  case "$stats" in
    *fuzzy*|*untranslated*)
      echo "po/$lang.po is incomplete; these entries need work:" >&2
      msgattrib --only-fuzzy --no-obsolete "$tmp/$lang.po" >&2 || true
      msgattrib --untranslated --no-obsolete "$tmp/$lang.po" >&2 || true
      status=1
      ;;
  esac
done
exit $status
