#!/usr/bin/env sh
# The files the compiled services read at run time, next to dist/'s JavaScript at the same
# relative paths as in the repository: the Avro sources (contracts/avro/catalog.ts composes them at
# start) and the web client's sources with its tsconfig chain (gateway/web-assets.ts bundles
# them with esbuild when the gateway starts). Part of `npm run build`.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist/schemas dist/web
cp -R schemas/avro dist/schemas/
cp -R web/index.html web/styles.css web/tsconfig.json web/src dist/web/
find dist/web/src -name '*.spec.ts' -delete
rm -rf dist/web/src/testing
# web/tsconfig.json extends ../tsconfig.json
cp tsconfig.json dist/tsconfig.json
