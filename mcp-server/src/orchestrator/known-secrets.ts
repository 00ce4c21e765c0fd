// The plaintext of ciphertexts this process has already seen decrypted or has
// encrypted itself, so a plan of a stack whose spec holds secrets does not run
// `pulumi config --show-secrets` (a CLI process, about 0.3 s here) every time
// only to learn values it already knows. Keyed by stack and ciphertext: a
// ciphertext decrypts to one value, and any change to a secret (bosun's or by
// hand) writes a new ciphertext, which is not known and goes to the CLI again.
// Kept in this process's memory only, like the decrypted spec a plan holds anyway.

/** Enough for every secret of many stacks; the oldest are forgotten first. */
const LIMIT = 2000;
const known = new Map<string, string>();

const keyOf = (scope: string, ciphertext: string) => `${scope}\0${ciphertext}`;

/** Whose secrets: one stack of one project folder. */
export function secretScope(workDir: string, stack: string): string {
  return `${workDir}\0${stack}`;
}

/** `{ secure: "<ciphertext>" }`, how a stack file holds one encrypted value. */
function secureOf(node: unknown): string | undefined {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
  const entries = Object.entries(node);
  return entries.length === 1 && entries[0]?.[0] === "secure" && typeof entries[0][1] === "string" ? entries[0][1] : undefined;
}

/**
 * Learns the plaintext of each `{ secure }` leaf of `encrypted` (a config value as its stack
 * file holds it) from the same place in `plain` (the same value decrypted).
 */
export function learnSecrets(scope: string, encrypted: unknown, plain: unknown): void {
  const ct = secureOf(encrypted);
  if (ct !== undefined) {
    if (typeof plain !== "string") return;
    const key = keyOf(scope, ct);
    known.delete(key);
    known.set(key, plain);
    while (known.size > LIMIT) known.delete(known.keys().next().value as string);
    return;
  }
  if (typeof encrypted !== "object" || encrypted === null || typeof plain !== "object" || plain === null) return;
  for (const [k, v] of Object.entries(encrypted)) learnSecrets(scope, v, (plain as Record<string, unknown>)[k]);
}

/**
 * `encrypted` with every `{ secure }` leaf replaced by its known plaintext, object keys
 * sorted as the CLI returns them; undefined when any ciphertext is not known.
 */
export function decryptKnown(scope: string, encrypted: unknown): unknown {
  let complete = true;
  const walk = (node: unknown): unknown => {
    const ct = secureOf(node);
    if (ct !== undefined) {
      const value = known.get(keyOf(scope, ct));
      if (value === undefined) complete = false;
      return value;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(node).sort()) out[k] = walk((node as Record<string, unknown>)[k]);
    return out;
  };
  const value = walk(encrypted);
  return complete ? value : undefined;
}

/** Forgets everything (tests). */
export function forgetKnownSecrets(): void {
  known.clear();
}
