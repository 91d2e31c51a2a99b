#!/usr/bin/env bash
# Measures the real app idle with the tripwires on (the remote-access watch and the code guard)
# and off: CPU time used over IDLE_SECONDS (default 600) and memory at the end, of the Rust
# process and WebKit's processes. Run it inside the test environment, on a release build:
#   E2E_SCRIPT=tests/e2e/idle.sh VERITY_BIN=target/release/verity tests/e2e/run
# Prints one line per mode; nothing is asserted (figures go in the notes, not in tests).
set -euo pipefail
IDLE="${IDLE_SECONDS:-600}"
TCK=$(getconf CLK_TCK)
tree() { local p=$1; echo "$p"; for c in $(pgrep -P "$p" || true); do tree "$c"; done; }
cpu_ticks() { local t=0; for p in $(tree "$1"); do
  [ -r "/proc/$p/stat" ] || continue
  t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
rss_kib() { local r=0; for p in $(tree "$1"); do
  [ -r "/proc/$p/smaps_rollup" ] || continue
  r=$((r + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo "$r"; }
main_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # mode remote code_guard
  local mode=$1
  rm -rf "$VERITY_DATA_DIR"; mkdir -p "$VERITY_DATA_DIR"
  # A first start creates the store; the choices are then written as Settings writes them.
  "$VERITY_BIN" --hidden >/dev/null 2>&1 & local pid=$!
  for _ in $(seq 1 100); do [ -s "$VERITY_DATA_DIR/verity.sqlite3" ] && break; sleep 0.1; done
  sleep 2; kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$VERITY_DATA_DIR/verity.sqlite3" "$2" "$3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for k, v in (("tripwire.remote", sys.argv[2]), ("tripwire.code_guard", sys.argv[3])):
    db.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (k, v))
db.commit()
PY
  "$VERITY_BIN" --hidden >/dev/null 2>&1 & pid=$!
  sleep 15 # start-up work (WebKit, the first feed attempt) is not idle time
  local t0 m0; t0=$(cpu_ticks "$pid"); m0=$(main_ticks "$pid")
  sleep "$IDLE"
  local t1 m1; t1=$(cpu_ticks "$pid"); m1=$(main_ticks "$pid")
  local rss; rss=$(rss_kib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v m="$mode" -v t=$((t1 - t0)) -v mt=$((m1 - m0)) -v hz="$TCK" -v s="$IDLE" -v r="$rss" 'BEGIN {
    printf "%-14s all processes: %.2f s CPU in %d s (%.3f%% of one core); Rust process: %.2f s (%.3f%%); RSS %d MiB\n",
      m, t / hz, s, 100 * t / hz / s, mt / hz, 100 * mt / hz / s, r / 1024 }'
}
measure "tripwires on" true true
measure "tripwires off" false false
