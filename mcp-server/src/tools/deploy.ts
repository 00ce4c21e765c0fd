// The tools over the orchestrator: plan, apply, status, history, drift,
// rollback, destroy. Only apply changes infrastructure.
import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Orchestrator, PlanResult } from "../orchestrator/types.ts";
import { translateAssisted, modelAccessFromServer, MAX_TEXT_LENGTH } from "../translator/index.ts";
import { errorResult, ok, scopeError, type Caller } from "./results.ts";
import type { Scope } from "../auth/tokens.ts";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const stackName = z.string().min(1).max(100).describe("Stack name, e.g. demo (a file stacks/Pulumi.<stack>.yaml)");
const counts = z.object({ create: z.number(), update: z.number(), replace: z.number(), delete: z.number(), same: z.number() });
const change = z.object({
  name: z.string(),
  type: z.string(),
  op: z.string(),
  fields: z.record(z.string(), z.unknown()),
  diff: z.array(z.string()),
  replaceReason: z.string().optional(),
});
const planOutput = {
  planId: z.string().optional(),
  stack: z.string(),
  kind: z.string().optional(),
  expiresAt: z.string().optional(),
  counts: counts.optional(),
  changes: z.array(change).optional(),
  warnings: z.array(z.string()).optional(),
  assumptions: z.array(z.string()).optional(),
  questions: z.array(z.string()).optional(),
  text: z.string(),
};
const deployment = z.object({
  id: z.string(),
  stack: z.string(),
  kind: z.string(),
  status: z.string(),
  actor: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  counts: z.record(z.string(), z.number()).optional(),
  error: z.string().optional(),
});

function planStructured(p: PlanResult, extra: { assumptions?: string[] } = {}) {
  return {
    planId: p.planId,
    stack: p.stack,
    kind: p.kind,
    expiresAt: p.expiresAt,
    counts: p.counts,
    changes: p.changes.map(({ name, type, op, fields, diff, replaceReason }) => ({
      name,
      type,
      op,
      fields,
      diff,
      ...(replaceReason ? { replaceReason } : {}),
    })),
    warnings: p.warnings,
    ...extra,
    text: p.text,
  };
}

function planText(p: PlanResult, assumptions: string[] = []): string {
  const lines = [`Plan ${p.planId} for stack ${p.stack} (${p.kind}), valid until ${p.expiresAt}:`, p.text];
  if (assumptions.length) lines.push(`Assumed: ${assumptions.join("; ")}`);
  if (p.warnings.length) lines.push(`Warnings:\n${p.warnings.map((w) => `- ${w}`).join("\n")}`);
  lines.push(`Nothing has changed yet. To carry it out, call apply with planId ${p.planId} once the person agrees.`);
  return lines.join("\n");
}

export function registerDeployTools(server: McpServer, orch: Orchestrator, callerOf: (extra: Extra) => Caller): void {
  const guarded =
    <A>(tool: string, scope: Scope, fn: (args: A, caller: Caller, extra: Extra) => Promise<ReturnType<typeof ok>>) =>
    async (args: A, extra: Extra) => {
      const caller = callerOf(extra);
      const denied = scopeError(caller, scope, tool);
      if (denied) return denied;
      try {
        return await fn(args, caller, extra);
      } catch (err) {
        return errorResult(err);
      }
    };

  server.registerTool(
    "plan",
    {
      title: "Plan a change (preview only)",
      description:
        "Previews a change to a stack with the real Pulumi engine and returns exactly what would be created, updated, replaced or deleted, " +
        'with a planId. Give either `spec` (the whole new spec, as in bosun:spec) or `intent` (a sentence such as "deploy a Minecraft server for 10 players on VLAN 20"). ' +
        "Changes nothing; the live config is untouched. Show the plan to the person and call apply only if they agree.",
      inputSchema: {
        stack: stackName,
        spec: z.record(z.string(), z.unknown()).optional().describe("The complete desired spec for the stack"),
        intent: z.string().min(1).max(MAX_TEXT_LENGTH).optional().describe("What the person wants, in words"),
      },
      outputSchema: planOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    guarded<{ stack: string; spec?: Record<string, unknown>; intent?: string }>("plan", "plan", async ({ stack, spec, intent }, caller, extra) => {
      if ((spec === undefined) === (intent === undefined)) {
        return errorResult(new Error("give exactly one of spec or intent"));
      }
      if (spec !== undefined) {
        const p = await orch.plan({ stack, spec, actor: caller.actor });
        return ok(planStructured(p), planText(p));
      }
      const current = await orch.getSpec(stack);
      const t = await translateAssisted(intent ?? "", current, modelAccessFromServer(server, { requestId: extra.requestId, signal: extra.signal }));
      if (t.questions.length > 0) {
        const text = `Before planning, bosun needs to know:\n${t.questions.map((q) => `- ${q}`).join("\n")}\nNothing was planned. Ask the person, then call plan again with a clearer intent.`;
        return ok({ stack, questions: t.questions, assumptions: t.assumptions, text }, text);
      }
      const p = await orch.plan({ stack, spec: t.spec, actor: caller.actor, intent: intent ?? "" });
      return ok(planStructured(p, { assumptions: t.assumptions }), planText(p, t.assumptions));
    }),
  );

  server.registerTool(
    "apply",
    {
      title: "Apply a plan",
      description:
        "Carries out a plan made by plan, rollback or destroy — exactly what it previewed. Refuses an expired plan or one whose stack changed since. " +
        "On failure bosun rolls back to the last good spec by itself and reports both outcomes. Sends progress notifications when asked.",
      inputSchema: { planId: z.string().min(1).max(100) },
      outputSchema: {
        deploymentId: z.string(),
        stack: z.string(),
        status: z.string(),
        outputs: z.record(z.string(), z.unknown()),
        counts: z.record(z.string(), z.number()),
        durationMs: z.number(),
        error: z.string().optional(),
        rollback: z.object({ deploymentId: z.string(), status: z.string(), error: z.string().optional() }).optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    guarded<{ planId: string }>("apply", "apply", async ({ planId }, caller, extra) => {
      const token = extra._meta?.progressToken;
      const r = await orch.apply({
        planId,
        actor: caller.actor,
        onProgress: (e) => {
          if (token === undefined) return;
          void extra
            .sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: e.done, ...(e.total > 0 ? { total: e.total } : {}), message: e.message },
            })
            .catch(() => {});
        },
      });
      const { pulumiVersion: _v, ...structured } = r;
      const lines =
        r.status === "succeeded"
          ? [`Applied ${planId} to ${r.stack} in ${(r.durationMs / 1000).toFixed(1)} s: ${JSON.stringify(r.counts)}.`]
          : [
              `The update of ${r.stack} failed: ${r.error}`,
              r.rollback?.status === "succeeded"
                ? `bosun rolled back to the last good spec by itself (deployment ${r.rollback.deploymentId}); the stack is as it was.`
                : `The automatic rollback failed too: ${r.rollback?.error ?? "unknown"}. Check status and drift before anything else.`,
            ];
      const result = ok(structured as unknown as Record<string, unknown>, lines.join("\n"));
      return r.status === "succeeded" ? result : { ...result, isError: true };
    }),
  );

  server.registerTool(
    "status",
    {
      title: "Stack status",
      description: "The stack's outputs (addresses, DNS names, ports, container ids), its resources and the last deployment. Changes nothing.",
      inputSchema: { stack: stackName },
      outputSchema: {
        stack: z.string(),
        spec: z.unknown(),
        outputs: z.record(z.string(), z.unknown()),
        resources: z.array(z.object({ urn: z.string(), type: z.string(), name: z.string() })),
        lastDeployment: deployment.optional(),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded<{ stack: string }>("status", "read", async ({ stack }) => {
      const s = await orch.status(stack);
      const last = s.lastDeployment
        ? `last deployment: ${s.lastDeployment.kind} ${s.lastDeployment.status} at ${s.lastDeployment.finishedAt ?? s.lastDeployment.createdAt}`
        : "never deployed by bosun";
      return ok(
        s as unknown as Record<string, unknown>,
        `Stack ${stack}: ${s.resources.length} resources; ${last}\nOutputs: ${JSON.stringify(s.outputs, null, 2)}`,
      );
    }),
  );

  server.registerTool(
    "history",
    {
      title: "Deployment history",
      description: "The stack's deployment log, newest first: plans, applies, rollbacks, drift checks, who ran them and how they ended.",
      inputSchema: { stack: stackName, limit: z.number().int().min(1).max(200).default(20) },
      outputSchema: { stack: z.string(), deployments: z.array(deployment) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded<{ stack: string; limit: number }>("history", "read", async ({ stack, limit }) => {
      const deployments = await orch.history(stack, limit);
      const text = deployments.length
        ? deployments.map((d) => `${d.createdAt} ${d.kind} ${d.status} by ${d.actor}${d.error ? `: ${d.error}` : ""} (${d.id})`).join("\n")
        : `no deployments of ${stack} yet`;
      return ok({ stack, deployments }, text);
    }),
  );

  server.registerTool(
    "drift",
    {
      title: "Check for drift",
      description:
        "Reads the real infrastructure (a refresh preview) and lists what differs from the stack's desired state. Changes nothing; records the check.",
      inputSchema: { stack: stackName },
      outputSchema: { stack: z.string(), deploymentId: z.string(), drifted: z.array(change.extend({ urn: z.string() })), text: z.string() },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded<{ stack: string }>("drift", "read", async ({ stack }, caller) => {
      const d = await orch.drift({ stack, actor: caller.actor });
      return ok(d as unknown as Record<string, unknown>, d.text);
    }),
  );

  server.registerTool(
    "rollback",
    {
      title: "Plan a rollback",
      description:
        "Plans a return to the spec of an earlier succeeded deployment (by id, or the one in effect at a time). Returns a plan like plan does; only apply carries it out.",
      inputSchema: { stack: stackName, deploymentId: z.string().uuid().optional(), at: z.string().optional().describe("ISO 8601 time") },
      outputSchema: planOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    guarded<{ stack: string; deploymentId?: string; at?: string }>("rollback", "plan", async ({ stack, deploymentId, at }, caller) => {
      const p = await orch.planRollback({ stack, ...(deploymentId ? { deploymentId } : {}), ...(at ? { at } : {}), actor: caller.actor });
      return ok(planStructured(p), planText(p));
    }),
  );

  server.registerTool(
    "destroy",
    {
      title: "Plan a removal",
      description:
        "Plans removing one service (and its firewall rules, DNS record, container) or, without service, everything in the stack. Returns a plan; only apply carries it out.",
      inputSchema: { stack: stackName, service: z.string().min(1).max(63).optional() },
      outputSchema: planOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    guarded<{ stack: string; service?: string }>("destroy", "plan", async ({ stack, service }, caller) => {
      const p = await orch.planDestroy({ stack, ...(service ? { service } : {}), actor: caller.actor });
      return ok(planStructured(p), planText(p));
    }),
  );
}
