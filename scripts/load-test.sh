#!/usr/bin/env bash
# Load test of the local stack: starts it as run-local.sh does, with more instances per function
# (Lambda scales out; the emulator's default of four would be the bottleneck), then runs the
# open-model load of tests/load (arguments pass through, e.g. `--rate 600 --seconds 20`; see
# `cargo run -p load-test -- --help`), prints the figures, and stops everything.
# Targets this machine only.
set -euo pipefail
export LAMBDA_CONCURRENCY="${LAMBDA_CONCURRENCY:-32}"
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
install_cleanup_trap

require_commands cargo python3 npm curl

install_tools
cargo build -q -p load-test
start_stack
target/debug/load-test "$@"
