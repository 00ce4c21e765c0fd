// MCP resources (each stack's spec, each deployment's record) and the
// "deploy-service" prompt.
import { z } from "zod";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Orchestrator } from "./orchestrator/types.ts";
import type { Db } from "./db/client.ts";
import { getDeployment } from "./db/queries.ts";

export function registerResources(server: McpServer, orch: Orchestrator, db: Db): void {
  server.registerResource(
    "stack-spec",
    new ResourceTemplate("bosun://stacks/{stack}/spec", {
      list: async () => ({
        resources: (await orch.listStacks()).map((s) => ({ uri: `bosun://stacks/${s}/spec`, name: `${s} spec`, mimeType: "application/json" })),
      }),
    }),
    { title: "A stack's spec", description: "The desired state of a stack (bosun:spec), secrets redacted.", mimeType: "application/json" },
    async (uri, { stack }) => {
      const status = await orch.status(String(stack));
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(status.spec, null, 2) }] };
    },
  );
  server.registerResource(
    "deployment",
    new ResourceTemplate("bosun://deployments/{id}", { list: undefined }),
    {
      title: "A deployment record",
      description: "One row of the deployment log: who, what, spec before/after (redacted), outcome.",
      mimeType: "application/json",
    },
    async (uri, { id }) => {
      const row = z.string().uuid().safeParse(id).success ? await getDeployment(db, String(id)) : undefined;
      if (!row) throw new Error(`no deployment ${String(id)}; ids come from the history tool`);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(row, null, 2) }] };
    },
  );
  server.registerPrompt(
    "deploy-service",
    {
      title: "Deploy a service",
      description: "Walks the assistant through plan → show the person → apply for a service request.",
      argsSchema: { request: z.string().describe("What to deploy, in words"), stack: z.string().optional().describe("Stack, default demo") },
    },
    ({ request, stack }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text:
              `I want this on my network: ${request}\n` +
              `Use bosun on stack "${stack ?? "demo"}": call the plan tool with that intent, show me every resource it would create, change or delete ` +
              `and the assumptions it made, answer its questions with me if it has any, and call apply with the planId only after I say yes. ` +
              `Afterwards show me status.`,
          },
        },
      ],
    }),
  );
}
