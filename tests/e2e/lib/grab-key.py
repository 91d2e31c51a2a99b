#!/usr/bin/env python3
"""Another program holding a global shortcut, as the real-app tests need one.

    grab-key.py KEYSYM MOD...     e.g.  grab-key.py k control mod1

Grabs KEYSYM with the modifiers on the X root window the way global hotkey libraries do
(XGrabKey, also with NumLock and CapsLock on). Prints "taken" and exits 3 when another client
already holds the combination (X answers BadAccess), otherwise prints "grabbed", then one line
per key event it receives ("press 45" / "release 45"), until it is killed.
Only libX11 through ctypes: no build step, no extra package.
"""

import ctypes
import ctypes.util
import sys

MODS = {"shift": 1 << 0, "lock": 1 << 1, "control": 1 << 2, "mod1": 1 << 3, "mod2": 1 << 4, "mod4": 1 << 6}
BAD_ACCESS = 10
KEY_PRESS, KEY_RELEASE = 2, 3


class XErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


class XKeyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("root", ctypes.c_ulong),
        ("subwindow", ctypes.c_ulong),
        ("time", ctypes.c_ulong),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("x_root", ctypes.c_int),
        ("y_root", ctypes.c_int),
        ("state", ctypes.c_uint),
        ("keycode", ctypes.c_uint),
        ("same_screen", ctypes.c_int),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xkey", XKeyEvent), ("pad", ctypes.c_long * 24)]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.restype = ctypes.c_ubyte
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(XEvent)]

    display = x.XOpenDisplay(None)
    if not display:
        print("cannot open the display", file=sys.stderr)
        return 2
    keycode = x.XKeysymToKeycode(display, x.XStringToKeysym(sys.argv[1].encode()))
    if keycode == 0:
        print(f"no key for {sys.argv[1]}", file=sys.stderr)
        return 2
    mods = 0
    for name in sys.argv[2:]:
        mods |= MODS[name]

    refused = []
    handler_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(XErrorEvent))

    def on_error(_display, event):
        refused.append(event.contents.error_code)
        return 0

    handler = handler_type(on_error)
    x.XSetErrorHandler(handler)
    for extra in (0, MODS["mod2"], MODS["lock"], MODS["mod2"] | MODS["lock"]):
        x.XGrabKey(display, keycode, mods | extra, x.XDefaultRootWindow(display), 0, 1, 1)
    x.XSync(display, 0)
    if BAD_ACCESS in refused:
        print("taken", flush=True)
        return 3
    print("grabbed", flush=True)
    event = XEvent()
    while True:
        x.XNextEvent(display, ctypes.byref(event))
        if event.type in (KEY_PRESS, KEY_RELEASE):
            kind = "press" if event.type == KEY_PRESS else "release"
            print(f"{kind} {event.xkey.keycode}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
