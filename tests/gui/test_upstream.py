#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upstream mode seen in the window: a test miner mines through the Shoal
under test onto a second Shoal (solo, on a regtest monerod) as its
upstream.  The Upstream page says where the rigs mine, the upstream's
state and difficulty, and each rig's shares accepted upstream; the count
it shows is the one the upstream itself reports on its /metrics.  It has
a row per P2Pool sidechain (only the one the settings name has a reading,
what the probe's login was capped at), and P2Pool's payouts to the household with each member's credit
and the rigs' sidechain shares, as the store has them.  The upstream
stopped: the page says the rigs mine solo on the node, and why."""
import os
import re
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "app"))

from regtest import ADDRESS, Headless, Monerod, metric  # noqa: E402
from shoalgui import (Shoal, find_all, find_one, free_port, main_window,  # noqa: E402
                      show_page, start_miner, stop_process, testminer, wait_for)

VERDICTS = re.compile(r"^(\d+) accepted · (\d+) rejected$")
UNKNOWN = "Unknown: Shoal reads a sidechain's difficulty from a P2Pool connected to it"
PAYOUTS = "P2Pool's payouts to your household"
TXID = "c1" * 32


def row_texts(label):
    """The texts of the preferences row that holds LABEL: title, subtitle, value."""
    node = label
    for _ in range(6):
        node = node.parent
        texts = [n.name for n in find_all(node, "label")]
        if len(texts) >= 3:
            return texts
    raise AssertionError(f"no row around {label.name!r}")


def verdicts(win, title):
    """(accepted, rejected) in the row titled TITLE, or None while it has none."""
    for label in find_all(win, "label", title):
        for text in row_texts(label):
            m = VERDICTS.match(text)
            if m:
                return int(m.group(1)), int(m.group(2))
    return None


def check_sidechains(win):
    """Main, mini and nano, each with its expected time or why it is not known."""
    rows = {name: row_texts(find_one(win, "label", f"P2Pool {name}", what=f"the {name} row"))
            for name in ("main", "mini", "nano")}
    print("sidechain rows:", rows)
    # The settings say mini: the probe's reading is its alone.
    assert UNKNOWN in rows["main"] and UNKNOWN in rows["nano"], rows
    assert UNKNOWN not in rows["mini"], rows
    assert any(t.startswith("Your P2Pool's sidechain") for t in rows["mini"]), rows
    find_one(win, "label", pred=lambda n: n.name.startswith("P2Pool mini suits")
             or n.name.startswith("P2Pool nano suits") or n.name.startswith("Advice comes"),
             what="P2Pool's advice")


def record_payout(db):
    """What the income watcher and the relay write for one payout and one
    sidechain share, written into the running Shoal's store file.  On
    regtest the relay's own shares reach the sidechain's difficulty (1) and
    are recorded too, newest first: the payout's window reaches an hour
    ahead, so that whichever share the page shows first, however slowly a
    busy machine gets there, is in it."""
    now = int(time.time() * 1e6)
    with sqlite3.connect(db, timeout=30) as c:
        c.execute("INSERT INTO incomes (txid, height, amount, sidechain, window_start_us,"
                  " window_end_us, fee_bps, fee, credited_us) VALUES (?, 12, 500000000000,"
                  " 'mini', ?, ?, 100, 5000000000, ?)", (TXID, now - 3600e6, now + 3600e6, now))
        c.execute("INSERT INTO income_credits (txid, address, weight, amount)"
                  " VALUES (?, ?, 10, 495000000000)", (TXID, ADDRESS))
        c.execute("INSERT INTO sidechain_shares (time_us, address, worker, height, difficulty,"
                  " sidechain_difficulty) VALUES (?, ?, 'rig1', 12, 500, 400)", (now - 60e6, ADDRESS))
        # A newer payout, still locked in the wallet.
        c.execute("INSERT INTO arrivals (txid, height, amount, sidechain, unlocks_in)"
                  " VALUES (?, 14, 250000000000, 'mini', 37)", ("c4" * 32,))


def check_payouts(win):
    find_one(win, "label", PAYOUTS, what="the payouts group")
    income = row_texts(find_one(win, "label", "0.50 XMR at block 12", timeout=60,
                                what="the payout's row"))
    print("payout row:", income)
    assert any(t.endswith(": 0.495 XMR") for t in income), income
    found = row_texts(find_one(win, "label", "Rig rig1 found a sidechain share",
                               what="rig1's sidechain share"))
    print("sidechain share row:", found)
    assert any(t.endswith("fed the payout at block 12") for t in found), found
    arriving = row_texts(find_one(win, "label", "0.25 XMR at block 14", what="the payout on its way"))
    print("payout on its way:", arriving)
    assert "On its way" in arriving, arriving
    assert any(t.startswith("Locked for 37 more blocks, then split among the members") for t in arriving), \
        arriving


def main():
    testminer()  # exit 77 (skipped) while it is not built
    tmp = tempfile.TemporaryDirectory(prefix="shoal-upstream-gui-")
    node = Monerod().start()
    up_port, up_api = free_port(), free_port()
    # Difficulty 5 for the test miner's few hashes a second, on both sides;
    # RandomX in light mode: building the fast mode's 2 GiB dataset would
    # take both cores of a small machine for minutes.
    easy = {"start-difficulty": "5", "min-difficulty": "5"}
    upstream = Headless({"pool-address": ADDRESS, "node-url": node.uri, "validator-mode": "light",
                         "database": os.path.join(tmp.name, "upstream.db"),
                         "stratum-bind": "127.0.0.1", "stratum-port": up_port,
                         "api-enabled": "true", "api-bind": "127.0.0.1", "api-port": up_api,
                         **easy}, tmp.name)
    upstream.wait_line("pool started")
    url = f"stratum+tcp://127.0.0.1:{up_port}"
    port = free_port()
    db = os.path.join(tmp.name, "relay.db")
    shoal = Shoal(settings={"mode": "'upstream'", "upstream-urls": f"['{url}']",
                            "database": f"'{db}'",
                            "pool-address": f"'{ADDRESS}'", "node-url": f"'{node.uri}'",
                            "validator-mode": "'light'",
                            "stratum-bind": "'127.0.0.1'", "stratum-port": f"uint64 {port}",
                            **{k: f"uint64 {v}" for k, v in easy.items()}})
    miner = None
    try:
        app = shoal.app()
        win = main_window(app)
        # The Overview has no Monero round in upstream mode: its effort
        # would grow forever on shares that go to another pool's blocks.
        find_one(win, "label", "Last block found", what="the Overview's round group")
        assert not find_all(win, "label", "Round effort")
        assert not find_all(win, "label", "Expected time to a block")
        miner = start_miner(port, ADDRESS, "rig1")
        show_page(app, "Upstream")
        find_one(win, "label", f"Mining on {url}", timeout=120, what="where the rigs mine")
        # Relayed one connection per rig (the default): the relay's own and rig1's.
        find_one(win, "label", "In use: 2 connections", timeout=60,
                 what="the upstream row in use, with its connections")
        check_sidechains(win)
        record_payout(db)
        check_payouts(win)

        wait_for(lambda: (verdicts(win, "rig1") or (0, 0))[0] >= 2, timeout=240,
                 what="rig1's shares accepted upstream")
        print("rig1 row:", row_texts(find_one(win, "label", "rig1")))
        print("screenshot:", shoal.screenshot("upstream"))

        # What the upstream itself counts is what the window says it took.
        stop_process(miner)
        miner = None
        wait_for(lambda: (verdicts(win, url) or (-1, 0))[0]
                 == metric(up_api, "shoal_shares_accepted_total"), timeout=120,
                 what="the upstream row's count equal to the upstream's own")
        print("upstream row:", row_texts(find_one(win, "label", url)),
              "upstream /metrics accepted:", metric(up_api, "shoal_shares_accepted_total"))

        assert upstream.stop() == 0
        find_one(win, "label",
                 "No upstream pool answers: rigs mine solo on your node until one is back",
                 timeout=120, what="the headline once the upstream is gone")
        find_one(win, "label", pred=lambda n: n.name.startswith("Cannot be reached: "),
                 what="why the upstream cannot be reached")
        print("screenshot:", shoal.screenshot("upstream-gone"))
    finally:
        if miner is not None:
            stop_process(miner)
        shoal.stop()
        upstream.stop()
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
