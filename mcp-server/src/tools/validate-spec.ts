import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { parseSpec, redactSpec } from "../../../stacks/model/index.ts";
import { guarded, type GuardDeps } from "./guard.ts";

const config = {
  title: "Validate a bosun spec",
  description:
    "Checks a stack spec (the document stored under bosun:spec) against bosun's schema and cross-field rules. " +
    "Returns the fully-resolved spec with defaults, or each error as path + rule. Changes nothing.",
  inputSchema: { spec: z.record(z.string(), z.unknown()).describe("The spec document, e.g. { version: 1, networks: {...}, services: {...} }") },
  outputSchema: {
    valid: z.boolean(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
    spec: z.record(z.string(), z.unknown()).optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

/** Needs the "read" scope: it reads nothing of the stacks, but nothing is served to a caller without a scope. */
export function registerValidateSpecTool(server: McpServer, deps: GuardDeps): void {
  server.registerTool(
    "validate_spec",
    config,
    guarded<{ spec: Record<string, unknown> }>(deps, "validate_spec", "read", async ({ spec }) => {
      const parsed = parseSpec(spec);
      const result = parsed.ok
        ? { valid: true, errors: [], spec: redactSpec(parsed.spec) as unknown as Record<string, unknown> }
        : { valid: false, errors: parsed.errors.map((e) => ({ path: e.path, message: e.message })) };
      return {
        structuredContent: result,
        content: [{ type: "text", text: JSON.stringify(result, null, 2) }],
        isError: !parsed.ok,
      };
    }),
  );
}
