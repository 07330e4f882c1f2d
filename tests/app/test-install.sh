#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `meson install` gives a complete app: everything a desktop and a home
# server need lands in a DESTDIR, and the installed binary runs from it:
# `shoal --version`, then `shoal --headless --playground` with only the
# installed tree's schema folder, until it logs the node's height.
#
# usage: test-install.sh BUILDDIR PREFIX BINDIR DATADIR LOCALEDIR UNITDIR VERSION
set -euo pipefail

builddir=$1 prefix=$2 bindir=$3 datadir=$4 localedir=$5 unitdir=$6 version=$7
work=$builddir/tests/app/install-test
dest=$work/dest
rm -rf "$work"
mkdir -p "$work/tmp" "$work/home/run"
chmod 700 "$work/home/run"

fail() { echo "not ok: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
under() { echo "$dest$(absolute "$1")"; }

meson install -C "$builddir" --no-rebuild --quiet --destdir "$dest" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "meson install"; }

bin=$(under "$bindir")/shoal
share=$(under "$datadir")
locale=$(under "$localedir")
units=$(under "$unitdir")

[ -x "$bin" ] || fail "no executable $bin"
ok "binary"
desktop-file-validate "$share/applications/org.shoalpool.Shoal.desktop" || fail "desktop file"
grep -q '^Exec=shoal' "$share/applications/org.shoalpool.Shoal.desktop" || fail "desktop Exec line"
ok "desktop file"
appstream-util validate-relax --nonet "$share/metainfo/org.shoalpool.Shoal.metainfo.xml" >/dev/null \
  || fail "metainfo"
ok "metainfo"
schemas=$share/glib-2.0/schemas
[ -f "$schemas/org.shoalpool.Shoal.gschema.xml" ] || fail "no schema installed"
# What a distribution's trigger (or meson's post-install step without
# DESTDIR) does: the installed schema must compile strictly.
glib-compile-schemas --strict "$schemas" || fail "installed schema does not compile"
[ -s "$schemas/gschemas.compiled" ] || fail "no gschemas.compiled"
ok "schema (compiled)"
for icon in scalable/apps/org.shoalpool.Shoal.svg symbolic/apps/org.shoalpool.Shoal-symbolic.svg; do
  [ -s "$share/icons/hicolor/$icon" ] || fail "icon $icon"
done
ok "icons"
for lang in $(grep -v '^#' "$(dirname "$0")/../../po/LINGUAS"); do
  mo=$locale/$lang/LC_MESSAGES/shoal.mo
  [ -s "$mo" ] || fail "no translation $mo"
done
ok "translations"
unit=$units/shoal.service
[ -f "$unit" ] || fail "no systemd unit in $units"
grep -q "^ExecStart=$(absolute "$bindir")/shoal --headless" "$unit" || fail "unit's ExecStart does not run the installed shoal"
ok "systemd unit"

"$bin" --version | tee "$work/version.txt"
grep -q "$version" "$work/version.txt" || fail "--version does not say $version"
ok "installed shoal --version"

# The playground from the installed tree: private folders, the installed
# schemas only, nothing from the build tree.
log=$work/headless.log
env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$work/home" \
  XDG_DATA_HOME="$work/home/data" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache" \
  XDG_RUNTIME_DIR="$work/home/run" TMPDIR="$work/tmp" GSETTINGS_SCHEMA_DIR="$schemas" GSETTINGS_BACKEND=memory \
  "$bin" --headless --playground >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  grep -q 'node height [0-9]' "$log" && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; fail "installed shoal --headless --playground exited"; }
  sleep 0.5
done
grep -q 'node height [0-9]' "$log" || { cat "$log" >&2; fail "no node height logged"; }
grep -q "playground node at .*$work/tmp" "$log" || grep -q "playground node at" "$log" || fail "no playground"
ls "$work/tmp" | grep -q shoal-playground || fail "the playground did not use the private TMPDIR"
grep -m1 'node height' "$log"
kill -TERM $pid
wait $pid || { cat "$log" >&2; fail "did not stop cleanly on SIGTERM"; }
trap - EXIT
ok "installed shoal --headless --playground logged the node height and stopped cleanly"
# The playground's monerod and wallet went with it.
if pgrep -f "$work/" >/dev/null; then
  pgrep -af "$work/" >&2
  fail "a process of the playground outlived Shoal"
fi
ok "no process left"
