# SPDX-License-Identifier: GPL-3.0-or-later
"""Several nodes in order: when the node stops answering Shoal moves to the
backup (rigs get the backup's work), and back to the node when it answers
again.  Two real regtest nodes on different chains tell them apart."""
import os
import sys
import tempfile

from regtest import (ADDRESS, Headless, Monerod, free_port, in_loopback_namespace,
                     stratum_login, wait_for)


def job_height(port):
    job, error = stratum_login(port)
    return job["height"] if job else None


def main():
    assert in_loopback_namespace(), "run through netns.sh"
    tmp = tempfile.TemporaryDirectory(prefix="shoal-failover-")
    first, backup = Monerod(), Monerod()
    shoal = None
    try:
        first.start(offline=True)
        backup.start(offline=True)
        backup.rpc("generateblocks", {"amount_of_blocks": 5, "wallet_address": ADDRESS},
                   timeout=600)
        stratum = free_port()
        shoal = Headless({"pool-address": ADDRESS, "node-url": first.uri,
                          "backup-node-urls": f" {backup.uri} ,",
                          "stratum-bind": "127.0.0.1", "stratum-port": stratum,
                          "database": os.path.join(tmp.name, "shoal.db")}, tmp.name)
        shoal.wait_line("backup nodes: 1")
        wait_for(lambda: job_height(stratum) == 1, what="work from the first node")

        first.stop()
        shoal.wait_line(f"node: now using {backup.uri}", timeout=120)
        line = shoal.said("Shoal uses the backup node at")
        assert first.uri in line and backup.uri in line, line
        wait_for(lambda: job_height(stratum) == 6, timeout=60, what="work from the backup")

        first.start(offline=True)
        shoal.wait_line(f"node: now using {first.uri}", timeout=120)
        shoal.wait_line("condition cleared: node-backup")
        wait_for(lambda: job_height(stratum) == 1, timeout=60, what="work from the first again")
        assert shoal.stop() == 0
    finally:
        if shoal is not None:
            shoal.stop()
        first.cleanup()
        backup.cleanup()
        tmp.cleanup()
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
