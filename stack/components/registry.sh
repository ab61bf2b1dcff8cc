# shellcheck shell=bash
# Schema registry for the local stack: Apicurio Registry (a Quarkus app) from Maven
# Central, serving the Confluent-compatible API ("ccompat") at /apis/ccompat/v7.
# Sourced by stack/stack.sh after lib.sh; defines registry_fetch/start/stop/healthy/env.
#
# Storage is SQL on an embedded H2 database in file mode under .stack/data/registry,
# so schemas survive restarts and no other component is needed (the kafkasql storage
# would tie the registry to the broker). Static settings live in
# stack/config/registry/application.properties; path- and port-dependent ones are -D flags.
#
# Apicurio 3.3.x needs Java 21+, which is found under /usr/lib/jvm at start.

# Quarkus' management interface (health, metrics) is fixed at build time to a
# separate port; it cannot be folded into the HTTP port, so it gets its own, bound
# to localhost. Prometheus can scrape http://localhost:$REGISTRY_MANAGEMENT_PORT/metrics.
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9000}
REGISTRY_MIN_JAVA=21

registry_home() { echo "$DIST_DIR/registry/app"; }
registry_url() { echo "http://localhost:$REGISTRY_PORT/apis/ccompat/v7"; }

# Prints the java binary of the first JDK >= $REGISTRY_MIN_JAVA, looking at
# $REGISTRY_JAVA_HOME, then $JAVA_HOME, then every JDK under /usr/lib/jvm. The system
# `java` is not used: here it is 17. A JDK's `release` file gives its version without
# starting a JVM.
registry_java() {
  local home major
  for home in "${REGISTRY_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    if [ -z "$home" ] || [ ! -x "$home/bin/java" ] || [ ! -f "$home/release" ]; then
      continue
    fi
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [ -n "$major" ] && [ "$major" -ge "$REGISTRY_MIN_JAVA" ]; then
      echo "$home/bin/java"
      return 0
    fi
  done
  return 1
}

# Downloads the assembly (io.apicurio:apicurio-registry-app:<v>:tar.gz:all, ~160 MB,
# cached in ~/.m2) and unpacks it. A marker holding the version makes a second call
# instant and offline; a changed APICURIO_VERSION fetches again.
registry_fetch() {
  local dir=$DIST_DIR/registry marker=$DIST_DIR/registry/.fetched
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$APICURIO_VERSION" ] &&
    [ -f "$(registry_home)/quarkus-run.jar" ]; then
    return 0
  fi
  log "fetching Apicurio Registry $APICURIO_VERSION"
  rm -rf "$dir"
  mkdir -p "$dir/download" "$dir/unpack"
  mvn_copy "$STACK_DIR/maven/registry" "$dir/download"
  local archive=$dir/download/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
  [ -f "$archive" ] || die registry "Maven fetched no $archive"
  # --no-same-owner: as root, tar would otherwise keep the archive's uid 1001.
  tar --no-same-owner -xzf "$archive" -C "$dir/unpack" ||
    die registry "could not unpack $archive"
  [ -f "$dir/unpack/quarkus-run.jar" ] ||
    die registry "the assembly has no quarkus-run.jar (unexpected layout in $archive)"
  # Unpack aside, then rename: an interrupted fetch never looks complete.
  mv "$dir/unpack" "$(registry_home)"
  # The archive stays in ~/.m2; no need to keep a second copy.
  rm -rf "$dir/download"
  echo "$APICURIO_VERSION" >"$marker"
}

registry_start() {
  local java data=$DATA_DIR/registry
  java=$(registry_java) ||
    die registry "Apicurio Registry $APICURIO_VERSION needs Java $REGISTRY_MIN_JAVA+, found none in \$REGISTRY_JAVA_HOME, \$JAVA_HOME or /usr/lib/jvm/* (install e.g. openjdk-21-jdk-headless)"
  [ -f "$(registry_home)/quarkus-run.jar" ] || die registry "not fetched; run stack/stack.sh fetch"
  ensure_port_free registry "$REGISTRY_PORT"
  # ensure_port_free's hint names REGISTRY_PORT; this port has its own variable.
  if port_in_use "$REGISTRY_MANAGEMENT_PORT"; then
    die registry "management port $REGISTRY_MANAGEMENT_PORT is already in use by another process (set REGISTRY_MANAGEMENT_PORT or free it)"
  fi
  mkdir -p "$data"
  # Run from the data folder: Quarkus and H2 may write relative files (e.g. a
  # config/ lookup, trace files), which then stay out of the repository.
  # DB_CLOSE_ON_EXIT=FALSE lets Quarkus close H2 during its own orderly shutdown
  # instead of H2's JVM hook racing it.
  (
    cd "$data" || exit 1
    start_bg registry "$java" -Xmx512m -XX:+ExitOnOutOfMemoryError \
      -Dquarkus.config.locations="file:$STACK_DIR/config/registry/application.properties" \
      -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
      -Dapicurio.datasource.url="jdbc:h2:file:$data/registry;DB_CLOSE_ON_EXIT=FALSE" \
      -jar "$(registry_home)/quarkus-run.jar"
  )
  wait_healthy registry 120 registry_healthy
}

registry_stop() {
  # Quarkus shuts down in well under a second on SIGTERM and closes H2 cleanly.
  stop_bg registry 30
}

# Healthy = the ccompat API answers a real request and reports the global
# compatibility level (which also proves the storage is readable).
registry_healthy() {
  curl -fsS --max-time 2 "$(registry_url)/config" | grep -q '"compatibilityLevel"'
}

registry_env() {
  echo "SCHEMA_REGISTRY_URL=$(registry_url)"
}
