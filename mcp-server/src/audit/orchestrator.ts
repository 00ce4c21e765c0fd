// The deployment paths, audited: every plan, rollback and destroy plan, apply
// and drift check through the orchestrator is recorded with who asked, the
// intent and how it ended, whichever front end asked (MCP, CLI). Wraps the
// orchestrator rather than changing it, so the record is kept in one place.
import type { Db } from "../db/client.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { recordAudit } from "./log.ts";

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";

export function auditedOrchestrator(orch: Orchestrator, db: Db): Orchestrator {
  const failed = async (actor: string, action: string, stack: string | undefined, err: unknown, extra: { planId?: string; intent?: string } = {}) => {
    await recordAudit(db, { actor, action, stack, outcome: "failed", detail: firstLine(err), ...extra });
    throw err;
  };
  return {
    ...orch,
    async plan(input) {
      const p = await orch.plan(input).catch((err: unknown) => failed(input.actor, "plan", input.stack, err, input.intent ? { intent: input.intent } : {}));
      await recordAudit(db, {
        actor: input.actor,
        action: "plan",
        stack: input.stack,
        outcome: "succeeded",
        planId: p.planId,
        intent: input.intent,
        detail: p.summary,
      });
      return p;
    },
    async planRollback(input) {
      const p = await orch.planRollback(input).catch((err: unknown) => failed(input.actor, "rollback", input.stack, err));
      await recordAudit(db, { actor: input.actor, action: "rollback", stack: input.stack, outcome: "succeeded", planId: p.planId, detail: p.summary });
      return p;
    },
    async planDestroy(input) {
      const what = input.service ? `destroy ${input.service}` : "destroy";
      const p = await orch.planDestroy(input).catch((err: unknown) => failed(input.actor, what, input.stack, err));
      await recordAudit(db, { actor: input.actor, action: what, stack: input.stack, outcome: "succeeded", planId: p.planId, detail: p.summary });
      return p;
    },
    async planRestore(input) {
      const what = `restore ${input.backupId}`;
      const p = await orch.planRestore(input).catch((err: unknown) => failed(input.actor, what, input.stack, err));
      await recordAudit(db, { actor: input.actor, action: what, stack: input.stack, outcome: "succeeded", planId: p.planId, detail: p.summary });
      return p;
    },
    async apply(input) {
      const r = await orch.apply(input).catch((err: unknown) => failed(input.actor, "apply", undefined, err, { planId: input.planId }));
      await recordAudit(db, {
        actor: input.actor,
        action: "apply",
        stack: r.stack,
        outcome: r.status === "succeeded" ? "succeeded" : "failed",
        planId: input.planId,
        deploymentId: r.deploymentId,
        detail: r.status === "succeeded" ? JSON.stringify(r.counts) : `${r.status}: ${r.error ?? ""}`,
      });
      return r;
    },
    async drift(input) {
      const d = await orch.drift(input).catch((err: unknown) => failed(input.actor, "drift", input.stack, err));
      await recordAudit(db, {
        actor: input.actor,
        action: "drift",
        stack: input.stack,
        outcome: "succeeded",
        deploymentId: d.deploymentId,
        detail: `${d.drifted.length} resource(s) differ`,
      });
      return d;
    },
  };
}
