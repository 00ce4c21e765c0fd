// The stack file (stacks/Pulumi.<stack>.yaml) as text: what a plan approves and
// an apply writes. A candidate keeps every other key, comment and the layout,
// and only `bosun:spec` changes; its secret leaves are the stack's own
// ciphertext (`secure:`), so the text is safe to store and to commit.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, parse, parseDocument } from "yaml";
import { SPEC_CONFIG_KEY, isSecretValue } from "../../../stacks/model/index.ts";
import { secretPaths } from "./specs.ts";
import { fileStamp } from "./state-version.ts";

export function stackFilePath(workDir: string, stack: string): string {
  return join(workDir, "stacks", `Pulumi.${stack}.yaml`);
}

export function readStackFile(workDir: string, stack: string): string {
  const file = stackFilePath(workDir, stack);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** A token that changes whenever the stack file does, without reading it (see fileStamp). "" when there is none. */
export function stackFileStamp(workDir: string, stack: string): string {
  return fileStamp(stackFilePath(workDir, stack)) ?? "";
}

export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Replaces the stack file in one rename, so no reader ever sees half of it. */
export function writeStackFile(workDir: string, stack: string, text: string): void {
  const file = stackFilePath(workDir, stack);
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** `bosun:spec` of a stack file text, as the file holds it (secrets as `{ secure }`). */
export function specOfText(text: string): unknown {
  return (parse(text) as { config?: Record<string, unknown> } | null)?.config?.[SPEC_CONFIG_KEY];
}

type Path = (string | number)[];

/** The ciphertext of every secret leaf of the spec in a stack file text, by spec path (services.x.env.Y.secret). */
export function ciphertexts(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const spec = parseDocument(text).getIn(["config", SPEC_CONFIG_KEY]);
  if (!isMap(spec)) return out;
  const walk = (node: unknown, path: Path) => {
    if (!isMap(node)) return;
    const secure = node.get("secure", true);
    if (node.items.length === 1 && isScalar(secure) && typeof secure.value === "string") {
      out.set(path.join("."), secure.value);
      return;
    }
    for (const item of node.items) walk(item.value, [...path, String(isScalar(item.key) ? item.key.value : item.key)]);
  };
  walk(spec, []);
  return out;
}

export interface CandidateInput {
  /** The current stack file. */
  text: string;
  /** The spec to write, with real secret values. */
  spec: unknown;
  /** The current spec's secret values by path (decrypted), to reuse their ciphertext when unchanged. */
  liveSecrets: ReadonlyMap<string, string>;
  /** Encrypts one value with the stack's secrets provider, on a scratch file it is given. */
  encrypt(scratchFile: string, key: string, value: string): Promise<void>;
  /** Where scratch files may go (0600, removed afterwards). */
  scratchDir: string;
}

const ENCRYPT_AT_ONCE = 2;

/** The ciphertext of one value, made on a scratch copy of the stack file. */
async function encryptOne(input: CandidateInput, path: string, value: string): Promise<[string, string]> {
  const scratch = join(input.scratchDir, `encrypt-${randomBytes(6).toString("hex")}.yaml`);
  writeFileSync(scratch, input.text, { mode: 0o600 });
  try {
    await input.encrypt(scratch, `${SPEC_CONFIG_KEY}.${path}`, value);
    const ct = ciphertexts(readFileSync(scratch, "utf8")).get(path);
    if (ct === undefined) throw new Error(`encrypting ${SPEC_CONFIG_KEY}.${path} left no ciphertext`);
    return [path, ct];
  } finally {
    rmSync(scratch, { force: true });
  }
}

/** The stack file text with `bosun:spec` set to the candidate; unchanged secrets keep their ciphertext. */
export async function candidateText(input: CandidateInput): Promise<string> {
  const existing = ciphertexts(input.text);
  const secrets = secretPaths(input.spec);
  const secure = new Map<string, string>();
  const fresh = secrets.filter(({ path, value }) => {
    const kept = existing.get(path);
    if (kept !== undefined && input.liveSecrets.get(path) === value) secure.set(path, kept);
    return !secure.has(path);
  });
  // Each new value on its own scratch copy, two CLI runs at a time: a run is mostly process start.
  for (let i = 0; i < fresh.length; i += ENCRYPT_AT_ONCE) {
    const made = await Promise.all(fresh.slice(i, i + ENCRYPT_AT_ONCE).map((s) => encryptOne(input, s.path, s.value)));
    for (const [path, ct] of made) secure.set(path, ct);
  }
  const plain = withSecure(input.spec, secure);
  const doc = parseDocument(input.text);
  const current = doc.getIn(["config", SPEC_CONFIG_KEY]);
  if (current !== undefined && JSON.stringify(plainOf(current)) === JSON.stringify(plain)) return input.text;
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  doc.setIn(["config", SPEC_CONFIG_KEY], doc.createNode(plain));
  return doc.toString();
}

/** The spec with each secret value replaced by `{ secure: <ciphertext> }`. */
function withSecure(spec: unknown, secure: ReadonlyMap<string, string>): unknown {
  const walk = (value: unknown, path: string[]): unknown => {
    if (isSecretValue(value)) {
      const ct = secure.get([...path, "secret"].join("."));
      return ct === undefined ? value : { secret: { secure: ct } };
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    return value;
  };
  return walk(spec, []);
}

function plainOf(node: unknown): unknown {
  const json = (node as { toJSON?: () => unknown }).toJSON?.() ?? node;
  if (typeof json !== "string") return json;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}
