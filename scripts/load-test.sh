#!/usr/bin/env bash
# Load test of the local stack: starts it as run-local.sh does, with more instances per function
# (Lambda scales out; the emulator's default of four would be the bottleneck), then runs the
# open-model load of tests/load (arguments pass through, e.g. `--rate 600 --seconds 20`; see
# `cargo run -p load-test -- --help`), prints the figures, and stops everything.
# Targets this machine only.
set -euo pipefail
# Eight instances per function: more only adds processes that cargo lambda watch starts (through
# `cargo run`, one at a time) in the middle of the load, on a machine of two cores.
export LAMBDA_CONCURRENCY="${LAMBDA_CONCURRENCY:-8}"
# The caches of a warm instance as in production (the test suite turns them off).
export CALENDAR_CACHE_SECS="${CALENDAR_CACHE_SECS:-30}"
export BALLOT_CACHE_SECS="${BALLOT_CACHE_SECS:-300}"
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
install_cleanup_trap

require_commands cargo python3 npm curl
install_tools
cargo build -q -p load-test
start_stack
target/debug/load-test "$@"
