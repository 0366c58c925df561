#!/usr/bin/env bash
# The README demo: start the local test MongoDB (FerretDB) and moto, load the
# "Mom's Recipe Box" sample, then back it up to ./backups and go through the
# full cycle: list, verify, restore into a copy, inspect, status, prune.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo; echo "\$ $*"; "$@"; }

npx tsc -p tsconfig.build.json
npm run --silent services:up -- --without-seaweedfs
# shellcheck disable=SC1091
source .services/env
npx tsx scripts/load-sample.ts --db momsrecipebox

run node bin/mongosafe.js backup --db momsrecipebox
run node bin/mongosafe.js list
run node bin/mongosafe.js verify latest
run node bin/mongosafe.js restore latest --ns-from 'momsrecipebox.*' --ns-to 'momsrecipebox_restored.*' --drop
run node bin/mongosafe.js inspect latest
run node bin/mongosafe.js status
run node bin/mongosafe.js prune --keep-daily 7 --keep-weekly 4 --dry-run
echo
echo "Backups are in ./backups. The services keep running: 'npm run services:down' stops them."
