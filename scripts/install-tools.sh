#!/usr/bin/env bash
# Installs the pinned local stand-ins for AWS (moto for DynamoDB, aws-ses-v2-local for SES v2) and
# cargo-lambda into .tools/ of the project. Idempotent: a tool already at its pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
FLASK_VERSION=3.1.3
FLASK_CORS_VERSION=6.0.5
CARGO_LAMBDA_VERSION=1.9.2
SES_LOCAL_VERSION=2.10.2

TOOLS=.tools
mkdir -p "$TOOLS"

stamp="$TOOLS/.installed-$MOTO_VERSION-$CARGO_LAMBDA_VERSION-$SES_LOCAL_VERSION-$FLASK_VERSION"
if [ -f "$stamp" ]; then
  exit 0
fi

if [ ! -x "$TOOLS/venv/bin/python" ]; then
  echo "==> creating Python venv in $TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
fi
echo "==> installing moto $MOTO_VERSION and cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
"$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check \
  "moto[dynamodb]==$MOTO_VERSION" "flask==$FLASK_VERSION" "flask-cors==$FLASK_CORS_VERSION" \
  "cargo-lambda==$CARGO_LAMBDA_VERSION"

echo "==> installing aws-ses-v2-local $SES_LOCAL_VERSION (npm)"
mkdir -p "$TOOLS/node"
if [ ! -f "$TOOLS/node/package.json" ]; then
  echo '{ "name": "espace-electeur-local-tools", "private": true }' > "$TOOLS/node/package.json"
fi
npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" "aws-ses-v2-local@$SES_LOCAL_VERSION"

touch "$stamp"
echo "==> tools ready in $TOOLS"
