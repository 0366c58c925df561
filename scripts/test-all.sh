#!/usr/bin/env bash
# The whole suite: typecheck, lint, build, then unit and integration tests.
# Integration tests start the real services themselves (test/helpers/global-setup.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck" && npx tsc -p tsconfig.json --noEmit
echo "== lint" && npx eslint .
echo "== build" && npx tsc -p tsconfig.build.json
echo "== tests" && npx vitest run "$@"
