#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every page is reachable through the view switcher, the Connect a Rig
dialog shows a command line with the stratum port, and the shortcuts and
about windows open.  Saves a screenshot of each."""
import sys

from shoalgui import (Shoal, click, find_all, find_label, find_one, free_port, main_window,
                      open_menu_item, show_page, wait_for, window)


def check_pages(shoal, app):
    win = main_window(app)
    show_page(app, "Overview")
    find_one(win, "label", "Pool hashrate")
    find_one(win, "image", "Hashrate chart")
    print("screenshot:", shoal.screenshot("overview-empty"))

    show_page(app, "Miners")
    find_one(win, pred=lambda n: n.name == "No Miners Yet" or (n.roleName == "table" and n.name == "Miners"),
             what="the miners list or its empty state")
    print("screenshot:", shoal.screenshot("miners-empty"))

    show_page(app, "Blocks")
    find_one(win, pred=lambda n: n.name == "No Blocks Yet" or (n.roleName == "table" and n.name == "Blocks"),
             what="the blocks list or its empty state")
    print("screenshot:", shoal.screenshot("blocks-empty"))

    # Solo mode: rewards go straight to the pool address, nothing to pay out.
    assert not find_all(win, "page tab", "Payouts"), "a Payouts page in solo mode"
    show_page(app, "Overview")


def check_connect_rig(shoal, app, port, address):
    click(find_one(main_window(app), "push button", "Connect a Rig",
                   pred=lambda n: "click" in n.actions))
    dialog = window(app, "Connect a Rig")
    command = find_one(dialog, "label", pred=lambda n: n.name.startswith("xmrig "),
                       what="the XMRig command line")
    print("command line:", command.name)
    assert f":{port} " in command.name, f"port {port} missing from {command.name!r}"
    assert f"-u {address} " in command.name and command.name.endswith("-a rx/0 -k"), command.name
    snippet = find_one(dialog, "label", pred=lambda n: n.name.startswith('"pools"'))
    assert f':{port}"' in snippet.name, snippet.name
    find_one(dialog, "push button", "Copy the command line")
    print("screenshot:", shoal.screenshot("connect-rig"))
    click(find_one(dialog, "push button", "Close"))
    wait_for(lambda: not [w for w in app.children if w.name == "Connect a Rig"], what="dialog closed")


def check_shortcuts_and_about(shoal, app):
    open_menu_item(app, "Keyboard Shortcuts")
    shortcuts = window(app, "Keyboard Shortcuts")
    find_one(shortcuts, "label", "Connect a rig")
    print("screenshot:", shoal.screenshot("shortcuts"))
    click(find_one(shortcuts, "push button", "Close"))

    open_menu_item(app, "About Shoal")
    about = window(app, "About Shoal")
    find_one(about, "label", "Shoal")
    click(find_one(about, "push button", "Close"))


def main():
    port = free_port()
    shoal = Shoal("--playground", settings={"stratum-port": f"uint64 {port}"})
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at \S+, address (\w+)")
        address = m.group(2)
        app = shoal.app()
        wait_for(lambda: find_label(app, "1"), what="height 1 in the window")
        check_pages(shoal, app)
        check_connect_rig(shoal, app, port, address)
        check_shortcuts_and_about(shoal, app)
    finally:
        shoal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
