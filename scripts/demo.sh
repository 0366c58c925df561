#!/usr/bin/env bash
# The README demo: start the local test MongoDB (FerretDB) and moto, load the
# "Mom's Recipe Box" sample, then back it up to ./backups and go through the
# full cycle: list, verify, restore into a copy, inspect.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo; echo "\$ $*"; "$@"; }

npx tsc -p tsconfig.build.json
npm run --silent services:up
# shellcheck disable=SC1091
source .services/env
npx tsx scripts/load-sample.ts --db momsrecipebox

run node bin/mongosafe.js backup --db momsrecipebox
run node bin/mongosafe.js list
run node bin/mongosafe.js verify latest
run node bin/mongosafe.js restore latest --ns-from 'momsrecipebox.*' --ns-to 'momsrecipebox_restored.*' --drop
run node bin/mongosafe.js inspect latest
echo
echo "Backups are in ./backups. The services keep running: 'npm run services:down' stops them."
