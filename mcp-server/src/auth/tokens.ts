// Bearer tokens for the HTTP transport. Each token has a name (recorded as the
// actor of what it does), scopes (read, plan, apply, secrets), optionally the
// stacks it may touch and an expiry. The store keeps only a SHA-256 of each
// token, in $BOSUN_STATE/tokens.json (0600, its folder 0700), and is re-read
// whenever the file changes, so `bosun token remove` takes effect at once,
// without a restart.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stateDir } from "../../../providers/kit/places.ts";

/**
 * read: status, history, drift, validate_spec, the stack resources;
 * plan: plan, rollback, destroy (previews), translate, the prompt;
 * apply: carry out a plan; secrets: read a stored secret value (get_secret).
 */
export const SCOPES = ["read", "plan", "apply", "secrets"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who a verified token speaks for. */
export interface Principal {
  name: string;
  scopes: Scope[];
  /** The only stacks it may touch; undefined = every stack. */
  stacks?: string[];
  /** Seconds since the epoch after which it is refused. */
  expiresAt?: number;
  /** What a session is bound to: the same key must come with every request of that session. */
  key: string;
}

interface StoredToken {
  name: string;
  scopes: Scope[];
  sha256: string;
  createdAt: string;
  stacks?: string[];
  expiresAt?: string;
}

export function tokensFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "tokens.json");
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

/** "demo,lab" → ["demo", "lab"]. */
export function parseStacks(text: string): string[] {
  const stacks = [...new Set(text.split(",").map((s) => s.trim()))].filter(Boolean);
  for (const s of stacks) if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(s)) throw new Error(`--stacks: "${s}" is not a stack name`);
  if (stacks.length === 0) throw new Error("--stacks: give at least one stack name");
  return stacks;
}

/** "30d", "12h", "45m" or an ISO time → a Date. */
export function parseExpiry(text: string, now = new Date()): Date {
  const m = /^(\d+)([dhm])$/.exec(text.trim());
  if (m) return new Date(now.getTime() + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"]);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error(`--expires ${text}: give a duration such as 30d, 12h or 45m, or an ISO 8601 time`);
  return at;
}

function load(file: string): StoredToken[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${file} is not a list of tokens`);
  return parsed as StoredToken[];
}

/** Stores written by this process; a verifier here looks again at once after one. */
let saves = 0;

/** Writes the store in one rename, owner-only, in an owner-only folder. */
function save(file: string, tokens: StoredToken[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  chmodSync(file, 0o600);
  saves++;
}

export interface AddTokenOptions {
  stacks?: string[];
  expiresAt?: Date;
}

/** Creates a token and returns it; only its hash is stored. */
export function addToken(name: string, scopes: Scope[], file = tokensFile(), options: AddTokenOptions = {}): string {
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/i.test(name)) throw new Error("token name: letters, digits, '.', '_' or '-', up to 63 characters");
  const tokens = load(file).filter((t) => t.name !== name);
  const token = `bosun_${randomBytes(24).toString("base64url")}`;
  tokens.push({
    name,
    scopes,
    sha256: sha(token),
    createdAt: new Date().toISOString(),
    ...(options.stacks ? { stacks: options.stacks } : {}),
    ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
  });
  save(file, tokens);
  return token;
}

export function removeToken(name: string, file = tokensFile()): boolean {
  const tokens = load(file);
  const kept = tokens.filter((t) => t.name !== name);
  save(file, kept);
  return kept.length !== tokens.length;
}

export function listTokens(file = tokensFile()): { name: string; scopes: Scope[]; createdAt: string; stacks?: string[]; expiresAt?: string }[] {
  return load(file).map(({ sha256: _hash, ...rest }) => rest);
}

export interface TokenVerifier {
  /** True when at least one token (or an OAuth issuer) is configured. */
  readonly configured: boolean;
  /** The principal of a valid, unexpired token; undefined otherwise. */
  verify(token: string): Principal | undefined | Promise<Principal | undefined>;
}

interface Entry {
  hash: Buffer;
  principal: Principal;
}

function entryOf(t: StoredToken): Entry {
  const expiresAt = t.expiresAt ? Math.floor(new Date(t.expiresAt).getTime() / 1000) : undefined;
  return {
    hash: Buffer.from(t.sha256, "hex"),
    principal: {
      name: t.name,
      scopes: t.scopes.filter((s) => (SCOPES as readonly string[]).includes(s)),
      ...(t.stacks ? { stacks: t.stacks } : {}),
      ...(expiresAt !== undefined && Number.isFinite(expiresAt) ? { expiresAt } : {}),
      key: `token:${t.name}:${t.sha256.slice(0, 16)}`,
    },
  };
}

/** Entries by their hash in hex; the first of two equal hashes wins, as a search in order would find it. */
function index(entries: Entry[]): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const e of entries) {
    const key = e.hash.toString("hex");
    if (!out.has(key)) out.set(key, e);
  }
  return out;
}

/**
 * Tokens from the store (re-read when the file changes) plus, for a quick
 * start, BOSUN_TOKEN (one token with every scope, named "default").
 */
export function tokenVerifier(
  options: { file?: string | null; token?: string | undefined; extra?: { token: string; principal: Omit<Principal, "key"> }[]; now?: () => number } = {},
): TokenVerifier {
  const fixed: Entry[] = [];
  if (options.token) fixed.push({ hash: Buffer.from(sha(options.token), "hex"), principal: { name: "default", scopes: [...SCOPES], key: "token:default" } });
  for (const e of options.extra ?? []) fixed.push({ hash: Buffer.from(sha(e.token), "hex"), principal: { ...e.principal, key: `token:${e.principal.name}` } });
  const file = options.file === null ? undefined : (options.file ?? tokensFile());
  const now = options.now ?? (() => Date.now() / 1000);
  let stamp = "";
  let stored: Entry[] = [];
  let byHash = index(fixed);
  // Looked at once per turn of the event loop (and after every write from this process): the requests
  // that arrived together share one stat, and one that arrives after a `bosun token remove` finished sees it.
  let checked = false;
  let seenSaves = saves;
  // Re-read when the file's identity, size or time changes: a rename (how the store is written) changes the inode.
  const current = (): Map<string, Entry> => {
    if (!file || (checked && seenSaves === saves)) return byHash;
    checked = true;
    seenSaves = saves;
    setImmediate(() => {
      checked = false;
    });
    let next = "absent";
    try {
      const st = statSync(file);
      next = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // no store: only the fixed tokens
    }
    if (next !== stamp) {
      try {
        stored = next === "absent" ? [] : load(file).map(entryOf);
      } catch {
        stored = []; // a half-written or broken store admits nobody rather than everybody
      }
      stamp = next;
      byHash = index([...fixed, ...stored]);
    }
    return byHash;
  };
  const configuredAtStart = current().size > 0;
  return {
    get configured() {
      return configuredAtStart || current().size > 0;
    },
    verify(token) {
      const given = sha(token);
      // Found by its hash (a SHA-256 of the secret, so the lookup's timing tells nothing of the token), then compared in constant time.
      const entry = current().get(given);
      const hit = entry && timingSafeEqual(entry.hash, Buffer.from(given, "hex")) ? entry.principal : undefined;
      if (!hit || (hit.expiresAt !== undefined && hit.expiresAt <= now())) return undefined;
      return hit;
    },
  };
}
