#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a test inside a network namespace that has only loopback: regtest
# nodes that are not --offline cannot reach anything outside.  As root a
# plain namespace, otherwise an unprivileged user namespace.
set -e
if unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec "$@"' netns "$@"
fi
exec unshare -rn sh -c 'ip link set lo up && exec "$@"' netns "$@"
