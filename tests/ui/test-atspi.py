#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Drives the real `cairn` from outside through AT-SPI, finding every control
# by its accessible name as a screen reader user would.
# Usage: test-atspi.py PATH/TO/cairn SCHEMA_DIR PATH/TO/cairn-cli
import ctypes
import os
import subprocess
import sys
import tempfile
import time

if os.environ.get("CAIRN_ATSPI_INNER") != "1":
    # A private session bus, so that the accessibility bus is ours alone.
    import signal
    import uuid
    run = uuid.uuid4().hex
    env = dict(os.environ, CAIRN_ATSPI_INNER="1", CAIRN_ATSPI_RUN=run)
    status = subprocess.call(["dbus-run-session", "--", sys.executable] + sys.argv, env=env)
    # The accessibility bus and registry that bus started outlive it: end
    # exactly those (they carry this run's mark in their environment).
    mark = f"CAIRN_ATSPI_RUN={run}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark in f.read().split(b"\0"):
                    os.kill(int(pid), signal.SIGTERM)
        except OSError:
            pass
    sys.exit(status)

import pyatspi  # noqa: E402
from gi.repository import Atspi  # noqa: E402

cairn, schema_dir, cairn_cli = sys.argv[1], sys.argv[2], sys.argv[3]
TIMEOUT = 20.0


def fail(message):
    print("FAIL:", message, file=sys.stderr)
    sys.exit(1)


def wait_for(what, predicate, timeout=TIMEOUT, explain=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:  # the tree changes under us while we look
            result = None
        if result:
            return result
        time.sleep(0.1)
    if explain is not None:
        print(explain(), file=sys.stderr)
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


def pointer_position():
    """Where the X pointer is now (libX11's XQueryPointer), or None."""
    try:
        x11 = ctypes.CDLL("libX11.so.6")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XQueryPointer.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + \
            [ctypes.POINTER(ctypes.c_ulong)] * 2 + [ctypes.POINTER(ctypes.c_int)] * 4 + \
            [ctypes.POINTER(ctypes.c_uint)]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(None)
        if not display:
            return None
        root, child = ctypes.c_ulong(), ctypes.c_ulong()
        rx, ry, wx, wy = (ctypes.c_int() for _ in range(4))
        mask = ctypes.c_uint()
        ok = x11.XQueryPointer(display, x11.XDefaultRootWindow(display),
                               ctypes.byref(root), ctypes.byref(child), ctypes.byref(rx),
                               ctypes.byref(ry), ctypes.byref(wx), ctypes.byref(wy),
                               ctypes.byref(mask))
        x11.XCloseDisplay(display)
        return (rx.value, ry.value) if ok else None
    except OSError:
        return None


pointer_at = pointer_position()

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
    # Generous: on a loaded 2-core machine the first start can be slow.
    def start_state():
        # What to look at when the app never shows up: is it alive, what is
        # it waiting in, and who is on the accessibility bus.
        lines = [f"cairn pid {proc.pid}, exit status {proc.poll()}"]
        for name in ("wchan", "status"):
            try:
                with open(f"/proc/{proc.pid}/{name}") as f:
                    text = f.read()
                lines.append(f"{name}: " + (text if name == "wchan" else
                             " ".join(l for l in text.splitlines() if l.startswith(("State", "Threads")))))
            except OSError as e:
                lines.append(f"{name}: {e}")
        try:
            lines.append("on the bus: " + ", ".join(str(a.name) for a in pyatspi.Registry.getDesktop(0)))
        except Exception as e:  # the registry itself may be what is stuck
            lines.append(f"on the bus: {e}")
        return "\n".join(lines)
    app = wait_for("the cairn application on the accessibility bus", started, timeout=60,
                   explain=start_state)

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

    def task_menus():
        found = [n for n in pyatspi.findAllDescendants(
                     app, lambda n: n is not None and n.name == "Task Menu" and has_actions(n))]
        return found if len(found) == 2 else None
    # Through wait_for: the walk meets widgets that go away meanwhile.
    menus = wait_for("a Task Menu button on each of 2 tasks", task_menus)
    press(menus[1])  # the second task, Bread
    press(wait_for("the Delete menu item", lambda: find(app, "Delete", ("menu item",))))
    wait_for("Bread to be deleted", lambda: "Bread" not in cli("todos", list_id, "--all"))
    # libadwaita 1.2 names mnemonic buttons "_Undo Undo".
    press(wait_for("the Undo button of the toast", lambda: find(app, ("Undo", "_Undo Undo"), BUTTON)))
    wait_for("Bread to be back", lambda: "Bread" in cli("todos", list_id, "--all"))
    print("ok: task deleted and brought back with Undo, by accessible names")

    # Typing and toggling from outside. In GTK 4.8 the "New task" entry's
    # EditableText sets the text, but its "activate" action does not emit
    # GtkEntry::activate, and a check button in a list view has no action
    # at all; so Enter and the click go through the X server (XTEST, which
    # AT-SPI's registry uses for generate_*_event). The window is alone on
    # the Xvfb at 0,0 (no window manager; this test does not run in
    # parallel), so the widgets' extents are where to click.
    def click(node):
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        x, y = ext.x + ext.width // 2, ext.y + ext.height // 2
        Atspi.generate_mouse_event(x, y, "abs")
        time.sleep(0.1)
        Atspi.generate_mouse_event(x, y, "b1p")
        time.sleep(0.05)
        Atspi.generate_mouse_event(x, y, "b1r")

    def key(keysym):
        Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)

    RETURN = 0xff0d
    entry = wait_for("the New task entry", lambda: find(app, "New task", ("text",),
                                                        actionable=False))
    click(entry)
    wait_for("the New task entry to have the focus",
             lambda: entry.getState().contains(pyatspi.STATE_FOCUSED))
    entry.queryEditableText().setTextContents("Eggs")
    key(RETURN)
    wait_for("Eggs, set through EditableText, to be added",
             lambda: "Eggs" in cli("todos", list_id, "--all"))
    print("ok: task added with EditableText and Enter")

    Atspi.generate_keyboard_event(0, "Oat milk", Atspi.KeySynthType.STRING)
    key(RETURN)
    wait_for("Oat milk, typed, to be added",
             lambda: "Oat milk" in cli("todos", list_id, "--all"))
    print("ok: task added by typing its title")

    def done(title):
        return any(line.startswith("[x]") and line.endswith("  " + title)
                   for line in cli("todos", list_id, "--all").splitlines())

    check = wait_for("the Oat milk done check box",
                     lambda: find(app, "“Oat milk” done", ("check box",), actionable=False))
    if done("Oat milk"):
        fail("Oat milk is done before its check box was clicked")
    click(check)
    wait_for("Oat milk to be done", lambda: done("Oat milk"))
    wait_for("the check box to show it",
             lambda: check.getState().contains(pyatspi.STATE_CHECKED))
    click(check)
    wait_for("Oat milk to be open again", lambda: not done("Oat milk"))
    print("ok: task completed and reopened with its check box")

    # A subtask and a tag from the task's details, then the task found
    # again by the global search (issue 14's "add a task with a subtask and
    # a tag and find it by search").
    def todo_id(title):
        for line in cli("todos", list_id, "--all").splitlines():
            parts = line.split("  ")
            if len(parts) >= 2 and parts[-1] == title:
                return parts[0].split()[-1]
        return None
    oat_id = wait_for("Oat milk's id", lambda: todo_id("Oat milk"))

    def menu_of(check):
        node = check.parent
        while node is not None:
            menu = pyatspi.findDescendant(
                node, lambda n: n is not None and n.name == "Task Menu" and has_actions(n), True)
            if menu is not None:
                return menu
            node = node.parent
        return None
    press(wait_for("Oat milk's Task Menu", lambda: menu_of(check)))
    press(wait_for("the Details menu item", lambda: find(app, "Details", ("menu item",))))
    subtask_entry = wait_for("the New subtask entry of the details",
                             lambda: find(app, "New subtask", ("text",), actionable=False))
    click(subtask_entry)
    wait_for("the New subtask entry to have the focus",
             lambda: subtask_entry.getState().contains(pyatspi.STATE_FOCUSED))
    subtask_entry.queryEditableText().setTextContents("Pour into the jug")
    key(RETURN)
    wait_for("the subtask to be added under Oat milk",
             lambda: "Pour into the jug" in cli("subtasks", oat_id))
    print("ok: subtask added from the task's details")

    tag_entry = wait_for("the New tag entry of the details",
                         lambda: find(app, "New tag", ("text",), actionable=False))
    click(tag_entry)
    wait_for("the New tag entry to have the focus",
             lambda: tag_entry.getState().contains(pyatspi.STATE_FOCUSED))
    tag_entry.queryEditableText().setTextContents("dairy")
    key(RETURN)
    wait_for("Oat milk to carry the tag dairy",
             lambda: "dairy" in cli("details", oat_id))
    print("ok: tag added from the task's details")

    press(wait_for("the Search button", lambda: find(app, "Search", BUTTON)))
    search_entry = wait_for("the search entry",
                            lambda: find(app, "Search Tasks and Notes", ("text", "entry"),
                                         actionable=False))
    click(search_entry)
    wait_for("the search entry to have the focus",
             lambda: search_entry.getState().contains(pyatspi.STATE_FOCUSED))
    search_entry.queryEditableText().setTextContents("jug")
    results = wait_for("the search results", lambda: find(app, "Search Results",
                                                          ("list", "list box", "table"),
                                                          actionable=False))
    wait_for("the subtask among the results",
             lambda: pyatspi.findDescendant(
                 results, lambda n: n is not None and n.name is not None
                 and "Pour into the jug" in n.name, True))
    key(RETURN)

    def details_title():
        # The rows' titles are named "Task title" too: look in the pane.
        pane = pyatspi.findDescendant(app, lambda n: n is not None and n.name == "Task Details"
                                      and n.getRoleName() not in BUTTON, True)
        node = pane and find(pane, "Task title", ("text", "entry"), actionable=False)
        if node is None:
            return None
        text = node.queryText()
        return text.getText(0, text.characterCount)
    wait_for("the found subtask's details to open",
             lambda: details_title() == "Pour into the jug",
             explain=lambda: f"the details' title is {details_title()!r}")
    print("ok: the subtask found by search and opened with Enter")
finally:
    # Put the pointer back: without a window manager the keyboard focus
    # follows it, and later tests on the same display expect it where it was.
    if pointer_at is not None:
        Atspi.generate_mouse_event(pointer_at[0], pointer_at[1], "abs")
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
