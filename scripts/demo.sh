#!/usr/bin/env bash
# `npm run demo`: emulators with seeded data and a real n8n with this package (and its demo workflows),
# on fixed ports, until Ctrl+C. Installs what it needs (Node 24, npm dependencies, n8n into the cache).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
source scripts/deps.sh
npm run build --silent
DW_N8N_DIR="$(bash scripts/ensure-n8n.sh)"; export DW_N8N_DIR
exec npx tsx scripts/demo.ts
