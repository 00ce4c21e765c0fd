#!/usr/bin/env bash
# Prints bosun's dependency graph by layer (folder → folder, product code only):
# mcp-server → stacks → components → providers, the policy pack beside the program.
# The rules that hold it are in .dependency-cruiser.cjs (npm test checks them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BOSUN_ROOT"
depcruise stacks components providers mcp-server policy --config .dependency-cruiser.cjs \
  --exclude '(\.test\.ts$|\.suite\.ts$|/test/|/simulator/|/standin/)' \
  --collapse '^(mcp-server/src|stacks/model|stacks/program|stacks/templates|stacks|components|policy|providers/[^/]+)/' \
  --output-type text |
  grep -E ' → (mcp-server|stacks|components|policy|providers)/' | sort -u
