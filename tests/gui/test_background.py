#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shoal as an appliance: a rig that stops mining raises one "Rig Offline"
notification and a mark on the Miners page, and one "Rig Back" when it
returns; closing the window keeps the pool running (said once in a
notification) while a real test miner keeps getting accepted shares;
Quit stops it all, leaving no process behind."""
import os
import re
import subprocess
import sys

from shoalgui import (Notifications, Shoal, click, find_all, find_one, free_port, main_window,
                      show_page, start_miner, stop_process, testminer, wait_for)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def main():
    testminer()
    port = free_port()
    notifications = Notifications()
    shoal = Shoal("--playground", settings={
        "stratum-port": f"uint64 {port}",
        # Shares every second or two, and no blocks to wait on.
        "playground-difficulty": "uint64 100000000",
        "start-difficulty": "uint64 5",
        "min-difficulty": "uint64 5",
    })
    miner = None
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at \S+, address (\w+)")
        address = m.group(2)
        app = shoal.app()
        win = main_window(app)
        miner = start_miner(port, address, "rig1")
        show_page(app, "Miners")
        find_one(win, "label", "rig1", timeout=120, what="the rig1 row")

        stop_process(miner)
        wait_for(lambda: notifications.titled("Rig Offline"), timeout=60, what="Rig Offline")
        assert "rig1 has disconnected" in notifications.titled("Rig Offline")[0][1]
        find_one(win, "label", "rig1 (offline)", what="the offline mark on the Miners page")
        print("screenshot:", shoal.screenshot("miners-rig-offline"))
        miner = start_miner(port, address, "rig1")
        wait_for(lambda: notifications.titled("Rig Back"), timeout=60, what="Rig Back")
        find_one(win, "label", "rig1", what="rig1 without its mark")
        assert len(notifications.titled("Rig Offline")) == 1

        # Close the window as a person would: the pool stays up.
        click(find_one(win, "push button", "Close", pred=lambda n: "click" in n.actions))
        wait_for(lambda: notifications.titled("Shoal Keeps Running"), what="the background notice")
        wait_for(lambda: not [w for w in app.children if w.name == "Shoal"],
                 what="the window gone")
        assert shoal.proc.poll() is None, "Shoal stopped with its window"
        helpers = children(shoal.pid())
        assert helpers, "the playground's monerod and wallet should run under Shoal"

        # A rig still mines on it: the miner counts accepted shares itself.
        run = subprocess.run([testminer(), "-o", "127.0.0.1", "-P", str(port), "-u", address,
                              "--rigid", "rig2", "-p", "x", "--duration", "30"],
                             capture_output=True, text=True, timeout=120)
        summary = re.search(r"accepted (\d+), rejected (\d+)", run.stdout)
        assert summary and int(summary.group(1)) > 0, run.stdout + run.stderr
        print("rig2 with the window closed:", summary.group(0))
        assert len(notifications.titled("Shoal Keeps Running")) == 1

        # Quit (the app's action, as the menu runs it): nothing is left.
        subprocess.run(["gdbus", "call", "--session", "--dest", "org.shoalpool.Shoal",
                        "--object-path", "/org/shoalpool/Shoal", "--method",
                        "org.gtk.Actions.Activate", "quit", "[]", "{}"], check=True, timeout=30)
        assert shoal.proc.wait(timeout=60) == 0
        wait_for(lambda: not [p for p in helpers if os.path.exists(f"/proc/{p}")],
                 what="the playground's processes gone")
    finally:
        if miner is not None:
            stop_process(miner)
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
