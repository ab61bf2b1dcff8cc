#!/usr/bin/env bash
# `make dev`: the stack and every service, their logs followed in the foreground; Ctrl-C stops all.
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR" || exit 1

stop_all() {
  trap - INT TERM EXIT
  [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null
  "$STACK_DIR/services.sh" down
  "$STACK_DIR/stack.sh" down
}
trap stop_all INT TERM EXIT

"$STACK_DIR/stack.sh" up
"$STACK_DIR/services.sh" up
"$STACK_DIR/stack.sh" env
log "Prometheus: $(sed -n 's/^PROMETHEUS_URL=//p' < <("$STACK_DIR/stack.sh" env))/alerts (dashboards to load: grafana/README.md)"
log "everything is up; following logs in $LOG_DIR (Ctrl-C stops everything)"
tail -n 0 -F "$LOG_DIR"/*.log &
tail_pid=$!
wait "$tail_pid"
