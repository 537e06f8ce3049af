#!/usr/bin/env bash
# `npm test`: lint, build, unit, integration and end-to-end tests (a real n8n with the packed package).
# Installs what it needs: Node 24 (when the system node is older), npm dependencies, and n8n into the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
source scripts/deps.sh
summary="$(mktemp)"
export DW_TEST_SUMMARY_FILE="$summary"
status=0
phase() { echo; echo "==> $*"; }

phase "lint"; npm run lint
phase "build"; npm run build
phase "unit tests"; npx jest --selectProjects unit --ci || status=1
phase "integration tests"; npx jest --selectProjects integration --ci || status=1
phase "n8n ${N8N_VERSION:-2.40.7} for the end-to-end tests"
DW_N8N_DIR="$(bash scripts/ensure-n8n.sh)"; export DW_N8N_DIR
phase "end-to-end tests"; npx jest --selectProjects e2e --runInBand --ci || status=1

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$summary")
rm -f "$summary"
echo
echo "all tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ] || status=1
exit "$status"
