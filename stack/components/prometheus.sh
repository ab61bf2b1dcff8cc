# shellcheck shell=bash
# Prometheus for the local stack, from the Debian package (apt-get install -y prometheus).
# Sourced by stack/stack.sh after lib.sh.
#
# Only the package's binary is used: our own process, with our config (rendered from
# stack/config/prometheus/prometheus.yml.tmpl), the alert rules of grafana/alerts/, file-SD
# targets in .stack/prometheus-targets/, data in .stack/data/prometheus and
# 127.0.0.1:$PROMETHEUS_PORT. The distro service (/etc/prometheus, /var/lib/prometheus,
# 0.0.0.0:9090) is neither needed nor touched; if it runs, ensure_port_free reports
# the clash (stop it with: systemctl disable --now prometheus).

PROMETHEUS_BIN=${PROMETHEUS_BIN:-/usr/bin/prometheus}
PROMETHEUS_TEMPLATE=$STACK_DIR/config/prometheus/prometheus.yml.tmpl
PROMETHEUS_CONFIG=$DATA_DIR/prometheus-config/prometheus.yml
# Where services started outside `make up` (tests, on port 0) register: <job>-<name>.json.
PROMETHEUS_TARGETS_DIR=$CACHE_DIR/prometheus-targets
PROMETHEUS_RULES_DIR=$ROOT_DIR/grafana/alerts

prometheus_fetch() {
  [ -x "$PROMETHEUS_BIN" ] ||
    die prometheus "$PROMETHEUS_BIN not found; install it with: apt-get install -y prometheus"
}

# Rendered on every start, so changed ports and the template take effect.
prometheus_render_config() {
  mkdir -p "$(dirname "$PROMETHEUS_CONFIG")" "$PROMETHEUS_TARGETS_DIR"
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  env PROMETHEUS_PORT="$PROMETHEUS_PORT" KAFKA_JMX_PORT="$KAFKA_JMX_PORT" CONNECT_JMX_PORT="$CONNECT_JMX_PORT" \
    GATEWAY_PORT="${GATEWAY_PORT:-8080}" BRIDGE_PORT="${BRIDGE_PORT:-8090}" \
    FERRETDB_DEBUG_PORT="${FERRETDB_DEBUG_PORT:-8089}" REGISTRY_MANAGEMENT_PORT="${REGISTRY_MANAGEMENT_PORT:-9000}" \
    TARGETS_DIR="$PROMETHEUS_TARGETS_DIR" RULES_DIR="$PROMETHEUS_RULES_DIR" \
    envsubst '${PROMETHEUS_PORT} ${KAFKA_JMX_PORT} ${CONNECT_JMX_PORT} ${GATEWAY_PORT} ${BRIDGE_PORT} ${FERRETDB_DEBUG_PORT} ${REGISTRY_MANAGEMENT_PORT} ${TARGETS_DIR} ${RULES_DIR}' \
    <"$PROMETHEUS_TEMPLATE" >"$PROMETHEUS_CONFIG"
}

prometheus_start() {
  prometheus_fetch
  ensure_port_free prometheus "$PROMETHEUS_PORT"
  mkdir -p "$DATA_DIR/prometheus"
  prometheus_render_config
  # Flags checked against Debian's 2.42 (prometheus --help).
  # --web.enable-lifecycle allows `curl -X POST .../-/reload` after editing the config.
  # Local data only needs to outlive a session or two, hence the short retention.
  start_bg prometheus "$PROMETHEUS_BIN" \
    --config.file="$PROMETHEUS_CONFIG" \
    --storage.tsdb.path="$DATA_DIR/prometheus" \
    --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
  wait_healthy prometheus 30 prometheus_healthy
  log "Prometheus at http://localhost:$PROMETHEUS_PORT with $(prometheus_rule_count) alert rules loaded (grafana/alerts/)"
}

# How many alerting rules the running Prometheus has loaded (0 if it cannot say).
prometheus_rule_count() {
  curl -fsS --max-time 2 "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/rules?type=alert" 2>/dev/null |
    jq '[.data.groups[].rules[]] | length' 2>/dev/null || echo 0
}

prometheus_stop() {
  # SIGTERM lets Prometheus flush its head block and release the data dir's lock.
  stop_bg prometheus 30
}

# /-/ready answers 200 only once the TSDB is open and the server serves queries.
prometheus_healthy() {
  http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
}

prometheus_env() {
  echo "PROMETHEUS_URL=http://localhost:$PROMETHEUS_PORT"
}
