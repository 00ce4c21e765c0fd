// Builds bosun's MCP server. Without an orchestrator it carries the tools that
// need no engine (validate_spec, translate); with one, also plan, apply,
// status, history, drift, rollback, destroy, the resources and the prompt,
// completions and resource subscriptions. Every server has the logging
// capability, and its tool calls are observed (observability/mcp.ts).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerEngineTools, registerTranslateTool, registerValidateSpecTool } from "./tools/index.ts";
import { registerResources } from "./resources.ts";
import type { Caller } from "./tools/results.ts";
import type { Orchestrator } from "./orchestrator/types.ts";
import type { Db } from "./db/client.ts";
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

export function createMcpServer(ctx: ServerContext = {}): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {}, logging: {}, ...(ctx.orchestrator ? { resources: {}, prompts: {} } : {}) },
    instructions:
      "bosun manages a homelab/small-office network as code. Use plan (with intent or spec) to preview; show the person the changes; " +
      "call apply with the planId only after they agree. status, history and drift are read-only.",
  });
  observeMcpServer(server);
  registerValidateSpecTool(server);
  registerTranslateTool(server);
  if (ctx.orchestrator && ctx.db) {
    const fallback = ctx.defaultActor ?? "local";
    const callerOf = (extra: { authInfo?: { clientId: string; scopes: string[] } }): Caller =>
      extra.authInfo
        ? { actor: extra.authInfo.clientId, scopes: extra.authInfo.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) }
        : { actor: fallback, scopes: SCOPES };
    registerEngineTools({ server, orchestrator: ctx.orchestrator, callerOf });
    registerResources(server, ctx.orchestrator, ctx.db);
    registerCompletions(server, ctx.orchestrator, ctx.db);
    enableSubscriptions(server, { orchestrator: ctx.orchestrator, events: ctx.events });
  }
  return server;
}
