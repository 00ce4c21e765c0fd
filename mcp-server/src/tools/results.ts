// Tool results and errors in one shape: structuredContent plus readable text;
// errors say what was wrong and what to do next, never a stack trace.
import { ZodError } from "zod";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BosunError } from "../orchestrator/types.ts";
import type { Scope } from "../auth/tokens.ts";

export function ok(structured: object, text: string): CallToolResult {
  return { structuredContent: structured as Record<string, unknown>, content: [{ type: "text", text }] };
}

export function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

export function errorResult(err: unknown): CallToolResult {
  if (err instanceof BosunError) return failure(`${err.message}\nWhat to do: ${err.hint}`);
  if (err instanceof ZodError) return failure(`invalid input: ${err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const first = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
  return failure(`bosun failed: ${first.slice(0, 300)}\nWhat to do: try again; if it keeps failing, check the server's log`);
}

/** Who is calling, from the HTTP token (authInfo) or the transport default. */
export interface Caller {
  actor: string;
  scopes: readonly Scope[];
  /** The only stacks this caller may touch; undefined = every stack. */
  stacks?: readonly string[];
}

/** Why `caller` may not use `what` (a tool, resource or prompt) on `stack`; undefined when it may. */
export function denial(caller: Caller, needed: Scope, what: string, stack?: string): string | undefined {
  if (!caller.scopes.includes(needed)) {
    return `the token "${caller.actor}" lacks the "${needed}" scope that ${what} needs (it has: ${caller.scopes.join(", ") || "none"})\nWhat to do: use a token with the "${needed}" scope (bosun token add <name> --scopes ${needed})`;
  }
  if (stack !== undefined && caller.stacks && !caller.stacks.includes(stack)) {
    return `the token "${caller.actor}" may not touch stack "${stack}" (it is limited to: ${caller.stacks.join(", ")})\nWhat to do: use a token for that stack (bosun token add <name> --stacks ${stack})`;
  }
  return undefined;
}

export function scopeError(caller: Caller, needed: Scope, tool: string, stack?: string): CallToolResult | undefined {
  const why = denial(caller, needed, tool, stack);
  return why === undefined ? undefined : failure(why);
}
