#!/usr/bin/env bash
# The local real stack: Kafka (KRaft), schema registry, PostgreSQL + FerretDB, Kafka Connect, Prometheus.
#
#   stack/stack.sh fetch    download and build everything (cached; offline the second time)
#   stack/stack.sh up       fetch if needed, start what is not running, wait until all are healthy
#   stack/stack.sh down     stop everything cleanly, keep the data
#   stack/stack.sh status   one line per component
#   stack/stack.sh env      KEY=VALUE lines for clients
#   stack/stack.sh reset    stop and wipe the data
#
# Each component lives in stack/components/<name>.sh and defines
# <name>_fetch, <name>_start, <name>_stop, <name>_healthy and <name>_env.

# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Start order; stop runs in reverse. Connect needs the broker, the registry and the database.
COMPONENTS=(kafka registry postgres ferretdb connect prometheus)

for c in "${COMPONENTS[@]}"; do
  # shellcheck source=/dev/null
  source "$STACK_DIR/components/$c.sh"
done

cmd_fetch() {
  for c in "${COMPONENTS[@]}"; do "${c}_fetch"; done
}

cmd_up() {
  cmd_fetch
  local started=$SECONDS
  for c in "${COMPONENTS[@]}"; do
    if is_running "$c" && "${c}_healthy" >/dev/null 2>&1; then
      log "$c already running"
    else
      is_running "$c" && stop_bg "$c"
      log "starting $c"
      "${c}_start"
      log "$c healthy"
    fi
  done
  log "stack up in $((SECONDS - started))s"
}

cmd_down() {
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    "${COMPONENTS[$i]}_stop"
  done
}

cmd_status() {
  local c state
  for c in "${COMPONENTS[@]}"; do
    if ! is_running "$c"; then
      state=stopped
    elif "${c}_healthy" >/dev/null 2>&1; then
      state="healthy (pid $(cat "$(pid_file "$c")"))"
    else
      state="running, not healthy (pid $(cat "$(pid_file "$c")"))"
    fi
    printf '%-11s %s\n' "$c" "$state"
  done
}

cmd_env() {
  for c in "${COMPONENTS[@]}"; do "${c}_env"; done
}

cmd_reset() {
  cmd_down
  log "wiping $DATA_DIR"
  rm -rf "$DATA_DIR"
}

case "${1:-}" in
  fetch | up | down | status | env | reset) "cmd_$1" ;;
  *)
    echo "usage: $0 fetch|up|down|status|env|reset" >&2
    exit 2
    ;;
esac
