// One masking rule for everything bosun writes about itself (logs, MCP log
// notifications, span attributes): values under secret-looking keys and
// bearer tokens inside text never leave the process in clear.
const SECRET_KEY = /(secret|token|password|passphrase|api[-_]?key|authorization|cookie|credential|private[-_]?key|csrf)/i;
/** Keys that look secret but hold only names or counts. */
const NOT_SECRET = new Set(["tokenName", "tokens", "correlationId"]);
const IN_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, "$1 [redacted]"],
  [/\bbosun_[A-Za-z0-9_-]{16,}/g, "[redacted token]"],
  [/(secure:\s*)v1:[A-Za-z0-9+/=:]+/g, "$1[redacted]"],
  [/(:\/\/[^:/@\s]+:)[^@\s]+@/g, "$1[redacted]@"],
];

export function maskText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A copy with secrets masked; depth-limited so a cyclic or huge object cannot stall logging. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskText(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (value instanceof Error) return { name: value.name, message: maskText(value.message) };
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && !NOT_SECRET.has(k) && v !== null && v !== undefined && typeof v !== "boolean" ? "[redacted]" : maskSecrets(v, depth + 1);
  }
  return out;
}
