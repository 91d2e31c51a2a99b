#!/usr/bin/env bash
# Inside the test D-Bus session (started by tests/e2e/run): a notification daemon, a monitor
# that records every Notify call, tauri-driver, then the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

dunst >"$VERITY_NOTIFY_LOG.dunst" 2>&1 &
PIDS+=($!)
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
  >"$VERITY_NOTIFY_LOG" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.freedesktop.Notifications 2>/dev/null | grep -q true && break
  sleep 0.1
done

port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
WD_PORT="$(port)"
NATIVE_PORT="$(port)"
"$TAURI_DRIVER" --port "$WD_PORT" --native-port "$NATIVE_PORT" >"$VERITY_NOTIFY_LOG.driver" 2>&1 &
PIDS+=($!)
export WEBDRIVER_URL="http://127.0.0.1:$WD_PORT"
for _ in $(seq 1 100); do curl -sf "$WEBDRIVER_URL/status" >/dev/null 2>&1 && break; sleep 0.1; done

cd "$ROOT"
status=0
if [ -n "${E2E_SCRIPT:-}" ]; then if [[ "$E2E_SCRIPT" == *.sh ]]; then bash "$E2E_SCRIPT"; else node "$E2E_SCRIPT"; fi; exit; fi
node --test --test-concurrency=1 --test-timeout=120000 "$@" tests/e2e/app.test.mjs tests/e2e/tray.test.mjs tests/e2e/shortcut.test.mjs tests/e2e/feed.test.mjs tests/e2e/checklist.test.mjs tests/e2e/tripwire.test.mjs tests/e2e/support.test.mjs tests/e2e/drill.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- tauri-driver log (tail) ----"; tail -n 40 "$VERITY_NOTIFY_LOG.driver" || true
fi
exit "$status"
