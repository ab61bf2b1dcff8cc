#!/usr/bin/env bash
# `make dev`: the stack and every service in the foreground, their logs followed; Ctrl-C stops all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"

"$STACK_DIR/stack.sh" up
stop_all() {
  trap - INT TERM EXIT
  [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null
  "$STACK_DIR/stack.sh" down
}
trap stop_all INT TERM EXIT

"$STACK_DIR/stack.sh" env
log "stack is up; following logs in $LOG_DIR (Ctrl-C stops everything)"
tail -n 0 -F "$LOG_DIR"/*.log &
tail_pid=$!
wait "$tail_pid"
