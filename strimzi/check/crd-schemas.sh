#!/usr/bin/env bash
# The JSON schemas kubeconform validates custom resources against, regenerated offline:
#   - Strimzi's CRDs from the annotated Java model on Maven Central (io.strimzi:api) with
#     Strimzi's own generator (io.strimzi:crd-generator), run as Strimzi's build runs it;
#   - the PodMonitor CRD from prometheus-operator's Go API types with controller-gen;
# then converted to JSON schema by crd-to-jsonschema.ts. Cached in .stack/deploy-tools/schemas/
# (a marker per version); ~/.m2 and Go's caches make a rebuild after wiping .stack/ offline.
# Prints the schema directory.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHECK_DIR=$ROOT_DIR/strimzi/check
TOOLS_DIR=${DEPLOY_TOOLS_DIR:-$ROOT_DIR/.stack/deploy-tools}
OUT=$TOOLS_DIR/schemas
# shellcheck source=strimzi/check/versions.env
source "$CHECK_DIR/versions.env"
log() { printf '[crd-schemas] %s\n' "$*" >&2; }
die() { printf '[crd-schemas] FAILED %s (log: %s)\n' "$1" "$2" >&2; exit 1; }
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH=$PATH:/usr/local/go/bin; fi

# A Java 21+ runtime for Strimzi's generator: JAVA_HOME, else the newest JDK under /usr/lib/jvm.
find_java() {
  local candidate version
  for candidate in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then echo "$candidate/bin/java"; return 0; fi
  done
  return 1
}

strimzi_marker="strimzi $STRIMZI_VERSION"
if [ "$(cat "$OUT/.strimzi" 2>/dev/null)" != "$strimzi_marker" ]; then
  slog=$TOOLS_DIR/strimzi-crds.log
  crds=$TOOLS_DIR/crds/strimzi
  rm -rf "$crds" && mkdir -p "$crds" "$OUT"
  log "regenerating Strimzi $STRIMZI_VERSION CRDs from Maven Central (log: $slog)"
  java=$(find_java) || die "no Java 21+ found (set JAVA_HOME)" "-"
  mvn -q -B -f "$CHECK_DIR/crds/pom.xml" -Dstrimzi.version="$STRIMZI_VERSION" dependency:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$crds/classpath.txt" >"$slog" 2>&1 || die "resolving io.strimzi:api" "$slog"
  m=io.strimzi.api.kafka.model
  "$java" -cp "$(cat "$crds/classpath.txt")" io.strimzi.crdgenerator.CrdGenerator \
    --target-kube 1.16+ --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
    "$m.kafka.Kafka=$crds/kafka.yaml" \
    "$m.nodepool.KafkaNodePool=$crds/kafkanodepool.yaml" \
    "$m.topic.KafkaTopic=$crds/kafkatopic.yaml" \
    "$m.user.KafkaUser=$crds/kafkauser.yaml" \
    "$m.connect.KafkaConnect=$crds/kafkaconnect.yaml" \
    "$m.connector.KafkaConnector=$crds/kafkaconnector.yaml" \
    "$m.rebalance.KafkaRebalance=$crds/kafkarebalance.yaml" >>"$slog" 2>&1 || die "running Strimzi's CRD generator" "$slog"
  (cd "$ROOT_DIR" && node --import tsx strimzi/check/crd-to-jsonschema.ts "$OUT" "$crds"/*.yaml) >>"$slog" 2>&1 ||
    die "converting the CRDs" "$slog"
  echo "$strimzi_marker" >"$OUT/.strimzi"
fi

# The versions are pinned by podmonitor/go.mod and go.sum: the marker follows them.
monitoring_marker="prometheus-operator $(sha256sum "$CHECK_DIR/podmonitor/go.sum" | cut -c1-16)"
if [ "$(cat "$OUT/.monitoring" 2>/dev/null)" != "$monitoring_marker" ]; then
  plog=$TOOLS_DIR/podmonitor-crd.log
  crds=$TOOLS_DIR/crds/monitoring
  rm -rf "$crds" && mkdir -p "$crds" "$OUT"
  log "regenerating the PodMonitor CRD from prometheus-operator's Go types (strimzi/check/podmonitor/go.mod) (log: $plog)"
  (
    cd "$CHECK_DIR/podmonitor"
    GOTOOLCHAIN=local go build -o "$TOOLS_DIR/bin/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen
    GOTOOLCHAIN=local "$TOOLS_DIR/bin/controller-gen" crd \
      paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir="$crds"
  ) >"$plog" 2>&1 || die "controller-gen" "$plog"
  (cd "$ROOT_DIR" && node --import tsx strimzi/check/crd-to-jsonschema.ts "$OUT" "$crds/monitoring.coreos.com_podmonitors.yaml") >>"$plog" 2>&1 ||
    die "converting the PodMonitor CRD" "$plog"
  echo "$monitoring_marker" >"$OUT/.monitoring"
fi
# The core Kubernetes schemas that kubernetes-validate ships reference one shared definitions
# file by an absolute path of its own (/api/_definitions.json); kubeconform resolves references
# as URLs, so they are rewritten to file:// URLs of this copy.
core=$OUT/core/v$KUBERNETES_VERSION
core_marker="kubernetes-validate $KUBERNETES_VALIDATE_VERSION $KUBERNETES_VERSION $core"
if [ "$(cat "$OUT/.core" 2>/dev/null)" != "$core_marker" ]; then
  src=$(echo "$TOOLS_DIR"/venv/lib/python3*/site-packages/kubernetes_validate/kubernetes-json-schema/"v$KUBERNETES_VERSION-local-strict")
  [ -d "$src" ] || die "no schemas for Kubernetes $KUBERNETES_VERSION in kubernetes-validate (run strimzi/check/tools.sh)" "-"
  rm -rf "$core" && mkdir -p "$core"
  for f in "$src"/*.json; do
    sed "s#\"/api/_definitions.json#\"file://$core/_definitions.json#g" "$f" >"$core/${f##*/}"
  done
  echo "$core_marker" >"$OUT/.core"
fi
echo "$OUT"
