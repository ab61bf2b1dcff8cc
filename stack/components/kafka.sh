# shellcheck shell=bash
# Apache Kafka in single-node KRaft mode (broker and controller in one JVM).
# Sourced by stack/stack.sh after stack/lib.sh; see stack.sh for the function contract.
#
# No Kafka tarball mirror is reachable from CI, so the broker is assembled from the
# Maven Central jars (stack/maven/kafka/pom.xml) and run with a plain `java -cp`.

KAFKA_DIST=$DIST_DIR/kafka
KAFKA_LIB=$KAFKA_DIST/lib
KAFKA_DATA=$DATA_DIR/kafka
KAFKA_CONFIG_DIR=$STACK_DIR/config/kafka
# The Prometheus JMX exporter agent, shared with Connect (stack/config/jmx/<component>.yml).
JMX_EXPORTER_DIST=$DIST_DIR/jmx-exporter
JMX_EXPORTER_JAR=$JMX_EXPORTER_DIST/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar
# Kafka 4.x brokers need Java 17+; the system JDK 17 is the known-good one here.
KAFKA_JAVA=${KAFKA_JAVA:-/usr/bin/java}

jmx_exporter_fetch() {
  [ -f "$JMX_EXPORTER_JAR" ] && return 0
  log "fetching the Prometheus JMX exporter agent $JMX_EXPORTER_VERSION from Maven Central"
  mvn_copy "$STACK_DIR/maven/jmx-exporter" "$JMX_EXPORTER_DIST" -Djmx.exporter.version="$JMX_EXPORTER_VERSION"
  [ -f "$JMX_EXPORTER_JAR" ] || die kafka "$JMX_EXPORTER_JAR missing after fetch" "$LOG_DIR/fetch-jmx-exporter.log"
}

# -javaagent option serving the JMX beans as Prometheus metrics on 127.0.0.1:<port>/metrics.
jmx_exporter_agent() { # jmx_exporter_agent <port> <rules file>
  echo "-javaagent:$JMX_EXPORTER_JAR=127.0.0.1:$1:$2"
}

kafka_fetch() {
  jmx_exporter_fetch
  # The marker names the pins and the pom's checksum, so editing either refetches.
  local sum marker
  sum=$(cksum <"$STACK_DIR/maven/kafka/pom.xml" | cut -d' ' -f1)
  marker=$KAFKA_DIST/.fetched-$KAFKA_VERSION-$LOG4J_VERSION-$sum
  [ -f "$marker" ] && return 0
  log "fetching Kafka $KAFKA_VERSION from Maven Central"
  # A fresh folder: jars of an older pin left in lib/ would end up on the class path.
  rm -rf "$KAFKA_LIB"
  rm -f "$KAFKA_DIST"/.fetched-*
  mvn_copy "$STACK_DIR/maven/kafka" "$KAFKA_LIB"
  [ -f "$KAFKA_LIB/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar" ] ||
    die kafka "kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar missing after fetch" "$LOG_DIR/fetch-kafka.log"
  touch "$marker"
}

# Runs a Kafka command-line class (StorageTool, ConsoleProducer, TopicCommand, ...) on
# the broker's class path with quiet logging; handy from scripts and by hand:
#   source stack/lib.sh; source stack/components/kafka.sh
#   kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server localhost:9092 --list
kafka_tool() { # kafka_tool <main class> [args...]
  "$KAFKA_JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$KAFKA_CONFIG_DIR/tools-log4j2.properties" \
    -cp "$KAFKA_LIB/*" "$@"
}

# The config is rendered on every start so a changed template or port takes effect;
# the data it points at is what persists.
kafka_render_config() {
  mkdir -p "$KAFKA_DATA/logs"
  # Only the listed variables are substituted, so a literal $ elsewhere survives.
  # shellcheck disable=SC2016 # envsubst takes the variable names literally
  env KAFKA_PORT="$KAFKA_PORT" KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" \
    KAFKA_LOG_DIRS="$KAFKA_DATA/logs" \
    envsubst '${KAFKA_PORT} ${KAFKA_CONTROLLER_PORT} ${KAFKA_LOG_DIRS}' \
    <"$KAFKA_CONFIG_DIR/server.properties.tmpl" >"$KAFKA_DATA/server.properties"
}

# KRaft refuses to start on an unformatted log dir. Format once; the cluster id is
# kept in a file so a wiped log dir comes back as the same cluster.
kafka_format_once() {
  [ -f "$KAFKA_DATA/logs/meta.properties" ] && return 0
  local id_file=$KAFKA_DATA/cluster.id out
  if [ ! -s "$id_file" ]; then
    kafka_tool kafka.tools.StorageTool random-uuid >"$id_file.tmp" 2>>"$(log_file kafka)" ||
      die kafka "could not generate a cluster id" "$(log_file kafka)"
    mv "$id_file.tmp" "$id_file"
  fi
  log "formatting Kafka storage (cluster id $(cat "$id_file"))"
  out=$(kafka_tool kafka.tools.StorageTool format --ignore-formatted \
    -t "$(cat "$id_file")" -c "$KAFKA_DATA/server.properties" 2>&1) ||
    { printf '%s\n' "$out" >>"$(log_file kafka)"; die kafka "storage format failed" "$(log_file kafka)"; }
}

kafka_start() {
  ensure_port_free kafka "$KAFKA_PORT"
  ensure_port_free kafka "$KAFKA_CONTROLLER_PORT"
  ensure_port_free kafka "$KAFKA_JMX_PORT" KAFKA_JMX_PORT
  [ -x "$KAFKA_JAVA" ] || die kafka "no Java at $KAFKA_JAVA (set KAFKA_JAVA)"
  kafka_render_config
  kafka_format_once
  # G1 with a bounded heap: 1 GB holds the metadata of a long-lived dev broker (every test run
  # adds its own prefixed topics: 10,000 partitions after a day filled 512 MB), with room left for
  # the other JVMs.
  start_bg kafka "$KAFKA_JAVA" -Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    "$(jmx_exporter_agent "$KAFKA_JMX_PORT" "$STACK_DIR/config/jmx/kafka.yml")" \
    -Dlog4j2.configurationFile="$KAFKA_CONFIG_DIR/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DATA/server.properties"
  # wait_healthy exits on failure; run it in a subshell so a broker that never became
  # healthy is stopped rather than left holding the ports.
  if ! (wait_healthy kafka 90 kafka_healthy); then
    kafka_stop
    exit 1
  fi
}

kafka_stop() {
  # SIGTERM runs the broker's shutdown hook (controlled shutdown, clean log close),
  # so the next start skips log recovery. Give it time before stop_bg escalates.
  stop_bg kafka 60
}

# Sends an ApiVersions v0 request over bash's /dev/tcp and expects correlation id 1 and
# error code 0 back: proof the broker's request path answers, in milliseconds rather
# than the 1-2 s a JVM-based tool takes.
kafka_api_versions_ok() {
  local reply
  reply=$(
    exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT" || exit 1
    # size=16 | api_key=18 ApiVersions | version=0 | correlation_id=1 | client_id="health"
    printf '\x00\x00\x00\x10\x00\x12\x00\x00\x00\x00\x00\x01\x00\x06health' >&3
    timeout 2 head -c 10 <&3 | od -An -tx1 | tr -d ' \n'
  ) 2>/dev/null || return 1
  # bytes 4-7: correlation id 1; bytes 8-9: error code 0
  [ "${reply:8:12}" = "000000010000" ]
}

kafka_healthy() {
  kafka_api_versions_ok || return 1
  # An open listener is not yet a finished start-up (coordinators loading, broker not
  # yet unfenced); the current run's 'Kafka Server started' line (after start_bg's
  # marker) is.
  # One awk, no pipe: with pipefail an early-exiting grep would fail the check.
  awk '/^==== kafka start/ { ok = 0 } /Kafka Server started/ { ok = 1 } END { exit !ok }' \
    "$(log_file kafka)" 2>/dev/null
}

kafka_env() {
  echo "KAFKA_BROKERS=localhost:$KAFKA_PORT"
}
