#!/usr/bin/env bash
# The whole test suite, the same on a fresh machine, a developer's and CI: installs the pinned
# tools, checks docs/openapi.yaml, runs the unit tests, then starts the local stack (DynamoDB and
# SES v2 stand-ins, demo data, a fixed set of prebuilt instances of every function, warmed up
# beforehand, which never reload) and runs the end-to-end tests against it, then the browser test
# when tests/browser/run.sh exists, then a short load (tests/load) on the same stack, then the
# deployment checks of scripts/check-infra.sh (cfn-lint, sam validate, release build). Prints one
# summary line per stage with its duration, stops everything it started, and exits non-zero if any
# stage failed. Settings (ports...) are described in scripts/lib.sh.
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

unit_tests() {
  cargo test --workspace --exclude e2e
}

# Formatting (rustfmt.toml) and every clippy warning as an error, on every crate and target.
lint() {
  cargo fmt --all --check && cargo clippy --workspace --all-targets --quiet -- -D warnings
}

# Everything the later stages run is compiled here, before any service starts or any clock runs.
build_all() {
  build_functions &&
    cargo build --quiet -p electeur-admin &&
    cargo test --quiet -p e2e --no-run &&
    cargo build --quiet -p load-test
}

# The stack for the end-to-end tests (start_test_stack in lib.sh): a fixed set of prebuilt
# instances of each function behind the emulator's router, started before any test; nothing is
# compiled, started or reloaded while the tests run. `scripts/run-local.sh --test-stack` starts the
# same stack and keeps it running.
start_services() {
  start_test_stack
}

e2e_tests() {
  cargo test -p e2e -- --test-threads="$E2E_THREADS" || {
    show_function_logs 80
    return 1
  }
}

browser_test() {
  bash tests/browser/run.sh
}

# A short open-model load on the same stack (tests/load): every answer as expected, no arrival
# dropped, every activation mail delivered, and latency percentiles per route in the log. The
# rate is a fraction of what this stack sustains on two cores (see docs/load.md).
load_smoke() {
  cargo run --quiet -p load-test -- --rate "${LOAD_SMOKE_RATE:-8}" --seconds "${LOAD_SMOKE_SECONDS:-15}"
}

# ---------------------------------------------------------------------------------------------

tools_ok=true
build_ok=false
services_ok=false

require_commands cargo python3 npm curl || exit 1
printf 'test.sh: %s MiB free on the disk of the workspace at the start\n' "$(free_mib)"

stage tools install_tools || tools_ok=false

if $tools_ok; then
  stage "openapi contract" check_openapi
else
  skip "openapi contract" "no tools"
fi

stage lint lint
stage "unit tests" unit_tests

stage build build_all && build_ok=true

if $tools_ok && $build_ok; then
  stage services start_services && services_ok=true
else
  skip services "tools or build failed"
fi

if $services_ok; then
  stage "e2e tests" e2e_tests
  if [ -f tests/browser/run.sh ]; then
    stage "browser test" browser_test
  else
    skip "browser test" "no tests/browser/run.sh"
  fi
  stage "load smoke" load_smoke
else
  skip "e2e tests" "no services"
  skip "browser test" "no services"
  skip "load smoke" "no services"
fi

stop_services

# After the stack is down, so that the release build does not compete with the tests.
stage "infra checks" bash scripts/check-infra.sh

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
