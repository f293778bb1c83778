#!/usr/bin/env bash
# Runs espace-electeur on this machine: the DynamoDB and SES v2 stand-ins, the table with a demo
# election, and every function behind the route table of Cargo.toml, rebuilt when the code
# changes. Prints where to find the API, the portal and the mails sent, then runs until Ctrl-C,
# which stops everything it started. Settings (ports...) are described in scripts/lib.sh.
#
#   --test-stack   run the stack of scripts/test.sh instead: the same services, and a fixed set of
#                  prebuilt instances of each function that never reload, e.g. to run one test
#                  stage (tests/browser/run.sh, `cargo test -p e2e --features stack`) against it
#                  again and again
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
install_cleanup_trap

test_stack=false
case ${1:-} in
  '') ;;
  --test-stack) test_stack=true ;;
  *)
    echo "usage: $0 [--test-stack]" >&2
    exit 2
    ;;
esac

require_commands cargo python3 npm curl
install_tools
if $test_stack; then
  build_functions
  cargo build --quiet -p electeur-admin
  start_test_stack
  reload="no reload: $LAMBDA_CONCURRENCY instances of each function, logs in .run/functions/"
else
  start_stack
  reload="rebuilt and restarted when the source changes"
fi

cat <<EOF

espace-electeur is running (logs in .run/):
  API base URL      $API_BASE_URL   (routes under /api, see docs/api.md)
  portal            $PORTAL_BASE_URL/
  mail viewer       $SES_BASE_URL/   (JSON: $SES_BASE_URL/store)
  DynamoDB          $AWS_ENDPOINT_URL_DYNAMODB   (table $TABLE_NAME)
  demo identifier   ${DEMO_IDENTIFIER:-(none printed)}
  its voting code   ${DEMO_VOTING_CODE:-(none)}   (demo codes of every voter: ${VOTE_NOTICES_FILE:-.run/vote/})
  the vote          key holders' fragments and the credential authority's files in .run/vote/;
                    the vote opens with the calendar (electeur-admin calendar show)
  functions         $reload

Press Ctrl-C to stop.
EOF

# Runs until Ctrl-C, or until one of the services stops on its own.
wait_for_any_service_exit
