# SPDX-License-Identifier: GPL-3.0-or-later
"""A node that is still syncing: Shoal says so and hands out no work until
it has caught up, then rigs get jobs on the synced tip.

A seed node mines a chain offline; a second node starts with the seed as
its only peer while the seed is down (so it cannot be synchronised), and
Shoal runs headless against the second node.  When the seed comes up the
second node syncs from it for real.
"""
import os
import sys
import tempfile

from regtest import (ADDRESS, Headless, Monerod, free_port, in_loopback_namespace, metric,
                     stratum_login, wait_for)

CHAIN = 60


def main():
    assert in_loopback_namespace(), "run through netns.sh: the nodes must not reach the network"
    tmp = tempfile.TemporaryDirectory(prefix="shoal-sync-")
    seed = Monerod()
    syncing = Monerod()
    shoal = None
    try:
        seed.start(offline=True)
        seed.rpc("generateblocks", {"amount_of_blocks": CHAIN, "wallet_address": ADDRESS},
                 timeout=600)
        seed.stop()

        syncing.start(offline=False, peer=f"127.0.0.1:{seed.p2p_port}")
        assert syncing.rpc("get_info")["synchronized"] is False

        stratum, api = free_port(), free_port()
        shoal = Headless({"pool-address": ADDRESS, "node-url": syncing.uri,
                          "stratum-port": stratum, "stratum-bind": "127.0.0.1",
                          "api-enabled": "true", "api-bind": "127.0.0.1", "api-port": api,
                          "database": os.path.join(tmp.name, "shoal.db")}, tmp.name)
        shoal.wait_line("Node syncing, 0 %")
        shoal.wait_line("member API on")
        # The node answers, but is not synchronised: /metrics says both.
        wait_for(lambda: metric(api, "shoal_node_reachable") == 1, what="reachable in /metrics")
        assert metric(api, "shoal_node_synced") == 0
        job, error = stratum_login(stratum)
        assert job is None and "No job yet" in error, (job, error)

        seed.start(offline=False)
        wait_for(lambda: syncing.rpc("get_info")["synchronized"], timeout=300,
                 what="the second node to sync from the seed")
        shoal.wait_line("node synchronised", timeout=60)
        shoal.wait_line("condition cleared: node-syncing", timeout=60)
        wait_for(lambda: metric(api, "shoal_node_synced") == 1, what="synced in /metrics")

        # Work now comes from the synced tip: the next block on the seed's chain.
        job = wait_for(lambda: stratum_login(stratum)[0], timeout=60, what="a job")
        assert job["height"] == CHAIN + 1, job
        # No template was ever asked of the node while it was syncing.
        assert "no template" not in shoal.text(), shoal.text()
        assert shoal.stop() == 0
    finally:
        if shoal is not None:
            shoal.stop()
        seed.cleanup()
        syncing.cleanup()
        tmp.cleanup()
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
