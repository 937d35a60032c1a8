#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Drives the real `cairn` from outside through AT-SPI, finding every control
# by its accessible name as a screen reader user would.
# Usage: test-atspi.py PATH/TO/cairn SCHEMA_DIR PATH/TO/cairn-cli
import os
import subprocess
import sys
import tempfile
import time

if os.environ.get("CAIRN_ATSPI_INNER") != "1":
    # A private session bus, so that the accessibility bus is ours alone.
    env = dict(os.environ, CAIRN_ATSPI_INNER="1")
    sys.exit(subprocess.call(["dbus-run-session", "--", sys.executable] + sys.argv,
                             env=env))

import pyatspi  # noqa: E402

cairn, schema_dir, cairn_cli = sys.argv[1], sys.argv[2], sys.argv[3]
TIMEOUT = 20.0


def fail(message):
    print("FAIL:", message, file=sys.stderr)
    sys.exit(1)


def wait_for(what, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:  # the tree changes under us while we look
            result = None
        if result:
            return result
        time.sleep(0.1)
    fail(f"timed out waiting for {what}")


def cairn_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name and app.name.lower() == "cairn":
            return app
    return None


def has_actions(node):
    try:
        return node.queryAction().nActions > 0
    except NotImplementedError:
        return False


def find(root, name, roles, actionable=True):
    """The first descendant of root with this name and one of roles (that
    can be pressed, when actionable: a GtkMenuButton nests its button)."""
    def match(node):
        names = name if isinstance(name, tuple) else (name,)
        return (node is not None and node.name in names
                and node.getRoleName() in roles
                and (not actionable or has_actions(node)))
    return pyatspi.findDescendant(root, match, True)


def press(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "activate", "press", "toggle"):
            action.doAction(i)
            return
    action.doAction(0)


BUTTON = ("push button", "toggle button")

profile = tempfile.mkdtemp(prefix="cairn-atspi-")
env = dict(os.environ,
           CAIRN_PROFILE=profile,
           XDG_DATA_HOME=profile,
           XDG_CONFIG_HOME=profile,
           GSETTINGS_BACKEND="keyfile",
           GSETTINGS_SCHEMA_DIR=schema_dir)
env.pop("GTK_A11Y", None)
env.pop("NO_AT_BRIDGE", None)

def cli(*args):
    return subprocess.run([cairn_cli, "--profile", profile] + list(args), env=env,
                          check=True, capture_output=True, text=True).stdout.strip()


list_id = cli("list-add", "Groceries")
cli("add", list_id, "Buy milk")
cli("add", list_id, "Bread")

os.makedirs(os.path.join(profile, "glib-2.0", "settings"))
with open(os.path.join(profile, "glib-2.0", "settings", "keyfile"), "w") as f:
    f.write(f"[org/cairn/Cairn]\nlast-selected='{list_id}'\n")

proc = subprocess.Popen([cairn], env=env)
try:
    def started():
        if proc.poll() is not None:
            fail(f"cairn exited with status {proc.returncode} before it showed up")
        return cairn_app()
    app = wait_for("the cairn application on the accessibility bus", started)

    # The primary menu opens Preferences, whose switch is labelled.
    menu = wait_for("the Main Menu button", lambda: find(app, "Main Menu", BUTTON))
    press(menu)
    item = wait_for("the Preferences menu item",
                    lambda: find(app, "Preferences", ("menu item", "push button")))
    press(item)
    wait_for("the Show Completed Tasks switch in Preferences",
             lambda: find(app, "Show Completed Tasks", ("switch", "toggle button", "check box")))
    print("ok: Preferences opened from the Main Menu and shows its switch")
    prefs = wait_for("the Preferences window",
                     lambda: find(app, "Preferences", ("frame", "dialog"), actionable=False))
    close = find(prefs, "Close", BUTTON)
    press(close)

    # GTK 4.8 implements no AT-SPI text input (EditableText does nothing),
    # so the data comes from cairn-cli and the window opens the list it
    # remembers; the rest is done by name.
    # Every task's check box is named after it (GTK 4.8 gives check
    # buttons inside a list view no AT-SPI action, so it is not pressed).
    wait_for("the Buy milk done check box",
             lambda: find(app, "“Buy milk” done", ("check box",), actionable=False))
    wait_for("the Bread done check box",
             lambda: find(app, "“Bread” done", ("check box",), actionable=False))

    menus = [n for n in pyatspi.findAllDescendants(
                 app, lambda n: n is not None and n.name == "Task Menu" and has_actions(n))]
    if len(menus) != 2:
        fail(f"expected a Task Menu button on each of 2 tasks, found {len(menus)}")
    press(menus[1])  # the second task, Bread
    press(wait_for("the Delete menu item", lambda: find(app, "Delete", ("menu item",))))
    wait_for("Bread to be deleted", lambda: "Bread" not in cli("todos", list_id, "--all"))
    # libadwaita 1.2 names mnemonic buttons "_Undo Undo".
    press(wait_for("the Undo button of the toast", lambda: find(app, ("Undo", "_Undo Undo"), BUTTON)))
    wait_for("Bread to be back", lambda: "Bread" in cli("todos", list_id, "--all"))
    print("ok: task deleted and brought back with Undo, by accessible names")
finally:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
