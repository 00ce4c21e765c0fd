// plan: a real preview of a candidate spec, with the live stack file and
// state untouched. The candidate gets a config file of its own; the plan keeps
// exactly the stack file it previewed (secrets as ciphertext) and the engine's
// update plan, in the database, so any bosun process can apply it.
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as q from "../db/queries.ts";
import type { JsonObject, ResourceChange as DbChange } from "../db/schema.ts";
import { parseSpec } from "../../../stacks/model/index.ts";
import { pinAddresses } from "../../../stacks/model/addresses.ts";
import { countChanges, createChangeCollector, planSummary, planText } from "./changes.ts";
import { type OrchestratorContext, PROJECT, publish, stackStateVersion } from "./context.ts";
import { toBosunError } from "./engine-errors.ts";
import { approvalModeOf, approvalRequirement, approvalText } from "./approvals.ts";
import { createDesiredCollector, planFindings, policyResult, policyText } from "./policy.ts";
import { encryptSecret } from "./pulumi-cli.ts";
import { learnSecrets, secretScope } from "./known-secrets.ts";
import { redacted, restoreSecrets, secretPaths, validated } from "./specs.ts";
import { candidateText, readStackFile, specOfText, textHash } from "./stack-file.ts";
import type { PlanKind, PlanResult, ResourceChange } from "./types.ts";
import { checkStackName, forgetStack, inProgramRuntime, liveSpec, stackEnv } from "./workspace.ts";

export interface PlanInput {
  stack: string;
  spec: unknown;
  actor: string;
  intent?: string;
  kind: PlanKind;
}

export function dbChange(c: ResourceChange): DbChange {
  return {
    urn: c.urn,
    type: c.type,
    op: c.op,
    diffs: c.diff,
    replace: c.op === "replace",
    ...(c.replaceReason ? { detail: c.replaceReason } : {}),
    ...(c.group ? { group: c.group } : {}),
  };
}

const resolve = (raw: unknown) => {
  const r = parseSpec(raw);
  return r.ok ? r.spec : undefined;
};

export async function makePlan(ctx: OrchestratorContext, input: PlanInput): Promise<PlanResult> {
  checkStackName(ctx.workDir, input.stack);
  validated(input.spec); // shape errors before any engine work
  return ctx.sessions.run(input.stack, async (s) => {
    const text = readStackFile(ctx.workDir, input.stack);
    const live = await liveSpec(s);
    // A redacted secret sent back (what translate and status show) means "keep the current value".
    const withSecrets = restoreSecrets(input.spec, live.value, input.kind === "rollback" ? "rollback" : "plan");
    const { toWrite: checked } = validated(withSecrets);
    const liveParsed = parseSpec(live.value);
    const { spec: toWrite, pinned } = liveParsed.ok ? pinAddresses(checked, liveParsed.spec, resolve) : { spec: checked, pinned: [] };
    const version = await stackStateVersion(ctx, s);
    const planId = `plan_${randomBytes(12).toString("base64url")}`;
    const configText = await candidateText({
      text,
      spec: toWrite,
      liveSecrets: new Map(secretPaths(live.value).map(({ path, value }) => [path, value])),
      scratchDir: ctx.scratchDir,
      encrypt: (scratchFile, key, value) => encryptSecret({ cwd: ctx.workDir, env: stackEnv(ctx, input.stack), stack: input.stack, scratchFile, key, value }),
    });
    // The candidate's new ciphertexts, so the next plan after it is applied reads its secrets without the CLI.
    if (secretPaths(toWrite).length > 0) learnSecrets(secretScope(ctx.workDir, input.stack), specOfText(configText), toWrite);

    const configFile = join(ctx.scratchDir, `${planId}.yaml`);
    const planFile = join(ctx.scratchDir, `${planId}.plan.json`);
    writeFileSync(configFile, configText, { mode: 0o600 });
    const mode = approvalModeOf(text, input.stack);
    const collector = createChangeCollector();
    const desired = createDesiredCollector();
    let enginePlan: string | null = null;
    try {
      // The program runs in a runtime of bosun's own, loading while the CLI starts (program-runtime.ts).
      await inProgramRuntime({ workDir: ctx.workDir, env: ctx.env }, s, (target) =>
        target.preview({
          onEvent: (e) => (collector.onEvent(e), desired.onEvent(e)),
          color: "never",
          configFile,
          ...(ctx.enginePlans ? { plan: planFile } : {}),
        }),
      );
      if (ctx.enginePlans) enginePlan = readFileSync(planFile, "utf8");
    } catch (err) {
      forgetStack({ workDir: ctx.workDir, env: ctx.env }, input.stack);
      throw toBosunError(err, input.stack, "the preview");
    } finally {
      rmSync(configFile, { force: true });
      rmSync(planFile, { force: true });
    }

    const changes = collector.changes();
    const counts = countChanges(changes);
    // A refused plan is still a plan to show: its findings say why; it is never applied.
    const { decision, findings } = policyResult(await planFindings(ctx.workDir, input.stack, desired.resources(), changes));
    const review = { decision, findings, approval: approvalRequirement({ mode, changes, findings, planner: input.actor }) };
    const expiresAt = new Date(ctx.now().getTime() + ctx.planTtlMs);
    const intent = input.intent
      ? await q.recordIntent(ctx.db, {
          stack: input.stack,
          text: input.intent,
          source: "mcp",
          actor: input.actor,
          spec: redacted(toWrite) as JsonObject,
          status: "planned",
        })
      : undefined;
    const row = await q.recordPlan(ctx.db, {
      stack: input.stack,
      kind: input.kind,
      actor: input.actor,
      planId,
      intentId: intent?.id ?? null,
      specBefore: redacted(live.value) as JsonObject,
      specAfter: redacted(toWrite) as JsonObject,
      specHash: textHash(text),
      stateVersion: version,
      previewSummary: { ...counts },
      changes: changes.map(dbChange),
      review,
      expiresAt,
    });
    if (decision !== "deny") await q.savePlanArtifact(ctx.db, { planId, stack: input.stack, baseFileHash: textHash(text), configText, enginePlan });
    await publish(ctx, input.stack, "deployment.planned", undefined, { planId, counts });
    return {
      planId,
      deploymentId: row.id,
      stack: input.stack,
      kind: input.kind,
      expiresAt: expiresAt.toISOString(),
      changes: changes.filter((c) => c.op !== "same"),
      counts,
      // The engine's own "preview failed" after a refusal is the findings' news, not a warning.
      warnings: collector.warnings().filter((w) => decision !== "deny" || !/^preview failed$/.test(w)),
      summary: `${decision === "deny" ? "refused by policy: " : ""}${planSummary(changes, counts)}`,
      text: [planText(changes, counts), ...policyText(findings), ...approvalText(review, planId)].join("\n"),
      specBefore: redacted(live.value),
      specAfter: redacted(toWrite),
      pinned,
      review,
    };
  });
}

export { PROJECT };
