#!/usr/bin/env bash
# Checks the deployment description without an AWS account:
#   1. cfn-lint (pinned) on infra/template.yaml and infra/waf.yaml: no error, no warning;
#   2. `sam validate --lint` (pinned AWS SAM CLI), which also transforms the template;
#   3. `cargo lambda build --release` of every crate of functions/ (x86-64): each bootstrap's size,
#      and that it runs on provided.al2023 (x86-64, glibc <= 2.34). Skip it with --no-build (or
#      CHECK_INFRA_BUILD=0); on two cores a build from scratch takes a quarter of an hour or more.
# That the template, the route table and docs/openapi.yaml agree with functions/ is checked by
# tests/repo-checks/tests/consistency.rs, which the Rust unit tests run.
# The linters go to .tools/infra-venv (their own venv: the SAM CLI pins many packages).
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0
LAMBDA_DIR=target/lambda-release-check
# Lambda's limit is 250 MB unzipped. As built here the bootstraps are 3.5 to 12 MiB
# (docs/performance.md, "Bootstrap size"): one past 20 MiB means the SDK's legacy HTTPS stack or a
# profile change is back.
MAX_BOOTSTRAP_BYTES=$((20 * 1024 * 1024))
MAX_GLIBC=2.34

build=${CHECK_INFRA_BUILD:-1}
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "check-infra: unknown argument $arg" >&2; exit 2 ;;
  esac
done

venv=.tools/infra-venv
stamp="$venv/.installed-cfn-lint-$CFN_LINT_VERSION-sam-$SAM_CLI_VERSION"
if [ ! -f "$stamp" ]; then
  echo "==> installing cfn-lint $CFN_LINT_VERSION and aws-sam-cli $SAM_CLI_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"
  touch "$stamp"
fi

failures=0
step() { echo; echo "==> $*"; }

# infra/waf.yaml is linted as the us-east-1 stack it must be (CloudFront's web ACLs live there).
step "cfn-lint $CFN_LINT_VERSION infra/template.yaml infra/waf.yaml"
if "$venv/bin/cfn-lint" --non-zero-exit-code warning infra/template.yaml \
    && "$venv/bin/cfn-lint" --non-zero-exit-code warning infra/waf.yaml --regions us-east-1; then
  echo "cfn-lint: no error, no warning"
else
  echo "cfn-lint: FAILED"; failures=$((failures + 1))
fi

step "sam validate --lint (SAM CLI $SAM_CLI_VERSION, no AWS account needed)"
# The region only names the partition for the transform; nothing is sent anywhere.
if SAM_CLI_TELEMETRY=0 "$venv/bin/sam" validate --lint --template-file infra/template.yaml --region eu-west-3; then
  echo "sam validate: passed"
else
  echo "sam validate: FAILED"; failures=$((failures + 1))
fi

if [ "$build" = 1 ]; then
  step "cargo lambda build --release (x86-64) of every function"
  if [ ! -x .tools/venv/bin/cargo-lambda ]; then
    scripts/install-tools.sh
  fi
  functions=()
  for manifest in functions/*/Cargo.toml; do
    functions+=("$(basename "$(dirname "$manifest")")")
  done
  packages=()
  for f in "${functions[@]}"; do packages+=(-p "$f"); done
  started=$(date +%s)
  if PATH="$PWD/.tools/venv/bin:$PATH" cargo lambda build --release --x86-64 \
      --lambda-dir "$LAMBDA_DIR" "${packages[@]}"; then
    echo "built ${#functions[@]} functions in $(( $(date +%s) - started )) s; bootstrap sizes:"
    for f in "${functions[@]}"; do
      bootstrap="$LAMBDA_DIR/$f/bootstrap"
      if [ ! -f "$bootstrap" ]; then
        echo "  $f: MISSING $bootstrap"; failures=$((failures + 1)); continue
      fi
      bytes=$(stat -c %s "$bootstrap")
      # ELF, 64-bit, machine 0x3e (x86-64) at offset 18.
      machine=$(od -An -tx1 -j18 -N2 "$bootstrap" | tr -d ' \n')
      printf '  %-18s %9d bytes (%s MiB)\n' "$f" "$bytes" "$(awk "BEGIN{printf \"%.1f\", $bytes/1048576}")"
      if [ "$machine" != "3e00" ]; then
        echo "  $f: not an x86-64 executable"; failures=$((failures + 1))
      fi
      if [ "$bytes" -gt "$MAX_BOOTSTRAP_BYTES" ]; then
        echo "  $f: larger than $MAX_BOOTSTRAP_BYTES bytes"; failures=$((failures + 1))
      fi
      # provided.al2023 has glibc 2.34: a symbol from a newer glibc would fail at cold start.
      if command -v objdump >/dev/null; then
        newest=$(objdump -T "$bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
        if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$MAX_GLIBC" | sort -V | tail -n 1)" != "$MAX_GLIBC" ]; then
          echo "  $f: needs glibc $newest, the runtime has $MAX_GLIBC"; failures=$((failures + 1))
        fi
      fi
    done
  else
    echo "cargo lambda build: FAILED"; failures=$((failures + 1))
  fi
else
  step "release build skipped (--no-build)"
fi

echo
if [ "$failures" -ne 0 ]; then
  echo "check-infra: $failures check(s) failed"
  exit 1
fi
echo "check-infra: all checks passed"
