import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { translate, MAX_TEXT_LENGTH } from "../translator/index.ts";
import { parseSpec, redactSpec } from "../../../stacks/model/index.ts";
import { guarded, type GuardDeps } from "./guard.ts";

const config = {
  title: "Translate a request into a spec change",
  description:
    'Turns a sentence ("deploy a Minecraft server for 10 players on VLAN 20") and an optional current spec into a new spec, ' +
    "the list of changes, the defaults assumed, and questions when something essential is missing. Works offline; changes nothing.",
  inputSchema: {
    text: z.string().min(1).max(MAX_TEXT_LENGTH),
    currentSpec: z.record(z.string(), z.unknown()).optional(),
  },
  outputSchema: {
    spec: z.record(z.string(), z.unknown()),
    changes: z.array(z.string()),
    assumptions: z.array(z.string()),
    questions: z.array(z.string()),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

/** Needs the "plan" scope: it is the first half of planning a change. */
export function registerTranslateTool(server: McpServer, deps: GuardDeps): void {
  server.registerTool(
    "translate",
    config,
    guarded<{ text: string; currentSpec?: Record<string, unknown> }>(deps, "translate", "plan", async ({ text, currentSpec }) => {
      let current;
      if (currentSpec) {
        const parsed = parseSpec(currentSpec);
        if (!parsed.ok) {
          const message = `currentSpec is invalid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`;
          return { isError: true, content: [{ type: "text" as const, text: message }] };
        }
        current = parsed.spec;
      }
      const t = translate(text, current);
      const result = {
        spec: redactSpec(t.spec) as unknown as Record<string, unknown>,
        changes: t.changes,
        assumptions: t.assumptions,
        questions: t.questions,
      };
      return { structuredContent: result, content: [{ type: "text" as const, text: JSON.stringify(result, null, 2) }] };
    }),
  );
}
