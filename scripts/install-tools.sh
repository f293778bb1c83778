#!/usr/bin/env bash
# Installs the pinned local stand-ins for AWS (moto for DynamoDB, aws-ses-v2-local for SES v2),
# cargo-lambda, the OpenAPI validator of docs/openapi.yaml and the API fuzzer (schemathesis, with
# the hypothesis it draws its cases from) into .tools/ of the project, from PyPI and npm only.
# Idempotent: a set of tools already installed at these versions, for this folder, is kept (a
# Python venv cannot move, so a moved checkout installs again).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
FLASK_VERSION=3.1.3
FLASK_CORS_VERSION=6.0.5
CARGO_LAMBDA_VERSION=1.9.2
SES_LOCAL_VERSION=2.10.2
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
SCHEMATHESIS_VERSION=4.32.5
HYPOTHESIS_VERSION=6.170.17
# The outbox relay's client of the DynamoDB Streams API (scripts/outbox-relay.py).
BOTO3_VERSION=1.44.8

TOOLS=.tools
mkdir -p "$TOOLS"

pins="moto=$MOTO_VERSION flask=$FLASK_VERSION flask-cors=$FLASK_CORS_VERSION cargo-lambda=$CARGO_LAMBDA_VERSION aws-ses-v2-local=$SES_LOCAL_VERSION openapi-spec-validator=$OPENAPI_SPEC_VALIDATOR_VERSION schemathesis=$SCHEMATHESIS_VERSION hypothesis=$HYPOTHESIS_VERSION boto3=$BOTO3_VERSION in $PWD"
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

echo "==> installing moto $MOTO_VERSION and cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
pip_install "$TOOLS/venv" \
  "moto[dynamodb]==$MOTO_VERSION" "flask==$FLASK_VERSION" "flask-cors==$FLASK_CORS_VERSION" \
  "boto3==$BOTO3_VERSION" \
  "cargo-lambda==$CARGO_LAMBDA_VERSION"

# `cargo lambda` looks for a `cargo-lambda` binary on PATH: scripts/lib.sh puts this folder there,
# which holds that binary alone rather than the whole venv (its python and pip stay out of PATH).
mkdir -p "$TOOLS/bin"
ln -sf ../venv/bin/cargo-lambda "$TOOLS/bin/cargo-lambda"

echo "==> installing openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION (PyPI)"
pip_install "$TOOLS/openapi-venv" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"

echo "==> installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
pip_install "$TOOLS/schemathesis-venv" \
  "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"

echo "==> installing aws-ses-v2-local $SES_LOCAL_VERSION (npm)"
mkdir -p "$TOOLS/node"
if [ ! -f "$TOOLS/node/package.json" ]; then
  echo '{ "name": "espace-electeur-local-tools", "private": true }' >"$TOOLS/node/package.json"
fi
npm install --silent --no-audit --no-fund --save-exact --prefix "$TOOLS/node" \
  "aws-ses-v2-local@$SES_LOCAL_VERSION"

echo "$pins" >"$stamp"
echo "==> tools ready in $TOOLS"
