#!/usr/bin/env bash
# One-time set-up of a bare machine: Debian packages, npm packages, the stack's downloads and
# builds. Each step checks first, so a second run is quick and needs no network.
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR" || exit 1

missing=()
while read -r pkg; do
  [ -z "$pkg" ] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < <(sed -e 's/#.*//' -e '/^\s*$/d' "$STACK_DIR/apt-packages.txt")
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 || die setup "apt-get update failed" "$LOG_DIR/apt.log"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >>"$LOG_DIR/apt.log" 2>&1 || die setup "apt-get install ${missing[*]} failed" "$LOG_DIR/apt.log"
fi

need_cmd setup node "install Node.js 20.19 or newer"
need_cmd setup go "install Go 1.22 or newer (FerretDB is built from source)"

# npm ci only when the lock file changed since the last install; the native Kafka client
# builds librdkafka from source against the system's libraries (about 2 minutes).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (first run builds librdkafka, about 2 minutes)"
  CKJS_LINKING=dynamic npm ci --no-audit --no-fund >"$LOG_DIR/npm.log" 2>&1 ||
    die setup "npm ci failed" "$LOG_DIR/npm.log"
fi

# The API fuzzer the tests run against the real gateway (schemathesis, from PyPI), in a venv of
# its own under .stack/ so it never touches the machine's Python.
SCHEMATHESIS_VERSION=4.32.5
if ! "$CACHE_DIR/venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION (API fuzzer) into .stack/venv"
  { python3 -m venv "$CACHE_DIR/venv" && "$CACHE_DIR/venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"; } >"$LOG_DIR/pip.log" 2>&1 ||
    die setup "pip install schemathesis failed" "$LOG_DIR/pip.log"
fi

"$STACK_DIR/stack.sh" fetch
log "setup complete"
