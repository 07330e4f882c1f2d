#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each condition that stops or degrades the pool, provoked for real, is
found in the window with the button that fixes it: stratum port in use,
database in use by another Shoal (fixed, then retried), node unreachable,
node syncing (a real regtest node with no peer to sync from), node login
refused, wrong network, wallet unreachable in small-pool mode, and a
setting that needs a restart (restarted from its banner)."""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "app"))

from regtest import ADDRESS, TESTNET_ADDRESS, Headless, Monerod  # noqa: E402
from shoalgui import (Shoal, click, find_all, find_label, find_one, free_port,  # noqa: E402
                      main_window, open_menu_item, type_into, wait_for, window)


def banner(app, start, fix, timeout=60):
    """The banner whose sentence starts with START, and its fix button."""
    win = main_window(app)
    label = find_one(win, "label", pred=lambda n: n.name.startswith(start), timeout=timeout,
                     what=f"a banner {start!r}")
    button = find_one(label.parent, "push button", fix, what=f"the {fix!r} button by it")
    return label, button


def run(settings, args=()):
    values = {"pool-address": f"'{ADDRESS}'", "stratum-bind": "'127.0.0.1'",
              "stratum-port": f"uint64 {free_port()}",
              "node-url": f"'http://127.0.0.1:{free_port()}'"}
    values.update(settings)
    return Shoal(*args, settings=values)


def port_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        shoal = run({"stratum-port": f"uint64 {busy.getsockname()[1]}"})
        try:
            app = shoal.app()
            _, fix = banner(app, "The stratum port is in use by another program",
                            "Choose Another Port")
            print("screenshot:", shoal.screenshot("condition-port-in-use"))
            click(fix)
            window(app, "Preferences")
        finally:
            shoal.stop()


def database_locked_then_restart(tmp):
    db = os.path.join(tmp, "locked.db")
    other = Headless({"pool-address": ADDRESS, "database": db, "stratum-bind": "127.0.0.1",
                      "stratum-port": free_port(),
                      "node-url": f"http://127.0.0.1:{free_port()}"}, tmp)
    other.wait_line("pool started")
    shoal = run({"database": f"'{db}'"})
    try:
        app = shoal.app()
        _, retry = banner(app, "Another Shoal is already running this pool", "Try Again")
        print("screenshot:", shoal.screenshot("condition-database-locked"))
        assert other.stop() == 0
        click(retry)
        # Running now, against a node that is not there: said, with its fix.
        banner(app, "The Monero node at", "Check the Node")
        assert not find_all(main_window(app), "label",
                            pred=lambda n: n.name.startswith("Another Shoal"))
        print("screenshot:", shoal.screenshot("condition-node-unreachable"))

        new_port = free_port()
        open_menu_item(app, "Preferences")
        prefs = window(app, "Preferences")
        click(find_one(prefs, "page tab", "Connections"))
        type_into(find_one(prefs, "spin button", "Stratum port"), str(new_port))
        click(find_one(prefs, "push button", "Close"))
        _, restart = banner(app, "A changed setting (stratum-port) takes effect", "Restart the Pool")
        print("screenshot:", shoal.screenshot("condition-restart-needed"))
        click(restart)
        shoal.wait_log(f"stratum listening on 127.0.0.1 port {new_port}")
        wait_for(lambda: not find_all(main_window(app), "label",
                                      pred=lambda n: n.name.startswith("A changed setting")),
                 what="the restart banner gone")
    finally:
        shoal.stop()
        other.stop()


def node_conditions():
    syncing = Monerod().start(offline=False)  # its only peer is a closed port
    locked = Monerod(rpc_login="shoal:secret").start(offline=True)
    try:
        shoal = run({"node-url": f"'{syncing.uri}'"})
        try:
            app = shoal.app()
            label = find_one(main_window(app), "label",
                             pred=lambda n: n.name.startswith("Node syncing, 0 %:"))
            # No button: waiting is the fix.  The Overview says it too.
            assert not find_all(label.parent, "push button")
            wait_for(lambda: find_label(app, "Node syncing, 0 %"), what="the Overview sync line")
            print("screenshot:", shoal.screenshot("condition-node-syncing"))
        finally:
            shoal.stop()
        shoal = run({"node-url": f"'{locked.uri}'"})
        try:
            banner(shoal.app(), "The Monero node at", "Change the Node Login")
        finally:
            shoal.stop()
        shoal = run({"node-url": f"'{locked.uri}'", "node-login": "'shoal:secret'",
                     "pool-address": f"'{TESTNET_ADDRESS}'"})
        try:
            banner(shoal.app(), "The reward address is for testnet", "Change the Address")
            print("screenshot:", shoal.screenshot("condition-wrong-network"))
        finally:
            shoal.stop()
        shoal = run({"node-url": f"'{locked.uri}'", "node-login": "'shoal:secret'",
                     "mode": "'pplns'", "wallet-url": f"'http://127.0.0.1:{free_port()}'"})
        try:
            banner(shoal.app(), "The wallet at", "Check the Wallet Settings")
        finally:
            shoal.stop()
    finally:
        syncing.cleanup()
        locked.cleanup()


def main():
    tmp = tempfile.TemporaryDirectory(prefix="shoal-gui-conditions-")
    try:
        port_in_use()
        database_locked_then_restart(tmp.name)
        node_conditions()
    finally:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
