// OPNsense config backups as bosun operations: list the box's backups (with
// the deployments that noted or made each), plan a restore (what differs, by
// config section, from the two config.xml downloads), and carry it out through
// the one approval path: apply refuses until a person approved it. Applying
// notes the box's newest backup first (so the restore can itself be undone),
// reverts, reconfigures the services whose sections change, then refreshes the
// stack so Pulumi's state holds what the box now has: drift shows honestly and
// the next plan re-creates what the restore removed.
import { randomBytes } from "node:crypto";
import * as q from "../db/queries.ts";
import type { ConfigBackupRef, Deployment, JsonObject, PlanReview, RestoreDetails } from "../db/schema.ts";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { diffConfigSections, sectionLines, servicesFor, type OpnsenseClient, type Subsystem } from "../../../providers/opnsense-dynamic/client/index.ts";
import { revertToBackup } from "../../../providers/opnsense-dynamic/resources/index.ts";
import { holdLease, waitingPlan, type ApplyInput } from "./applier.ts";
import { approvalModeOf, approvalText } from "./approvals.ts";
import { type OrchestratorContext, lockStack, publish, stackStateVersion } from "./context.ts";
import { toBosunError } from "./engine-errors.ts";
import { boxBackups, openBox } from "./opnsense-box.ts";
import { redacted } from "./specs.ts";
import { readStackFile, textHash } from "./stack-file.ts";
import { BosunError, type ApplyResult, type BoxBackups, type PlanCounts, type PlanResult } from "./types.ts";
import { checkStackName, liveSpec } from "./workspace.ts";
import { logFailure } from "../observability/log.ts";

const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

async function withBox<T>(ctx: OrchestratorContext, stack: string, fn: (client: OpnsenseClient, s: Stack) => Promise<T>): Promise<T> {
  return ctx.sessions.run(stack, async (s) => {
    const client = await openBox(ctx.workDir, s);
    try {
      return await fn(client, s);
    } finally {
      client.close();
    }
  });
}

/** The box's backups, newest first, each with the deployments of this stack that noted or made it. */
export async function listBoxBackups(ctx: OrchestratorContext, stack: string): Promise<BoxBackups> {
  checkStackName(ctx.workDir, stack);
  const backups = await withBox(ctx, stack, async (client) => boxBackups(client, stack));
  const runs = await q.listHistory(ctx.db, { stack, kinds: [...q.mutatingKinds, "recover"], limit: 500 });
  const out = backups.map((b) => {
    const at = Date.parse(b.time);
    const made = runs.find((d) => d.startedAt && d.startedAt.getTime() <= at && at <= (d.finishedAt ?? new Date()).getTime());
    return {
      ...b,
      recordedBy: runs
        .filter((d) => d.configBackup?.id === b.id)
        .map((d) => ({ deploymentId: d.id, kind: d.kind, status: d.status, at: d.createdAt.toISOString() })),
      ...(made ? { madeBy: { deploymentId: made.id, kind: made.kind } } : {}),
    };
  });
  const text = out.length
    ? out
        .map((b) => {
          const notes = [
            ...b.recordedBy.map((r) => `before ${r.kind} ${r.deploymentId} (${r.status})`),
            ...(b.madeBy ? [`saved during ${b.madeBy.kind} ${b.madeBy.deploymentId}`] : []),
          ];
          return `${b.id}  ${b.time}  ${b.description}${notes.length ? `  [${notes.join("; ")}]` : ""}`;
        })
        .join("\n")
    : `the OPNsense box of ${stack} lists no config backups`;
  return { stack, backups: out, text };
}

/** A plan to restore the box to `backupId`: which sections differ. Only apply (after an approval) changes anything. */
export async function planRestore(ctx: OrchestratorContext, input: { stack: string; backupId: string; actor: string }): Promise<PlanResult> {
  checkStackName(ctx.workDir, input.stack);
  if (!BACKUP_ID.test(input.backupId))
    throw new BosunError(
      "invalid-input",
      `backupId: "${input.backupId}" is not a backup id`,
      'pass an id from opnsense_backups, e.g. "config-1716000000.1234.xml"',
    );
  return withBox(ctx, input.stack, async (client, s) => {
    const backups = await boxBackups(client, input.stack);
    const target = backups.find((b) => b.id === input.backupId);
    if (!target)
      throw new BosunError(
        "not-found",
        `backupId: ${input.backupId} is not among the ${backups.length} config backups of ${input.stack}'s OPNsense box`,
        "list them with opnsense_backups (`bosun opnsense backups`) and pass one's id; the box keeps only its newest backups",
      );
    const newest = backups[0] as ConfigBackupRef;
    const sections = diffConfigSections(await client.downloadBackup(), await client.downloadBackup(target.id));
    if (sections.length === 0)
      throw new BosunError(
        "invalid-input",
        `backupId: ${target.id} holds the same config as the box has now; there is nothing to restore`,
        "pick an older backup from opnsense_backups",
      );
    const { services, manual } = servicesFor(sections, (await client.capabilities()).assignmentApi);
    const restore: RestoreDetails = { backup: target, basedOn: newest.id, sections, services, notes: manual };
    const text = readStackFile(ctx.workDir, input.stack);
    const mode = approvalModeOf(text, input.stack);
    const review: PlanReview = {
      decision: "allow",
      findings: [],
      approval: {
        mode,
        required: true,
        reasons: [`restoring a config backup replaces the OPNsense box's whole saved config (${sections.map((c) => c.section).join(", ")})`],
        ...(mode === "two-person" ? { otherThan: input.actor } : {}),
      },
    };
    const spec = redacted((await liveSpec(s)).value) as JsonObject;
    const planId = `plan_${randomBytes(12).toString("base64url")}`;
    const expiresAt = new Date(ctx.now().getTime() + ctx.planTtlMs);
    const row = await q.recordPlan(ctx.db, {
      stack: input.stack,
      kind: "restore",
      actor: input.actor,
      planId,
      specBefore: spec,
      specAfter: spec,
      specHash: textHash(text),
      stateVersion: await stackStateVersion(ctx, s),
      changes: [],
      review,
      restore,
      expiresAt,
    });
    await publish(ctx, input.stack, "deployment.planned", undefined, { planId, kind: "restore" });
    const lines = [
      `Restore ${input.stack}'s OPNsense box to backup ${target.id} (${target.time}, "${target.description}"). What changes on the box:`,
      ...sectionLines(sections).map((l) => `  ${l}`),
      `Then bosun reconfigures ${services.length ? services.join(", ") : "nothing but"}${services.includes("filter") ? "" : ", applies the filter"} and refreshes the stack's state from the box.`,
      ...manual.map((m) => `Note: ${m}`),
      `The box's config now is backup ${newest.id}; restoring that undoes this restore.`,
      ...approvalText(review, planId),
    ];
    const counts: PlanCounts = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
    return {
      planId,
      deploymentId: row.id,
      stack: input.stack,
      kind: "restore",
      expiresAt: expiresAt.toISOString(),
      changes: [],
      counts,
      warnings: manual,
      summary: `restore backup ${target.id}: ${sections.length} config section(s) differ (${sections.map((c) => c.section).join(", ")})`,
      text: lines.join("\n"),
      specBefore: spec,
      specAfter: spec,
      pinned: [],
      review,
      restore,
    };
  });
}

/** Carries out a restore plan that is waiting, unexpired and approved. */
export async function applyRestore(ctx: OrchestratorContext, input: ApplyInput): Promise<ApplyResult> {
  const row: Deployment = await waitingPlan(ctx, input.planId);
  const { actor, signal } = input;
  const planId = input.planId;
  const details = row.restore;
  if (!details) throw new BosunError("plan-unknown", `plan ${planId} has no restore details`, "make a new plan with plan_restore");
  const stack = row.stack;
  const lock = await lockStack(ctx, stack, "restore", actor);
  try {
    return await withBox(ctx, stack, async (client, s) => {
      const backups = await boxBackups(client, stack);
      const newest = backups[0];
      if (newest?.id !== details.basedOn)
        throw new BosunError(
          "plan-stale",
          `the OPNsense box's config changed since plan ${planId} was made (its newest backup is ${newest?.id ?? "none"}, the plan saw ${details.basedOn})`,
          "make a new plan with plan_restore so it shows what would really change; nothing was changed",
        );
      if (!backups.some((b) => b.id === details.backup.id))
        throw new BosunError(
          "not-found",
          `backupId: ${details.backup.id} is no longer on the box (it keeps only its newest backups)`,
          "pick another backup; nothing was changed",
        );
      const claim = await q.claimPlan(ctx.db, { planId, currentStateVersion: await stackStateVersion(ctx, s), now: ctx.now(), owner: ctx.owner });
      if (!claim.ok) {
        if (claim.reason === "expired") throw new BosunError("plan-expired", `plan ${planId} has expired`, "make a new plan; nothing was changed");
        if (claim.reason === "stack_moved")
          throw new BosunError(
            "plan-stale",
            `the stack's state changed since plan ${planId} was made`,
            "make a new plan with plan_restore; nothing was changed",
          );
        throw new BosunError("plan-used", `plan ${planId} is no longer waiting to be applied`, "make a new plan");
      }
      const deploymentId = claim.deployment.id;
      // The config as it is now, so this restore can itself be undone with plan_restore.
      await q.setConfigBackup(ctx.db, deploymentId, newest);
      const lease = holdLease(ctx, deploymentId, [lock.signal, signal]);
      const started = Date.now();
      await publish(ctx, stack, "deployment.started", deploymentId, { kind: "restore" });
      const fail = async (error: string, refresh?: ApplyResult["refresh"]): Promise<ApplyResult> => {
        await q.finishDeployment(ctx.db, deploymentId, { status: "failed", error }).catch(logFailure("restore", "recording the failed restore"));
        await publish(ctx, stack, "deployment.finished", deploymentId, { status: "failed" });
        return {
          deploymentId,
          stack,
          status: "failed",
          outputs: {},
          counts: {},
          durationMs: Date.now() - started,
          error,
          configBackup: newest,
          ...(refresh ? { refresh } : {}),
        };
      };
      try {
        try {
          await revertToBackup(client, details.backup.id, new Set(details.services as (Subsystem | "assignment")[]));
        } catch (err) {
          return await fail(
            `restoring backup ${details.backup.id} failed: ${(err as Error).message}. The box's saved config may already be the backup's; ` +
              `restore ${newest.id} to go back to where it was, or run the restore again`,
          );
        }
        const writer = q.createEventWriter(ctx.db, deploymentId);
        try {
          const r = await s.refresh({
            color: "never",
            signal: lease.signal,
            onEvent: (e) => {
              const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
              if (meta) writer.push({ type: e.resourcePreEvent ? "resource-pre" : "resource-outputs", urn: meta.urn, op: meta.op });
            },
          });
          const counts = (r.summary.resourceChanges ?? {}) as Partial<PlanCounts>;
          await q.finishDeployment(ctx.db, deploymentId, { status: "succeeded", pulumiUpdateVersion: r.summary.version, previewSummary: { ...counts } });
          await publish(ctx, stack, "deployment.finished", deploymentId, { status: "succeeded" });
          return {
            deploymentId,
            stack,
            status: "succeeded",
            outputs: {},
            counts,
            durationMs: Date.now() - started,
            pulumiVersion: r.summary.version,
            configBackup: newest,
            refresh: { status: "succeeded", counts },
          };
        } catch (err) {
          const e = toBosunError(err, stack, "the refresh after the restore");
          return await fail(
            `the box was restored to ${details.backup.id}, but the refresh of the stack's state failed: ${e.message}. Run drift, then refresh`,
            {
              status: "failed",
              error: e.message,
            },
          );
        } finally {
          await writer.close().catch(logFailure("restore", "flushing the restore's events"));
        }
      } finally {
        lease.stop();
      }
    });
  } finally {
    await lock.release();
  }
}
