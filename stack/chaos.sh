#!/usr/bin/env bash
# The chaos suite's own stack (`make chaos`, test/chaos/): a 3-node KRaft cluster plus its own
# registry, PostgreSQL + FerretDB and Kafka Connect, on their own ports and data dirs, so a
# fault injected here never touches the shared dev stack on the default ports.
#
#   stack/chaos.sh up [all|brokers]   start what is not running, wait until healthy
#   stack/chaos.sh down               stop everything cleanly
#   stack/chaos.sh reset              down, then wipe the data (every run starts from nothing)
#   stack/chaos.sh start|stop|kill <component>   one of: kafka-1 kafka-2 kafka-3 registry
#                                     postgres ferretdb connect (kill = SIGKILL, no shutdown)
#   stack/chaos.sh healthy <component>   exit 0 when it is healthy
#   stack/chaos.sh env                KEY=VALUE lines for clients
#   stack/chaos.sh apply-connector    the audit sink on this Connect, dead letters at RF 3
#
# Layout: .stack/chaos-<port base>/{data,logs,run}/ (STACK_CACHE_DIR), the fetched jars and
# binaries of the main stack through the symlink .stack/chaos-<port base>/dist -> ../dist. Ports: CHAOS_PORT_BASE (19100)
# plus a fixed offset each (kafka-N +N, its controller +10+N, registry +21/+22, postgres +31,
# ferretdb +32/+33, connect +41); the services of test/chaos/ take +51 and up.

CHAOS_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHAOS_ROOT=$(dirname "$CHAOS_SCRIPT_DIR")
BASE=${CHAOS_PORT_BASE:-19100}
# One cache per port base, so the smoke (make test) and a full run never share data or pids.
export STACK_CACHE_DIR=${CHAOS_CACHE_DIR:-$CHAOS_ROOT/.stack/chaos-$BASE}
mkdir -p "$STACK_CACHE_DIR"
# Reuse the main stack's fetched jars and binaries: fetching them again would cost minutes.
[ -e "$STACK_CACHE_DIR/dist" ] || ln -s ../dist "$STACK_CACHE_DIR/dist"
export REGISTRY_PORT=$((BASE + 21)) REGISTRY_MANAGEMENT_PORT=$((BASE + 22))
export POSTGRES_PORT=$((BASE + 31)) MONGO_PORT=$((BASE + 32)) FERRETDB_DEBUG_PORT=$((BASE + 33))
export CONNECT_PORT=$((BASE + 41))
# Only for the components' own checks (Connect's "is Kafka up"): node 1's listener.
export KAFKA_PORT=$((BASE + 1)) KAFKA_CONTROLLER_PORT=$((BASE + 11))

# shellcheck source=stack/lib.sh
source "$CHAOS_SCRIPT_DIR/lib.sh"
for c in kafka registry postgres ferretdb connect; do
  # shellcheck source=/dev/null
  source "$STACK_DIR/components/$c.sh"
done

NODES=(1 2 3)
CHAOS_CONFIG=$STACK_DIR/config/chaos
broker_port() { echo $((BASE + $1)); }
controller_port() { echo $((BASE + 10 + $1)); }
CHAOS_BROKERS=$(for n in "${NODES[@]}"; do printf 'localhost:%s,' "$(broker_port "$n")"; done)
CHAOS_BROKERS=${CHAOS_BROKERS%,}
QUORUM_VOTERS=$(for n in "${NODES[@]}"; do printf '%s@localhost:%s,' "$n" "$(controller_port "$n")"; done)
QUORUM_VOTERS=${QUORUM_VOTERS%,}

node_data() { echo "$DATA_DIR/kafka-$1"; }

node_render_config() { # node_render_config <n>
  local dir
  dir=$(node_data "$1")
  mkdir -p "$dir/logs"
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  env NODE_ID="$1" BROKER_PORT="$(broker_port "$1")" CONTROLLER_PORT="$(controller_port "$1")" \
    QUORUM_VOTERS="$QUORUM_VOTERS" LOG_DIRS="$dir/logs" \
    envsubst '${NODE_ID} ${BROKER_PORT} ${CONTROLLER_PORT} ${QUORUM_VOTERS} ${LOG_DIRS}' \
    <"$CHAOS_CONFIG/kafka-node.properties.tmpl" >"$dir/server.properties"
}

# Every node is formatted with the one cluster id, kept beside the node folders.
node_format_once() { # node_format_once <n>
  local dir id_file=$DATA_DIR/cluster.id out
  dir=$(node_data "$1")
  [ -f "$dir/logs/meta.properties" ] && return 0
  if [ ! -s "$id_file" ]; then
    kafka_tool kafka.tools.StorageTool random-uuid >"$id_file.tmp" || die "kafka-$1" "could not generate a cluster id"
    mv "$id_file.tmp" "$id_file"
  fi
  out=$(kafka_tool kafka.tools.StorageTool format --ignore-formatted \
    -t "$(cat "$id_file")" -c "$dir/server.properties" 2>&1) ||
    { printf '%s\n' "$out" >>"$(log_file "kafka-$1")"; die "kafka-$1" "storage format failed" "$(log_file "kafka-$1")"; }
}

node_launch() { # node_launch <n>: start the JVM, do not wait
  local n=$1
  ensure_port_free "kafka-$n" "$(broker_port "$n")" CHAOS_PORT_BASE
  ensure_port_free "kafka-$n" "$(controller_port "$n")" CHAOS_PORT_BASE
  node_render_config "$n"
  node_format_once "$n"
  # Small heaps: three brokers, a registry, Connect and the services share one small machine.
  start_bg "kafka-$n" "$KAFKA_JAVA" -Xms192m -Xmx384m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_CONFIG_DIR/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$(node_data "$n")/server.properties"
}

# The request path answers (ApiVersions over /dev/tcp, as kafka.sh does) and this run of the
# node logged that its start-up finished.
node_healthy() { # node_healthy <n>
  local n=$1
  KAFKA_PORT=$(broker_port "$n") kafka_api_versions_ok || return 1
  awk '/^==== kafka-[0-9]+ start/ { ok = 0 } /Kafka Server started/ { ok = 1 } END { exit !ok }' \
    "$(log_file "kafka-$n")" 2>/dev/null
}

# A node restarted after kill -9 first recovers every log it holds; on a loaded 2-core machine
# that alone took 2 min (152 partitions), and the whole start up to 4.5 min (a CI run's smoke
# failed at 240 s: its node started 273 s after the restart), so the bound is generous and can be set.
node_wait() { # node_wait <n>
  wait_healthy "kafka-$1" "${CHAOS_NODE_START_TIMEOUT_S:-420}" node_healthy "$1"
}

connect_render_config() { # replaces connect.sh's: this worker talks to the 3-node cluster
  mkdir -p "$CONNECT_DATA"
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  env CHAOS_BROKERS="$CHAOS_BROKERS" CONNECT_PORT="$CONNECT_PORT" CONNECT_PLUGIN_PATH="$CONNECT_PLUGINS" \
    envsubst '${CHAOS_BROKERS} ${CONNECT_PORT} ${CONNECT_PLUGIN_PATH}' \
    <"$CHAOS_CONFIG/connect-distributed.properties.tmpl" >"$CONNECT_DATA/connect-distributed.properties"
}

component_start() { # component_start <component>
  case $1 in
    kafka-[123])
      node_launch "${1#kafka-}"
      node_wait "${1#kafka-}"
      ;;
    connect)
      # connect.sh checks node 1's port; any live node will do.
      local n
      for n in "${NODES[@]}"; do
        if port_in_use "$(broker_port "$n")"; then KAFKA_PORT=$(broker_port "$n") && break; fi
      done
      connect_start
      ;;
    registry | postgres | ferretdb) "${1}_start" ;;
    *) die chaos "unknown component $1" ;;
  esac
}

component_healthy() { # component_healthy <component>
  case $1 in
    kafka-[123]) node_healthy "${1#kafka-}" ;;
    registry | postgres | ferretdb | connect) is_running "$1" && "${1}_healthy" ;;
    *) die chaos "unknown component $1" ;;
  esac
}

component_stop() { # component_stop <component>
  case $1 in
    kafka-[123]) stop_bg "$1" 60 ;;
    connect) connect_stop ;;
    registry | postgres | ferretdb) "${1}_stop" ;;
    *) die chaos "unknown component $1" ;;
  esac
}

# SIGKILL the component's process group: no shutdown hook, no flush, as a crash would.
component_kill() { # component_kill <component>
  local pf pid
  pf=$(pid_file "$1")
  [ -f "$pf" ] || die chaos "$1 is not running (no $pf)"
  pid=$(cat "$pf")
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$pf"
}

cmd_up() {
  local what=${1:-all} n started=$SECONDS
  kafka_fetch
  # The nodes need each other for a quorum: launch all, then wait for each.
  for n in "${NODES[@]}"; do
    if node_healthy "$n" >/dev/null 2>&1; then continue; fi
    is_running "kafka-$n" && stop_bg "kafka-$n"
    log "starting kafka-$n"
    node_launch "$n"
  done
  for n in "${NODES[@]}"; do node_wait "$n"; done
  log "3-node Kafka cluster healthy: $CHAOS_BROKERS"
  if [ "$what" = all ]; then
    local c
    for c in registry postgres ferretdb connect; do
      if is_running "$c" && "${c}_healthy" >/dev/null 2>&1; then continue; fi
      is_running "$c" && component_stop "$c"
      log "starting $c"
      component_start "$c"
    done
  fi
  log "chaos stack up in $((SECONDS - started))s"
}

cmd_down() {
  local c n
  for c in connect ferretdb postgres registry; do component_stop "$c"; done
  # Together: a node stopping alone waits for a controller the others no longer form. The data
  # is wiped by the next reset anyway, so a short grace suffices.
  for n in "${NODES[@]}"; do stop_bg "kafka-$n" 20 & done
  wait
}

cmd_env() {
  echo "KAFKA_BROKERS=$CHAOS_BROKERS"
  echo "SCHEMA_REGISTRY_URL=$(registry_url)"
  echo "REGISTRY_BASE_URL=http://localhost:$REGISTRY_PORT"
  echo "MONGO_URL=mongodb://localhost:$MONGO_PORT/todo"
  echo "CONNECT_URL=$CONNECT_URL"
  echo "CHAOS_LOG_DIR=$LOG_DIR"
}

# connect_apply with the dead-letter topic at the cluster's replication factor: at RF 1 and
# min.insync.replicas 2 it could never be written.
cmd_apply_connector() {
  local tmpl=$STACK_CACHE_DIR/audit-sink.json.tmpl
  jq '.config["errors.deadletterqueue.topic.replication.factor"] = "3"' \
    "$ROOT_DIR/connectors/audit-sink.json.tmpl" >"$tmpl"
  MONGO_URL=${MONGO_URL:-mongodb://localhost:$MONGO_PORT/todo} connect_apply "$tmpl"
}

case "${1:-}" in
  up) cmd_up "${2:-all}" ;;
  down) cmd_down ;;
  reset)
    cmd_down
    log "wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
    ;;
  start | stop | kill | healthy)
    [ -n "${2:-}" ] || die chaos "usage: $0 $1 <component>"
    "component_$1" "$2"
    ;;
  env) cmd_env ;;
  apply-connector) cmd_apply_connector ;;
  *)
    echo "usage: $0 up [all|brokers]|down|reset|start|stop|kill|healthy <component>|env|apply-connector" >&2
    exit 2
    ;;
esac
