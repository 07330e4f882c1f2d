# SPDX-License-Identifier: GPL-3.0-or-later
"""Real monerod --regtest nodes for the app tests, on loopback ports.

Nodes that are not --offline talk p2p, to each other only: the tests run
inside a loopback-only network namespace (see meson.build), and every node
gets --add-exclusive-node, --disable-dns-checkpoints and --no-igd.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ADDRESS = "4594RFjuYCVSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQvrGW46"
TESTNET_ADDRESS = "9vgbuWQApZbSV8bZ5zVVLHWDeNSsBrPHMcnevGjHj8nbU3bCDp3dUwVjX6ncNo8huHSVQgztzW97qQhCeov4w26mQxM7uyz"
SUBADDRESS = "82p8FTAeJ8vMs1H4wdtuVcakr7nFcZRRR6XHzV52Yr3CV4rhgQj6jDgbXJhoLoCKxL1XXhyhqtXyuPQfJ7i4GTksRBV75yy"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=60, what="condition", step=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


class Monerod:
    def __init__(self, data_dir=None, rpc_login=None):
        self.tmp = None
        if data_dir is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="shoal-regtest-")
            data_dir = self.tmp.name
        self.data_dir = data_dir
        self.rpc_port = free_port()
        self.p2p_port = free_port()
        self.rpc_login = rpc_login
        self.proc = None

    @property
    def uri(self):
        return f"http://127.0.0.1:{self.rpc_port}"

    def start(self, offline=True, peer=None):
        argv = [os.environ.get("SHOAL_MONEROD", "monerod"), "--regtest", "--keep-fakechain",
                "--fixed-difficulty", "1", "--data-dir", self.data_dir, "--non-interactive",
                "--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", str(self.rpc_port),
                "--p2p-bind-ip", "127.0.0.1", "--p2p-bind-port", str(self.p2p_port),
                "--no-zmq", "--no-igd", "--rpc-ssl", "disabled", "--disable-rpc-ban",
                "--disable-dns-checkpoints", "--check-updates", "disabled", "--log-level", "0"]
        if offline:
            argv.append("--offline")
        # A node with no peer named asks nobody (and nobody is reachable).
        argv += ["--add-exclusive-node", peer or f"127.0.0.1:{free_port()}"]
        if self.rpc_login:
            argv += ["--rpc-login", self.rpc_login]
        log = open(os.path.join(self.data_dir, "monerod.out"), "a")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_for(self._answers, timeout=120, what=f"monerod on {self.rpc_port}")
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"monerod exited with {self.proc.returncode}")
        try:
            self.rpc("get_info", timeout=2)
            return True
        except urllib.error.HTTPError as e:
            return e.code == 401
        except (OSError, AssertionError):
            return False

    def rpc(self, method, params=None, timeout=30):
        body = json.dumps({"jsonrpc": "2.0", "id": "0", "method": method,
                           "params": params or {}}).encode()
        req = urllib.request.Request(self.uri + "/json_rpc", body,
                                     {"Content-Type": "application/json"})
        if self.rpc_login:
            user, _, password = self.rpc_login.partition(":")
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, self.uri, user, password)
            opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
        else:
            opener = urllib.request.build_opener()
        with opener.open(req, timeout=timeout) as r:
            answer = json.loads(r.read())
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        return answer["result"]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        if self.tmp is not None:
            self.tmp.cleanup()


def in_loopback_namespace():
    """True when only loopback is up: nodes that try the outside world cannot reach it."""
    # /proc/net/dev belongs to the network namespace (/sys/class/net does not).
    with open("/proc/net/dev") as f:
        names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    return names == ["lo"]


class Headless:
    """`shoal --headless` with a key file of SETTINGS, its stderr collected."""

    def __init__(self, settings, tmp):
        import threading
        self.conf = os.path.join(tmp, f"shoal-{free_port()}.conf")
        with open(self.conf, "w") as f:
            f.write("[shoal]\n")
            for key, value in settings.items():
                f.write(f"{key}={value}\n")
        binary = os.path.join(os.environ["SHOAL_BUILDDIR"], "src", "shoal")
        self.proc = subprocess.Popen([binary, "--headless", "--config", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            print("shoal:", line, end="", flush=True)
            with self.lock:
                self.lines.append(line)
                self.lock.notify_all()

    def wait_line(self, text, timeout=120, prefix=""):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for line in self.lines:
                    if line.startswith(prefix) and text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"shoal never printed {text!r}")
                self.lock.wait(min(left, 1))

    def said(self, text, timeout=120):
        """A condition as headless mode prints it for people (not the log line)."""
        return self.wait_line(text, timeout, prefix="shoal: ")

    def text(self):
        with self.lock:
            return "".join(self.lines)

    def wait_exit(self, timeout=60):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def stratum_login(port, timeout=30):
    """A rig's login: the job it gets, or the pool's error message."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(json.dumps({"id": 1, "jsonrpc": "2.0", "method": "login",
                              "params": {"login": ADDRESS, "pass": "x", "agent": "test"}})
                  .encode() + b"\n")
        line = s.makefile().readline()
    answer = json.loads(line)
    if answer.get("error"):
        return None, answer["error"].get("message", "")
    return answer["result"]["job"], None


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"/metrics has no {name}")
