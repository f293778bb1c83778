#!/usr/bin/env bash
# The whole test suite, the same on a fresh machine, a developer's and CI: installs the pinned
# tools, checks docs/openapi.yaml, runs the unit tests, then starts the local stack (DynamoDB and
# SES v2 stand-ins, demo data, a fixed set of prebuilt instances of every function, warmed up
# beforehand, which never reload) and runs the end-to-end tests against it, then the API fuzzer
# (schemathesis, against docs/openapi.yaml; FUZZ_API=0 skips it), then the browser test when
# tests/browser/run.sh exists, then a short load (tests/load) on the same stack, then the
# deployment checks of scripts/check-infra.sh (cfn-lint, sam validate, release build). Prints one
# summary line per stage with its duration, stops everything it started, and exits non-zero if any
# stage failed.
# Settings (ports...) are described in scripts/lib.sh.
# shellcheck disable=SC2329 # the stage functions are called through stage()
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
install_cleanup_trap

E2E_THREADS="${E2E_THREADS:-4}"
# A run of the whole suite builds everything once: incremental caches would only add a gigabyte
# of disk. Export CARGO_INCREMENTAL=1 to keep them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Free space on the disk of the workspace, in MiB.
free_mib() {
  df -Pm . | awk 'NR == 2 { print $4 }'
}

# The run builds the debug profile once for the whole workspace (lint, unit tests, the stack and
# its tests), then the release profile (infra checks, benchmarks). Lean (on CI, or with less than
# TEST_SPARE_DISK_MIB free at the start), it removes each build's outputs as soon as no later stage
# needs them, so that the disk holds one of them at a time: clippy's (target/lint) after the lint,
# the unit tests' executables after the unit tests, the whole debug build once the stack is
# stopped. Otherwise they stay, and the next run reuses them.
TEST_SPARE_DISK_MIB="${TEST_SPARE_DISK_MIB:-16384}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT_DIR/target}"
if [ -n "${CI:-}" ] || [ "$(free_mib)" -lt "$TEST_SPARE_DISK_MIB" ]; then
  LEAN_DISK=true
else
  LEAN_DISK=false
fi

# drop WHAT PATH...: in a lean run, removes build outputs no later stage uses.
drop() {
  local what=$1 before
  shift
  $LEAN_DISK || return 0
  before=$(free_mib)
  rm -rf "$@"
  printf 'test.sh: removed %s: %s MiB freed, %s MiB free\n' "$what" "$(($(free_mib) - before))" "$(free_mib)" >&2
}

STAGES=()
FAILED_STAGES=()
RUN_STARTED=$SECONDS

record() {
  local name=$1 result=$2 seconds=$3 note=${4:-}
  STAGES+=("$(printf '%-8s %-18s %7s%s' "$result" "$name" "$seconds" "${note:+   $note}")")
  [ "$result" != FAILED ] || FAILED_STAGES+=("$name")
}

# stage NAME COMMAND [ARGS...]: runs one stage and records its outcome and duration.
stage() {
  local name=$1 started=$SECONDS rc
  shift
  printf '\n======== %s ========\n' "$name" >&2
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    record "$name" ok "$((SECONDS - started)) s"
  else
    record "$name" FAILED "$((SECONDS - started)) s" "exit $rc"
    printf 'test.sh: stage %s failed with %s MiB free on the disk\n' "$name" "$(free_mib)" >&2
  fi
  return "$rc"
}

skip() {
  record "$1" skipped - "$2"
}

# The contract: docs/openapi.yaml is a valid OpenAPI 3.1 document. That its operation ids are
# unique and that it describes exactly the routes (method and path) of the route table in
# Cargo.toml is checked by the tests of tests/repo-checks, in the unit stage.
check_openapi() {
  "$TOOLS_DIR/openapi-venv/bin/openapi-spec-validator" docs/openapi.yaml
}

# The Rust unit tests of every crate (the end-to-end tests of tests/ need the stack and build only
# with its feature `stack`), then the browser's ballot code (functions/portal/assets/vote/ballot.js)
# on the shared vote vectors with Node's test runner, and the check that its vendor module is what
# bundling the pinned packages gives.
unit_tests() {
  cargo test --workspace &&
    node --test functions/portal/assets/vote/ &&
    scripts/bundle-vendor.sh --check
}

# Formatting (rustfmt.toml) and every clippy warning as an error, on every crate and target.
# Clippy's outputs are of no use to a build: they go to a folder of their own (target/lint).
lint() {
  cargo fmt --all --check &&
    CARGO_TARGET_DIR="$TARGET_DIR/lint" cargo clippy --workspace --all-targets --quiet -- -D warnings
}

# Everything the later stages run is compiled here, before any service starts or any clock runs:
# every program of the workspace (the functions, electeur-admin, the vote tools, the load tool)
# and the end-to-end tests, in one build of the whole workspace with the features the unit tests
# had, so that it reuses theirs; the later stages run these binaries (WORKSPACE_BIN_DIR).
# E2E_ARGS select the end-to-end tests in that build, the same for the build and the e2e stage.
mapfile -t E2E_ARGS < <(e2e_test_args)
[ "$LAMBDA_PROFILE" = dev ] || E2E_ARGS+=(--profile "$LAMBDA_PROFILE")
build_all() {
  cargo build --quiet "${E2E_ARGS[@]}" --bins
}

# The stack for the end-to-end tests (start_test_stack in lib.sh): a fixed set of prebuilt
# instances of each function behind the emulator's router, started before any test; nothing is
# compiled, started or reloaded while the tests run. `scripts/run-local.sh --test-stack` starts the
# same stack and keeps it running.
start_services() {
  start_test_stack &&
    "$TOOLS_DIR/venv/bin/python" scripts/check-dynamodb-local.py "$AWS_ENDPOINT_URL_DYNAMODB" >&2
}

e2e_tests() {
  cargo test "${E2E_ARGS[@]}" --no-fail-fast -- --test-threads="$E2E_THREADS" || {
    show_function_logs 80
    return 1
  }
}

# The third-party fuzzer: schemathesis derives cases from docs/openapi.yaml (valid ones and ones
# that break the contract on purpose), sends them to the running stack, and checks that no answer
# is a 5xx and that every answer has a status, a content type and a body the contract documents.
# Derandomised (the same cases on every run, no example database) and bounded per operation, so
# that CI stays short and a failure reproduces. Everything it writes (its caches, the report, the
# hooks below) goes under .run/schemathesis: a new file in the workspace would reload the functions
# under `cargo lambda watch`. The routes that need a session get the cookie of a voter this stage
# adds to the roll and activates through the API; logout is sent without it (it would end the
# session of every later case), so it is exercised without a session. Requests that match no route
# (the fuzzer sends every operation's path with the methods it does not take) get API Gateway's
# 404 `{"message":"Not Found"}` from the test stack (scripts/runtime-api-relay.py); the hooks count
# them.
# The hooks also deal with two ways the local emulator answers by itself, before any function
# runs, with the problem document below (never the API's error body): (1) a body that is not UTF-8
# under `application/json`, which API Gateway hands over base64-encoded: the hooks spell that
# content type `Application/JSON` (the same media type), which the emulator also hands over
# base64-encoded, so such cases reach the function as on AWS; (2) anything else, e.g. a reply of
# the pages (17 and 30 KiB) the emulator fails to read now and then: dropped from the failures,
# counted and shown (.run/schemathesis/emulator.log).
SCHEMATHESIS_MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
fuzz_api() {
  local dir="$RUN_DIR/schemathesis" voter_id email password since link token cookie rc
  rm -rf "$dir" && mkdir -p "$dir" || return 1

  voter_id="FUZZ$(date +%s)$RANDOM"
  email="camille.$(printf '%s' "$voter_id" | tr '[:upper:]' '[:lower:]')@ac-versailles.fr"
  password="Hibou-Tramway-$RANDOM$RANDOM"
  admin add-voter --voter-id "$voter_id" --email "$email" --civility Mme --first-name Camille \
    --last-name Schemathesis --scrutin CSA-MEN --scrutin CSA-ACA-VERSAILLES \
    --reason "fuzzer of scripts/test.sh" >&2 || return 1
  since=$(($(date +%s) - 1))
  curl -sf -o /dev/null -H 'content-type: application/json' \
    --data "{\"identifier\":\"$email\"}" "$API_BASE_URL/api/activate" || return 1
  for _ in $(seq 1 150); do
    link=$(curl -sf "$SES_BASE_URL/store?since=$since" |
      grep -oE "token=[A-Za-z0-9_-]{43}&(amp;)?electeurId=$voter_id" | head -n 1)
    [ -n "$link" ] && break
    sleep 0.2
  done
  token=$(printf '%s' "$link" | sed -E 's/^token=([^&]+)&.*/\1/')
  [ -n "$token" ] || fail "no activation mail for the fuzzer's voter" || return 1
  curl -sf -o /dev/null -H 'content-type: application/json' \
    --data "{\"voter_id\":\"$voter_id\",\"token\":\"$token\",\"password\":\"$password\"}" \
    "$API_BASE_URL/api/password" || return 1
  cookie=$(curl -sf -o /dev/null -D - -H 'content-type: application/json' \
    --data "{\"voter_id\":\"$voter_id\",\"token\":\"$token\",\"question_id\":3,\"answer\":\"Hortense Lune\"}" \
    "$API_BASE_URL/api/activate-account" | grep -i '^set-cookie: *__Host-ee-session=' |
    sed -E 's/^[^=]*=([^;]*);.*/\1/' | tr -d '\r')
  [ -n "$cookie" ] || fail "the fuzzer's voter got no session" || return 1

  cat >"$dir/fuzz_hooks.py" <<'PY'
import os

import schemathesis

SESSION = os.environ["FUZZ_SESSION"]
LOG = os.environ["FUZZ_EMULATOR_LOG"]
# What `cargo lambda watch` answers when it fails by itself; no function of the API answers this.
EMULATOR_500 = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'
# What API Gateway (and the test stack in its stead) answers for a request that matches no route.
UNROUTED_404 = b'{"message":"Not Found"}'


def _note(line):
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.path != "/api/logout":
        case.cookies = {**(case.cookies or {}), "__Host-ee-session": SESSION}
    body = case.body
    if isinstance(body, (bytes, bytearray)) and (case.media_type or "").lower() == "application/json":
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            case.headers = {**(case.headers or {}), "Content-Type": "Application/JSON"}
            _note(f"respelt {case.method} {case.path}")


@schemathesis.hook
def after_call(context, case, response):
    if response.status_code == 404 and response.content == UNROUTED_404:
        _note(f"unrouted {response.request.method} {response.request.url}")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if response.status_code == 500 and response.content == EMULATOR_500:
        _note(f"emulator {case.method} {case.path}")
        return False
    return True
PY

  (
    cd "$dir" &&
      FUZZ_SESSION=$cookie FUZZ_EMULATOR_LOG="$dir/emulator.log" PYTHONPATH="$dir" \
        SCHEMATHESIS_HOOKS=fuzz_hooks HYPOTHESIS_STORAGE_DIRECTORY="$dir/hypothesis" \
        "$TOOLS_DIR/schemathesis-venv/bin/schemathesis" run "$ROOT_DIR/docs/openapi.yaml" \
        --url "$API_BASE_URL" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "$SCHEMATHESIS_MAX_EXAMPLES" --generation-deterministic \
        --workers 2 --request-timeout 60 --continue-on-failure --no-color \
        --report ndjson --report-dir "$dir/report"
  ) 2>&1 | tee "$dir/output.log"
  rc=${PIPESTATUS[0]}
  touch "$dir/emulator.log"
  printf 'schemathesis: %s; unrouted (404 Not Found): %s; bodies respelt: %s; emulator failures dropped: %s\n' \
    "$(grep -E '^ *[0-9]+ generated' "$dir/output.log" | sed -E 's/^ *//')" \
    "$(grep -c '^unrouted' "$dir/emulator.log")" "$(grep -c '^respelt' "$dir/emulator.log")" \
    "$(grep -c '^emulator' "$dir/emulator.log")" >&2
  return "$rc"
}

browser_test() {
  bash tests/browser/run.sh
}

# A short open-model load on the same stack (tests/load): every answer as expected, no arrival
# dropped, every activation mail delivered, and latency percentiles per route in the log. The
# rate is a fraction of what this stack sustains on two cores (see docs/load.md).
load_smoke() {
  run_bin load-test load-test --rate "${LOAD_SMOKE_RATE:-8}" --seconds "${LOAD_SMOKE_SECONDS:-15}" &&
    # Every mail of the load went through the outbox: its counts and delivery delays.
    admin mail status --minutes 2
}

# The close and the count on the stack, run as each party would (docs/vote-protocol.md §8),
# after every other stage has used the stack: the calendar moved past the close and its 30
# minutes; the urne sealed, and sealed again (nothing changes); a cast then refused; the board
# file; the partial decryptions of the presidency and two of the three delegates, the count; the
# results published; the verifier on the board and the results; the purge of personal data
# after the appeal period, and the verifier again on the same public files.
count_vote() {
  local dir="${VOTE_DIR:-$RUN_DIR/vote}" count="${VOTE_DIR:-$RUN_DIR/vote}/count" closes opens
  rm -rf "$count" && mkdir -p "$count" || return 1
  read -r opens closes < <(python3 -c '
from datetime import datetime, timedelta, timezone
now = datetime.now(timezone.utc).replace(microsecond=0)
print((now - timedelta(hours=3)).isoformat(), (now - timedelta(minutes=31)).isoformat())')
  admin calendar set --claim-deadline "$opens" --voting-opens "$opens" --voting-closes "$closes" >&2 || return 1
  admin vote close | tee "$count/close.txt" >&2 || return 1
  admin vote close | grep -q "rien n'a changé" || fail "a second close changed something" || return 1
  admin vote turnout >&2 || return 1
  # once sealed, nothing changes: no credential added, no reissue
  if admin vote credentials --file "$dir/autorite/codes/credentials.json" >/dev/null 2>&1; then
    fail "credentials were accepted after the close"
    return 1
  fi
  admin vote board-file --out "$count/board.jsonl" >&2 || return 1
  # the portal's download is the same file
  curl -sf "$API_BASE_URL/api/board/file" -o "$count/board-portail.jsonl" || fail "GET /api/board/file" || return 1
  cmp "$count/board.jsonl" "$count/board-portail.jsonl" || fail "the portal's board file differs" || return 1
  cles partial --board "$count/board.jsonl" --fragment "$dir/cles/presidence.fragment" --out "$count/partial-presidence.json" >&2 || return 1
  cles partial --board "$count/board.jsonl" --fragment "$dir/cles/delegue-1.fragment" --out "$count/partial-1.json" >&2 || return 1
  cles partial --board "$count/board.jsonl" --fragment "$dir/cles/delegue-3.fragment" --out "$count/partial-3.json" >&2 || return 1
  cles combine --board "$count/board.jsonl" --partial "$count"/partial-*.json \
    --out "$count/results.json" --csv "$count/results.csv" >&2 || return 1
  admin vote results --file "$count/results.json" >&2 || return 1
  cat "$count/results.csv" >&2
  verif "$count/board.jsonl" "$count/results.json" >&2 || return 1
  # the voter of the browser journey finds their trackers in the sealed urne, and the results
  RESULTS_FILE="$count/results.json" node tests/browser/after-count.mjs >&2 || return 1
  admin vote appeal-ends --at "$(python3 -c '
from datetime import datetime, timedelta, timezone
print((datetime.now(timezone.utc) - timedelta(minutes=1)).replace(microsecond=0).isoformat())')" >&2 || return 1
  admin vote purge >&2 || return 1
  "$TOOLS_DIR/venv/bin/python" scripts/check-purge.py "$AWS_ENDPOINT_URL_DYNAMODB" "$TABLE_NAME" "$VOTE_DIR/autorite/voters.csv" >&2 || return 1
  verif "$count/board.jsonl" "$count/results.json" >&2
}

# ---------------------------------------------------------------------------------------------

tools_ok=true
build_ok=false
services_ok=false

require_commands cargo python3 node npm curl || exit 1
printf 'test.sh: %s MiB free on the disk of the workspace at the start%s\n' "$(free_mib)" \
  "$($LEAN_DISK && printf '; lean: build outputs are removed once used')"

stage tools install_tools || tools_ok=false

if $tools_ok; then
  stage "openapi contract" check_openapi
else
  skip "openapi contract" "no tools"
fi

stage lint lint
drop "clippy's outputs" "$TARGET_DIR/lint"
stage "unit tests" unit_tests
drop "the unit tests' executables" $(find "$TARGET_DIR/debug/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' 2>/dev/null)

if stage build build_all; then
  build_ok=true
  WORKSPACE_BIN_DIR=$(function_binary_dir)
  export WORKSPACE_BIN_DIR
fi

if $tools_ok && $build_ok; then
  stage services start_services && services_ok=true
else
  skip services "tools or build failed"
fi

if $services_ok; then
  stage "e2e tests" e2e_tests
  if [ "${FUZZ_API:-1}" != 0 ]; then
    stage "api fuzzer" fuzz_api
  else
    skip "api fuzzer" "FUZZ_API=0"
  fi
  if [ -f tests/browser/run.sh ]; then
    stage "browser test" browser_test
  else
    skip "browser test" "no tests/browser/run.sh"
  fi
  stage "load smoke" load_smoke
  # Last: it closes the vote and purges the stack's personal data.
  stage "vote count" count_vote
else
  skip "e2e tests" "no services"
  skip "api fuzzer" "no services"
  skip "browser test" "no services"
  skip "load smoke" "no services"
  skip "vote count" "no services"
fi

stop_services
# The release stages below use nothing of the debug build.
drop "the debug build" "$TARGET_DIR/debug"

# After the stack is down, so that the release build does not compete with the tests.
stage "infra checks" bash scripts/check-infra.sh
# The services' criterion benchmark, short, its ratios checked (docs/performance.md).
stage benchmarks env BENCH_SECONDS=2 scripts/bench.sh services

printf '\n======== summary ========\n'
printf '%s\n' "${STAGES[@]}"
printf 'disk: %s MiB free at the end; target/ holds %s\n' "$(free_mib)" "$(du -sh target 2>/dev/null | cut -f1)"
if [ ${#FAILED_STAGES[@]} -eq 0 ]; then
  printf 'test.sh: every stage passed in %d s\n' $((SECONDS - RUN_STARTED))
  exit 0
fi
failed=$(printf '%s, ' "${FAILED_STAGES[@]}")
printf 'test.sh: FAILED (%s) after %d s; service logs are in .run/\n' "${failed%, }" $((SECONDS - RUN_STARTED))
exit 1
