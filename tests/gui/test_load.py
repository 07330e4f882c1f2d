#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""With 50 miners connected (49 idle connections and one hashing rig), the
main loop never stalls more than 50 ms.  SHOAL_MAINLOOP_PROBE=1 makes the
app log its worst main-loop latency every 10 s; the Miners page is shown
so that its rows are refreshed and drawn."""
import os
import re
import sys
import time

from shoalgui import (Shoal, find_label, find_one, free_port, main_window, show_page, start_miner,
                      stop_process, testminer, wait_for)

LIMIT_MS = 50
MINERS = 50


def stamp(what):
    """Wall-clock marks to line up with the app's probe reports."""
    print(time.strftime("%H:%M:%S"), what, flush=True)


def probe_reports(shoal):
    with shoal.lock:
        return [int(m.group(1)) for line in shoal.log
                for m in [re.search(r"main-loop probe: max latency (\d+) ms", line)] if m]


def main():
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
        # SHOAL_LOAD_SETTLE=S waits S seconds first, to keep start-up out of the logins' window.
        time.sleep(float(os.environ.get("SHOAL_LOAD_SETTLE", "0")))
        stamp("miners start")
        miners.append(start_miner(port, address, "idle", ["--connections", str(MINERS - 1)]))
        miners.append(start_miner(port, address, "rig1"))
        wait_for(lambda: find_label(app, str(MINERS)), timeout=120,
                 what=f"{MINERS} miners online on the Overview")
        stamp("miners online; a 10 s quiet window")
        time.sleep(12)
        stamp("switching to the Miners page")
        show_page(app, "Miners")
        find_one(main_window(app), "label", "idle-0")  # rows sort by name: idle-0 comes first
        # Reports from here on cover 50 connected miners with their rows on screen.
        seen = len(probe_reports(shoal)) + 1
        wait_for(lambda: len(probe_reports(shoal)) >= seen + 3, timeout=70,
                 what="three probe reports with the miners connected")
        reports = probe_reports(shoal)
        print("all probe reports (ms, one per 10 s):", reports)
        worst = max(reports[seen:seen + 3])
        print(f"main-loop max latency with {MINERS} miners: {worst} ms over 30 s (limit {LIMIT_MS} ms)")
        print("screenshot:", shoal.screenshot("miners-50"))
        assert worst < LIMIT_MS, f"main loop stalled {worst} ms"
    finally:
        for miner in miners:
            stop_process(miner)
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
