#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages Cairn needs to build (and, with --tests, to
# test). Idempotent: when everything is there it asks apt nothing and returns
# at once. Uses sudo when not run as root.
set -euo pipefail

build_pkgs=(
  gcc libc6-dev pkg-config meson ninja-build gettext git
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libsqlite3-dev libsodium-dev libsecret-1-dev
  libzstd-dev nettle-dev
  glib-networking libpq-dev
)
test_pkgs=(
  xvfb xauth dbus-daemon dbus-x11 desktop-file-utils appstream
  flatpak-builder python3 python3-pyatspi gir1.2-atspi-2.0 at-spi2-core
  clang libclang-rt-14-dev openssl gnome-keyring nginx
  postgresql
)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--tests" ]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
