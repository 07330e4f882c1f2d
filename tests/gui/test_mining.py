#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A test miner connects to the playground pool: its row appears on the
Miners page with a non-zero hashrate, and a block it finds appears on the
Blocks page, as monerod has it.  Needs the stratum test miner and the
pool's wiring (stratum server, validator, block tracker)."""
import sys
import time

from shoalgui import (Notifications, Shoal, find_all, find_label, find_one, free_port,
                      hashrate_value, main_window, row_labels, rpc, show_page, start_miner,
                      stop_process, testminer, wait_for)


def block_on_chain(node, win):
    """A row that the window shows as on the chain, and monerod agrees: same height, same id."""
    for state in find_all(win, "label", pred=lambda n: n.name.startswith(("Pending", "Unlocked"))):
        cells = row_labels(state)
        height = next(int(t) for t in cells if t.isdigit())
        block_id = rpc(node, "get_block_header_by_height", {"height": height})["block_header"]["hash"]
        if any(t.startswith(block_id[:6]) and t.endswith(block_id[-6:]) for t in cells):
            return cells
    return None


def main():
    testminer()  # exit 77 (skipped) while it is not built
    port = free_port()
    notifications = Notifications()
    shoal = Shoal("--playground", settings={
        "stratum-port": f"uint64 {port}",
        # The test miner hashes a few H/s (RandomX light mode, shared CPU): a share
        # every second or two, and a block every few shares, not one per share.
        "playground-difficulty": "uint64 20",
        "start-difficulty": "uint64 5",
        "min-difficulty": "uint64 5",
    })
    miner = None
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at \S+, address (\w+)")
        node, address = m.group(1), m.group(2)
        app = shoal.app()
        win = main_window(app)
        wait_for(lambda: find_label(app, "1"), what="height 1 in the window")
        miner = start_miner(port, address, "rig1")

        show_page(app, "Miners")
        worker = find_one(win, "label", "rig1", timeout=120, what="the rig1 row")

        def hashing():
            rates = [hashrate_value(t) for t in row_labels(worker)]
            return any(r for r in rates if r)
        wait_for(hashing, timeout=120, what="a non-zero hashrate in rig1's row")
        print("rig1 row:", row_labels(worker))
        print("screenshot:", shoal.screenshot("miners"))

        show_page(app, "Blocks")
        cells = wait_for(lambda: block_on_chain(node, win), timeout=240,
                         what="a block row that monerod has on its chain")
        print("block row:", cells)
        wait_for(lambda: notifications.titled("Block Found"), what="a Block Found notification")
        print("notification:", notifications.titled("Block Found")[0])
        print("screenshot:", shoal.screenshot("blocks"))
        show_page(app, "Overview")
        wait_for(lambda: not find_all(win, "label", "None yet"), what="the last block on Overview")
        time.sleep(12)  # the chart takes a live point every 10 s: let it draw a line
        print("screenshot:", shoal.screenshot("overview"))
    finally:
        if miner is not None:
            stop_process(miner)
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
