#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A new user's first start: no settings, so Shoal cannot run and says why
in the window, with the assistant open.  Each path is walked to a running
pool: "Use My Node" against a real regtest monerod that wants a login
(checked live: nothing there, login refused, then its version, network
and sync), the address checked against the node's network, a stratum port
that is taken replaced by the one offered; "Run a Node for Me" says what
a node of one's own takes (disk, sync time, the free space here) and holds
the reward address to mainnet; "Try It" runs the playground."""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "app"))

from regtest import ADDRESS, SUBADDRESS, TESTNET_ADDRESS, Monerod, stratum_login  # noqa: E402
from shoalgui import (Shoal, click, click_at, find_all, find_label, find_one, free_port,  # noqa: E402
                      main_window, open_menu_item, type_into, wait_for, window)


def label_starting(root, text, timeout=60):
    return find_one(root, "label", pred=lambda n: n.name.startswith(text), timeout=timeout,
                    what=f"a label starting {text!r}")


def check_node(shoal, setup):
    dead = f"http://127.0.0.1:{free_port()}"
    type_into(find_one(setup, "text", "Node address"), dead)
    label_starting(setup, f"Nothing answers at {dead}")
    print("screenshot:", shoal.screenshot("assistant-node-unreachable"))
    return find_one(setup, "push button", "Continue")


def walk_own_node(shoal, app, setup, node, busy_port):
    click_at(find_one(setup, "list item", pred=lambda n: "Use My Node" in n.name))
    cont = check_node(shoal, setup)
    assert not cont.sensitive
    type_into(find_one(setup, "text", "Node address"), node.uri)
    label_starting(setup, f"{node.uri} asks for a login")
    type_into(find_one(setup, "text", "RPC user (only with --rpc-login)"), "shoal")
    type_into(find_one(setup, name="RPC password",
                       pred=lambda n: n.roleName in ("password text", "text", "entry")), "secret")
    found = label_starting(setup, "Reachable: monerod 0.18")
    assert "on regtest, synchronised at block 1" in found.name, found.name
    print("screenshot:", shoal.screenshot("assistant-node"))
    wait_for(lambda: cont.sensitive, what="Continue enabled for a good node")
    click(cont)

    address = find_one(setup, "text", "Your Monero address")
    start = find_one(setup, "push button", "Start the Pool")
    type_into(address, SUBADDRESS)
    label_starting(setup, "This is a subaddress")
    type_into(address, TESTNET_ADDRESS)
    label_starting(setup, "This is a testnet address, but your node is on mainnet")
    assert not start.sensitive
    type_into(address, ADDRESS)
    label_starting(setup, "This address can receive block rewards")
    type_into(find_one(setup, "spin button", "Stratum port"), str(busy_port))
    label_starting(setup, f"Port {busy_port} is in use by another program")
    offer = find_one(setup, "push button", pred=lambda n: n.name.startswith("Use Port"))
    port = int(offer.name.split()[-1])
    print("screenshot:", shoal.screenshot("assistant-pool"))
    click(offer)
    label_starting(setup, "This port is free")
    wait_for(lambda: start.sensitive, what="Start enabled")
    click(start)
    return port


def main():
    node = Monerod(rpc_login="shoal:secret").start(offline=True)
    busy = socket.socket()
    busy.bind(("0.0.0.0", 0))
    busy.listen()
    shoal = Shoal(settings={"node-url": f"'http://127.0.0.1:{free_port()}'"})
    try:
        app = shoal.app()
        win = main_window(app)
        # Why it cannot run, in the window, with the fix.
        find_one(win, "label", pred=lambda n: n.name.startswith("No reward address is set"))
        find_one(win, "push button", "Set Up Shoal")
        find_one(win, "label", "Not running")
        setup = window(app, "Set Up Shoal")
        print("screenshot:", shoal.screenshot("assistant-start"))

        click_at(find_one(setup, "list item", pred=lambda n: "Run a Node for Me" in n.name))
        find_one(setup, "label", "A Node of Your Own")
        find_one(setup, "label", pred=lambda n: "about 100 GB" in n.name and "is free" in n.name,
                 what="the disk and sync time a node of one's own takes")
        print("screenshot:", shoal.screenshot("assistant-managed-node"))
        click(find_one(setup, "push button", "Continue to Your Pool"))
        # The node Shoal runs is on mainnet: a testnet address is refused.
        type_into(find_one(setup, "text", "Your Monero address"), TESTNET_ADDRESS)
        label_starting(setup, "This is a testnet address, but your node is on mainnet")
        click(find_one(setup, "push button", "Back"))
        find_one(setup, "label", "A Node of Your Own")
        click(find_one(setup, "push button", "Back"))

        port = walk_own_node(shoal, app, setup, node, busy.getsockname()[1])
        shoal.wait_log(f"stratum listening on 0.0.0.0 port {port}")
        win = main_window(app)
        wait_for(lambda: find_label(app, "Synced"), what="Synced on the Overview")
        assert not find_all(win, "label", pred=lambda n: n.name.startswith("No reward address"))
        job, error = stratum_login(port)
        assert job is not None and job["height"] == 1, (job, error)
        assert shoal.setting("node-login") == "'shoal:secret'", shoal.setting("node-login")
        assert shoal.setting("pool-address") == f"'{ADDRESS}'"
        print("screenshot:", shoal.screenshot("first-run-own-node"))

        # Later, from the menu: "Try It" runs the playground.
        open_menu_item(app, "Set Up Shoal…")
        setup = window(app, "Set Up Shoal")
        click_at(find_one(setup, "list item", pred=lambda n: "Try It" in n.name))
        shoal.wait_log(r"playground node at http://")
        wait_for(lambda: shoal.setting("playground") == "true", what="playground stored")
        win = main_window(app)
        wait_for(lambda: find_label(app, "Synced"), timeout=120, what="the playground synced")
    finally:
        shoal.stop()
        node.cleanup()
        busy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
