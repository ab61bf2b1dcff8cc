#!/usr/bin/env bash
# make deploy CONTEXT=<kube context> [OVERLAY=local|production] [IMAGE=<repo>] [TAG=<tag>]
# make undeploy CONTEXT=<kube context> [OVERLAY=...]
#
# Applies strimzi/overlays/$OVERLAY to the cluster of $CONTEXT, in dependency order, each phase
# with `kubectl apply --server-side` and waited for before the next:
#   platform (namespace, config, RBAC, network policies) -> Kafka Ready -> every KafkaTopic and
#   KafkaUser Ready -> the registry (and the local MongoDB) rolled out -> the schema Job
#   complete -> Kafka Connect Ready -> the connector Ready -> the app rolled out.
# Never guesses a cluster: without CONTEXT it refuses, and every kubectl call names it.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ACTION=${1:-deploy}
CONTEXT=${CONTEXT:-}
OVERLAY=${OVERLAY:-local}
NAMESPACE=todo
say() { printf '[deploy] %s\n' "$*"; }
die() { printf '[deploy] REFUSED: %s\n' "$*" >&2; exit 2; }

[ -n "$CONTEXT" ] || die "no CONTEXT given. Name the cluster explicitly: make $ACTION CONTEXT=<kube context> [OVERLAY=local|production] (kubectl config get-contexts lists them)"
case $OVERLAY in
  local | production) ;;
  *) die "OVERLAY must be local or production, not '$OVERLAY'" ;;
esac
case $ACTION in
  deploy | undeploy) ;;
  *) die "unknown action '$ACTION' (deploy or undeploy)" ;;
esac
case $OVERLAY in
  local) IMAGE=${IMAGE:-localhost:5000/todo-stream}; TAG=${TAG:-local} ;;
  production)
    [ -n "${IMAGE:-}" ] && [ -n "${TAG:-}" ] || [ "$ACTION" = undeploy ] ||
      die "OVERLAY=production needs IMAGE=<repository> and TAG=<commit tag> (the image CI pushed)"
    ;;
esac
command -v kubectl >/dev/null 2>&1 || die "kubectl not found on PATH"
k() { kubectl --context "$CONTEXT" "$@"; }
kn() { k --namespace "$NAMESPACE" "$@"; }
k config get-contexts "$CONTEXT" >/dev/null 2>&1 || die "no kube context named '$CONTEXT'"

"$ROOT_DIR/strimzi/check/tools.sh"
KUSTOMIZE=${DEPLOY_TOOLS_DIR:-$ROOT_DIR/.stack/deploy-tools}/bin/kustomize
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The overlay with this deploy's image: a throwaway kustomization on top of it.
cat >"$work/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $ROOT_DIR/strimzi/overlays/$OVERLAY
images:
  - name: todo-stream
    newName: ${IMAGE:-unused}
    newTag: "${TAG:-unused}"
YAML
"$KUSTOMIZE" build --load-restrictor LoadRestrictionsNone "$work" >"$work/all.yaml"
(cd "$ROOT_DIR" && node --import tsx strimzi/deploy/phases.ts "$work/all.yaml" "$work/phases")
phase() { echo "$work/phases/$1"; }
apply() { # apply <phase file>
  [ -s "$1" ] || return 0
  k apply --server-side --field-manager=todo-stream-deploy --force-conflicts -f "$1"
}

if [ "$ACTION" = undeploy ]; then
  say "removing the $OVERLAY overlay from $CONTEXT (PersistentVolumeClaims of Kafka are kept)"
  for p in 8-app 7-connectors 6-connect 5-schemas 4-registry 3-kafka-resources 2-kafka; do
    [ -s "$(phase "$p.yaml")" ] && k delete --ignore-not-found --wait=true -f "$(phase "$p.yaml")"
  done
  k delete --ignore-not-found namespace "$NAMESPACE"
  say "done"
  exit 0
fi

k get crd kafkas.kafka.strimzi.io >/dev/null 2>&1 ||
  die "the Strimzi operator is not installed in $CONTEXT (its CRDs are missing); see strimzi/README.md"
monitoring=yes
k get crd podmonitors.monitoring.coreos.com >/dev/null 2>&1 || monitoring=no

say "1/8 platform: namespace, config, RBAC, network policies"
apply "$(phase 1-platform.yaml)"

# Secrets are never in the repository. Locally they are made here once; in production they
# must exist before the deploy (strimzi/README.md, "Secrets").
secret_exists() { kn get secret "$1" >/dev/null 2>&1; }
if [ "$OVERLAY" = local ]; then
  secret_exists mongodb || kn create secret generic mongodb --from-literal=uri=mongodb://mongodb-0.mongodb:27017/todo
  secret_exists gateway-jwt || kn create secret generic gateway-jwt --from-literal=secret="$(head -c 32 /dev/urandom | base64)"
else
  for s in mongodb gateway-jwt connect-build-push todo-tls; do
    secret_exists "$s" || die "Secret $NAMESPACE/$s is missing in $CONTEXT (strimzi/README.md, \"Secrets\")"
  done
fi

say "2/8 Kafka (KRaft node pools): waiting for Ready"
apply "$(phase 2-kafka.yaml)"
kn wait kafka/todo --for=condition=Ready --timeout=20m

say "3/8 topics and users: waiting for Ready"
apply "$(phase 3-kafka-resources.yaml)"
kn wait kafkatopic --all --for=condition=Ready --timeout=5m
kn wait kafkauser --all --for=condition=Ready --timeout=5m

say "4/8 schema registry: waiting for the rollout"
apply "$(phase 4-registry.yaml)"
kn rollout status deployment/registry --timeout=10m
[ "$OVERLAY" = local ] && kn rollout status statefulset/mongodb --timeout=5m

say "5/8 schemas: todo-schemas register"
# A Job's template is immutable: each deploy runs a fresh one.
kn delete job schemas-register --ignore-not-found --wait=true
apply "$(phase 5-schemas.yaml)"
kn wait job/schemas-register --for=condition=Complete --timeout=10m

say "6/8 Kafka Connect (builds its image with the sink plugins): waiting for Ready"
apply "$(phase 6-connect.yaml)"
kn wait kafkaconnect/todo-connect --for=condition=Ready --timeout=30m

say "7/8 the audit sink connector: waiting for Ready"
apply "$(phase 7-connectors.yaml)"
kn wait kafkaconnector --all --for=condition=Ready --timeout=5m

say "8/8 the app: waiting for every rollout"
app=$(phase 8-app.yaml)
if [ "$monitoring" = no ]; then
  say "no PodMonitor CRD in $CONTEXT (Prometheus Operator not installed): skipping the PodMonitors"
  (cd "$ROOT_DIR" && node --import tsx strimzi/deploy/phases.ts "$work/all.yaml" "$work/phases" --skip-kind PodMonitor)
fi
previous=$(kn get deployment gateway -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)
apply "$app"
for w in deployment/gateway deployment/bridge $(kn get statefulset -l app.kubernetes.io/component=processor -o name); do
  kn rollout status "$w" --timeout=10m
done

host=$(kn get ingress gateway -o jsonpath='{.spec.rules[0].host}')
scheme=https
[ "$OVERLAY" = local ] && scheme=http
say "deployed ${IMAGE}:${TAG} to $CONTEXT (overlay $OVERLAY)${previous:+; it replaced $previous (roll back: make deploy ... TAG=${previous##*:})}"
say "web client:  $scheme://$host/   (locally: add '$(k get nodes -o jsonpath='{.items[0].status.addresses[0].address}' 2>/dev/null || echo '<node ip>') $host' to /etc/hosts, or minikube tunnel)"
if [ "$monitoring" = yes ]; then
  say "dashboards:  Prometheus scrapes the PodMonitors in namespace $NAMESPACE; import grafana/ into your Grafana"
else
  say "dashboards:  install the Prometheus Operator to scrape /metrics (PodMonitors were skipped)"
fi
