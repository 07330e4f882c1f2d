#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Preferences change the settings the app stores (read back from the
keyfile backend's file), and the window follows the pool: a change that
needs a restart says so, and once restarted small-pool mode brings the
Payouts page and members' own addresses into the Connect a Rig command
line."""
import os
import sys

from shoalgui import (Shoal, click, find_all, find_label, find_one, free_port, main_window,
                      open_menu_item, show_page, type_into, wait_for, window)


def set_spin(dialog, name, value):
    spin = find_one(dialog, "spin button", name)
    type_into(spin, str(value))
    return spin


def switch(dialog, name):
    return find_one(dialog, name=name, pred=lambda n: n.roleName not in ("label", "list item")
                    and any(a in n.actions for a in ("click", "toggle", "activate", "press")),
                    what=f"the {name!r} switch")


def main():
    old_port, new_port = free_port(), free_port()
    shoal = Shoal("--playground", settings={"stratum-port": f"uint64 {old_port}"})
    try:
        app = shoal.app()
        wait_for(lambda: find_label(app, "1"), timeout=120, what="height 1 in the window")
        win = main_window(app)
        assert not find_all(win, "page tab", "Payouts")

        open_menu_item(app, "Preferences")
        prefs = window(app, "Preferences")
        # Upstream mode and its pools, a comma-separated line stored as a list.
        click(find_one(prefs, "push button", "Upstream"))
        wait_for(lambda: shoal.setting("mode") == "'upstream'", what="mode='upstream' stored")
        type_into(find_one(prefs, "text", "Upstream pools, in order (comma-separated)"),
                  "stratum+tcp://127.0.0.1:3333, stratum+ssl://backup.lan:3334")
        wait_for(lambda: shoal.setting("upstream-urls")
                 == "['stratum+tcp://127.0.0.1:3333', 'stratum+ssl://backup.lan:3334']",
                 what="two upstream pools stored in order")
        # Each rig its own upstream connection unless the user picks shared ones.
        find_one(prefs, name="Rigs upstream", what="the relay mode row")
        find_one(prefs, "label", "Each rig its own connection, under its name",
                 what="per-rig relay shown as the default")
        # The household split of P2Pool's payouts, off until asked for.
        click(switch(prefs, "Split P2Pool's payouts among the members"))
        wait_for(lambda: shoal.setting("upstream-split") == "true",
                 what="upstream-split=true stored")
        find_one(prefs, name="P2Pool sidechain", what="the sidechain row")
        find_one(prefs, "label", "Mini", what="the mini sidechain shown as the default")
        click(find_one(prefs, "push button", "Small pool"))
        wait_for(lambda: shoal.setting("mode") == "'pplns'", what="mode='pplns' stored")
        set_spin(prefs, "Pool fee", 2.5)
        wait_for(lambda: shoal.setting("pool-fee-bps") == "250", what="fee of 250 bps stored")
        type_into(find_one(prefs, "text", "Payout threshold in XMR"), "0.25")
        wait_for(lambda: shoal.setting("payout-threshold") == "250000000000",
                 what="a threshold of 0.25 XMR stored in atomic units")
        print("screenshot:", shoal.screenshot("preferences"))

        click(find_one(prefs, "page tab", "Connections"))
        set_spin(prefs, "Stratum port", new_port)
        wait_for(lambda: shoal.setting("stratum-port") == str(new_port),
                 what=f"stratum port {new_port} stored")
        # The node Shoal runs may outlive it: off by default.
        click(switch(prefs, "Leave the node running when Shoal quits"))
        wait_for(lambda: shoal.setting("node-managed-keep-running") == "true",
                 what="node-managed-keep-running=true stored")
        # Start at login: an XDG autostart entry that starts the pool with no window.
        click(find_one(prefs, "page tab", "Running"))
        entry = os.path.join(shoal.tmp.name, "xdg_config_home", "autostart",
                             "org.shoalpool.Shoal.desktop")
        click(switch(prefs, "Start at login"))
        wait_for(lambda: os.path.exists(entry), what="the autostart entry written")
        with open(entry) as f:
            text = f.read()
        assert "--background" in text and "Exec=" in text, text
        print("screenshot:", shoal.screenshot("preferences-running"))
        click(switch(prefs, "Keep running when the window closes"))
        wait_for(lambda: shoal.setting("run-in-background") == "false",
                 what="run-in-background=false stored")
        click(find_one(prefs, "page tab", "Validator"))
        set_spin(prefs, "Validator threads", 3)
        wait_for(lambda: shoal.setting("validator-threads") == "3", what="3 threads stored")
        click(find_one(prefs, "push button", "Close"))

        # The running pool keeps the mode it started in: no Payouts page
        # until the restart the window asks for.
        assert not find_all(win, "page tab", "Payouts"), "Payouts before the restart"
        restart = find_one(win, "push button", "Restart the Pool",
                           what="the restart banner's button")
        click(find_one(win, "push button", "Connect a Rig", pred=lambda n: "click" in n.actions))
        dialog = window(app, "Connect a Rig")
        command = find_one(dialog, "label", pred=lambda n: n.name.startswith("xmrig "))
        # Rigs must reach the port that is listening now, in the mode it runs.
        assert f":{old_port} " in command.name, command.name
        assert "-u YOUR_MONERO_ADDRESS " not in command.name, command.name
        click(find_one(dialog, "push button", "Close"))

        click(restart)
        shoal.wait_log(f"stratum listening on 0.0.0.0 port {new_port}")
        win = main_window(app)
        show_page(app, "Payouts")
        find_one(win, "label", "Balances")
        print("screenshot:", shoal.screenshot("payouts-empty"))
        click(find_one(win, "push button", "Connect a Rig", pred=lambda n: "click" in n.actions))
        dialog = window(app, "Connect a Rig")
        command = find_one(dialog, "label", pred=lambda n: n.name.startswith("xmrig "))
        assert f":{new_port} " in command.name, command.name
        # Small pool: each member mines to their own address.
        assert "-u YOUR_MONERO_ADDRESS " in command.name, command.name
        click(find_one(dialog, "push button", "Close"))
    finally:
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
