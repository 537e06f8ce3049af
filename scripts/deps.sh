# Source this file (after node24.sh): installs the project's npm dependencies when node_modules is missing
# or was installed from another package-lock.json.
dw_ensure_deps() {
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local stamp="$root/node_modules/.dw-lock-hash"
  local want; want="$(node -e 'const c=require("crypto");process.stdout.write(c.createHash("sha256").update(require("fs").readFileSync(process.argv[1])).update(process.version).digest("hex"))' "$root/package-lock.json")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "[deps] npm ci" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  echo "$want" > "$stamp"
}
dw_ensure_deps || { echo "[deps] npm ci failed" >&2; return 1 2>/dev/null || exit 1; }
