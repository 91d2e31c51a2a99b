#!/usr/bin/env bash
# Runs the device key tests against a real Secret Service: a private D-Bus session with an
# unlocked gnome-keyring (packages: dbus, gnome-keyring). The keyring lives in a temporary
# XDG_DATA_HOME, so nothing of the user's is touched. Used by CI; runnable by hand. Covers the
# crate's key store tests, the desk end to end where a device's key is made, used and removed
# (enrolment, signed requests, rogue clients, agents, support sessions: the rest of the desk's
# suite does not depend on where the key is kept and runs once, in "rust tests", with the file
# store), and the app's device commands over IPC.
#   crates/verity-device/tests/secret-service.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/../../.."
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "secret-service.sh: $tool is missing (apt-get install dbus gnome-keyring)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" VERITY_TEST_SECRET_SERVICE=1
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- bash -euo pipefail -c '
  echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test -p verity-device --test keystore "$@" -- --include-ignored
  cargo test -p verity-desk --test e2e "$@" -- protocol:: rogue:: agents:: support::
  cargo test -p verity --test app "$@" -- device:: it_report:: support::
' secret-service "$@"
