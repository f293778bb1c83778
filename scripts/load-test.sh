#!/usr/bin/env bash
# Load test of the local stack: starts the test stack (prebuilt instances behind
# `cargo lambda watch --only-lambda-apis`) from release builds, with enough instances of the
# functions the load calls that no request waits for one (Lambda scales out) and the production
# caches, then runs the open-model load of tests/load (arguments pass through, e.g.
# `--rate 80 --seconds 60`; see `cargo run -p load-test -- --help`), prints the figures, with the
# CPU of every function and service, and stops everything. Targets this machine only.
set -euo pipefail
export LAMBDA_PROFILE="${LAMBDA_PROFILE:-release}"
# activate and login hold an instance for the response floor (200 ms): at 100 arrivals/s that is
# 8 instances each busy at once, more when the CPU is short; list-scrutins answers in
# milliseconds. The other functions get two. The client keeps at most 96 arrivals in flight,
# below the router's queue of 100.
export LAMBDA_CONCURRENCY="${LAMBDA_CONCURRENCY:-2}"
export LAMBDA_CONCURRENCY_ACTIVATE="${LAMBDA_CONCURRENCY_ACTIVATE:-32}"
export LAMBDA_CONCURRENCY_LOGIN="${LAMBDA_CONCURRENCY_LOGIN:-32}"
export LAMBDA_CONCURRENCY_LIST_SCRUTINS="${LAMBDA_CONCURRENCY_LIST_SCRUTINS:-8}"
export LAMBDA_CONCURRENCY_SET_PASSWORD="${LAMBDA_CONCURRENCY_SET_PASSWORD:-4}"
export LAMBDA_CONCURRENCY_ACTIVATE_ACCOUNT="${LAMBDA_CONCURRENCY_ACTIVATE_ACCOUNT:-4}"
# The local table has one stream shard, so one mailer instance: at the template's 10 mails/s a
# shard it would take minutes to deliver a minute of the rush that production's shards share.
export MAIL_SEND_RATE="${MAIL_SEND_RATE:-200}"
# The caches of a warm instance as in production (the test suite turns them off).
export CALENDAR_CACHE_SECS="${CALENDAR_CACHE_SECS:-30}"
export BALLOT_CACHE_SECS="${BALLOT_CACHE_SECS:-300}"
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
install_cleanup_trap

require_commands cargo python3 npm curl java
install_tools
build_functions
cargo build -q -p load-test -p electeur-admin
start_test_stack
target/debug/load-test "$@"
