// Every tool call goes through here: the caller's scope (and, for a token
// limited to some stacks, the stack the call is about) is checked first; a
// refusal is written to the audit log; any error becomes a tool error in words
// (never a stack trace).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Scope } from "../auth/tokens.ts";
import type { AuditInput } from "../audit/log.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { errorResult, scopeError, type Caller } from "./results.ts";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every tool needs: who calls, and where refusals are recorded. */
export interface GuardDeps {
  callerOf(extra: Extra): Caller;
  /** Appends to the audit log (absent without a database). */
  audit?: ((event: AuditInput) => Promise<void>) | undefined;
}

/** What the engine tools work with. */
export interface ToolDeps extends GuardDeps {
  server: McpServer;
  orchestrator: Orchestrator;
  /** The stack a plan belongs to, for tokens limited to some stacks. */
  stackOfPlan(planId: string): Promise<string | undefined>;
}

/** The stack a call is about: its `stack` argument, or what `stackOf` finds. */
type StackOf<A> = (args: A) => string | undefined | Promise<string | undefined>;
const stackArg = (args: unknown) => {
  const s = (args as { stack?: unknown } | null)?.stack;
  return typeof s === "string" ? s : undefined;
};

/** Wraps a handler: scope and stack check, then the handler, with errors turned into tool errors. */
export function guarded<A>(
  deps: GuardDeps,
  tool: string,
  scope: Scope,
  fn: (args: A, caller: Caller, extra: Extra) => Promise<CallToolResult>,
  stackOf: StackOf<A> = stackArg,
) {
  return async (args: A, extra: Extra): Promise<CallToolResult> => {
    const caller = deps.callerOf(extra);
    let stack: string | undefined;
    try {
      stack = caller.stacks ? await stackOf(args) : stackArg(args);
    } catch (err) {
      return errorResult(err);
    }
    // A limited token must name a stack it may touch; "unknown" never matches its list.
    const denied = scopeError(caller, scope, tool, caller.stacks ? (stack ?? (stackOf === stackArg ? undefined : "unknown")) : undefined);
    if (denied) {
      await deps.audit?.({
        actor: caller.actor,
        action: tool,
        stack,
        outcome: "denied",
        detail: String(denied.content[0]?.type === "text" ? denied.content[0].text : ""),
      });
      return denied;
    }
    try {
      return await fn(args, caller, extra);
    } catch (err) {
      return errorResult(err);
    }
  };
}
