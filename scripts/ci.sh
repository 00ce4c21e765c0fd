#!/usr/bin/env bash
# bosun's pipeline for any CI system (GitHub Actions uses it too, see
# .github/workflows/bosun.yml):
#   bash scripts/ci.sh preview --base <target branch> [--out summary.md]
#       on a change: preview + policy + drift for each stack it touches; prints
#       a Markdown summary for the review; exit 4 when policy refuses the change
#   bash scripts/ci.sh apply --base <commit before the merge> [--approved-by a,b]
#       after the merge: applies the merged stack files like MCP apply does
# Other exit codes: 1 failed, 2 bad input, 3 an approval is missing.
# Environment, from the CI system's secrets:
#   BOSUN_BACKEND_URL         the Pulumi state backend (postgres://…, s3://…, file://…)
#   PULUMI_CONFIG_PASSPHRASE  the stacks' secrets passphrase
#   DATABASE_URL              bosun's deployment log (optional; else one that dies with the runner)
#   BOSUN_CI_ACTOR            who is recorded as the actor (ci:<name>)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${BOSUN_BACKEND_URL:-}" ]; then export PULUMI_BACKEND_URL="$BOSUN_BACKEND_URL"; fi
# The toolchain (built once and cached in $BOSUN_CACHE); no local services are started.
BOSUN_SERVICES=0 bash "$root/scripts/setup.sh" >&2
exec bash "$root/scripts/with-env.sh" node "$root/mcp-server/src/cli/main.ts" ci "$@"
