# shellcheck shell=bash
# Shared helpers for the local stack scripts. Sourced, never run.
#
# Layout of the cache (one ignored folder, .stack/ at the repository root):
#   .stack/dist/<component>/   fetched jars, archives and built binaries
#   .stack/data/<component>/   the component's persistent data (kept by stack-down)
#   .stack/logs/<component>.log
#   .stack/run/<component>.pid
# Downloads also land in the machine-wide caches of their package managers
# (~/.m2, Go's module and build caches), so a fresh clone rebuilds offline.

set -euo pipefail

STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$STACK_DIR")
CACHE_DIR=${STACK_CACHE_DIR:-$ROOT_DIR/.stack}
DIST_DIR=$CACHE_DIR/dist
DATA_DIR=$CACHE_DIR/data
LOG_DIR=$CACHE_DIR/logs
RUN_DIR=$CACHE_DIR/run
mkdir -p "$DIST_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"

# shellcheck source=stack/versions.env
source "$STACK_DIR/versions.env"

# Ports (DESIGN.md section 5). Overridable for machines where one is taken.
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
MONGO_PORT=${MONGO_PORT:-27017}
CONNECT_PORT=${CONNECT_PORT:-8083}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
# Prometheus JMX exporter agents of the broker and the Connect worker (scraped by Prometheus).
KAFKA_JMX_PORT=${KAFKA_JMX_PORT:-9404}
CONNECT_JMX_PORT=${CONNECT_JMX_PORT:-9405}

log() { printf '[stack] %s\n' "$*" >&2; }

# One line naming the piece, the cause and where to look; then exit.
die() { # die <component> <cause> [log file]
  local where=""
  [ -n "${3:-}" ] && where=" (log: $3)"
  printf '[stack] FAILED %s: %s%s\n' "$1" "$2" "$where" >&2
  exit 1
}

need_cmd() { # need_cmd <component> <command> <hint>
  command -v "$2" >/dev/null 2>&1 || die "$1" "required command '$2' not found; $3"
}

port_in_use() { # port_in_use <port>
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

is_running() { # is_running <component>
  local pf
  pf=$(pid_file "$1")
  [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null
}

# Starts a command in its own session (so stop can signal the whole process
# group), appends its output to the component's log and records its pid.
start_bg() { # start_bg <component> <command...>
  local name=$1
  shift
  local lf
  lf=$(log_file "$name")
  printf '\n==== %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$lf"
  setsid "$@" >>"$lf" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# SIGTERM the process group, wait for it to leave, SIGKILL after a grace period.
stop_bg() { # stop_bg <component> [grace seconds]
  local name=$1 grace=${2:-30} pf pid
  pf=$(pid_file "$name")
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in ${grace}s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pf"
}

# Polls a health check until it passes, the process dies, or time runs out.
# Polling is the only option here: these servers offer no readiness signal.
wait_healthy() { # wait_healthy <component> <timeout seconds> <check command...>
  local name=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    is_running "$name" || die "$name" "process exited during start-up" "$(log_file "$name")"
    [ "$SECONDS" -lt "$deadline" ] || die "$name" "not healthy after ${timeout}s" "$(log_file "$name")"
    sleep 0.5
  done
}

http_ok() { # http_ok <url>
  curl -fsS -o /dev/null --max-time 2 "$1"
}

# Refuse to start on a port someone else holds: a clear message beats a bind error in a log.
ensure_port_free() { # ensure_port_free <component> <port> [variable naming the port]
  if port_in_use "$2"; then
    die "$1" "port $2 is already in use by another process (set ${3:-${1^^}_PORT} or free it)"
  fi
}

# Fetch Maven artifacts into a folder via a small pom in stack/maven/<name>/.
# Maven caches in ~/.m2, so a second fetch is offline.
mvn_copy() { # mvn_copy <pom dir> <output dir> [extra mvn args...]
  local pom_dir=$1 out=$2
  shift 2
  need_cmd maven mvn "install it with: apt-get install -y maven"
  mkdir -p "$out"
  mvn -B -q -f "$pom_dir/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.version="$KAFKA_SCALA" \
    -Dlog4j.version="$LOG4J_VERSION" -Dslf4j.version="$SLF4J_VERSION" \
    -Dapicurio.version="$APICURIO_VERSION" -Dmongo.connect.version="$MONGO_KAFKA_CONNECT_VERSION" \
    -DoutputDirectory="$out" "$@" \
    dependency:copy-dependencies >"$LOG_DIR/fetch-$(basename "$pom_dir").log" 2>&1 ||
    die "fetch $(basename "$pom_dir")" "Maven could not download the artifacts" "$LOG_DIR/fetch-$(basename "$pom_dir").log"
}
