#!/usr/bin/env bash
# Browser journey of the voter portal: installs its npm dependencies (playwright-core, axe-core) and,
# when missing, Debian's Chromium, then plays the journey against a running portal and API.
#
#   API_BASE_URL   portal and API origin         (default http://127.0.0.1:9000)
#   SES_BASE_URL   local SES stand-in            (default http://127.0.0.1:8005)
#   DEMO_IDENTIFIER  identifier of a voter of the demo roll whose account is not open yet
#   DEMO_SEED_COMMAND  command printing "demo identifier: <email>" when DEMO_IDENTIFIER is unset
#   (neither)      journey.mjs adds a fresh voter with `electeur-admin add-voter`; the admin command
#                  then needs the same DynamoDB settings as the functions (TABLE_NAME, AWS_*)
#   CHROMIUM       browser binary                (default /usr/bin/chromium)
#   JOURNEY_TIMEOUT_SECONDS  bound on the whole journey (default 900)
set -euo pipefail
cd "$(dirname "$0")"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMIUM

if ! command -v node >/dev/null 2>&1; then
  echo "node is required (version 20 or later)" >&2
  exit 2
fi

if [ ! -x "$CHROMIUM" ]; then
  if [ "$CHROMIUM" != /usr/bin/chromium ]; then
    echo "no browser at $CHROMIUM" >&2
    exit 2
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "/usr/bin/chromium is missing; install it as root: apt-get update && apt-get install -y chromium" >&2
    exit 2
  fi
  echo "==> installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq chromium >/dev/null
fi

# Every pinned dependency (playwright-core, axe-core) at its pinned version, or npm ci.
stale="$(node -e '
const deps = require("./package.json").dependencies;
const off = Object.entries(deps).filter(([name, version]) => {
  try { return require(`./node_modules/${name}/package.json`).version !== version; } catch { return true; }
});
process.stdout.write(off.map(([name]) => name).join(" "));
')"
if [ -n "$stale" ]; then
  echo "==> installing $stale (npm ci)"
  timeout 300 npm ci --no-audit --no-fund --silent
fi

JOURNEY_TIMEOUT_SECONDS="${JOURNEY_TIMEOUT_SECONDS:-900}"
export JOURNEY_TIMEOUT_SECONDS
# journey.mjs stops itself a little earlier; this is the backstop.
exec timeout "$((JOURNEY_TIMEOUT_SECONDS + 30))" node journey.mjs
