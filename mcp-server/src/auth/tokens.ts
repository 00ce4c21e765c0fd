// Bearer tokens for the HTTP transport. Each token has a name (recorded as the
// actor of what it does) and scopes: read, plan, apply. The store keeps only a
// SHA-256 of each token, in $BOSUN_STATE/tokens.json (mode 0600).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SCOPES = ["read", "plan", "apply"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  name: string;
  scopes: Scope[];
}

interface StoredToken {
  name: string;
  scopes: Scope[];
  sha256: string;
  createdAt: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export function tokensFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["BOSUN_STATE"] ?? join(REPO_ROOT, ".state"), "tokens.json");
}

const sha = (token: string) => createHash("sha256").update(token).digest("hex");

export function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw new Error(`unknown scope "${s}"; scopes are ${SCOPES.join(", ")}`);
  }
  if (scopes.length === 0) throw new Error(`give at least one scope: ${SCOPES.join(", ")}`);
  return [...new Set(scopes)] as Scope[];
}

function load(file: string): StoredToken[] {
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, "utf8")) as StoredToken[];
}

/** Creates a token and returns it; only its hash is stored. */
export function addToken(name: string, scopes: Scope[], file = tokensFile()): string {
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/i.test(name)) throw new Error("token name: letters, digits, '.', '_' or '-', up to 63 characters");
  const tokens = load(file).filter((t) => t.name !== name);
  const token = `bosun_${randomBytes(24).toString("base64url")}`;
  tokens.push({ name, scopes, sha256: sha(token), createdAt: new Date().toISOString() });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return token;
}

export function removeToken(name: string, file = tokensFile()): boolean {
  const tokens = load(file);
  const kept = tokens.filter((t) => t.name !== name);
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
  return kept.length !== tokens.length;
}

export function listTokens(file = tokensFile()): { name: string; scopes: Scope[]; createdAt: string }[] {
  return load(file).map(({ name, scopes, createdAt }) => ({ name, scopes, createdAt }));
}

export interface TokenVerifier {
  /** True when at least one token is configured. */
  readonly configured: boolean;
  verify(token: string): Principal | undefined;
}

/**
 * Tokens from the store plus, for a quick start, BOSUN_TOKEN (one token with
 * every scope, named "default").
 */
export function tokenVerifier(
  options: { file?: string | null; token?: string | undefined; extra?: { token: string; principal: Principal }[] } = {},
): TokenVerifier {
  const entries = (options.file === null ? [] : load(options.file ?? tokensFile())).map((t) => ({
    hash: Buffer.from(t.sha256, "hex"),
    principal: { name: t.name, scopes: t.scopes },
  }));
  if (options.token) entries.push({ hash: Buffer.from(sha(options.token), "hex"), principal: { name: "default", scopes: [...SCOPES] } });
  for (const e of options.extra ?? []) entries.push({ hash: Buffer.from(sha(e.token), "hex"), principal: e.principal });
  return {
    configured: entries.length > 0,
    verify(token) {
      const given = Buffer.from(sha(token), "hex");
      return entries.find((e) => timingSafeEqual(e.hash, given))?.principal;
    },
  };
}
