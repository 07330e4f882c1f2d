#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# data/shoal.service: the sandboxing it promises is there, and systemd
# itself accepts the unit (systemd-analyze verify), when systemd is here.
# TAP output.
set -u
unit=$1
shoal=${SHOAL_BUILDDIR:?}/src/shoal
echo "1..4"

missing=""
for line in "Type=exec" "DynamicUser=yes" "StateDirectory=shoal" "NoNewPrivileges=yes" \
            "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" \
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "LimitNOFILE=65536" \
            "MemoryDenyWriteExecute=no" \
            "ExecStart=/usr/bin/shoal --headless --config /etc/shoal/shoal.conf"; do
  grep -qxF "$line" "$unit" || missing="$missing [$line]"
done
if [ -z "$missing" ]; then echo "ok 1 sandboxing directives"; else echo "not ok 1 missing:$missing"; fi

# The binary the unit starts accepts the unit's arguments (it fails only
# because /etc/shoal/shoal.conf is not there, and says so).
out=$("$shoal" --headless --config /nonexistent/shoal.conf 2>&1); rc=$?
if [ "$rc" -eq 2 ] && echo "$out" | grep -q "/nonexistent/shoal.conf"; then
  echo "ok 2 shoal --headless --config is understood"
else
  echo "not ok 2 shoal --headless --config: rc=$rc: $out"
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "ok 3 # SKIP systemd-analyze is not installed (Debian package systemd): unit not verified"
  echo "ok 4 # SKIP systemd-analyze is not installed: no security score"
  exit 0
fi

# Verify a copy that starts the binary just built: /usr/bin/shoal need not
# be installed on a build machine, and verify checks that ExecStart exists.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=/usr/bin/shoal |ExecStart=$shoal |" "$unit" > "$dir/shoal.service"
if out=$(systemd-analyze verify --man=no "$dir/shoal.service" 2>&1) && [ -z "$out" ]; then
  echo "ok 3 systemd-analyze verify"
else
  echo "not ok 3 systemd-analyze verify"
  echo "$out" | sed 's/^/# /'
fi

# systemd's own exposure score, 0 (locked down) .. 10 (unsandboxed).
score=$(systemd-analyze security --offline=yes "$dir/shoal.service" 2>/dev/null |
        sed -n 's/.*Overall exposure level for shoal.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk "BEGIN { exit !($score <= 2.5) }"; then
  echo "ok 4 systemd-analyze security: exposure $score"
else
  echo "not ok 4 systemd-analyze security: exposure '${score}' (want <= 2.5)"
  systemd-analyze security --offline=yes "$dir/shoal.service" 2>&1 | grep -v '✓' | sed 's/^/# /'
fi
