// MCP resources (each stack's spec and services, each deployment's record with
// its engine events so far, the service catalog's templates) and the
// "deploy-service" prompt. Their arguments complete (features/completions.ts).
import { z } from "zod";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Orchestrator } from "./orchestrator/types.ts";
import type { Db } from "./db/client.ts";
import { getDeployment, listEvents } from "./db/queries.ts";
import { templateCatalog } from "../../stacks/templates/catalog.ts";

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] });
/** A running deployment's resource shows its most recent engine events. */
const EVENTS_SHOWN = 100;

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
    "stack-service",
    new ResourceTemplate("bosun://stacks/{stack}/services/{service}", { list: undefined }),
    {
      title: "A service of a stack",
      description: "One service's spec (secrets redacted) and what is deployed of it (address, DNS name, ports).",
      mimeType: "application/json",
    },
    async (uri, { stack, service }) => {
      const status = await orch.status(String(stack));
      const spec = (status.spec as { services?: Record<string, unknown> } | undefined)?.services?.[String(service)];
      if (spec === undefined) throw new Error(`stack ${String(stack)} has no service ${String(service)}`);
      const live = (status.outputs["services"] as Record<string, unknown> | undefined)?.[String(service)];
      return json(uri, { stack: String(stack), service: String(service), spec, deployed: live ?? null });
    },
  );
  server.registerResource(
    "deployment",
    new ResourceTemplate("bosun://deployments/{id}", { list: undefined }),
    {
      title: "A deployment record",
      description:
        "One row of the deployment log: who, what, spec before/after (redacted), outcome, and its latest engine events. " +
        "Subscribe to it to be told while it runs.",
      mimeType: "application/json",
    },
    async (uri, { id }) => {
      const row = z.string().uuid().safeParse(id).success ? await getDeployment(db, String(id)) : undefined;
      if (!row) throw new Error(`no deployment ${String(id)}; ids come from the history tool`);
      const events = (await listEvents(db, row.id)).slice(-EVENTS_SHOWN).map(({ seq, timestamp, type, urn, op, status, message }) => ({
        seq,
        at: timestamp.toISOString(),
        type,
        ...(urn ? { urn } : {}),
        ...(op ? { op } : {}),
        ...(status ? { status } : {}),
        ...(message ? { message } : {}),
      }));
      return json(uri, { ...row, events });
    },
  );
  server.registerResource(
    "template",
    new ResourceTemplate("bosun://templates/{name}", {
      list: async () => ({
        resources: Object.values(templateCatalog).map((t) => ({
          uri: `bosun://templates/${t.name}`,
          name: t.name,
          title: t.title,
          description: t.description,
          mimeType: "application/json",
        })),
      }),
    }),
    { title: "A catalog template", description: "A service template: image, ports, volumes, memory rules.", mimeType: "application/json" },
    async (uri, { name }) => {
      const t = templateCatalog[String(name)];
      if (!t) throw new Error(`no template ${String(name)}; see resources bosun://templates/…`);
      return json(uri, t);
    },
  );
  server.registerPrompt(
    "deploy-service",
    {
      title: "Deploy a service",
      description: "Walks the assistant through plan → show the person → apply for a service request.",
      argsSchema: {
        request: z.string().describe("What to deploy, in words"),
        stack: z.string().optional().describe("Stack, default demo"),
        template: z.string().optional().describe("A catalog template to start from, e.g. minecraft-java"),
      },
    },
    ({ request, stack, template }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text:
              `I want this on my network: ${request}\n` +
              (template ? `Start from bosun's catalog template "${template}".\n` : "") +
              `Use bosun on stack "${stack ?? "demo"}": call the plan tool with that intent, show me every resource it would create, change or delete ` +
              `and the assumptions it made, answer its questions with me if it has any, and call apply with the planId only after I say yes. ` +
              `Afterwards show me status.`,
          },
        },
      ],
    }),
  );
}
