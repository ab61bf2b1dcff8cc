# shellcheck shell=bash
# Prometheus for the local stack, from the Debian package (apt-get install -y prometheus).
# Sourced by stack/stack.sh after lib.sh.
#
# Only the package's binary is used: our own process, with our config
# (stack/config/prometheus/prometheus.yml), data in .stack/data/prometheus and
# 127.0.0.1:$PROMETHEUS_PORT. The distro service (/etc/prometheus, /var/lib/prometheus,
# 0.0.0.0:9090) is neither needed nor touched; if it runs, ensure_port_free reports
# the clash (stop it with: systemctl disable --now prometheus).

PROMETHEUS_BIN=${PROMETHEUS_BIN:-/usr/bin/prometheus}
PROMETHEUS_CONFIG=$STACK_DIR/config/prometheus/prometheus.yml

prometheus_fetch() {
  [ -x "$PROMETHEUS_BIN" ] ||
    die prometheus "$PROMETHEUS_BIN not found; install it with: apt-get install -y prometheus"
}

prometheus_start() {
  prometheus_fetch
  ensure_port_free prometheus "$PROMETHEUS_PORT"
  mkdir -p "$DATA_DIR/prometheus"
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
