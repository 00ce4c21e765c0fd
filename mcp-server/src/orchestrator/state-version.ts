// A token that changes whenever a stack's state changes, on every backend:
// an apply is refused when the state moved since its preview. Read without the
// CLI where the backend allows it (the status path calls this often).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { logFailure } from "../observability/log.ts";

/** Where a file backend keeps the stack's checkpoint (project-scoped layout, then the legacy flat one); [] for other backends. */
export function checkpointPaths(backendUrl: string | undefined, project: string, stack: string): string[] {
  if (backendUrl === undefined || !backendUrl.startsWith("file://")) return [];
  const dir = backendUrl.slice("file://".length);
  return [join(dir, ".pulumi", "stacks", project, `${stack}.json`), join(dir, ".pulumi", "stacks", `${stack}.json`)];
}

const pools = new Map<string, { pool: pg.Pool; table: string; prefix: string }>();

/** Pulumi's DIY PostgreSQL backend: one table of blobs keyed `<database>/.pulumi/...` (pkg/backend/diy/postgres). */
function postgresBackend(backendUrl: string) {
  let entry = pools.get(backendUrl);
  if (!entry) {
    const url = new URL(backendUrl);
    const table = url.searchParams.get("table") ?? "pulumi_state";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`state backend table name "${table}" is not a plain identifier`);
    url.searchParams.delete("table");
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    pool.on("error", () => {});
    entry = { pool, table, prefix: decodeURIComponent(url.pathname.replace(/^\//, "")) };
    pools.set(backendUrl, entry);
  }
  return entry;
}

/**
 * The stack's state version: a hash of its checkpoint (file and PostgreSQL backends), else the
 * result of `fallback` (e.g. the latest update version from the CLI). "none" when there is no state yet.
 */
export async function stateVersion(backendUrl: string | undefined, project: string, stack: string, fallback: () => Promise<string>): Promise<string> {
  if (backendUrl?.startsWith("file://")) {
    for (const file of checkpointPaths(backendUrl, project, stack)) {
      if (existsSync(file)) return createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 32);
    }
    return "none";
  }
  if (backendUrl?.startsWith("postgres://") || backendUrl?.startsWith("postgresql://")) {
    const { pool, table, prefix } = postgresBackend(backendUrl);
    const key = `.pulumi/stacks/${project}/${stack}.json`;
    const r = await pool.query<{ v: string }>(`SELECT md5(data::text) AS v FROM ${table} WHERE key = $1 OR key = $2 LIMIT 1`, [`${prefix}/${key}`, key]);
    return r.rows[0]?.v ?? "none";
  }
  return fallback();
}

/**
 * A cheap token that changes whenever the stack's state does, for reads that only need to notice a
 * change (status, the terminal importer): on a file backend the checkpoint's inode, size and times,
 * without reading it (the engine replaces the file on every write, so each write moves them); on
 * other backends stateVersion. Applies still compare stateVersion, the content itself.
 */
export async function stateStamp(backendUrl: string | undefined, project: string, stack: string, fallback: () => Promise<string>): Promise<string> {
  if (!backendUrl?.startsWith("file://")) return stateVersion(backendUrl, project, stack, fallback);
  for (const file of checkpointPaths(backendUrl, project, stack)) {
    const stamp = fileStamp(file);
    if (stamp) return stamp;
  }
  return "none";
}

/**
 * A file's inode, size and times, or undefined when there is none: it moves with every replacement
 * (a rename) and every write in place, without reading the file.
 */
export function fileStamp(file: string): string | undefined {
  const st = statSync(file, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
}

/** Closes the connections the PostgreSQL backend check opened. */
export async function closeStateVersionPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.pool.end().catch(logFailure("orchestrator", "closing a state-backend connection"))));
}
