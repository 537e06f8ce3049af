#!/usr/bin/env bash
# Installs the pinned n8n into the user's cache (outside the clone), keyed by the n8n and Node versions,
# and prints the folder. A missing or half-written cache (no .complete marker) is rebuilt from scratch.
# Recipe measured on this kind of machine: --ignore-scripts (a plain install fails building the Kafka
# client), then rebuild only sqlite3 against Node 24's headers; isolated-vm ships prebuilt binaries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node24.sh
source "$here/node24.sh"
N8N_VERSION="${N8N_VERSION:-2.40.7}"
node_major="$(dw_node_major)"
dir="$(dw_cache_root)/n8n-${N8N_VERSION}-node${node_major}"
if [ -f "$dir/.complete" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then echo "$dir"; exit 0; fi
echo "[n8n] installing n8n@${N8N_VERSION} into $dir (takes ~5 min once)" >&2
rm -rf "$dir"; mkdir -p "$dir"
cd "$dir"
printf '{"name":"dw-n8n-runtime","private":true}\n' > package.json
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "n8n@${N8N_VERSION}" >&2
npm rebuild sqlite3 >&2
node -e "require('$dir/node_modules/sqlite3')" >&2
touch .complete
echo "$dir"
