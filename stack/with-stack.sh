#!/usr/bin/env bash
# Runs a command against a real stack: the one named by KAFKA_BROKERS & co. when they are set,
# else the local one, started first if needed and stopped after only if this script started it.
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR" || exit 1

if [ -z "${KAFKA_BROKERS:-}" ]; then
  # Captured first: with pipefail, grep -q closing the pipe early would fail the status command.
  status=$("$STACK_DIR/stack.sh" status)
  if grep -Eqv '^[a-z-]+ +healthy' <<<"$status"; then
    trap '"$STACK_DIR/stack.sh" down' EXIT
    "$STACK_DIR/stack.sh" up
  else
    log "using the local stack that is already running"
  fi
  while IFS= read -r kv; do export "${kv?}"; done < <("$STACK_DIR/stack.sh" env)
  # Tests that stop and restart the stack itself run only against this local one.
  export STACK_LOCAL=1
else
  log "using the stack at KAFKA_BROKERS=$KAFKA_BROKERS"
fi

"$@"
