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

# Every instance that cargo lambda watch starts opens an inotify instance watching the workspace;
# with tens of instances per function the default limits (128 instances, ~190k watches per user)
# are exhausted and instances fail ("Native fs watcher error"), which would measure the emulator,
# not the portal. Raise them when this user may (root on a test machine), and say so.
raise_inotify_limit() {
  local file=/proc/sys/fs/inotify/$1 want=$2
  if [ -w "$file" ] && [ "$(cat "$file")" -lt "$want" ]; then
    say "raising fs.inotify.$1 from $(cat "$file") to $want for the emulator's instances"
    echo "$want" >"$file"
  fi
}
raise_inotify_limit max_user_instances 4096
raise_inotify_limit max_user_watches 4194304
install_tools
cargo build -q -p load-test
start_stack
target/debug/load-test "$@"
