#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The idle window costs under 2 % of a core: utime + stime of the shoal
process over 10 s, read from /proc, on the playground with no miners.
The validator runs in light mode: in auto mode it builds the 2 GiB RandomX
dataset on every core after start-up, which is start-up work, not idling."""
import sys
import time

from shoalgui import Shoal, cpu_seconds, find_label, wait_for

LIMIT_PERCENT = 2.0
SPAN_S = 10.0


def main():
    shoal = Shoal("--playground", settings={"validator-mode": "'light'"})
    try:
        app = shoal.app()
        wait_for(lambda: find_label(app, "1"), timeout=120, what="height 1 in the window")
        time.sleep(3)  # start-up work (first frames, history reads) is not idling
        start_cpu, start = cpu_seconds(shoal.pid()), time.monotonic()
        time.sleep(SPAN_S)
        used = cpu_seconds(shoal.pid()) - start_cpu
        percent = 100.0 * used / (time.monotonic() - start)
        print(f"idle CPU: {percent:.2f} % of a core over {SPAN_S:.0f} s (limit {LIMIT_PERCENT} %)")
        assert percent < LIMIT_PERCENT, f"idle CPU {percent:.2f} % >= {LIMIT_PERCENT} %"
    finally:
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
