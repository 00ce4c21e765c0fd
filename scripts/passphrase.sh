#!/usr/bin/env bash
# This installation's passphrase and the modes of bosun's state folder (run by setup.sh).
#
# Every stack's secrets are encrypted with the installation's own passphrase,
# $BOSUN_STATE/passphrase: random, made here, owner-only. Only the demo stack
# (its file says `bosun:secretsPassphrase: demo`) keeps the public passphrase
# its committed secret was encrypted with; env.sh's bosun_stack_env picks it.
# An installation from before kept "bosun-local-dev" for every stack: that is
# replaced here unless a stack other than the demo was encrypted with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

say() { printf '[setup] %s\n' "$*"; }
state="$BOSUN_STATE"
mkdir -p "$state"
# Others may pass through (a PostgreSQL cluster of scripts/services can live inside) but not list it.
chmod 711 "$state"
for dir in pulumi-backend pulumi-home pglite plans; do
  if [ -d "$state/$dir" ]; then chmod 700 "$state/$dir"; fi
done
if [ -f "$state/tokens.json" ]; then chmod 600 "$state/tokens.json"; fi

file="$state/passphrase"
if [ -f "$file" ] && [ "$(cat "$file")" = "bosun-local-dev" ]; then
  users=()
  for f in "$BOSUN_ROOT"/stacks/Pulumi.*.yaml; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .yaml)
    name=${name#Pulumi.}
    case "$name" in test-*) continue ;; esac
    if grep -Eq '^[[:space:]]*bosun:secretsPassphrase:[[:space:]]*["'\'']?demo' "$f"; then continue; fi
    if grep -q '^encryptionsalt:' "$f"; then users+=("$name"); fi
  done
  if [ "${#users[@]}" -eq 0 ]; then
    rm -f "$file"
    say "replaced the public passphrase in $file with one of this installation's own"
  else
    say "WARNING: stacks ${users[*]} are encrypted with the public demo passphrase in $file; anyone can read their secrets." >&2
    say "  Move each to a passphrase of its own: pulumi stack change-secrets-provider passphrase --stack <name>" >&2
  fi
fi
if [ ! -f "$file" ]; then
  (
    umask 077
    node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url") + "\n")' >"$file"
  )
  say "made this installation's passphrase ($file, owner-only); keep a copy: the stacks' secrets cannot be read without it"
fi
chmod 600 "$file"
