// Updates someone ran with `pulumi` in a terminal (or any CLI outside bosun) are
// part of the stack's story: on the next status or history, bosun reads the
// stack's update history and records each such update once, as actor
// "terminal", with the spec it applied when the stack config shows it. bosun's
// own updates (Automation API: exec.kind auto.*) are already in the log.
import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import * as q from "../db/queries.ts";
import type { DeploymentKind, JsonObject } from "../db/schema.ts";
import { SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";
import { backendUrl, type OrchestratorContext, PROJECT } from "./context.ts";
import { redacted } from "./specs.ts";
import { stateStamp } from "./state-version.ts";
import { openStack } from "./workspace.ts";

const KINDS: Record<string, DeploymentKind> = { update: "apply", destroy: "destroy", refresh: "refresh", import: "apply" };

/** A stack's latest updates, newest first. */
export type UpdateReader = (stack: string) => Promise<UpdateSummary[]>;

/** The reader the importer uses: the CLI's `pulumi stack history`, 50 entries. */
export const stackUpdates =
  (ctx: Pick<OrchestratorContext, "workDir" | "env">): UpdateReader =>
  async (stack) =>
    (await openStack({ workDir: ctx.workDir, env: ctx.env }, stack)).history(50, 1);

/**
 * Records a stack's terminal updates not yet in the log; returns how many were new (to every
 * caller of one read). It reads the update history only when the stack's state moved since its
 * last look (its own memory), and never for a stack with no state (which it would otherwise
 * create in the backend). Reads that arrive while the history of the same state is being read
 * wait for that one: fifty callers after an update would otherwise run fifty CLI processes.
 */
export function createTerminalImporter(ctx: Pick<OrchestratorContext, "db" | "workDir" | "env">, readUpdates: UpdateReader = stackUpdates(ctx)) {
  const seen = new Map<string, string>();
  const running = new Map<string, Promise<number>>();
  return async function importTerminalUpdates(stack: string): Promise<number> {
    const version = await stateStamp(backendUrl(ctx), PROJECT, stack, async () => `unknown-${Date.now()}`);
    if (version === "none" || seen.get(stack) === version) return 0;
    const key = `${stack}\0${version}`;
    let run = running.get(key);
    if (!run) {
      run = importAt(stack, version).finally(() => running.delete(key));
      running.set(key, run);
    }
    return run;
  };

  async function importAt(stack: string, version: string): Promise<number> {
    const known = await q.knownUpdateVersions(ctx.db, stack);
    let added = 0;
    for (const u of await readUpdates(stack)) {
      // bosun's own updates run through the Automation API (exec.kind auto.*) and are in the log already.
      if (known.has(u.version) || u.environment["exec.kind"] !== "cli") continue;
      const kind = KINDS[u.kind];
      if (!kind || (u.result !== "succeeded" && u.result !== "failed")) continue;
      const spec = specOf(u);
      const isNew = await q.importTerminalUpdate(ctx.db, {
        stack,
        kind,
        status: u.result,
        pulumiUpdateVersion: u.version,
        startedAt: new Date(u.startTime),
        finishedAt: new Date(u.endTime),
        previewSummary: { ...(u.resourceChanges ?? {}) },
        ...(u.result === "failed" ? { error: `pulumi ${u.kind} run outside bosun failed${u.message ? ` (${u.message.slice(0, 200)})` : ""}` } : {}),
        ...(spec ? { specAfter: spec } : {}),
      });
      if (isNew) added += 1;
    }
    seen.set(stack, version);
    return added;
  }
}

/** The spec the update ran with, redacted, when the stack config shows it in clear. */
function specOf(u: UpdateSummary): JsonObject | undefined {
  const entry = u.config?.[SPEC_CONFIG_KEY];
  if (!entry || entry.secret || typeof entry.value !== "string") return undefined;
  try {
    return redacted(JSON.parse(entry.value)) as JsonObject;
  } catch {
    return undefined;
  }
}
