#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""50 miners connected (49 idle connections and one hashing rig): the
window shows all of them, lists their rows on the Miners page, and keeps
answering.  SHOAL_MAINLOOP_PROBE=1 makes the app log its worst main-loop
latency every 10 s; the test checks the probe keeps reporting (the loop
is alive) and prints the figures.  How long the loop stalls is a figure,
not a pass mark: `shoal-bench gui-load` (this script with --bench) prints
it beside the same window's latency with no miners, measured in the same
run on the same machine."""
import os
import re
import sys
import time

from shoalgui import (Shoal, find_label, find_one, free_port, main_window, show_page, start_miner,
                      stop_process, testminer, wait_for)

MINERS = 50


def stamp(what):
    """Wall-clock marks to line up with the app's probe reports."""
    print(time.strftime("%H:%M:%S"), what, flush=True)


def probe_reports(shoal):
    with shoal.lock:
        return [int(m.group(1)) for line in shoal.log
                for m in [re.search(r"main-loop probe: max latency (\d+) ms", line)] if m]


def next_reports(shoal, count):
    """The next @count probe reports (one per 10 s)."""
    seen = len(probe_reports(shoal)) + 1  # the report under way covers the past
    wait_for(lambda: len(probe_reports(shoal)) >= seen + count, timeout=40 + 20 * count,
             what=f"{count} more main-loop probe reports")
    return probe_reports(shoal)[seen:seen + count]


def main():
    bench = "--bench" in sys.argv
    testminer()  # exit 77 (skipped) while it is not built
    port = free_port()
    shoal = Shoal("--playground", env={"SHOAL_MAINLOOP_PROBE": "1"}, settings={
        "stratum-port": f"uint64 {port}",
        # The test miner hashes a few H/s (RandomX light mode, shared CPU): a share
        # every second or two, and a block every few shares, not one per share.
        "playground-difficulty": "uint64 20",
        "start-difficulty": "uint64 5",
        "min-difficulty": "uint64 5",
    })
    miners = []
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at \S+, address (\w+)")
        address = m.group(2)
        app = shoal.app()
        wait_for(lambda: find_label(app, "1"), what="height 1 in the window")
        show_page(app, "Miners")
        # The reference: the same window, same page, no miners.
        idle = next_reports(shoal, 3) if bench else []
        show_page(app, "Overview")
        stamp("miners start")
        miners.append(start_miner(port, address, "idle", ["--connections", str(MINERS - 1)]))
        miners.append(start_miner(port, address, "rig1"))
        wait_for(lambda: find_label(app, str(MINERS)), timeout=180,
                 what=f"{MINERS} miners online on the Overview")
        stamp("miners online; switching to the Miners page")
        show_page(app, "Miners")
        window = main_window(app)
        # Rows sort by name: idle-0 comes first.  These rigs never send a
        # share, so on a slow machine their row may already say they stopped.
        find_one(window, "label", pred=lambda n: n.name.split(" (")[0] == "idle-0",
                 what="idle-0's row on the Miners page")
        # Reports from here on cover 50 connected miners with their rows on screen.
        loaded = next_reports(shoal, 3)
        # Still answering: the last row is there and a page switch takes.
        wait_for(lambda: find_label(window, "rig1"), timeout=60, what="rig1's row on the Miners page")
        show_page(app, "Overview")
        wait_for(lambda: find_label(app, str(MINERS)), timeout=60, what="the Overview again")
        print("all probe reports (ms, one per 10 s):", probe_reports(shoal))
        print(f"main-loop max latency with {MINERS} miners and their rows on screen: "
              f"{max(loaded)} ms over 30 s")
        if bench:
            print(f"reference, the same window with no miners:               {max(idle)} ms over 30 s")
        print("screenshot:", shoal.screenshot("miners-50"))
    finally:
        for miner in miners:
            stop_process(miner)
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
