# shellcheck shell=bash
# The local stack of espace-electeur, shared by scripts/run-local.sh and scripts/test.sh (sourced,
# never run on its own). It owns the local settings (ports, table, AWS stand-ins) and the life of
# every process the scripts start: DynamoDB (DynamoDB Local), SES v2 (aws-ses-v2-local) and the Lambda
# functions behind the route table of Cargo.toml. The functions run in one of two ways:
# - for a person (scripts/run-local.sh): `cargo lambda watch` starts the instances itself and
#   rebuilds and restarts them when the source changes (start_functions);
# - for the tests (scripts/test.sh, `scripts/run-local.sh --test-stack`): `cargo lambda watch
#   --only-lambda-apis` only routes requests and serves the Lambda runtime API, and a fixed set of
#   prebuilt function binaries, started here, polls it; nothing is compiled, started lazily or
#   reloaded while the tests run (start_function_instances).
# Whatever it starts is stopped by the exit trap, whether the script ends, fails or is interrupted.

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Every command below (cargo, cargo lambda watch) runs from the workspace root.
cd "$ROOT_DIR" || exit 1
TOOLS_DIR="$ROOT_DIR/.tools"
RUN_DIR="$ROOT_DIR/.run"

# ---------------------------------------------------------------------------------------------
# Settings. Each one can be overridden from the environment, e.g. `API_PORT=9100 scripts/test.sh`.
# ---------------------------------------------------------------------------------------------
export DYNAMODB_PORT="${DYNAMODB_PORT:-5100}"
export SES_PORT="${SES_PORT:-8005}"
export API_PORT="${API_PORT:-9000}"
# The test stack's relay between the function instances and the emulator's runtime API
# (scripts/runtime-api-relay.py).
export RUNTIME_RELAY_PORT="${RUNTIME_RELAY_PORT:-$((API_PORT + 1))}"
export TABLE_NAME="${TABLE_NAME:-espace-electeur}"
export AWS_REGION="${AWS_REGION:-eu-west-3}"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://127.0.0.1:$API_PORT}"
export MAIL_FROM="${MAIL_FROM:-ne-pas-repondre@elections.example.fr}"
export CALENDAR_CACHE_SECS="${CALENDAR_CACHE_SECS:-0}"
# Ballots and the first pages of electoral lists are cached per warm instance in production; the
# tests seed voters and read the lists back at once, so nothing is cached locally.
export BALLOT_CACHE_SECS="${BALLOT_CACHE_SECS:-0}"
export RUST_LOG="${RUST_LOG:-info}"
# Instances per function: with one, concurrent requests to a function would queue one behind the
# other, and no race or load test would mean anything. The test stack starts exactly this many;
# cargo lambda watch starts up to this many, as requests queue.
export LAMBDA_CONCURRENCY="${LAMBDA_CONCURRENCY:-4}"
# The cargo profile the functions are built with and run from (dev: target/debug; release:
# target/release).
export LAMBDA_PROFILE="${LAMBDA_PROFILE:-dev}"
# Where the workspace's own programs (electeur-admin, the vote tools, the load tool, the route
# table) are run from: unset, each is run with `cargo run -p <crate>`, which builds it first;
# set, its prebuilt binary in this folder is run as is. scripts/test.sh builds the whole workspace
# once, with one resolution of features, and sets it to target/debug: a `cargo run -p` would
# resolve the features of that crate alone and build a second copy of its dependencies. The e2e
# and browser tests read it too.
export WORKSPACE_BIN_DIR="${WORKSPACE_BIN_DIR:-}"
# Bounded waits, in seconds.
export SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"
export WARMUP_TIMEOUT="${WARMUP_TIMEOUT:-300}"

# The endpoints follow the ports: they always point at the stand-ins started here, whatever the
# calling shell had, so that nothing run from these scripts can reach a real AWS account.
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$SES_PORT"
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_EC2_METADATA_DISABLED=true

# Where clients find the services (the e2e and browser tests read these).
export API_BASE_URL="http://127.0.0.1:$API_PORT"
export SES_BASE_URL="http://127.0.0.1:$SES_PORT"

# `cargo lambda` runs the `cargo-lambda` binary found on PATH; install-tools.sh links it here.
export PATH="$TOOLS_DIR/bin:$PATH"

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; return 1; }

# Prints the last lines of a log, to show why a service did not come up.
show_log_tail() {
  local log=$1 lines=${2:-40}
  [ -f "$log" ] || return 0
  printf -- '---- last %s lines of %s ----\n' "$lines" "${log#"$ROOT_DIR"/}" >&2
  tail -n "$lines" "$log" >&2
  printf -- '----\n' >&2
}

require_commands() {
  local cmd missing=()
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ ${#missing[@]} -eq 0 ] || fail "missing on this machine: ${missing[*]}"
}

install_tools() {
  "$ROOT_DIR/scripts/install-tools.sh"
}

# ---------------------------------------------------------------------------------------------
# Processes. Each service runs in a process group of its own (a new session), so that stopping it
# also stops what it spawned: cargo lambda watch starts cargo, which starts the function binaries.
# ---------------------------------------------------------------------------------------------
STARTED_PIDS=()
STARTED_NAMES=()
STARTED_LOGS=()

# start_service NAME LOGFILE COMMAND [ARGS...]: starts COMMAND in the background, its output in
# LOGFILE (emptied first); sets LAST_PID.
start_service() {
  mkdir -p "$(dirname "$2")"
  : >"$2"
  spawn_service "$@"
}

# spawn_service NAME LOGFILE COMMAND [ARGS...]: as start_service, but adds to LOGFILE (the
# instances of one function share one log).
spawn_service() {
  local name=$1 log=$2
  shift 2
  mkdir -p "$(dirname "$log")"
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" </dev/null >>"$log" 2>&1 &
  else
    # Without setsid (macOS), job control gives the background job its own process group.
    set -m
    "$@" </dev/null >>"$log" 2>&1 &
    set +m
  fi
  LAST_PID=$!
  # The load tool reads this list to account for the CPU of each service and instance.
  printf '%s %s\n' "$LAST_PID" "$name" >>"$RUN_DIR/pids"
  STARTED_PIDS+=("$LAST_PID")
  STARTED_NAMES+=("$name")
  STARTED_LOGS+=("$log")
}

# Waits until one of the started services stops by itself, then names it and shows its log.
wait_for_any_service_exit() {
  local i
  while :; do
    for i in "${!STARTED_PIDS[@]}"; do
      if ! kill -0 "${STARTED_PIDS[i]}" 2>/dev/null; then
        show_log_tail "${STARTED_LOGS[i]}" 30
        fail "${STARTED_NAMES[i]} stopped on its own (log: ${STARTED_LOGS[i]#"$ROOT_DIR"/})"
        return 1
      fi
    done
    sleep 1
  done
}

group_alive() {
  kill -0 -- "-$1" 2>/dev/null
}

# Every process below PID. cargo lambda watch starts each function instance in a session of its
# own, out of reach of a signal to the watch's process group.
descendants() {
  command -v ps >/dev/null 2>&1 || return 0
  ps -e -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (pid in parent) {
        p = parent[pid]
        while (p != "" && p != 0 && p != 1 && p != root) p = parent[p]
        if (p == root) print pid
      }
    }'
}

# Stops every started service, the last started first: TERM to its process group, then KILL to
# whatever is still there after a grace period, then the same to any of its offspring left over.
stop_services() {
  local i pid deadline offspring=() left=()
  [ ${#STARTED_PIDS[@]} -gt 0 ] || return 0
  say "stopping local services"
  for pid in "${STARTED_PIDS[@]}"; do
    # shellcheck disable=SC2207 # pids are single words
    offspring+=($(descendants "$pid"))
  done
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM -- "-${STARTED_PIDS[i]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + 10))
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${STARTED_PIDS[i]}
    while group_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
    if group_alive "$pid"; then
      warn "${STARTED_NAMES[i]} did not stop within 10 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in ${offspring[@]+"${offspring[@]}"}; do
    kill -0 "$pid" 2>/dev/null && left+=("$pid")
  done
  if [ ${#left[@]} -gt 0 ]; then
    kill -TERM "${left[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/pids"
  STARTED_PIDS=()
  STARTED_NAMES=()
  STARTED_LOGS=()
  INSTANCE_PIDS=()
  INSTANCE_NAMES=()
  INSTANCE_LOGS=()
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM HUP
  # Output may go to a pipe whose reader is gone (Ctrl-C on `scripts/test.sh | tee log` stops tee
  # too): a failed write must not stop the clean-up half way.
  trap '' PIPE
  stop_services
  exit "$rc"
}

# Installs the traps that stop every started service on exit, Ctrl-C, TERM or a closed terminal.
install_cleanup_trap() {
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# ---------------------------------------------------------------------------------------------
# Ports and readiness
# ---------------------------------------------------------------------------------------------

# Fails when something already listens on 127.0.0.1:PORT. SO_REUSEADDR makes lingering TIME_WAIT
# connections of an earlier run harmless, as they are for the servers themselves.
ensure_port_free() {
  local setting=$1 port=$2
  if ! python3 - "$port" <<'PY'; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(1)
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
    fail "port $port ($setting) is already in use on 127.0.0.1. Stop what listens there (an earlier run still going?) or pick another port, e.g. $setting=$((port + 1)) $(basename "$0")"
    return 1
  fi
}

# All three ports, checked before anything starts.
ensure_ports_free() {
  ensure_port_free DYNAMODB_PORT "$DYNAMODB_PORT" &&
    ensure_port_free SES_PORT "$SES_PORT" &&
    ensure_port_free API_PORT "$API_PORT"
}

# http_status METHOD URL [MAX_SECONDS]: prints the HTTP status of one request, 000 when none came.
http_status() {
  local method=$1 url=$2 max=${3:-5} body=()
  if [ "$method" != GET ] && [ "$method" != HEAD ]; then
    body=(-H 'content-type: application/json' --data '{}')
  fi
  curl -s -o /dev/null -w '%{http_code}' -X "$method" --max-time "$max" ${body[@]+"${body[@]}"} "$url" 2>/dev/null || true
}

# wait_http NAME URL PID LOG [ACCEPT]: waits until URL answers with a status matching the pattern
# ACCEPT (default 200), while the process PID is still alive, for at most SERVICE_START_TIMEOUT.
wait_http() {
  local name=$1 url=$2 pid=$3 log=$4 accept=${5:-200}
  local deadline=$((SECONDS + SERVICE_START_TIMEOUT)) status
  while :; do
    status=$(http_status GET "$url" 2)
    # shellcheck disable=SC2254 # ACCEPT is a pattern on purpose
    case $status in
      $accept) return 0 ;;
    esac
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$log"
      fail "$name exited during start-up (log: ${log#"$ROOT_DIR"/})"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$log"
      fail "$name did not answer on $url within $SERVICE_START_TIMEOUT s (last status $status)"
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# The services
# ---------------------------------------------------------------------------------------------

# AWS's DynamoDB Local (installed by scripts/install-tools.sh), in memory, started through
# scripts/DynamoDbLocal.java so that it listens on 127.0.0.1 only. It serves transactions,
# conditions, indexes and the table's stream (the Streams API) as DynamoDB does
# (docs/decisions.md, 11). DYNAMODB_JAVA_OPTS are the JVM's options.
export DYNAMODB_JAVA_OPTS="${DYNAMODB_JAVA_OPTS:--Xmx1g}"
start_dynamodb() {
  local log="$RUN_DIR/dynamodb.log" dir="$TOOLS_DIR/dynamodb-local"
  ensure_port_free DYNAMODB_PORT "$DYNAMODB_PORT" || return 1
  [ -f "$dir/DynamoDBLocal.jar" ] || {
    fail "DynamoDB Local is not installed in ${dir#"$ROOT_DIR"/}: run scripts/install-tools.sh"
    return 1
  }
  say "starting DynamoDB Local on 127.0.0.1:$DYNAMODB_PORT"
  # shellcheck disable=SC2086 # the JVM's options are words on purpose
  start_service dynamodb "$log" java $DYNAMODB_JAVA_OPTS "-Djava.library.path=$dir/DynamoDBLocal_lib" \
    -cp "$dir/DynamoDBLocal.jar:$dir/DynamoDBLocal_lib/*" "$ROOT_DIR/scripts/DynamoDbLocal.java" \
    127.0.0.1 "$DYNAMODB_PORT"
  # It answers 400 to a bare GET once it serves requests.
  wait_http "DynamoDB Local" "$AWS_ENDPOINT_URL_DYNAMODB/" "$LAST_PID" "$log" '[1-4][0-9][0-9]'
}

start_ses() {
  local log="$RUN_DIR/ses.log"
  ensure_port_free SES_PORT "$SES_PORT" || return 1
  say "starting SES v2 stand-in (aws-ses-v2-local) on 127.0.0.1:$SES_PORT"
  start_service ses "$log" "$TOOLS_DIR/node/node_modules/.bin/aws-ses-v2-local" \
    --host 127.0.0.1 --port "$SES_PORT"
  wait_http "SES v2 stand-in" "$SES_BASE_URL/health-check" "$LAST_PID" "$log" || return 1
  # Its process group, for the tests that pause SES (tests/tests/outbox.rs).
  export SES_STAND_IN_PID="$LAST_PID"
}

# The mailer's feed: scripts/outbox-relay.py reads the table's stream and invokes the mailer
# through the emulator's invoke endpoint, as the event source mapping does on AWS.
start_outbox_relay() {
  local log="$RUN_DIR/outbox-relay.log"
  say "starting the outbox relay (the table's stream -> the mailer)"
  start_service outbox-relay "$log" "$TOOLS_DIR/venv/bin/python" "$ROOT_DIR/scripts/outbox-relay.py" \
    "$TABLE_NAME" "$AWS_ENDPOINT_URL_DYNAMODB" "$API_BASE_URL/2015-03-31/functions/mailer/invocations"
  # Its process group, for the tests that pause the mailer.
  export OUTBOX_RELAY_PID="$LAST_PID"
  sleep 1
  kill -0 "$LAST_PID" 2>/dev/null || {
    show_log_tail "$log"
    fail "the outbox relay stopped at once"
  }
}

# The routes of Cargo.toml, one "FUNCTION METHOD PATH" line each, in table order, as the
# route-table program of tests/repo-checks reads them (the one reader of the table). A route given
# as `"/path" = "function"` (any method) is listed with GET. The listing is kept in .run/ until
# Cargo.toml or that crate changes, so that later calls need no cargo (nor its lock).
route_table() {
  local cache="$RUN_DIR/route-table" tmp
  if [ ! -s "$cache" ] ||
    [ -n "$(find "$ROOT_DIR/Cargo.toml" "$ROOT_DIR/tests/repo-checks" -newer "$cache" -print -quit 2>/dev/null)" ]; then
    mkdir -p "$RUN_DIR"
    tmp="$cache.$BASHPID"
    if ! run_bin repo-checks route-table >"$tmp"; then
      rm -f "$tmp"
      fail "cannot read the route table of Cargo.toml"
      return 1
    fi
    mv -f "$tmp" "$cache"
  fi
  cat "$cache"
}

# The functions of the route table, each once.
function_names() {
  route_table | awk '!seen[$1]++ { print $1 }'
}

# Builds every function exactly as `cargo lambda watch` will (`cargo run --bin NAME`, one package
# at a time, so with the same feature set), in the profile LAMBDA_PROFILE, so that no request waits
# for a compiler.
build_functions() {
  local fn
  say "building the functions ($LAMBDA_PROFILE profile)"
  for fn in $(function_names); do
    cargo build --quiet --profile "$LAMBDA_PROFILE" --bin "$fn" || {
      fail "function $fn does not build"
      return 1
    }
  done
}

# The cargo arguments that select the end-to-end tests (the [[test]] targets of tests/Cargo.toml,
# which build only with its feature `stack`) in a build of the whole workspace, one per line.
e2e_test_args() {
  printf '%s\n' --workspace --features e2e/stack
  awk '/^\[\[test\]\]/ { t = 1; next } t && /^name *=/ { gsub(/[" ]/, ""); sub(/^name=/, ""); print "--test"; print; t = 0 }' \
    "$ROOT_DIR/tests/Cargo.toml"
}

# Where cargo puts the binaries of LAMBDA_PROFILE.
function_binary_dir() {
  local target=${CARGO_TARGET_DIR:-$ROOT_DIR/target}
  case $LAMBDA_PROFILE in
    dev) printf '%s/debug\n' "$target" ;;
    *) printf '%s/%s\n' "$target" "$LAMBDA_PROFILE" ;;
  esac
}

# start_functions [EXTRA WATCH ARGS...]: serves the route table on 127.0.0.1:$API_PORT.
# Every instance that cargo lambda watch starts opens an inotify instance watching the whole
# workspace. The default per-user limits (128 instances, ~190k watches) are close to what ten
# functions with several instances each need, and an instance that cannot watch fails its request
# with a 500 of the emulator's own. Raise them when this user may (root on a test machine).
raise_inotify_limit() {
  local file=/proc/sys/fs/inotify/$1 want=$2
  if [ -w "$file" ] && [ "$(cat "$file")" -lt "$want" ]; then
    say "raising fs.inotify.$1 from $(cat "$file") to $want for the emulator's instances"
    echo "$want" >"$file" || true
  fi
}

start_functions() {
  local log="$RUN_DIR/functions.log" profile_args=()
  raise_inotify_limit max_user_instances 4096
  raise_inotify_limit max_user_watches 4194304
  ensure_port_free API_PORT "$API_PORT" || return 1
  [ "$LAMBDA_PROFILE" = dev ] || profile_args=(--profile "$LAMBDA_PROFILE")
  say "starting the functions (cargo lambda watch, up to $LAMBDA_CONCURRENCY instances each) on $API_BASE_URL"
  start_service functions "$log" cargo lambda watch -A 127.0.0.1 -P "$API_PORT" \
    --concurrency "$LAMBDA_CONCURRENCY" ${profile_args[@]+"${profile_args[@]}"} "$@"
  # An unrouted path is answered (404) by the emulator itself, with a problem document of its own
  # (not the body API Gateway sends), without starting any function.
  wait_http "cargo lambda watch" "$API_BASE_URL/.well-known/ready" "$LAST_PID" "$log" '[1-4][0-9][0-9]'
}

# wait_port NAME PORT PID LOG: waits until 127.0.0.1:PORT accepts connections, while the process PID
# is still alive, for at most SERVICE_START_TIMEOUT.
wait_port() {
  local name=$1 port=$2 pid=$3 log=$4 deadline=$((SECONDS + SERVICE_START_TIMEOUT))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$log"
      fail "$name exited during start-up (log: ${log#"$ROOT_DIR"/})"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$log"
      fail "$name did not listen on 127.0.0.1:$port within $SERVICE_START_TIMEOUT s"
      return 1
    fi
    sleep 0.2
  done
}

# The instances that start_function_instances started: pid, function name, log.
INSTANCE_PIDS=()
INSTANCE_NAMES=()
INSTANCE_LOGS=()

# The functions of the test stack: the route table on 127.0.0.1:$API_PORT, served by
# `cargo lambda watch --only-lambda-apis`, which routes each request to its function's queue and
# serves the Lambda runtime API under /.rt/<function>, and starts no function itself; with
# --concurrency 1 it does not run its instance scheduler either. LAMBDA_CONCURRENCY copies of each
# function binary, built beforehand (build_functions), are started here and poll their queue
# through scripts/runtime-api-relay.py, as the instances of a Lambda function do. Nothing is
# compiled, started lazily or reloaded while the tests run, and the number of instances stays
# fixed. Each instance runs in a session of its own and is stopped by the exit trap like every
# service; the instances of one function share the log .run/functions/<function>.log, the router
# logs to .run/functions.log. A request that matches no route (path or method) is queued by the
# router for its default function: the relay answers those with API Gateway's own 404
# `{"message":"Not Found"}`, as production does.
# instance_count FUNCTION: the instances of FUNCTION the test stack starts: LAMBDA_CONCURRENCY, or
# LAMBDA_CONCURRENCY_<FUNCTION> (upper case, `-` as `_`, e.g. LAMBDA_CONCURRENCY_LIST_SCRUTINS)
# when set, between 1 and 32.
instance_count() {
  local var n
  var="LAMBDA_CONCURRENCY_$(printf '%s' "$1" | tr '[:lower:]-' '[:upper:]_')"
  n=${!var:-$LAMBDA_CONCURRENCY}
  case $n in
    '' | *[!0-9]*) fail "$var must be a number of instances, not '$n'"; return 1 ;;
  esac
  if [ "$n" -lt 1 ] || [ "$n" -gt 32 ]; then
    fail "$var must be between 1 and 32 (is $n)"
    return 1
  fi
  printf '%s\n' "$n"
}

start_function_instances() {
  local log="$RUN_DIR/functions.log" dir fn flog i count
  case $LAMBDA_CONCURRENCY in
    '' | *[!0-9]*) fail "LAMBDA_CONCURRENCY must be a number of instances, not '$LAMBDA_CONCURRENCY'"; return 1 ;;
  esac
  # Ten processes per unit of LAMBDA_CONCURRENCY on a machine of two cores: a few per function is
  # what the tests need, and the emulator's queue of 100 requests per function, not the instance
  # count, bounds the load it takes (docs/load.md).
  if [ "$LAMBDA_CONCURRENCY" -lt 1 ] || [ "$LAMBDA_CONCURRENCY" -gt 32 ]; then
    fail "LAMBDA_CONCURRENCY must be between 1 and 32 (is $LAMBDA_CONCURRENCY)"
    return 1
  fi
  dir=$(function_binary_dir)
  for fn in $(function_names); do
    count=$(instance_count "$fn") || return 1
    [ -x "$dir/$fn" ] || {
      fail "no binary $dir/$fn: build the functions first ($LAMBDA_PROFILE profile)"
      return 1
    }
  done
  ensure_port_free API_PORT "$API_PORT" || return 1
  ensure_port_free RUNTIME_RELAY_PORT "$RUNTIME_RELAY_PORT" || return 1
  say "starting the API (cargo lambda watch --only-lambda-apis) on $API_BASE_URL"
  start_service functions "$log" cargo lambda watch --only-lambda-apis --ignore-changes \
    --concurrency 1 -A 127.0.0.1 -P "$API_PORT"
  # In this mode an unrouted path is queued for the default function, which only the relay
  # answers: wait for the port, then for the relay's 404; warm_functions then checks every
  # function through its routes.
  wait_port "cargo lambda watch" "$API_PORT" "$LAST_PID" "$log" || return 1
  start_service runtime-relay "$RUN_DIR/runtime-relay.log" python3 "$ROOT_DIR/scripts/runtime-api-relay.py" \
    "$RUNTIME_RELAY_PORT" "$API_PORT"
  wait_port "runtime API relay" "$RUNTIME_RELAY_PORT" "$LAST_PID" "$RUN_DIR/runtime-relay.log" || return 1
  wait_http "the relay's answer to unrouted requests" "$API_BASE_URL/.well-known/ready" "$LAST_PID" \
    "$RUN_DIR/runtime-relay.log" 404 || return 1
  say "starting $LAMBDA_CONCURRENCY instances of each function (unless LAMBDA_CONCURRENCY_<FUNCTION> says otherwise) from ${dir#"$ROOT_DIR"/}"
  for fn in $(function_names); do
    flog="$RUN_DIR/functions/$fn.log"
    mkdir -p "$RUN_DIR/functions"
    : >"$flog"
    count=$(instance_count "$fn") || return 1
    for ((i = 1; i <= count; i++)); do
      # The environment that cargo lambda watch gives the instances it starts, but for the
      # address of the runtime API: the relay's, with a slot of its own (see
      # scripts/runtime-api-relay.py for why).
      spawn_service "$fn#$i" "$flog" env \
        AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$RUNTIME_RELAY_PORT/$fn-$i/.rt/$fn" \
        AWS_LAMBDA_FUNCTION_NAME="$fn" \
        AWS_LAMBDA_FUNCTION_VERSION=1 \
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=4096 \
        AWS_LAMBDA_MAX_CONCURRENCY=1 \
        "$dir/$fn"
      INSTANCE_PIDS+=("$LAST_PID")
      INSTANCE_NAMES+=("$fn#$i")
      INSTANCE_LOGS+=("$flog")
    done
  done
  check_function_instances
}

# Fails, naming it and showing its log, when an instance of start_function_instances has stopped.
check_function_instances() {
  local i
  for i in "${!INSTANCE_PIDS[@]}"; do
    if ! kill -0 "${INSTANCE_PIDS[i]}" 2>/dev/null; then
      show_log_tail "${INSTANCE_LOGS[i]}" 20
      fail "instance ${INSTANCE_NAMES[i]} stopped (log: ${INSTANCE_LOGS[i]#"$ROOT_DIR"/})"
      return 1
    fi
  done
}

# The end of the router's log and of each function's log, to show why a test failed.
show_function_logs() {
  local flog
  show_log_tail "$RUN_DIR/functions.log" "${1:-40}"
  for flog in "$RUN_DIR"/functions/*.log; do
    [ -s "$flog" ] && show_log_tail "$flog" 10
  done
  return 0
}

# Sends one harmless request to each function (its first GET route, else its first route with an
# empty JSON object, which fails validation) so that every instance is up before anything is timed.
warm_functions() {
  local fn method path status started deadline log="$RUN_DIR/functions.log"
  say "warming up every function"
  while read -r fn method path; do
    path=$(printf '%s' "$path" | sed -E 's/\{[^}]*\}/warmup/g')
    started=$SECONDS
    deadline=$((SECONDS + WARMUP_TIMEOUT))
    while :; do
      status=$(http_status "$method" "$API_BASE_URL$path" "$((deadline - SECONDS + 1))")
      case $status in
        [1-4][0-9][0-9]) break ;;
      esac
      if [ "$SECONDS" -ge "$deadline" ]; then
        show_log_tail "$log"
        fail "function $fn did not answer $method $path within $WARMUP_TIMEOUT s (last status $status)"
        return 1
      fi
      sleep 1
    done
    printf '    %-18s %-4s %-32s %s (%d s)\n' "$fn" "$method" "$path" "$status" "$((SECONDS - started))" >&2
  done < <(route_table | awk '$2 == "EVENT" { next } $2 == "GET" && !g[$1]++ { print; next } { o[$1] = o[$1] ? o[$1] : $0 } END { for (f in o) if (!g[f]) print o[f] }')
}

# ---------------------------------------------------------------------------------------------
# Data, through the admin CLI
# ---------------------------------------------------------------------------------------------

# run_bin CRATE BINARY [ARGS...]: runs a program of the workspace, prebuilt from WORKSPACE_BIN_DIR
# when set, else through `cargo run`.
run_bin() {
  local crate=$1 bin=$2
  shift 2
  if [ -n "$WORKSPACE_BIN_DIR" ]; then
    "$WORKSPACE_BIN_DIR/$bin" "$@"
  else
    cargo run --quiet -p "$crate" --bin "$bin" -- "$@"
  fi
}

admin() { run_bin electeur-admin electeur-admin "$@"; }

# Creates the table when missing.
init_table() {
  say "creating table $TABLE_NAME (if missing)"
  admin init
}

# Loads the demo election; sets and exports DEMO_IDENTIFIER (the last line of the command reads
# `demo identifier: <email>`).
load_demo() {
  local out
  say "loading the demo election"
  out=$(admin demo) || {
    printf '%s\n' "$out" >&2
    fail "loading the demo election failed"
    return 1
  }
  printf '%s\n' "$out" >&2
  DEMO_IDENTIFIER=$(printf '%s\n' "$out" | sed -n 's/^demo identifier:[[:space:]]*//p' | tail -n 1)
  export DEMO_IDENTIFIER
  [ -n "$DEMO_IDENTIFIER" ] || warn "the demo command printed no 'demo identifier:' line"
}

cles() { run_bin vote-tools electeur-cles "$@"; }
codes() { run_bin vote-tools electeur-codes "$@"; }
verif() { run_bin vote-tools electeur-verif "$@"; }

# The demo's vote, made with the real tools as each party would run them, all in .run/vote/
# (a demo: every key holder's fragment and the credential authority's files on one machine):
# the key ceremony (the presidency and three delegates), the election record, published and
# sealed; the roll given to the credential authority, its codes (deterministic demo codes),
# the public credentials loaded. Exports VOTE_DIR, VOTE_NOTICES_FILE and, for the demo voter,
# DEMO_VOTING_CODE.
setup_vote() {
  local dir="$RUN_DIR/vote" election="${VOTE_ELECTION:-ce2026-demo}" i
  say "the vote: key ceremony, election record, voting codes ($dir)"
  rm -rf "$dir" && mkdir -p "$dir/cles" "$dir/autorite" || return 1
  admin vote scrutins --election "$election" --name "Élections professionnelles (démonstration)" \
    --out "$dir/scrutins.json" >&2 || return 1
  cles presidency --election "$election" --fragment "$dir/cles/presidence.fragment" \
    --out "$dir/presidence.json" || return 1
  for i in 1 2 3; do
    cles delegate round1 --election "$election" --index "$i" --name "Délégué $i" \
      --state "$dir/cles/delegue-$i.state" --out "$dir/round1-$i.json" || return 1
  done
  for i in 1 2 3; do
    cles delegate round2 --state "$dir/cles/delegue-$i.state" --round1 "$dir"/round1-*.json \
      --out "$dir/round2-$i.json" || return 1
  done
  for i in 1 2 3; do
    cles delegate round3 --state "$dir/cles/delegue-$i.state" --round1 "$dir"/round1-*.json \
      --round2 "$dir"/round2-*.json --fragment "$dir/cles/delegue-$i.fragment" \
      --out "$dir/round3-$i.json" || return 1
  done
  cles assemble --election "$election" --presidency "$dir/presidence.json" \
    --round1 "$dir"/round1-*.json --round2 "$dir"/round2-*.json --round3 "$dir"/round3-*.json \
    --out "$dir/trustees.json" || return 1
  cles record --trustees "$dir/trustees.json" --scrutins "$dir/scrutins.json" \
    --out "$dir/election.json" || return 1
  admin vote publish --record "$dir/election.json" >&2 || return 1
  admin vote roll --out "$dir/autorite/voters.csv" >&2 || return 1
  codes generate --election "$election" --roll "$dir/autorite/voters.csv" \
    --out "$dir/autorite/codes" --demo-seed 1 >&2 || return 1
  admin vote credentials --file "$dir/autorite/codes/credentials.json" >&2 || return 1
  VOTE_DIR="$dir"
  VOTE_NOTICES_FILE="$dir/autorite/codes/notices.csv"
  DEMO_VOTING_CODE=$(python3 - "$VOTE_NOTICES_FILE" "${DEMO_IDENTIFIER:-}" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if row["email"] == sys.argv[2]:
        print(row["code"])
PY
)
  export VOTE_DIR VOTE_NOTICES_FILE DEMO_VOTING_CODE
}

# Everything a run needs, in order: stand-ins, table and demo data, built and warmed functions.
# WATCH_ARGS (an array, optional) is passed on to cargo lambda watch.
start_stack() {
  ensure_ports_free || return 1
  build_functions || return 1
  start_dynamodb || return 1
  start_ses || return 1
  init_table || return 1
  load_demo || return 1
  setup_vote || return 1
  start_functions ${WATCH_ARGS[@]+"${WATCH_ARGS[@]}"} || return 1
  warm_functions || return 1
  start_outbox_relay
}

# The stack of the tests (scripts/test.sh, `scripts/run-local.sh --test-stack`): stand-ins, table
# and demo data, then the prebuilt function instances, warmed. The functions must be built
# (build_functions) and the admin CLI too.
start_test_stack() {
  ensure_ports_free || return 1
  ensure_port_free RUNTIME_RELAY_PORT "$RUNTIME_RELAY_PORT" || return 1
  start_dynamodb || return 1
  start_ses || return 1
  init_table || return 1
  load_demo || return 1
  setup_vote || return 1
  start_function_instances || return 1
  warm_functions || return 1
  start_outbox_relay || return 1
  check_function_instances
}
