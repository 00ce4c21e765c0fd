// Builds bosun's MCP server. Without an orchestrator it carries the tools that
// need no engine (validate_spec, translate); with one, also plan, apply,
// status, history, drift, rollback, destroy, get_secret, import_compose,
// opnsense_backups, plan_restore, the resources and the
// prompt, completions and resource subscriptions. Every tool, resource, prompt
// and completion checks the caller's scope. Every server has the logging
// capability, and its tool calls are observed (observability/mcp.ts).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerEngineTools, registerTranslateTool, registerValidateSpecTool, type Extra } from "./tools/index.ts";
import { registerResources } from "./resources.ts";
import type { Caller } from "./tools/results.ts";
import type { Orchestrator } from "./orchestrator/types.ts";
import type { Db } from "./db/client.ts";
import { getDeploymentByPlanId } from "./db/queries.ts";
import { recordAudit, type AuditInput } from "./audit/log.ts";
import { SCOPES, type Scope } from "./auth/tokens.ts";
import type { EventBus } from "./coordination/events.ts";
import { observeMcpServer } from "./observability/mcp.ts";
import { registerCompletions } from "./features/completions.ts";
import { enableSubscriptions } from "./features/subscriptions.ts";

export const SERVER_INFO = { name: "bosun", version: "0.1.0" };

export interface ServerContext {
  orchestrator?: Orchestrator;
  db?: Db;
  /** Deployment events, for resource subscriptions (updates while a deployment runs). */
  events?: EventBus;
  /** Who calls when no token says so: "stdio" for the local user, "local-http" on loopback without tokens. Full scopes. */
  defaultActor?: string;
}

/** The caller of one request: the verified token (authInfo) over HTTP, else the transport's local user with every scope. */
export function callerFrom(fallback: string) {
  return (extra: Pick<Extra, "authInfo">): Caller => {
    const auth = extra.authInfo;
    if (!auth) return { actor: fallback, scopes: SCOPES };
    const stacks = (auth.extra as { stacks?: unknown } | undefined)?.stacks;
    return {
      actor: auth.clientId,
      scopes: auth.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
      ...(Array.isArray(stacks) ? { stacks: stacks.filter((s): s is string => typeof s === "string") } : {}),
    };
  };
}

export function createMcpServer(ctx: ServerContext = {}): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {}, logging: {}, ...(ctx.orchestrator ? { resources: {}, prompts: {} } : {}) },
    instructions:
      "bosun manages a homelab/small-office network as code. Use plan (with intent or spec) to preview; show the person the changes; " +
      "call apply with the planId only after they agree. status, history and drift are read-only.",
  });
  observeMcpServer(server);
  const callerOf = callerFrom(ctx.defaultActor ?? "local");
  const db = ctx.db;
  const audit = db ? (e: AuditInput) => recordAudit(db, e) : undefined;
  registerValidateSpecTool(server, { callerOf, audit });
  registerTranslateTool(server, { callerOf, audit });
  if (ctx.orchestrator && db) {
    const stackOfPlan = async (planId: string) => (await getDeploymentByPlanId(db, planId).catch(() => undefined))?.stack;
    registerEngineTools({ server, orchestrator: ctx.orchestrator, callerOf, audit, stackOfPlan });
    registerResources(server, { orchestrator: ctx.orchestrator, db, callerOf, audit });
    registerCompletions(server, ctx.orchestrator, db, callerOf);
    enableSubscriptions(server, { orchestrator: ctx.orchestrator, events: ctx.events });
  }
  return server;
}
