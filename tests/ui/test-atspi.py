#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Drives the real `cairn` from outside through AT-SPI, finding every control
# by its accessible name as a screen reader user would.
# Usage: test-atspi.py PATH/TO/cairn SCHEMA_DIR
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

cairn, schema_dir = sys.argv[1], sys.argv[2]
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
        return (node is not None and node.name == name
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
           GSETTINGS_BACKEND="memory",
           GSETTINGS_SCHEMA_DIR=schema_dir)
env.pop("GTK_A11Y", None)
env.pop("NO_AT_BRIDGE", None)

proc = subprocess.Popen([cairn], env=env)
try:
    app = wait_for("the cairn application on the accessibility bus", cairn_app)

    # The primary menu opens Preferences, whose switch is labelled.
    menu = wait_for("the Main Menu button", lambda: find(app, "Main Menu", BUTTON))
    press(menu)
    item = wait_for("the Preferences menu item",
                    lambda: find(app, "Preferences", ("menu item", "push button")))
    press(item)
    wait_for("the Show Completed Tasks switch in Preferences",
             lambda: find(app, "Show Completed Tasks", ("switch", "toggle button", "check box")))
    print("ok: Preferences opened from the Main Menu and shows its switch")
finally:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
