#!/usr/bin/env bash
# The image's contents without an image: a clean `npm ci --omit=dev` tree plus `npm run build`'s
# dist/, as the Dockerfile's runtime stage holds them. Prints the tree's path.
#
# The npm ci (which builds librdkafka, ~2 min of CPU) is cached under .stack/prod-tree/<hash>/,
# keyed by a hash of the production dependencies (package.json's and the lock file's non-dev
# entries), so only a change to those pays it again; dist/ is rebuilt into the tree on every call (~10 s), so the check runs today's code.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT_DIR"
hash=$(node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json"));
  const lock = JSON.parse(fs.readFileSync("package-lock.json"));
  const prod = Object.entries(lock.packages).filter(([name, p]) => name !== "" && !p.dev);
  process.stdout.write(JSON.stringify([pkg.dependencies, pkg.overrides ?? null, prod]));
' | sha256sum | cut -c1-16)
base=$ROOT_DIR/.stack/prod-tree
tree=$base/$hash
log() { printf '[prod-tree] %s\n' "$*" >&2; }

if [ ! -f "$tree/.installed" ]; then
  rm -rf "$tree"
  mkdir -p "$tree"
  cp package.json package-lock.json "$tree/"
  # The native Kafka client is the one package that builds (librdkafka, ~2 min of CPU). When the
  # development tree holds the same version already built, the pruned tree takes that build
  # (the same source, flags and lock file) instead of compiling it again; the other install
  # scripts (esbuild's binary check, protobufjs's version notice) are not needed to run.
  ckjs=node_modules/@confluentinc/kafka-javascript
  version_of() { node -p "require('./$1/package.json').version" 2>/dev/null; }
  if [ -f "$ckjs/build/Release/confluent-kafka-javascript.node" ]; then
    log "npm ci --omit=dev --ignore-scripts in $tree, with the development tree's librdkafka build (log: $tree/npm.log)"
    if ! (cd "$tree" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >npm.log 2>&1); then
      log "FAILED npm ci --omit=dev (log: $tree/npm.log)"
      exit 1
    fi
    if [ "$(version_of "$ckjs")" = "$(cd "$tree" && version_of "$ckjs")" ]; then
      cp -a "$ckjs/build" "$tree/$ckjs/build"
    else
      (cd "$tree/$ckjs" && CKJS_LINKING=dynamic npm run install >>../../../npm.log 2>&1) || { log "FAILED building librdkafka (log: $tree/npm.log)"; exit 1; }
    fi
  else
    log "npm ci --omit=dev in $tree (first time ~2-3 min: builds librdkafka; log: $tree/npm.log)"
    if ! (cd "$tree" && CKJS_LINKING=dynamic npm ci --omit=dev --no-audit --no-fund >npm.log 2>&1); then
      log "FAILED npm ci --omit=dev (log: $tree/npm.log)"
      exit 1
    fi
  fi
  touch "$tree/.installed"
  # Older trees (an earlier lock file) are dead weight.
  find "$base" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -exec rm -rf {} +
fi

npm run -s build >&2
rm -rf "$tree/dist"
cp -R dist "$tree/dist"
echo "$tree"
