#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first-run assistant's third way to mine: "On P2Pool".  Chosen on
the pool page, it asks for P2Pool's stratum address (a mistyped one is
refused with the reason and Start stays off), says who P2Pool pays, and
starts Shoal in upstream mode on that address.  With no P2Pool there
yet, the window says the rigs mine solo on the node until it answers,
and a rig that logs in gets the node's work."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "app"))

from regtest import ADDRESS, Monerod, stratum_login  # noqa: E402
from shoalgui import (Shoal, click, click_at, find_one, free_port,  # noqa: E402
                      main_window, type_into, wait_for, window)


def label_starting(root, text, timeout=60):
    return find_one(root, "label", pred=lambda n: n.name.startswith(text), timeout=timeout,
                    what=f"a label starting {text!r}")


def choose_p2pool(app, setup):
    """Opens the mode list with the mouse and picks its third choice with
    the keys, as a person may: the list is a popover, whose own surface
    GTK 4.8 gives no screen position for a click."""
    from dogtail import rawinput
    click_at(find_one(setup, pred=lambda n: n.name.startswith("Pool mode"),
                      what="the Pool mode row"))
    find_one(app, "label", pred=lambda n: n.name.startswith("On P2Pool"),
             what="the P2Pool choice in the list")
    time.sleep(0.6)  # the popover's opening transition
    for key in ("Down", "Down", "Return"):
        rawinput.pressKey(key)


def main():
    node = Monerod().start(offline=True)
    port = free_port()
    p2pool = f"stratum+tcp://127.0.0.1:{free_port()}"
    shoal = Shoal(settings={"node-url": f"'{node.uri}'", "stratum-port": f"uint64 {port}",
                            "validator-mode": "'light'"})
    try:
        app = shoal.app()
        setup = window(app, "Set Up Shoal")
        click_at(find_one(setup, "list item", pred=lambda n: "Use My Node" in n.name))
        label_starting(setup, "Reachable: monerod 0.18")
        cont = find_one(setup, "push button", "Continue")
        wait_for(lambda: cont.sensitive, what="Continue enabled for a good node")
        click(cont)

        type_into(find_one(setup, "text", "Your Monero address"), ADDRESS)
        label_starting(setup, "This address can receive block rewards")
        choose_p2pool(app, setup)
        url = find_one(setup, "text", "P2Pool's stratum address", what="P2Pool's address row")
        label_starting(setup, "Your rigs mine P2Pool's shares through Shoal")
        start = find_one(setup, "push button", "Start the Pool")
        type_into(url, "stratum+tcp://p2pool.lan")
        refused = label_starting(setup, "Shoal cannot use this address")
        assert "no port" in refused.name, refused.name
        wait_for(lambda: not start.sensitive, what="Start off for an address without a port")
        print("screenshot:", shoal.screenshot("assistant-p2pool-refused"))
        type_into(url, p2pool)
        label_starting(setup, "Your rigs mine P2Pool's shares through Shoal")
        wait_for(lambda: start.sensitive, what="Start enabled for P2Pool's address")
        print("screenshot:", shoal.screenshot("assistant-p2pool"))
        click(start)

        wait_for(lambda: shoal.setting("mode") == "'upstream'", what="upstream mode stored")
        assert shoal.setting("upstream-urls") == f"['{p2pool}']", shoal.setting("upstream-urls")
        win = main_window(app)
        find_one(win, "page tab", "Upstream", timeout=120, what="the Upstream page")
        label_starting(win, f"No upstream pool can be reached ({p2pool}", timeout=120)
        job, error = stratum_login(port)
        assert job is not None and job["height"] == 1, (job, error)
        print("screenshot:", shoal.screenshot("first-run-p2pool"))
    finally:
        shoal.stop()
        node.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
