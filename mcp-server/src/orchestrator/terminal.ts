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
import { stateVersion } from "./state-version.ts";
import { openStack } from "./workspace.ts";

const KINDS: Record<string, DeploymentKind> = { update: "apply", destroy: "destroy", refresh: "refresh", import: "apply" };

/** The state version each stack was last imported at, in this process: no CLI call while nothing moved. */
const seen = new Map<string, string>();

/** Records the stack's terminal updates not yet in the log; returns how many were new. */
export async function importTerminalUpdates(ctx: OrchestratorContext, stack: string): Promise<number> {
  const s = await openStack({ workDir: ctx.workDir, env: ctx.env }, stack);
  const key = `${ctx.workDir}\0${stack}`;
  const version = await stateVersion(backendUrl(ctx), PROJECT, stack, async () => `unknown-${Date.now()}`);
  if (seen.get(key) === version) return 0;
  const known = await q.knownUpdateVersions(ctx.db, stack);
  let added = 0;
  for (const u of await s.history(50, 1)) {
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
  seen.set(key, version);
  return added;
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
