#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small-pool mode, end to end: a member's test miner finds blocks, they
unlock, "Pay Out" -> confirm -> the member's own wallet (a separate
monero-wallet-rpc) receives the amount, and the history shows the tx hash.
Needs the stratum test miner and the pool's wiring (PPLNS, payer)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from shoalgui import (Shoal, atomic_from_xmr, click, find_all, find_one, free_port, generate_blocks,
                      hex_hash, main_window, row_labels, rpc, show_page, start_miner,
                      stop_process, testminer, wait_for)


# The chain's height when the pool pays: well past what ring size 16 needs.
PAYING_HEIGHT = 100


def start_member_wallet(node, tmp):
    """The member's wallet: its own monero-wallet-rpc on the playground node."""
    port = free_port()
    binary = os.environ.get("SHOAL_WALLET_RPC", shutil.which("monero-wallet-rpc") or "monero-wallet-rpc")
    proc = subprocess.Popen([binary, "--daemon-address", node.replace("http://", ""),
                             "--daemon-ssl", "disabled", "--trusted-daemon",
                             "--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", str(port),
                             "--wallet-dir", tmp, "--shared-ringdb-dir", os.path.join(tmp, "ringdb"),
                             "--non-interactive", "--disable-rpc-login", "--log-level", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"

    def ready():
        try:
            rpc(uri, "get_version")
            return True
        except Exception:
            return False
    wait_for(ready, timeout=60, what="the member's wallet RPC")
    rpc(uri, "create_wallet", {"filename": "member", "language": "English"})
    return proc, uri, rpc(uri, "get_address", {"account_index": 0})["address"]


def main():
    testminer()  # exit 77 (skipped) while it is not built
    port = free_port()
    shoal = Shoal("--playground", settings={
        "mode": "'pplns'",
        "stratum-port": f"uint64 {port}",
        # The test miner hashes a few H/s (RandomX light mode, shared CPU): a share
        # every second or two, and a block every few shares, not one per share.
        "playground-difficulty": "uint64 10",
        "start-difficulty": "uint64 5",
        "min-difficulty": "uint64 5",
        "payout-threshold": "uint64 1",
    })
    tmp = tempfile.TemporaryDirectory(prefix="shoal-member-")
    miner = wallet = None
    try:
        m = shoal.wait_log(r"playground node at (http://[0-9.:]+), wallet at (\S+), address (\w+)")
        node, pool_wallet, pool_address = m.group(1), m.group(2).rstrip(","), m.group(3)
        app = shoal.app()
        win = main_window(app)
        wallet, wallet_uri, member = start_member_wallet(node, tmp.name)
        miner = start_miner(port, member, "member-rig")

        show_page(app, "Blocks")
        find_one(win, "label", pred=lambda n: n.name.startswith(("Pending", "Submitted")),
                 timeout=180, what="a block found by the member")
        stop_process(miner)
        miner = None
        # 60 confirmations unlock the block's reward; ring size 16 needs 16
        # more unlocked outputs on the chain (coinbase unlocks after 60).
        # Not a chain just long enough: monero-wallet-rpc 0.18's decoy
        # picking never returns from transfer_split on a chain of height 86
        # (measured: 84 and 87 to 120 answer within a second), which is
        # where 80 blocks after 5 of the member's left it.
        height = rpc(node, "get_info")["height"]
        generate_blocks(node, max(80, PAYING_HEIGHT - height), pool_address)
        find_one(win, "label", "Unlocked", timeout=120)

        show_page(app, "Payouts")
        balance = find_one(win, "label", member, timeout=120, what="the member's balance row")
        print("balance row:", row_labels(balance))
        owed = next(atomic_from_xmr(t) for t in row_labels(balance) if t.endswith(" XMR"))

        def pool_wallet_can_pay():
            rpc(pool_wallet, "refresh", timeout=120)
            unlocked = rpc(pool_wallet, "get_balance", {"account_index": 0})["unlocked_balance"]
            return unlocked > owed + 10**12
        wait_for(pool_wallet_can_pay, timeout=120, what="the pool wallet to see its unlocked coinbase")
        print("screenshot:", shoal.screenshot("payouts"))
        click(find_one(win, "push button", "Pay Out…"))
        asked = time.monotonic()
        confirm = find_one(app, "push button", "Pay Out", timeout=120, what="the confirmation dialog")
        # The wallet builds and signs the transaction (not relayed) for its fee.
        print(f"confirmation dialog after {time.monotonic() - asked:.1f} s")
        find_one(app, "label", "Network fee (estimate)")
        print("screenshot:", shoal.screenshot("payout-confirm"))
        click(confirm)

        sent = find_one(win, "label", pred=lambda n: n.name.startswith(("Sent", "Confirmed")),
                        timeout=300, what="the payment in the history")
        cells = row_labels(sent)
        print("history row:", cells)
        amount = next(atomic_from_xmr(t) for t in cells if t.endswith(" XMR"))

        # Blocks confirm the transaction: the member's wallet sees it, and
        # the pool marks the payment confirmed with its transaction hash.
        received, tx = 0, None
        for _ in range(40):
            generate_blocks(node, 1, pool_address)
            rpc(wallet_uri, "refresh", timeout=120)
            received = rpc(wallet_uri, "get_balance", {"account_index": 0})["balance"]
            tx = next(iter(find_all(win, "label", pred=lambda n: hex_hash(n.name))), None)
            if received and tx is not None:
                break
            time.sleep(1)
        print(f"member wallet received {received} atomic units; history says {amount}")
        assert received == amount, (received, amount)
        assert tx is not None, "no transaction hash in the history"
        print("history row:", row_labels(tx))
        transfers = rpc(wallet_uri, "get_transfers", {"in": True, "pool": True})
        txids = [t["txid"] for t in transfers.get("in", []) + transfers.get("pool", [])]
        assert tx.name in txids, f"{tx.name} not among the member's transfers {txids}"
        print("screenshot:", shoal.screenshot("payouts-history"))

        # The same read-only check as `shoal --check`, from the window.
        click(find_one(win, "push button", "Check the Books"))
        find_one(app, "label", "The Books Match", timeout=120, what="the ledger check's verdict")
        print("screenshot:", shoal.screenshot("books-check"))
    finally:
        for proc in (miner, wallet):
            if proc is not None:
                stop_process(proc)
        shoal.stop()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
