// Every tool call goes through here: the caller's scope is checked first, and
// any error becomes a tool error in words (never a stack trace).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Scope } from "../auth/tokens.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { errorResult, scopeError, type Caller } from "./results.ts";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What tools work with. */
export interface ToolDeps {
  server: McpServer;
  orchestrator: Orchestrator;
  callerOf(extra: Extra): Caller;
}

/** Wraps a handler: scope check, then the handler, with errors turned into tool errors. */
export function guarded<A>(
  deps: Pick<ToolDeps, "callerOf">,
  tool: string,
  scope: Scope,
  fn: (args: A, caller: Caller, extra: Extra) => Promise<CallToolResult>,
) {
  return async (args: A, extra: Extra): Promise<CallToolResult> => {
    const caller = deps.callerOf(extra);
    const denied = scopeError(caller, scope, tool);
    if (denied) return denied;
    try {
      return await fn(args, caller, extra);
    } catch (err) {
      return errorResult(err);
    }
  };
}
