#!/usr/bin/env bash
# The guard-rails npm test runs before the suite: formatting (Biome), typescript-eslint
# (type-aware: floating promises, swallowed errors), the layer rules (dependency-cruiser,
# .dependency-cruiser.cjs) and shellcheck. Runs every check and fails if any failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BOSUN_ROOT" || exit 1
failed=()
check() {
  local name=$1
  shift
  if "$@"; then echo "lint: $name ok"; else failed+=("$name"); fi
}
check format biome format .
check eslint eslint --max-warnings 0 .
check layers depcruise stacks components providers mcp-server policy --config .dependency-cruiser.cjs
check shell bash scripts/lint-shell.sh
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: failed: ${failed[*]} (biome format --write . fixes formatting)" >&2
  exit 1
fi
