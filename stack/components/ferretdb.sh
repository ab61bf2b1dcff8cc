# shellcheck shell=bash
# FerretDB 1.x on PostgreSQL: the MongoDB-wire database of the local stack
# (DESIGN.md sections 7 and 8). Sourced by stack/stack.sh after lib.sh and postgres.sh.
#
#   binary  .stack/dist/ferretdb/ferretdb   (built from source, see ferretdb_fetch)
#   data    in PostgreSQL (stack/components/postgres.sh): database `ferretdb`, one schema
#           per MongoDB database, one table per collection
#           .stack/data/ferretdb/state/     state.json (instance uuid, telemetry choice)
#   ports   $MONGO_PORT (wire protocol, 27017)
#           $FERRETDB_DEBUG_PORT (8089): FerretDB's debug HTTP server, which serves
#           /debug/metrics (scraped by our Prometheus) and /debug/livez. Its default,
#           8088, is moved to 8089 to stay clear of the stack's HTTP ports:
#           gateway 8080, registry 8081, connect 8083, bridge 8090.
#
# Why not the SQLite backend, which needs no server: FerretDB 1.24 on SQLite deadlocked
# under concurrent tests (a collection drop waiting for the metadata registry's write lock,
# an update for a pooled SQLite connection, every listCollections for the read lock; every
# client hung). SQLite data of an older checkout (.stack/data/ferretdb/sqlite/) is not read.

FERRETDB_DEBUG_PORT=${FERRETDB_DEBUG_PORT:-8089}
# FerretDB's pool of PostgreSQL connections (its default is 50). An update command holds one
# per matching statement plus one for the write; when the commands in flight hold the whole
# pool and each waits for one more, the server deadlocks for good (platform/mongo-options.ts).
# The processes' own driver pools, summed at their worst (gateway 16 x 2, bridge 10, two
# task-view replicas 4 x 9 each, settings-view and notification-view 4 x 2 each: 130), stay
# below it. postgres.sh's max_connections makes room for it.
FERRETDB_POOL_MAX_CONNS=${FERRETDB_POOL_MAX_CONNS:-200}
FERRETDB_DIST=$DIST_DIR/ferretdb
FERRETDB_BIN=$FERRETDB_DIST/ferretdb

# Go may be installed outside PATH (the official tarball lives in /usr/local/go).
_ferretdb_go_path() {
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    PATH=$PATH:/usr/local/go/bin
  fi
  need_cmd ferretdb go "install Go >= 1.22 (https://go.dev/dl/) and put it on PATH"
}

# Builds FerretDB from the module source fetched through the Go module proxy.
#
# Why not `go install github.com/FerretDB/FerretDB/cmd/ferretdb@VERSION`:
#  - the resulting binary panics at start-up: FerretDB's build/version package
#    requires build/version/version.txt, which its release process generates and
#    the module zip lacks (FerretDB issue #4001);
#  - go install also reads the module's @v/list to look for deprecations, and the
#    proxy reachable here answers 403 for that list, which aborts the install.
# So we copy the module source out of the (read-only) module cache, write
# version.txt and `go build` inside it. Its own go.mod/go.sum pin every dependency.
#
# No build tags are needed: the PostgreSQL backend (pgx, pure Go) is always compiled in,
# so CGO_ENABLED=0 works and needs no gcc.
# We deliberately omit ferretdb_debug (crashes on internal errors, debug logging).
#
# Cost on 2 cores: about 1m20s the first time (download ~10s + compile ~75s);
# then the marker makes this a no-op, and a rebuild after wiping .stack/ is offline
# and takes a few seconds thanks to Go's module and build caches.
ferretdb_fetch() {
  local marker=$FERRETDB_DIST/.version
  if [ -x "$FERRETDB_BIN" ] && [ "$(cat "$marker" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then
    return 0
  fi
  _ferretdb_go_path
  local flog src mod_dir
  flog=$LOG_DIR/fetch-ferretdb.log
  src=$FERRETDB_DIST/src
  log "building FerretDB $FERRETDB_VERSION from source (first time ~1-2 min; log: $flog)"
  mkdir -p "$FERRETDB_DIST"
  : >"$flog"

  # Run outside any module, so the repository's own files do not matter to go.
  if ! (cd "$FERRETDB_DIST" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION") \
    >"$FERRETDB_DIST/module.json" 2>>"$flog"; then
    cat "$FERRETDB_DIST/module.json" >>"$flog"
    die ferretdb "could not download module github.com/FerretDB/FerretDB@$FERRETDB_VERSION" "$flog"
  fi
  mod_dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$FERRETDB_DIST/module.json")
  [ -d "$mod_dir" ] || die ferretdb "go mod download reported no source directory" "$FERRETDB_DIST/module.json"

  rm -rf "$src"
  cp -R "$mod_dir" "$src"
  chmod -R u+w "$src" # the module cache is read-only
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  echo "todo-stream-local" >"$src/build/version/package.txt"

  # GOTOOLCHAIN=local: never download another Go toolchain; any Go >= 1.22 builds it.
  # -trimpath keeps the build cache valid whatever the checkout's path is.
  if ! (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 \
    go build -trimpath -buildvcs=false -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >>"$flog" 2>&1; then
    die ferretdb "go build failed (needs Go >= 1.22 and the Go module proxy the first time)" "$flog"
  fi
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$src"
  "$FERRETDB_BIN" --version >>"$flog" 2>&1 || die ferretdb "the built binary does not run" "$flog"
  echo "$FERRETDB_VERSION" >"$marker"
  log "FerretDB $FERRETDB_VERSION built"
}

ferretdb_start() {
  [ -x "$FERRETDB_BIN" ] || die ferretdb "binary missing ($FERRETDB_BIN); run: stack/stack.sh fetch"
  ensure_port_free ferretdb "$MONGO_PORT" MONGO_PORT
  ensure_port_free ferretdb "$FERRETDB_DEBUG_PORT" FERRETDB_DEBUG_PORT
  [ -n "${POSTGRES_URL:-}" ] || die ferretdb "POSTGRES_URL unset: source stack/components/postgres.sh first"
  mkdir -p "$DATA_DIR/ferretdb/state"
  # PostgreSQL (postgres.sh, started before us) holds the data; its URL names the database
  # that postgres_start creates. --telemetry=disable: no reports to beacon.ferretdb.com
  # (and no "undecided" reminder in the log). --state-dir: otherwise state.json lands in
  # the cwd.
  start_bg ferretdb "$FERRETDB_BIN" \
    --handler=postgresql \
    --postgresql-url="$POSTGRES_URL?pool_max_conns=$FERRETDB_POOL_MAX_CONNS" \
    --state-dir="$DATA_DIR/ferretdb/state" \
    --listen-addr="127.0.0.1:$MONGO_PORT" \
    --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT" \
    --telemetry=disable \
    --log-level=INFO
  wait_healthy ferretdb 30 ferretdb_healthy
}

ferretdb_stop() {
  # SIGTERM makes FerretDB close its listeners and its PostgreSQL connections cleanly.
  stop_bg ferretdb 30
}

# A real wire-protocol round trip, without spawning a client: send an OP_MSG
# {ping: 1, $db: "admin"} and expect a reply containing ok: 1.0. FerretDB answers
# ping only after asking PostgreSQL for its status. (Its /debug/readyz
# does not help: without --setup-database it always answers 200 and logs a line.)
ferretdb_healthy() {
  local reply
  # 51 bytes: header (length 51, requestID 1, responseTo 0, opCode 2013), flagBits 0,
  # section kind 0, then the 30-byte BSON document.
  local ping='\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00'
  ping+='\x00\x00\x00\x00\x00'
  # shellcheck disable=SC2016 # "$db" is the literal BSON key
  ping+='\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02$db\x00\x06\x00\x00\x00admin\x00\x00'
  local fd
  # The braces scope the 2>/dev/null: a bare `exec ... 2>/dev/null` would apply it to
  # the shell for good, and the refused-connection message is expected while down.
  { exec {fd}<>"/dev/tcp/127.0.0.1/$MONGO_PORT"; } 2>/dev/null || return 1
  # shellcheck disable=SC2059 # the format string is the message, by design
  printf "$ping" >&"$fd"
  # The reply is ~38 bytes, written at once, so one read gets it; timeout bounds a hang.
  reply=$(timeout 2 dd bs=4096 count=1 status=none <&"$fd" | od -An -v -tx1 | tr -d ' \n') || true
  exec {fd}>&-
  # BSON element: type 0x01 (double), "ok\0", 1.0 little-endian.
  [[ $reply == *016f6b00000000000000f03f* ]]
}

ferretdb_env() {
  echo "MONGO_URL=mongodb://localhost:$MONGO_PORT/todo"
}
