#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a node for me: Shoal starts its own monerod, which syncs from a
regtest seed node (the one peer it may use, on loopback).  The Node page
shows the sync under way, then 100 %, and once Shoal quits no monerod of
its is left."""
import os
import re
import subprocess
import sys
import tempfile
import time

from shoalgui import Shoal, find_all, free_port, main_window, rpc, show_page, wait_for

ADDRESS = ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98u"
           "Nbr2VBBEt7f2wfn3RVGQBEP3A")
SEED_BLOCKS = 400


def spawn_seed(data, rpc_port, p2p_port, offline):
    args = ["monerod", "--regtest", "--keep-fakechain", "--fixed-difficulty", "1",
            "--data-dir", data, "--non-interactive", "--rpc-bind-ip", "127.0.0.1",
            "--rpc-bind-port", str(rpc_port), "--p2p-bind-ip", "127.0.0.1",
            "--p2p-bind-port", str(p2p_port), "--no-zmq", "--no-igd", "--rpc-ssl", "disabled",
            "--disable-dns-checkpoints", "--check-updates", "disabled", "--log-level", "0"]
    # Not offline, it still talks to no one: its only peer is a dead port.
    args += ["--offline"] if offline else ["--add-exclusive-node", f"127.0.0.1:{free_port()}"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_rpc(uri):
    def answers():
        try:
            return rpc(uri, "get_info")
        except Exception:
            return None
    return wait_for(answers, timeout=60, what="the seed node's RPC")


def start_seed(tmp):
    data = os.path.join(tmp, "seed")
    rpc_port, p2p_port = free_port(), free_port()
    uri = f"http://127.0.0.1:{rpc_port}"
    seed = spawn_seed(data, rpc_port, p2p_port, True)
    wait_rpc(uri)
    rpc(uri, "generateblocks", {"amount_of_blocks": SEED_BLOCKS, "wallet_address": ADDRESS},
        timeout=300)
    seed.terminate()
    seed.wait(60)
    seed = spawn_seed(data, rpc_port, p2p_port, False)
    height = wait_rpc(uri)["height"]
    return seed, p2p_port, height


def monerods_using(folder):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "monerod" in cmdline and folder in cmdline:
            found.append(int(pid))
    return found


def percent_label(win):
    """The Node page's progress figure: the first percentage after its
    heading (the Overview has one of its own)."""
    names = [n.name for n in find_all(win, "label")]
    if "Your Monero node" not in names:
        return None
    for name in names[names.index("Your Monero node"):]:
        m = re.fullmatch(r"(\d+\.\d) %", name)
        if m:
            return float(m.group(1))
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="shoal-gui-node-")
    seed, seed_p2p, seed_height = start_seed(tmp)
    node_dir = os.path.join(tmp, "node")
    args = (f"--regtest --keep-fakechain --fixed-difficulty 1 --no-igd --disable-dns-checkpoints "
            f"--check-updates disabled --log-level 0 --p2p-bind-ip 127.0.0.1 "
            f"--p2p-bind-port {free_port()} --add-exclusive-node 127.0.0.1:{seed_p2p}")
    shoal = Shoal(settings={
        "node-managed": "true",
        "node-managed-data-dir": f"'{node_dir}'",
        "node-managed-args": f"'{args}'",
        "node-managed-ignore-disk-space": "true",
        "pool-address": f"'{ADDRESS}'",
        "stratum-bind": "'127.0.0.1'",
        "stratum-port": f"uint64 {free_port()}",
        "validator-mode": "'light'",
    })
    try:
        app = shoal.app()
        win = main_window(app)
        wait_for(lambda: monerods_using(node_dir), what="Shoal's monerod")
        show_page(app, "Node")
        seen = set()

        def synced():
            value = percent_label(win)
            if value is not None:
                seen.add(value)
            return value == 100.0
        wait_for(synced, timeout=300, what="the Node page at 100 %")
        print("progress seen on the Node page:", sorted(seen))
        wait_for(lambda: [n for n in find_all(win, "label") if n.name == "Synced: mining"],
                 what="'Synced: mining'")
        height = f"{seed_height} / {seed_height}"
        wait_for(lambda: [n for n in find_all(win, "label") if n.name == height],
                 what=f"height {height}")
        print("screenshot:", shoal.screenshot("node-synced"))
        assert monerods_using(node_dir), "the node is gone while Shoal runs"
    finally:
        shoal.stop()
        seed.terminate()
        seed.wait(60)
    wait_for(lambda: not monerods_using(node_dir), timeout=60, what="no monerod left after quitting")
    subprocess.run(["rm", "-rf", tmp], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
