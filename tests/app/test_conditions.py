# SPDX-License-Identifier: GPL-3.0-or-later
"""Each condition that stops or degrades the pool, provoked for real and
read from `shoal --headless` as a service manager would: the sentence and
its fix on stderr, and exit status 1 where the pool cannot run."""
import os
import socket
import subprocess
import sys
import tempfile

from regtest import (ADDRESS, SUBADDRESS, TESTNET_ADDRESS, Headless, Monerod, free_port,
                     in_loopback_namespace, wait_for)


class Case:
    def __init__(self, tmp):
        self.tmp = tmp
        self.running = []

    def settings(self, **extra):
        base = {"pool-address": ADDRESS, "node-url": f"http://127.0.0.1:{free_port()}",
                "stratum-bind": "127.0.0.1", "stratum-port": free_port(),
                "database": os.path.join(self.tmp, f"db-{free_port()}", "shoal.db")}
        base.update({k.replace("_", "-"): v for k, v in extra.items()})
        return base

    def start(self, **extra):
        shoal = Headless(self.settings(**extra), self.tmp)
        self.running.append(shoal)
        return shoal

    def cannot_run(self, sentence, fix, **extra):
        shoal = self.start(**extra)
        assert shoal.wait_exit(timeout=120) == 1, f"exit status for {sentence!r}"
        text = shoal.text()
        line = next((l for l in text.splitlines() if l.startswith("shoal: ") and sentence in l),
                    None)
        assert line is not None, f"{sentence!r} not printed:\n{text}"
        assert line.rstrip().endswith(f"(Fix: {fix})"), line
        return shoal

    def stop_all(self):
        for shoal in self.running:
            shoal.stop()


def wallet_rpc(login, tmp):
    port = free_port()
    wallet_dir = tempfile.mkdtemp(dir=tmp)
    proc = subprocess.Popen(
        [os.environ.get("SHOAL_WALLET_RPC", "monero-wallet-rpc"),
         "--daemon-address", f"127.0.0.1:{free_port()}", "--rpc-bind-ip", "127.0.0.1",
         "--rpc-bind-port", str(port), "--wallet-dir", wallet_dir, "--non-interactive",
         "--rpc-login", login, "--log-level", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            assert proc.poll() is None, "monero-wallet-rpc exited"
            return False
    wait_for(listening, timeout=120, what="monero-wallet-rpc")
    return proc, f"http://127.0.0.1:{port}"


def main():
    assert in_loopback_namespace(), "run through netns.sh"
    tmp = tempfile.TemporaryDirectory(prefix="shoal-conditions-")
    case = Case(tmp.name)
    node = Monerod(rpc_login="shoal:secret")
    wallet = None
    try:
        case.cannot_run("No reward address is set", "Set Up Shoal", pool_address="")
        case.cannot_run("The reward address is a subaddress", "Change the Address",
                        pool_address=SUBADDRESS)

        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            case.cannot_run("The stratum port is in use by another program",
                            "Choose Another Port", stratum_port=busy.getsockname()[1])

        # A node that does not answer degrades the pool; it keeps running.
        first = case.start(database=os.path.join(tmp.name, "shared.db"))
        assert "(Fix: Check the Node)" in first.said("does not answer")
        case.cannot_run("Another Shoal is already running this pool", "Try Again",
                        database=os.path.join(tmp.name, "shared.db"))
        assert first.proc.poll() is None, "the first Shoal stopped"
        assert first.stop() == 0

        node.start(offline=True)
        case.cannot_run("refused Shoal's login", "Change the Node Login", node_url=node.uri)
        case.cannot_run("The reward address is for testnet, but the node", "Change the Address",
                        node_url=node.uri, node_login="shoal:secret",
                        pool_address=TESTNET_ADDRESS)
        right = case.start(node_url=node.uri, node_login="shoal:secret")
        right.wait_line("node height 1")
        assert "condition:" not in right.text(), right.text()
        assert right.stop() == 0

        # Small-pool mode needs its wallet: gone, then a wrong login.
        gone = case.start(node_url=node.uri, node_login="shoal:secret", mode="pplns",
                          wallet_url=f"http://127.0.0.1:{free_port()}")
        assert "(Fix: Check the Wallet Settings)" in gone.said("The wallet at")
        assert gone.proc.poll() is None
        assert gone.stop() == 0
        wallet, wallet_uri = wallet_rpc("pay:right", tmp.name)
        wrong = case.start(node_url=node.uri, node_login="shoal:secret", mode="pplns",
                           wallet_url=wallet_uri, wallet_login="pay:wrong")
        line = wrong.said("refused Shoal's login")
        assert "The wallet at" in line and "(Fix: Change the Wallet Login)" in line, line
        assert wrong.stop() == 0
    finally:
        case.stop_all()
        node.cleanup()
        if wallet is not None:
            os.killpg(wallet.pid, 15)
            wallet.wait()
        tmp.cleanup()
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
