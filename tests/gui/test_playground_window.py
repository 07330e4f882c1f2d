#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window on the playground shows the node's height, live."""
import sys

from shoalgui import Shoal, find_label, rpc, wait_for


def main():
    shoal = Shoal("--playground")
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at \S+, address (\w+)")
        node, address = m.group(1), m.group(2)
        app = shoal.app()
        wait_for(lambda: find_label(app, "1"), what="height 1 in the window")
        rpc(node, "generateblocks", {"amount_of_blocks": 4, "wallet_address": address})
        wait_for(lambda: find_label(app, "5"), timeout=10, what="height 5 in the window")
        print("screenshot:", shoal.screenshot("playground-window"))
    finally:
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
