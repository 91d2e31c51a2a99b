#!/usr/bin/env python3
"""Launch-time, idle-memory and idle-CPU figures of Verity against a bare Tauri app.

Run by scripts/bench-footprint inside its Xvfb display and D-Bus session; not on its own.

    measure.py RUNS IDLE_SECONDS NAME=BINARY=TITLE [NAME=BINARY=TITLE ...]

The first app is the baseline, the last the one the goals are judged on.

For each launch (the apps in turn, RUNS rounds, after one unmeasured warm-up launch each):
  * window visible: from just before the process is started until its top-level window titled
    TITLE is mapped and viewable (Xlib, polled every 5 ms);
  * first content painted: until that window's pixels on the screen hold more than a flat
    background (at least MIN_COLOURS distinct colours in a sample: text drawn). Verity's window
    maps before its page is drawn, so this is the figure the launch goal is judged on, the same
    method for both apps;
  * idle CPU: CPU time (utime + stime) of the whole process tree between IDLE_SECONDS/2 and
    IDLE_SECONDS after the launch, as a percentage of one core;
  * idle memory: PSS of the whole process tree (the app and its WebKit web and network
    processes, /proc/PID/smaps_rollup) IDLE_SECONDS after the launch.
Nothing is asserted; the figures are printed with the goals of issue 19 §7 beside them.
"""

import ctypes
import ctypes.util
import os
import signal
import statistics
import subprocess
import sys
import time

MIN_COLOURS = 16
POLL = 0.005
TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

# ---- Xlib through ctypes: the window's map state and the screen's pixels --------------------

_x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
Window = ctypes.c_ulong


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
        ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", Window), ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


class XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int), ("data", ctypes.c_void_p), ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int),
    ]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
# A window can vanish between listing and asking: ignore X errors instead of exiting.
_ignore_errors = ERROR_HANDLER(lambda _d, _e: 0)
_x11.XSetErrorHandler(_ignore_errors)
_x11.XOpenDisplay.restype = ctypes.c_void_p
_x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
_x11.XDefaultRootWindow.restype = Window
_x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
_x11.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window),
                            ctypes.POINTER(Window), ctypes.POINTER(ctypes.POINTER(Window)),
                            ctypes.POINTER(ctypes.c_uint)]
_x11.XFetchName.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(ctypes.c_char_p)]
_x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window,
                                      ctypes.POINTER(XWindowAttributes)]
_x11.XTranslateCoordinates.argtypes = [ctypes.c_void_p, Window, Window, ctypes.c_int,
                                       ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                       ctypes.POINTER(ctypes.c_int), ctypes.POINTER(Window)]
_x11.XGetImage.restype = ctypes.POINTER(XImage)
_x11.XGetImage.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                           ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
_x11.XFree.argtypes = [ctypes.c_void_p]
IS_VIEWABLE = 2
Z_PIXMAP = 2
ALL_PLANES = 0xFFFFFFFF

DISPLAY = _x11.XOpenDisplay(None)
if not DISPLAY:
    sys.exit("measure.py: cannot open the X display")
ROOT = _x11.XDefaultRootWindow(DISPLAY)


def viewable_window(title):
    """The viewable top-level window named `title`: (id, x, y, width, height), or None."""
    root, parent = Window(), Window()
    children = ctypes.POINTER(Window)()
    n = ctypes.c_uint()
    if not _x11.XQueryTree(DISPLAY, ROOT, ctypes.byref(root), ctypes.byref(parent),
                           ctypes.byref(children), ctypes.byref(n)):
        return None
    found = None
    try:
        for i in range(n.value):
            w = children[i]
            name = ctypes.c_char_p()
            if not _x11.XFetchName(DISPLAY, w, ctypes.byref(name)) or not name.value:
                continue
            matches = name.value.decode("utf-8", "replace") == title
            _x11.XFree(name)
            if not matches:
                continue
            attrs = XWindowAttributes()
            if _x11.XGetWindowAttributes(DISPLAY, w, ctypes.byref(attrs)) and \
                    attrs.map_state == IS_VIEWABLE:
                x, y, child = ctypes.c_int(), ctypes.c_int(), Window()
                _x11.XTranslateCoordinates(DISPLAY, w, ROOT, 0, 0, ctypes.byref(x),
                                           ctypes.byref(y), ctypes.byref(child))
                found = (w, x.value, y.value, attrs.width, attrs.height)
                break
    finally:
        if children:
            _x11.XFree(children)
    return found


def colours_on_screen(x, y, width, height):
    """Distinct colours in a sample of the screen's pixels over the rectangle (root window)."""
    img = _x11.XGetImage(DISPLAY, ROOT, max(x, 0), max(y, 0), width, height, ALL_PLANES,
                         Z_PIXMAP)
    if not img:
        return 0
    try:
        im = img.contents
        if im.bits_per_pixel != 32:
            sys.exit(f"measure.py: a {im.bits_per_pixel}-bit screen (run Xvfb at 24 bits)")
        data = ctypes.string_at(im.data, im.bytes_per_line * im.height)
        pixels = memoryview(data).cast("I")
        return len(set(pixels[::7]))
    finally:
        _x11.XFree(img.contents.data)
        _x11.XFree(img)


# ---- processes ------------------------------------------------------------------------------

def process_tree(pid):
    """`pid` and all its descendants (WebKit's processes, and bwrap's when sandboxed)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, []))
    return tree


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total


def pss_kib(pids):
    """{process name: PSS KiB} summed by name over `pids`, and the same for anonymous memory
    (heaps, JS heap, caches: `Pss_Anon`) under "NAME anon"."""
    out = {}
    for p in pids:
        try:
            with open(f"/proc/{p}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{p}/smaps_rollup") as f:
                fields = {line.split(":")[0]: int(line.split()[1]) for line in f
                          if line.startswith("Pss")}
        except OSError:
            continue
        out[comm] = out.get(comm, 0) + fields.get("Pss", 0)
        out[f"{comm} anon"] = out.get(f"{comm} anon", 0) + fields.get("Pss_Anon", 0)
    return out


def stop(proc):
    tree = process_tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    # The app's WebKit processes end with it; wait for them so that the next launch starts alone.
    deadline = time.monotonic() + 10
    for p in tree[1:]:
        while os.path.exists(f"/proc/{p}") and time.monotonic() < deadline:
            time.sleep(0.05)
        if os.path.exists(f"/proc/{p}"):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    time.sleep(0.5)


def launch(binary, title, idle):
    """One launch: (visible ms, painted ms, idle CPU %, {name: PSS KiB})."""
    t0 = time.monotonic()
    proc = subprocess.Popen([binary], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        win = None
        while win is None:
            if proc.poll() is not None:
                sys.exit(f"measure.py: {binary} exited with {proc.returncode} before its window")
            if time.monotonic() - t0 > TIMEOUT:
                sys.exit(f"measure.py: no window titled {title!r} after {TIMEOUT} s")
            win = viewable_window(title)
            if win is None:
                time.sleep(POLL)
        visible = time.monotonic() - t0
        _, x, y, w, h = win
        while colours_on_screen(x, y, w, h) < MIN_COLOURS:
            if time.monotonic() - t0 > TIMEOUT:
                sys.exit(f"measure.py: {title!r} painted nothing in {TIMEOUT} s")
            time.sleep(POLL)
        painted = time.monotonic() - t0
        time.sleep(max(0.0, t0 + idle / 2 - time.monotonic()))
        c0 = cpu_ticks(process_tree(proc.pid))
        time.sleep(max(0.0, t0 + idle - time.monotonic()))
        tree = process_tree(proc.pid)
        c1 = cpu_ticks(tree)
        mem = pss_kib(tree)
        cpu = 100.0 * (c1 - c0) / CLK_TCK / (idle / 2)
        return visible * 1000, painted * 1000, cpu, mem
    finally:
        stop(proc)


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    runs, idle = int(sys.argv[1]), float(sys.argv[2])
    apps = [a.split("=", 2) for a in sys.argv[3:]]
    results = {name: [] for name, _, _ in apps}
    for name, binary, title in apps:
        print(f"warm-up launch of {name} (not counted)", flush=True)
        launch(binary, title, 2.0)
    for r in range(1, runs + 1):
        for name, binary, title in apps:
            v, p, cpu, mem = launch(binary, title, idle)
            total = sum(v_ for k, v_ in mem.items() if not k.endswith(" anon"))
            parts = ", ".join(f"{k} {v_ / 1024:.1f}" for k, v_ in sorted(mem.items()))
            print(f"run {r} {name:7} visible {v:6.0f} ms  painted {p:6.0f} ms  "
                  f"idle CPU {cpu:5.2f}%  PSS {total / 1024:6.1f} MiB ({parts})", flush=True)
            results[name].append((v, p, cpu, total / 1024, mem))

    names = [name for name, _, _ in apps]
    bare, app = names[0], names[-1]
    med = lambda name, i: statistics.median(row[i] for row in results[name])  # noqa: E731
    print()
    print(f"{runs} launches each, idle figures {idle:.0f} s after launch "
          f"(CPU over the last {idle / 2:.0f} s); median (min–max); ratios against {bare}")
    print(f"{'':38}" + "".join(f"{n:>22}" for n in names)
          + "".join(f"{n + '/' + bare:>14}" for n in names[1:]))
    rows = [
        ("launch to visible window, ms", 0, "{:.0f}"),
        ("launch to first content painted, ms", 1, "{:.0f}"),
        ("idle CPU, % of one core", 2, "{:.2f}"),
        ("idle PSS, whole tree, MiB", 3, "{:.1f}"),
    ]
    for label, i, fmt in rows:
        cells = "".join(f"{spread([x[i] for x in results[n]], fmt):>22}" for n in names)
        ratios = "".join(
            f"{(med(n, i) / med(bare, i) if med(bare, i) else float('nan')):>13.2f}×"
            for n in names[1:])
        print(f"{label:38}{cells}{ratios}")
    for who in names:
        rows_ = results[who]
        procs = sorted({k for row in rows_ for k in row[4]})
        parts = ", ".join(f"{k} {statistics.median(row[4].get(k, 0) for row in rows_) / 1024:.1f}"
                          for k in procs)
        print(f"  PSS by process, {who}: {parts} MiB")
    launch_ratio = med(app, 1) / med(bare, 1)
    extra = med(app, 3) - med(bare, 3)
    print()
    print(f"goal: first content painted ≤ 1.2× the bare app: {launch_ratio:.2f}× "
          f"({'met' if launch_ratio <= 1.2 else 'not met'})")
    print(f"goal: idle memory ≤ the bare app + 25 MB (23.8 MiB): {extra:+.1f} MiB "
          f"({'met' if extra <= 25e6 / 2**20 else 'not met'})")
    print(f"goal: idle CPU near zero: {med(app, 2):.2f}% of one core")


if __name__ == "__main__":
    main()
