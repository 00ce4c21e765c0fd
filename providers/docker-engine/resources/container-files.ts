// Files bosun puts into a container (a TLS certificate chain and its key),
// through the Engine API's archive endpoint, and reads back for drift. Their
// contents may be secrets: no error or log line here ever carries one, only
// paths, and the digest that stands for them in outputs is a SHA-256.
//
// What holds when an upload fails: the engine checks the target directory
// (read-only mount or root filesystem, missing container) before it touches a
// file, so those failures change nothing. Past that point it replaces each
// file in turn (remove, then write), so an I/O error in the middle of a stream
// can leave a file short. bosun therefore reads every file back after writing
// and fails when any differs, and reloads the service only after that check
// passed: a service is never told to load a half-written key, and the next
// `up` sees the live digest differ and writes the files again.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { z } from "zod";
import { isNotFound, type Engine } from "../client/engine.ts";
import { packTar, splitName, unpackTar } from "../client/tar.ts";

const filePath = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith("/") && p !== "/" && posix.normalize(p) === p && !p.endsWith("/") && !p.includes("\u0000"), {
    message: "must be a normalized absolute file path in the container, like /etc/tls/server.key (no '..', '//' or trailing '/')",
  })
  .refine(
    (p) => {
      try {
        splitName(p.slice(1));
        return true;
      } catch {
        return false;
      }
    },
    { message: "is too long for a ustar archive (at most 100 bytes per file name, 255 in all)" },
  );

const id = z.number().int("must be a whole number").min(0, "must be 0 or more").max(0o7777777, "must be at most 2097151");

export const fileSchema = z.object({
  path: filePath,
  content: z.string(),
  mode: z.number().int("must be a whole number").min(0).max(0o7777, "must be permission bits, at most 0o7777").default(0o644),
  uid: id.default(0),
  gid: id.default(0),
});
export type ContainerFileSpec = z.infer<typeof fileSchema>;

export const filesSchema = z
  .array(fileSchema)
  .max(64, "at most 64 files")
  .superRefine((files, ctx) => {
    const seen = new Set<string>();
    for (const [n, f] of files.entries()) {
      if (seen.has(f.path)) ctx.addIssue({ code: "custom", path: [n, "path"], message: `${f.path} is listed twice` });
      seen.add(f.path);
    }
  });

export const RELOADS = ["restart", "SIGHUP", "SIGUSR1", "SIGUSR2", "none"] as const;
export type Reload = (typeof RELOADS)[number];

/** One file as it is (or is not) in the container: what the digest covers. */
type Live = [path: string, mode: number, uid: number, gid: number, sha256: string] | [path: string, state: string];

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function digestOf(records: Live[]): string {
  if (records.length === 0) return "";
  const sorted = [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sha256(JSON.stringify(sorted));
}

const wanted = (f: ContainerFileSpec): Live => [f.path, f.mode, f.uid, f.gid, sha256(f.content)];

/** The digest the files will have once written: "" when there are none. Over path, mode, owner and content. */
export function desiredDigest(files: readonly ContainerFileSpec[] | undefined): string {
  return digestOf((files ?? []).map(wanted));
}

/** One file as the container has it now (a 404 means it is gone). */
async function readOne(engine: Engine, id: string, path: string): Promise<Live> {
  let archive: Buffer;
  try {
    archive = await engine.raw("GET", `/containers/${id}/archive?path=${encodeURIComponent(path)}`);
  } catch (err) {
    if (isNotFound(err)) return [path, "missing"];
    throw new Error(`reading ${path} back from the container failed: ${(err as Error).message}`, { cause: err });
  }
  const entry = unpackTar(archive)[0];
  if (!entry) return [path, "missing"];
  if (entry.type !== "0") return [path, `type ${entry.type}`];
  return [path, entry.mode, entry.uid, entry.gid, sha256(entry.content)];
}

/** The digest of the files as they are live in the container; "" when none are managed. */
export async function liveDigest(engine: Engine, id: string, files: readonly ContainerFileSpec[] | undefined): Promise<string> {
  const records: Live[] = [];
  for (const f of files ?? []) records.push(await readOne(engine, id, f.path));
  return digestOf(records);
}

/** The deepest directory on the way to `dir` that exists in the container; the engine creates the rest while extracting. */
async function existingAncestor(engine: Engine, id: string, dir: string): Promise<string> {
  for (let d = dir; ; d = posix.dirname(d)) {
    if (d === "/") return d;
    const found = await engine.raw("HEAD", `/containers/${id}/archive?path=${encodeURIComponent(d)}`).then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
    );
    if (found) return d;
  }
}

/**
 * Writes the files, one archive per directory, then reads each back and throws
 * (naming the paths, never the contents) when any is not what was written.
 */
export async function writeFiles(engine: Engine, id: string, files: readonly ContainerFileSpec[]): Promise<string> {
  const byDir = new Map<string, ContainerFileSpec[]>();
  for (const f of files) byDir.set(posix.dirname(f.path), [...(byDir.get(posix.dirname(f.path)) ?? []), f]);
  for (const [dir, group] of byDir) {
    const paths = group.map((f) => f.path).join(", ");
    try {
      const base = await existingAncestor(engine, id, dir);
      const tar = packTar(
        group.map((f) => ({ name: posix.relative(base, f.path), content: Buffer.from(f.content, "utf8"), mode: f.mode, uid: f.uid, gid: f.gid })),
      );
      await engine.raw("PUT", `/containers/${id}/archive?path=${encodeURIComponent(base)}`, tar);
    } catch (err) {
      // The engine's message names paths and rules (read-only, no such directory), never file contents.
      throw new Error(`writing ${paths} into the container failed: ${(err as Error).message}`, { cause: err });
    }
  }
  const differ: string[] = [];
  const records: Live[] = [];
  for (const f of files) {
    const live = await readOne(engine, id, f.path);
    records.push(live);
    if (JSON.stringify(live) !== JSON.stringify(wanted(f))) differ.push(f.path);
  }
  if (differ.length) throw new Error(`after writing, ${differ.join(", ")} in the container differ from what was written (mode, owner or content)`);
  return digestOf(records);
}

/** Tells the service its files changed: a signal, a restart, or nothing. */
export async function reloadService(engine: Engine, id: string, how: Reload): Promise<void> {
  if (how === "none") return;
  if (how === "restart") await engine.json("POST", `/containers/${id}/restart?t=10`);
  else await engine.json("POST", `/containers/${id}/kill?signal=${how}`);
}

/**
 * Hides file contents in text that leaves the provider (a failed start's log
 * lines): the whole content and every line of it long enough to be a secret.
 */
export function maskFiles(text: string, files: readonly { content: string }[] | undefined): string {
  const pieces = new Set<string>();
  for (const f of files ?? []) {
    if (f.content.trim().length >= 8) pieces.add(f.content);
    for (const line of f.content.split(/\r?\n/)) if (line.trim().length >= 16) pieces.add(line.trim());
  }
  return [...pieces].sort((a, b) => b.length - a.length).reduce((t, v) => t.split(v).join("[secret]"), text);
}
