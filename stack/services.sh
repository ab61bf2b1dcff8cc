#!/usr/bin/env bash
# The project's own services as background processes beside the stack, with the same pid, log
# and health conventions as the stack components.
#
#   stack/services.sh up | down | status
#
# A service is listed once its entry point exists, so the list grows with the code.
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR" || exit 1

# name | entry point | health URL (start order; stop runs in reverse)
SERVICES=(
  "task-view|streams/processors/task-view/main.ts|http://localhost:9464/readyz"
  "settings-view|streams/processors/settings-view/main.ts|http://localhost:9465/readyz"
  "gateway|gateway/main.ts|http://localhost:${GATEWAY_PORT:-8080}/readyz"
  "scheduler|streams/processors/scheduler/main.ts|http://localhost:9466/readyz"
  "recurrence|streams/processors/recurrence/main.ts|http://localhost:9467/readyz"
  "notifier|streams/processors/notifier/main.ts|http://localhost:9468/readyz"
  "notification-view|streams/processors/notification-view/main.ts|http://localhost:9469/readyz"
  # After the connector (applied above): it re-sends what the audit sink dead-lettered for a transient reason.
  "audit-redrive|connectors/redrive/main.ts|http://localhost:9470/readyz"
  "bridge|bridge/main.ts|http://localhost:${BRIDGE_PORT:-8090}/healthz"
)

available() {
  local spec
  for spec in "${SERVICES[@]}"; do
    if [ -f "$(cut -d'|' -f2 <<<"$spec")" ]; then echo "$spec"; fi
  done
}

export_stack_env() {
  local kv
  while IFS= read -r kv; do export "${kv?}"; done < <("$STACK_DIR/stack.sh" env)
  # rrule and our wall-clock maths assume UTC process time (DESIGN.md section 8).
  export TZ=UTC
  # The web client's dev sign-in (POST /v1/dev/login): local only, the gateway refuses it in production.
  export AUTH_DEV_LOGIN="${AUTH_DEV_LOGIN:-1}"
}

cmd_up() {
  export_stack_env
  log "registering schemas and creating topics"
  node bin/todo-schemas.mjs register >"$LOG_DIR/schemas.log" 2>&1 ||
    die schemas "schema registration failed" "$LOG_DIR/schemas.log"
  # The audit store: every event topic sunk into MongoDB by Kafka Connect (idempotent PUT).
  # shellcheck source=stack/components/connect.sh
  source "$STACK_DIR/components/connect.sh"
  connect_apply connectors/audit-sink.json.tmpl
  local name entry health
  while IFS='|' read -r name entry health; do
    if is_running "$name" && http_ok "$health"; then
      log "$name already running"
      continue
    fi
    log "starting $name"
    # A stable instance id per service: a restarted processor fences its predecessor's open
    # transaction and takes its partitions back at once (static membership).
    STREAMS_INSTANCE_ID="$name-local" start_bg "$name" node --import tsx "$entry"
    wait_healthy "$name" 60 http_ok "$health"
    log "$name ready"
  done < <(available)
}

cmd_down() {
  local specs name i
  mapfile -t specs < <(available)
  for ((i = ${#specs[@]} - 1; i >= 0; i--)); do
    name=${specs[$i]%%|*}
    stop_bg "$name" 20
  done
}

cmd_status() {
  local name entry health
  while IFS='|' read -r name entry health; do
    if ! is_running "$name"; then
      printf '%-18s stopped\n' "$name"
    elif http_ok "$health"; then
      printf '%-18s healthy (pid %s)\n' "$name" "$(cat "$(pid_file "$name")")"
    else
      printf '%-18s running, not ready (pid %s)\n' "$name" "$(cat "$(pid_file "$name")")"
    fi
  done < <(available)
}

case "${1:-}" in
  up | down | status) "cmd_$1" ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
