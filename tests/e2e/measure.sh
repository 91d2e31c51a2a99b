#!/usr/bin/env bash
# Measures the real app: cold start to a visible window, and idle memory of all its processes
# (the Rust process and WebKit's web and network processes). Run it inside the test
# environment:  E2E_SCRIPT=tests/e2e/measure.sh VERITY_BIN=target/release/verity tests/e2e/run
set -euo pipefail
RUNS="${RUNS:-5}"
now_ms() { date +%s%3N; }
visible() { local id; id=$(xwininfo -root -tree 2>/dev/null | grep '"Verity"' | awk '{print $1}' | head -1)
  [ -n "$id" ] && xwininfo -id "$id" | grep -q 'IsViewable'; }
total=0
for i in $(seq 1 "$RUNS"); do
  rm -rf "$VERITY_DATA_DIR"; mkdir -p "$VERITY_DATA_DIR"
  t0=$(now_ms)
  "$VERITY_BIN" >/dev/null 2>&1 &
  pid=$!
  until visible; do sleep 0.005; done
  t1=$(now_ms)
  echo "run $i: window visible after $((t1 - t0)) ms"
  total=$((total + t1 - t0))
  if [ "$i" -lt "$RUNS" ]; then kill "$pid"; wait "$pid" 2>/dev/null || true; sleep 0.5; fi
done
echo "cold start to visible window: mean $((total / RUNS)) ms over $RUNS runs"
sleep "${IDLE_SECONDS:-10}"
# All processes of the app: itself and its descendants (WebKit web/network processes).
children() { pgrep -P "$1" || true; }
pids="$pid"
for p in $(children "$pid"); do pids="$pids $p $(children "$p" | tr '\n' ' ')"; done
rss=0; pss=0
for p in $pids; do
  [ -r "/proc/$p/smaps_rollup" ] || continue
  r=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup"); s=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
  printf '  %-28s RSS %6d KiB  PSS %6d KiB\n' "$(cat /proc/$p/comm)" "$r" "$s"
  rss=$((rss + r)); pss=$((pss + s))
done
echo "idle memory, all processes: RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB"
kill "$pid"
