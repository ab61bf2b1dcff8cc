# shellcheck shell=bash
# PostgreSQL for the local stack: FerretDB's storage (see ferretdb.sh), from the Debian
# package (apt-get install -y postgresql). Sourced by stack/stack.sh after lib.sh.
#
# Only the package's binaries are used: our own cluster, started by us, in
#   data    .stack/data/postgres/      initdb's cluster, owned by the `postgres` OS user
#   socket  .stack/run/postgres/       Unix socket and its lock file
#   port    127.0.0.1:$POSTGRES_PORT (5433), database `ferretdb`, user `postgres`, trust auth
# The distro cluster (/etc/postgresql/<v>/main, /var/lib/postgresql, port 5432) is neither
# needed nor touched, hence 5433: a distro cluster that the package started keeps 5432.
#
# Why PostgreSQL and not FerretDB's SQLite backend: under concurrent tests FerretDB 1.24 on
# SQLite deadlocked for good (a collection drop waiting for the metadata registry's write
# lock, an update waiting for a pooled SQLite connection, every listCollections waiting for
# the read lock), which hung every client. Dropping collections while others read and write
# is normal in our tests; PostgreSQL is FerretDB's primary, most exercised backend.

POSTGRES_PORT=${POSTGRES_PORT:-5433}
POSTGRES_DB=ferretdb
POSTGRES_URL="postgres://postgres@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB"
POSTGRES_DATA=$DATA_DIR/postgres
POSTGRES_SOCKET_DIR=$RUN_DIR/postgres

# The binaries to use: those of the version that created the cluster (a cluster only runs
# under its own major version), else the newest installed one. Prints the bin directory.
_postgres_bin_dir() {
  local v dir
  if [ -f "$POSTGRES_DATA/PG_VERSION" ]; then
    v=$(cat "$POSTGRES_DATA/PG_VERSION")
    dir=/usr/lib/postgresql/$v/bin
    [ -x "$dir/postgres" ] ||
      die postgres "the cluster in $POSTGRES_DATA is PostgreSQL $v, whose binaries are missing; install them with: apt-get install -y postgresql-$v (or wipe the cluster: make stack-reset)"
  else
    dir=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
      sort -V | tail -n 1)
    dir=${dir%/initdb}
    [ -n "$dir" ] ||
      die postgres "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install them with: apt-get install -y postgresql"
  fi
  echo "$dir"
}

# The server refuses to run as root: then initdb and postgres run as the `postgres` OS user
# that the Debian package creates. setpriv execs in place (runuser would stay in between as
# a watching parent, and on SIGTERM it SIGKILLs the server after 2 s); so the pid that
# start_bg records is the postmaster's own. As any other user they run as that user.
# Fills the array POSTGRES_AS_OWNER with the command prefix (empty when not root).
_postgres_owner() {
  POSTGRES_AS_OWNER=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 ||
      die postgres "OS user 'postgres' missing (the Debian package creates it): apt-get install -y postgresql"
    POSTGRES_AS_OWNER=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  fi
}

postgres_fetch() {
  _postgres_bin_dir >/dev/null
}

_postgres_init() {
  local bin=$1 owner=postgres
  [ "$(id -u)" -eq 0 ] || owner=$(id -un)
  mkdir -p "$POSTGRES_DATA" "$POSTGRES_SOCKET_DIR"
  chown "$owner:" "$POSTGRES_DATA" "$POSTGRES_SOCKET_DIR"
  chmod 700 "$POSTGRES_DATA"
  [ -f "$POSTGRES_DATA/PG_VERSION" ] && return 0

  local flog=$LOG_DIR/init-postgres.log
  log "creating the PostgreSQL cluster in $POSTGRES_DATA"
  # C locale: no dependency on the machine's generated locales, and byte-order sorting.
  "${POSTGRES_AS_OWNER[@]}" "$bin/initdb" -D "$POSTGRES_DATA" -U postgres -E UTF8 --locale=C \
    --auth=trust >"$flog" 2>&1 || die postgres "initdb failed" "$flog"
  # Trust only what can reach the server at all: its own Unix socket (in a folder of the
  # checkout) and loopback TCP (listen_addresses is 127.0.0.1 only, see postgres_start).
  cat >"$POSTGRES_DATA/pg_hba.conf" <<'EOF'
# Written by stack/components/postgres.sh: local development cluster, no passwords.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
EOF
}

postgres_start() {
  local bin
  bin=$(_postgres_bin_dir)
  ensure_port_free postgres "$POSTGRES_PORT"
  _postgres_owner
  _postgres_init "$bin"
  # A postmaster.pid left by a crash or a SIGKILL: the server itself checks whether that
  # pid still runs and whether its shared memory is still attached, so it is safe to start.
  #
  # Settings on the command line rather than in postgresql.conf, so that they sit here in
  # one place and POSTGRES_PORT can change between starts.
  #  - fsync stays on: a crash of the machine must never leave a corrupt cluster.
  #  - synchronous_commit=off: a commit returns before its WAL reaches the disk. A crash of
  #    the machine (not of the server) can lose the last ~0.6 s of commits but never
  #    corrupts the cluster: acceptable for a local development stack, and much faster for
  #    FerretDB's one-transaction-per-write. Measured (pgbench, 4 clients, one jsonb row per
  #    transaction, 2026-12-02, load average 12-13): 826 and 451 tps at a 4.8-8.9 ms commit
  #    with it on, 8,596 and 10,231 tps at 0.4-0.5 ms off. DEV STACK ONLY: a production
  #    database (the Strimzi deployment uses MongoDB, not this cluster) keeps durable commits.
  #
  #    --- performance settings (see README "Performance"): what FerretDB 1.24 leaves to us ---
  #    Nothing else here is tuned on purpose: FerretDB pushes only top-level equalities into
  #    SQL, as jsonb containment (@>) that the btree indexes it creates cannot serve, so every
  #    query is a sequential scan of the collection's table whatever PostgreSQL's settings;
  #    shared_buffers only has to hold the test data sets, and its pool (pool_max_conns in
  #    its URL, 200 in ferretdb.sh) is what max_connections below makes room for.
  #  - shared_buffers: modest, this is a shared 2-core machine; test data sets are small.
  #  - max_connections: FerretDB's pool opens up to 200 (ferretdb.sh), psql and tests a few.
  #  - log_lock_waits: a statement waiting over deadlock_timeout (1 s) for a lock is logged
  #    with the pids holding it. FerretDB runs DDL under its own in-process lock, so a
  #    stuck DROP/CREATE shows up here first.
  #  - logs go to stderr, i.e. .stack/logs/postgres.log via start_bg.
  start_bg postgres "${POSTGRES_AS_OWNER[@]}" "$bin/postgres" -D "$POSTGRES_DATA" \
    -c listen_addresses=127.0.0.1 \
    -c port="$POSTGRES_PORT" \
    -c unix_socket_directories="$POSTGRES_SOCKET_DIR" \
    -c synchronous_commit=off \
    -c shared_buffers=64MB \
    -c max_connections=250 \
    -c log_lock_waits=on \
    -c log_line_prefix='%m [%p] %q%u@%d '
  wait_healthy postgres 30 "$bin/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres
  if [ -z "$("$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -Atc \
    "select 1 from pg_database where datname = '$POSTGRES_DB'")" ]; then
    log "creating database $POSTGRES_DB"
    "$bin/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres "$POSTGRES_DB" >>"$(log_file postgres)" 2>&1 ||
      die postgres "could not create database $POSTGRES_DB" "$(log_file postgres)"
  fi
  wait_healthy postgres 10 postgres_healthy
}

# SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, disconnect clients,
# checkpoint, exit; a second or two. stop_bg's SIGTERM would be a "smart" shutdown, which
# waits for every client (a forgotten psql) to disconnect by itself.
postgres_stop() {
  local pf pid waited=0
  pf=$(pid_file postgres)
  if [ -f "$pf" ] && pid=$(cat "$pf") && kill -0 "$pid" 2>/dev/null; then
    log "stopping postgres (pid $pid, fast shutdown)"
    kill -INT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  # Gone: only removes the pid file. Still there after 30 s: SIGTERM, then SIGKILL.
  stop_bg postgres 10
}

# A real query on FerretDB's database, not only "accepting connections".
postgres_healthy() {
  local bin
  bin=$(_postgres_bin_dir)
  [ "$(PGCONNECT_TIMEOUT=2 "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres \
    -d "$POSTGRES_DB" -XAtc 'select 1')" = 1 ]
}

# For psql and debugging; the services talk to FerretDB, not to PostgreSQL.
postgres_env() {
  echo "POSTGRES_URL=$POSTGRES_URL"
}
