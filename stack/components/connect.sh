# shellcheck shell=bash
# Kafka Connect, distributed mode, one worker, with the MongoDB sink connector and an
# Avro converter that reads the Confluent wire format from our registry.
# Sourced by stack/stack.sh after stack/lib.sh; see stack.sh for the function contract.
#
# Everything comes from Maven Central (no Confluent Hub or tarball mirror is reachable):
#   stack/maven/connect/                         worker class path -> .stack/dist/connect/lib
#   stack/maven/connect-plugins/mongodb-sink/       -> .stack/dist/connect-plugins/mongodb-sink
#   stack/maven/connect-plugins/apicurio-converter/ -> .stack/dist/connect-plugins/apicurio-converter

CONNECT_DIST=$DIST_DIR/connect
CONNECT_LIB=$CONNECT_DIST/lib
CONNECT_PLUGINS=$DIST_DIR/connect-plugins
CONNECT_DATA=$DATA_DIR/connect
CONNECT_CONFIG_DIR=$STACK_DIR/config/connect
CONNECT_JAVA=${CONNECT_JAVA:-/usr/bin/java}
CONNECT_URL=http://localhost:$CONNECT_PORT

# The plugin manifests are written with Kafka's own tool, which ships in the broker's
# kafka-tools jar; Connect needs the broker anyway, so reuse its fetched class path.
if ! declare -F kafka_fetch >/dev/null; then
  # shellcheck source=stack/components/kafka.sh
  source "$STACK_DIR/components/kafka.sh"
fi

connect_fetch() {
  # The marker names the pins and the poms' checksum, so editing any of them refetches.
  local sum marker
  sum=$(cat "$STACK_DIR/maven/connect/pom.xml" "$STACK_DIR"/maven/connect-plugins/*/pom.xml | cksum | cut -d' ' -f1)
  marker=$CONNECT_DIST/.fetched-$KAFKA_VERSION-$LOG4J_VERSION-$MONGO_KAFKA_CONNECT_VERSION-$APICURIO_CONVERTER_VERSION-$sum
  [ -f "$marker" ] && return 0
  kafka_fetch
  log "fetching Kafka Connect $KAFKA_VERSION, MongoDB sink $MONGO_KAFKA_CONNECT_VERSION, Apicurio converter $APICURIO_CONVERTER_VERSION"
  # Fresh folders: a jar of an older pin left behind would shadow the new one.
  rm -rf "$CONNECT_LIB" "$CONNECT_PLUGINS"
  rm -f "$CONNECT_DIST"/.fetched-*
  mvn_copy "$STACK_DIR/maven/connect" "$CONNECT_LIB"
  mvn_copy "$STACK_DIR/maven/connect-plugins/mongodb-sink" "$CONNECT_PLUGINS/mongodb-sink"
  mvn_copy "$STACK_DIR/maven/connect-plugins/apicurio-converter" "$CONNECT_PLUGINS/apicurio-converter" \
    -Dapicurio.converter.version="$APICURIO_CONVERTER_VERSION"
  # Neither plugin ships ServiceLoader manifests. Kafka's connect-plugin-path tool adds a
  # small shim jar with them, so the worker can use plugin.discovery=service_load and
  # skip the reflective scan of every jar (many seconds per start on 2 cores).
  kafka_tool org.apache.kafka.tools.ConnectPluginPath sync-manifests \
    --plugin-path "$CONNECT_PLUGINS" >"$LOG_DIR/fetch-connect-manifests.log" 2>&1 ||
    die connect "writing plugin manifests failed" "$LOG_DIR/fetch-connect-manifests.log"
  touch "$marker"
}

# Rendered on every start so a changed template or port takes effect. Connect keeps its
# state (connector configs, offsets, status) in Kafka topics, not on disk.
connect_render_config() {
  mkdir -p "$CONNECT_DATA"
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  env KAFKA_PORT="$KAFKA_PORT" CONNECT_PORT="$CONNECT_PORT" \
    CONNECT_PLUGIN_PATH="$CONNECT_PLUGINS" \
    CONNECT_PLUGIN_DISCOVERY="${CONNECT_PLUGIN_DISCOVERY:-service_load}" \
    envsubst '${KAFKA_PORT} ${CONNECT_PORT} ${CONNECT_PLUGIN_PATH} ${CONNECT_PLUGIN_DISCOVERY}' \
    <"$CONNECT_CONFIG_DIR/connect-distributed.properties.tmpl" \
    >"$CONNECT_DATA/connect-distributed.properties"
}

connect_start() {
  ensure_port_free connect "$CONNECT_PORT"
  ensure_port_free connect "$CONNECT_JMX_PORT" CONNECT_JMX_PORT
  [ -x "$CONNECT_JAVA" ] || die connect "no Java at $CONNECT_JAVA (set CONNECT_JAVA)"
  # A clear message now beats a worker retrying its bootstrap connection in a log.
  port_in_use "$KAFKA_PORT" || die connect "Kafka is not reachable on localhost:$KAFKA_PORT; start it first"
  connect_render_config
  start_bg connect "$CONNECT_JAVA" -Xms128m -Xmx512m -XX:+UseG1GC \
    -Djava.awt.headless=true \
    "$(jmx_exporter_agent "$CONNECT_JMX_PORT" "$STACK_DIR/config/jmx/connect.yml")" \
    -Dlog4j2.configurationFile="$CONNECT_CONFIG_DIR/log4j2.properties" \
    -cp "$CONNECT_LIB/*" org.apache.kafka.connect.cli.ConnectDistributed \
    "$CONNECT_DATA/connect-distributed.properties"
  # Joining the group and reading the config topic takes a while on 2 cores. A worker
  # that never became healthy is stopped rather than left holding the port.
  if ! (wait_healthy connect 120 connect_healthy); then
    connect_stop
    exit 1
  fi
}

connect_stop() {
  # SIGTERM lets the worker stop its tasks (committing sink offsets) and leave the group.
  stop_bg connect 60
}

# The REST API answers before the worker has joined its group and read its config topic;
# /health (KIP-1017) says 200 only once it has, and the plugin list proves both plugins loaded.
connect_healthy() {
  curl -fsS -o /dev/null --max-time 3 "$CONNECT_URL/health" || return 1
  local plugins
  plugins=$(curl -fsS --max-time 3 "$CONNECT_URL/connector-plugins?connectorsOnly=false") || return 1
  [[ $plugins == *com.mongodb.kafka.connect.MongoSinkConnector* ]] &&
    [[ $plugins == *io.apicurio.registry.utils.converter.AvroConverter* ]]
}

connect_env() {
  echo "CONNECT_URL=$CONNECT_URL"
}

# Creates or updates a connector from a JSON template ({"name": ..., "config": {...}})
# whose ${MONGO_URL} and ${REGISTRY_BASE_URL} are filled in from the local ports.
# PUT /connectors/<name>/config is idempotent, so re-running after a change is safe.
#   connect_apply connectors/audit-sink.json.tmpl
connect_apply() { # connect_apply <template>
  local tmpl=$1 json name resp code
  [ -f "$tmpl" ] || die connect "no connector template $tmpl"
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  json=$(env MONGO_URL="${MONGO_URL:-mongodb://localhost:$MONGO_PORT/todo}" \
    REGISTRY_BASE_URL="${REGISTRY_BASE_URL:-http://localhost:$REGISTRY_PORT}" \
    TOPIC_PREFIX="${TOPIC_PREFIX:-}" AUDIT_COLLECTION="${AUDIT_COLLECTION:-audit}" \
    envsubst '${MONGO_URL} ${REGISTRY_BASE_URL} ${TOPIC_PREFIX} ${AUDIT_COLLECTION}' <"$tmpl")
  name=$(jq -er .name <<<"$json") || die connect "$tmpl has no \"name\""
  # Keep the REST answer: on a 400 it names the invalid settings.
  resp=$(jq -c .config <<<"$json" |
    curl -sS --max-time 30 -X PUT -H 'Content-Type: application/json' --data-binary @- \
      -w '\n%{http_code}' "$CONNECT_URL/connectors/$name/config") ||
    die connect "Connect REST API not reachable at $CONNECT_URL" "$(log_file connect)"
  code=${resp##*$'\n'}
  [[ $code == 2?? ]] || die connect "connector $name rejected (HTTP $code): ${resp%$'\n'*}"
  log "connector $name applied"
}
