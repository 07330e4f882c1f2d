# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real Shoal window through the accessibility tree.

Each test starts `shoal` as a user would, inside the private D-Bus session
and Xvfb display that build-aux/dev provides, with HOME and XDG folders in
a temporary directory.
"""
import faulthandler
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

from dogtail.config import config
config.checkForA11y = False
config.searchShowingOnly = False
config.defaultDelay = 0.2
import dogtail.tree  # noqa: E402  (must follow the config)

# A test that dies of a signal (a crash inside the accessibility library, a
# kill) leaves no Python traceback; this writes where each thread was.
faulthandler.enable()

# The shortest wait for anything that must happen: the machines are shared
# and busy, and a test proves what happened, never how fast (shoal-bench
# measures that).
PATIENCE_S = 120


class Shoal:
    def __init__(self, *args, env=None, settings=None):
        if not os.environ.get("DISPLAY"):
            sys.exit("no DISPLAY: the gui suite must run under Xvfb (build-aux/dev test)")
        self.tmp = tempfile.TemporaryDirectory(prefix="shoal-gui-")
        e = dict(os.environ)
        for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            e[var] = os.path.join(self.tmp.name, var.lower())
            os.makedirs(e[var], exist_ok=True)
        e.pop("GTK_A11Y", None)
        # The keyfile backend lets a test start the app with chosen settings.
        e["GSETTINGS_BACKEND"] = "keyfile"
        keyfile = self.keyfile = os.path.join(e["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")
        os.makedirs(os.path.dirname(keyfile), exist_ok=True)
        with open(keyfile, "w") as f:
            f.write("[org/shoalpool/Shoal]\n")
            for key, value in {"playground-difficulty": "1", **(settings or {})}.items():
                f.write(f"{key}={value}\n")
        e["GSK_RENDERER"] = "cairo"
        e["NO_AT_BRIDGE"] = "0"
        e.update(env or {})
        binary = os.path.join(os.environ["SHOAL_BUILDDIR"], "src", "shoal")
        self.proc = subprocess.Popen([binary, *args], env=e, stderr=subprocess.PIPE, text=True)
        self.log = []
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            sys.stderr.write("shoal: " + line)
            with self.lock:
                self.log.append(line)
                self.lock.notify_all()

    def wait_log(self, pattern, timeout=120):
        deadline = time.monotonic() + max(timeout, PATIENCE_S)
        rx = re.compile(pattern)
        with self.lock:
            while True:
                for line in self.log:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"shoal never logged /{pattern}/")
                self.lock.wait(left)

    def app(self, timeout=30):
        deadline = time.monotonic() + max(timeout, PATIENCE_S)
        while time.monotonic() < deadline:
            for a in dogtail.tree.root.applications():
                if a.name == "shoal":
                    return a
            time.sleep(0.2)
        raise AssertionError("the shoal application never appeared on the accessibility bus")

    def screenshot(self, name):
        out = os.path.join(os.environ["SHOAL_BUILDDIR"], "screenshots")
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, name + ".png")
        subprocess.run(["import", "-window", "root", path], check=True)
        return path

    def setting(self, key):
        """A key as the app stored it (GVariant text), read from the keyfile backend's file."""
        with open(self.keyfile) as f:
            for line in f:
                k, sep, value = line.strip().partition("=")
                if sep and k == key:
                    return value
        return None

    def pid(self):
        return self.proc.pid

    def stop(self):
        # A failing test leaves a picture of what the window showed.
        if sys.exc_info()[0] is not None:
            try:
                name = os.path.splitext(os.path.basename(sys.argv[0]))[0] + "-failure"
                print("screenshot:", self.screenshot(name))
            except Exception:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.tmp.cleanup()


# What AT-SPI says when the tree changes under a walk: a label replaced while
# its page updates, or a reply slower than its timeout on a busy machine.
TRANSIENT = ("no longer exists", "Did not receive a reply", "UnknownObject")


def wait_for(predicate, timeout=30, what="condition"):
    from gi.repository import GLib
    deadline = time.monotonic() + max(timeout, PATIENCE_S)
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except GLib.GError as e:
            if not any(t in str(e) for t in TRANSIENT):
                raise
            last_error, value = e, None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}" +
                         (f" (last AT-SPI error: {last_error})" if last_error else ""))


def find_label(app, text):
    def look():
        for n in app.findChildren(lambda x: x.roleName == "label" and x.name == text):
            return n
        return None
    return look()


def rpc(uri, method, params=None, timeout=PATIENCE_S):
    import json
    import urllib.request
    body = json.dumps({"jsonrpc": "2.0", "id": "0", "method": method, "params": params or {}})
    req = urllib.request.Request(uri + "/json_rpc", body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        answer = json.loads(r.read())
    if "error" in answer:
        raise AssertionError(f"{method}: {answer['error']}")
    return answer["result"]


# The accessibility tree of GTK 4.8 keeps hidden copies of widgets (view
# switchers, dialog buttons) with a 0x0 size: only those with a size count.
def visible(node):
    try:
        width, height = node.size  # no coordinates: GTK 4.8 has no screen coordinates to give
    except Exception:
        return False
    return width > 0 and height > 0


def find_all(root, role=None, name=None, pred=None):
    def match(n):
        if role is not None and n.roleName != role:
            return False
        if name is not None and n.name != name and not n.name.endswith(" " + name):
            return False
        if pred is not None and not pred(n):
            return False
        return visible(n)
    return root.findChildren(match)


def find_one(root, role=None, name=None, pred=None, timeout=30, what=None):
    return wait_for(lambda: next(iter(find_all(root, role, name, pred)), None), timeout=timeout,
                    what=what or f"{role} {name!r}")


def click(node):
    from gi.repository import GLib
    for action in ("click", "toggle", "activate", "press"):
        if action in node.actions:
            try:
                node.doActionNamed(action)
            except GLib.GError as e:
                # On a loaded machine the press can outlast AT-SPI's reply
                # timeout although it went through; the caller then looks
                # for what the press does, which is the real check.
                if "Did not receive a reply" not in str(e):
                    raise
                print(f"{node.roleName} {node.name!r}: no reply in time, going on")
            return
    raise AssertionError(f"{node.roleName} {node.name!r} has no action to press")


def window(app, title, timeout=30):
    def look():
        for w in app.children:
            if w.name == title:
                return w
        return None
    return wait_for(look, timeout=timeout, what=f"window {title!r}")


def main_window(app):
    return window(app, "Shoal")


def show_page(app, title):
    """Presses the page's tab in the view switcher, as a person would."""
    tab = find_one(main_window(app), "page tab", title)
    # Reading the tab's actions can outlast AT-SPI's reply timeout on a
    # loaded machine: asked again, as a person would click again.
    wait_for(lambda: click(tab) or True, what=f"the {title!r} tab to take a click")
    return tab


def type_into(node, text):
    """Clicks into a text field and types, as a person would.  GTK 4.8 gives
    coordinates relative to the window only; without a window manager every
    window sits at 0,0, so they are screen coordinates too."""
    import pyatspi
    from dogtail import rawinput
    time.sleep(0.6)  # let a page transition end: extents move while it runs
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    # Near the left edge: a spin button's right half holds its - and + buttons.
    rawinput.click(ext.x + min(24, ext.width // 4), ext.y + ext.height // 2)
    rawinput.keyCombo("<Control>a")
    rawinput.typeText(text)
    rawinput.pressKey("Return")


def click_at(node):
    """A mouse click in the middle of NODE, for widgets that offer no AT-SPI action
    (activatable AdwActionRows in GTK 4.8)."""
    import pyatspi
    from dogtail import rawinput
    time.sleep(0.6)  # let a page transition end: extents move while it runs
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    rawinput.click(ext.x + ext.width // 2, ext.y + ext.height // 2)


def open_menu_item(app, label):
    click(find_one(main_window(app), "push button", "Main Menu", pred=lambda n: "click" in n.actions))
    click(find_one(app, "menu item", label))


def labels(root):
    return [n.name for n in find_all(root, "label")]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def testminer():
    """The stratum test miner, or exit 77 (meson's 'skipped') while it is not built yet."""
    path = os.path.join(os.environ["SHOAL_BUILDDIR"], "tests", "stratum", "shoal-testminer")
    if not os.access(path, os.X_OK):
        print(f"SKIP: {path} is not built yet")
        sys.exit(77)
    return path


def start_miner(port, address, worker="rig1", extra=()):
    miner = subprocess.Popen([testminer(), "-o", "127.0.0.1", "-P", str(port), "-u", address,
                              "--rigid", worker, "-p", "x", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    threading.Thread(target=lambda: [sys.stderr.write(f"miner {worker}: " + line)
                                     for line in miner.stdout], daemon=True).start()
    return miner


def stop_process(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid):
    """utime + stime of PID in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def row_labels(label):
    """The texts of the table row that holds LABEL: the nearest ancestor with several labels."""
    node = label
    for _ in range(8):
        node = node.parent
        if node is None:
            break
        texts = [n.name for n in find_all(node, "label")]
        if len(texts) >= 4:
            return texts
    raise AssertionError(f"no table row around {label.name!r}")


HASHRATE = re.compile(r"^(\d+(?:[.,]\d+)?) ([kMGT]?)H/s$")


def hashrate_value(text):
    m = HASHRATE.match(text)
    if not m:
        return None
    scale = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[m.group(2)]
    return float(m.group(1).replace(",", ".")) * scale


def atomic_from_xmr(text):
    """'1.25 XMR' to atomic units, exactly."""
    whole, _, frac = text.replace(" XMR", "").partition(".")
    return int(whole) * 10**12 + int((frac + "0" * 12)[:12])


def hex_hash(text):
    return re.fullmatch(r"[0-9a-f]{64}", text) is not None


class Notifications:
    """Stands in for the desktop's notification server (there is none inside
    dbus-run-session) and records what the app sends: GLib uses
    org.gtk.Notifications when it is owned, else org.freedesktop.Notifications."""

    XML = """<node>
      <interface name="org.gtk.Notifications">
        <method name="AddNotification">
          <arg type="s" direction="in"/><arg type="s" direction="in"/>
          <arg type="a{sv}" direction="in"/>
        </method>
        <method name="RemoveNotification">
          <arg type="s" direction="in"/><arg type="s" direction="in"/>
        </method>
      </interface>
      <interface name="org.freedesktop.Notifications">
        <method name="Notify">
          <arg type="s" direction="in"/><arg type="u" direction="in"/>
          <arg type="s" direction="in"/><arg type="s" direction="in"/>
          <arg type="s" direction="in"/><arg type="as" direction="in"/>
          <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
          <arg type="u" direction="out"/>
        </method>
        <method name="GetCapabilities"><arg type="as" direction="out"/></method>
        <method name="CloseNotification"><arg type="u" direction="in"/></method>
        <method name="GetServerInformation">
          <arg type="s" direction="out"/><arg type="s" direction="out"/>
          <arg type="s" direction="out"/><arg type="s" direction="out"/>
        </method>
      </interface>
    </node>"""

    def __init__(self):
        from gi.repository import Gio, GLib
        self.received = []  # (title, body)
        self.lock = threading.Lock()
        ready = threading.Event()

        def run():
            context = GLib.MainContext.new()
            context.push_thread_default()
            bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
            node = Gio.DBusNodeInfo.new_for_xml(self.XML)
            for iface in node.interfaces:
                path = "/org/gtk/Notifications" if iface.name.startswith("org.gtk") \
                    else "/org/freedesktop/Notifications"
                bus.register_object(path, iface, self._call, None, None)
            for name in ("org.gtk.Notifications", "org.freedesktop.Notifications"):
                bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "RequestName",
                              GLib.Variant("(su)", (name, 4)), None, 0, -1, None)
            ready.set()
            while True:
                context.iteration(True)

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)

    def _call(self, connection, sender, path, iface, method, params, invocation):
        from gi.repository import GLib
        args = params.unpack()
        if method == "AddNotification":
            n = args[2]
            self._add(n.get("title", ""), n.get("body", ""))
            invocation.return_value(None)
        elif method == "Notify":
            self._add(args[3], args[4])
            invocation.return_value(GLib.Variant("(u)", (1,)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("test", "shoal", "1", "1.2")))
        else:
            invocation.return_value(None)

    def _add(self, title, body):
        sys.stderr.write(f"notification: {title}: {body}\n")
        with self.lock:
            self.received.append((title, body))

    def titled(self, title):
        with self.lock:
            return [n for n in self.received if n[0] == title]


def generate_blocks(node, count, address, batch=10):
    """Mines COUNT blocks on the playground node (real RandomX hashing: slow at difficulty > 1)."""
    start = time.monotonic()
    while count > 0:
        n = min(batch, count)
        rpc(node, "generateblocks", {"amount_of_blocks": n, "wallet_address": address}, timeout=300)
        count -= n
    sys.stderr.write(f"generated blocks in {time.monotonic() - start:.1f} s\n")
