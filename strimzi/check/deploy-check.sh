#!/usr/bin/env bash
# `make deploy-check`: every manifest judged offline, the way the Strimzi operator and the API
# server would, with pinned tools (strimzi/check/versions.env) installed on first use:
#   1. strimzi/base/generated/ is what the code produces (no drift);
#   2. each overlay's `kustomize build` passes kubeconform -strict against Strimzi's, the
#      PodMonitor's and the core Kubernetes schemas, and kube-score;
#   3. every negative fixture (strimzi/check/fixtures/) is rejected with the message it expects;
#   4. yamllint (strimzi/, .github/), hadolint (Dockerfile), actionlint (.github/workflows).
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT_DIR"
CHECK_DIR=strimzi/check
# shellcheck source=strimzi/check/versions.env
source "$CHECK_DIR/versions.env"
start=$(date +%s%N)
say() { printf '[deploy-check] %s\n' "$*"; }
fail() { printf '[deploy-check] FAILED %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( ($(date +%s%N) - start) / 1000000 )) ms"; }

"$CHECK_DIR/tools.sh"
schemas=$("$CHECK_DIR/crd-schemas.sh")
bin=${DEPLOY_TOOLS_DIR:-$ROOT_DIR/.stack/deploy-tools}/bin

node --import tsx strimzi/generate/render.ts --check || fail "generated manifests drifted from the code"
say "generated manifests match the code ($(elapsed))"

kubeconform() {
  "$bin/kubeconform" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
    -schema-location "$schemas/core/v$KUBERNETES_VERSION/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "$@"
}

built=$(mktemp -d)
trap 'rm -rf "$built"' EXIT
for overlay in local production; do
  "$bin/kustomize" build "strimzi/overlays/$overlay" >"$built/$overlay.yaml" || fail "kustomize build strimzi/overlays/$overlay"
  kubeconform "$built/$overlay.yaml" || fail "kubeconform: strimzi/overlays/$overlay"
  # Production must be clean of warnings too; locally one replica of everything is the point.
  warn=()
  [ "$overlay" = production ] && warn=(--exit-one-on-warning)
  "$bin/kube-score" score --output-format ci "${warn[@]}" "$built/$overlay.yaml" >"$built/$overlay.score" ||
    { grep -v '^\[OK\]\|^\[SKIPPED\]' "$built/$overlay.score" >&2; fail "kube-score: strimzi/overlays/$overlay"; }
  say "overlay $overlay: kubeconform and kube-score passed ($(elapsed))"
done

for fixture in "$CHECK_DIR"/fixtures/*.yaml; do
  expect=$(sed -n 's/^# expect: //p' "$fixture")
  [ -n "$expect" ] || fail "$fixture has no '# expect:' line"
  if out=$(kubeconform "$fixture" 2>&1); then fail "negative fixture $fixture was accepted"; fi
  grep -qF -- "$expect" <<<"$out" || fail "negative fixture $fixture failed for another reason: $out"
  say "rejected as expected: ${fixture##*/}: $(grep -o "at '[^']*': .*" <<<"$out" | head -n 1)"
done

yamllint -s strimzi .github
"$bin/hadolint" Dockerfile
"$bin/actionlint" -shellcheck "$(command -v shellcheck || true)"
say "yamllint, hadolint and actionlint passed; deploy-check green in $(elapsed)"
