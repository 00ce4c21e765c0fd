// Test helper: a throwaway copy of bosun's Pulumi project (its Pulumi.yaml,
// the toolchain linked in) with stack files of the test's own and a backend of
// its own, so reads can be checked to create nothing, and an orchestrator on it.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { createLockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import { auditedOrchestrator } from "../../mcp-server/src/audit/orchestrator.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { REPO_ROOT } from "../support/test-stack.ts";

export interface Project {
  dir: string;
  backend: string;
  handle: DbHandle;
  orchestrator: Orchestrator;
  /** Stacks that exist in the project's backend. */
  backendStacks(): string[];
  remove(): Promise<void>;
}

export async function tempProject(stacks: Record<string, unknown>): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), "bosun-project-"));
  cpSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  symlinkSync(join(REPO_ROOT, ".tools"), join(dir, ".tools"));
  mkdirSync(join(dir, "stacks"));
  for (const [name, spec] of Object.entries(stacks)) writeFileSync(join(dir, "stacks", `Pulumi.${name}.yaml`), stringify({ config: { "bosun:spec": spec } }));
  const backend = join(dir, "backend");
  mkdirSync(backend);
  const handle = await createDb({ dataDir: "memory" });
  const orchestrator = auditedOrchestrator(
    createOrchestrator({
      db: handle.db,
      locks: createLockManager(),
      workDir: dir,
      stateDir: join(dir, ".state"),
      env: { PULUMI_BACKEND_URL: `file://${backend}` },
    }),
    handle.db,
  );
  return {
    dir,
    backend,
    handle,
    orchestrator,
    backendStacks() {
      const d = join(backend, ".pulumi", "stacks", "bosun");
      return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(".json")) : [];
    },
    async remove() {
      await orchestrator.close();
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
