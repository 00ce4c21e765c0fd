// MCP resources (each stack's spec and services, each deployment's record with
// its engine events so far, the service catalog's templates, the audit log)
// and the "deploy-service" prompt. Each checks the caller's scope and, for a
// token limited to some stacks, the stack, like the tools do (guard.ts).
// Their arguments complete (features/completions.ts).
import { z } from "zod";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Orchestrator } from "./orchestrator/types.ts";
import type { Db } from "./db/client.ts";
import { getDeployment, listEvents } from "./db/queries.ts";
import { readAudit, toJsonLines, type AuditInput } from "./audit/log.ts";
import type { Scope } from "./auth/tokens.ts";
import type { Extra } from "./tools/index.ts";
import { denial, type Caller } from "./tools/results.ts";
import { templateCatalog } from "../../stacks/templates/catalog.ts";

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] });
/** A running deployment's resource shows its most recent engine events. */
const EVENTS_SHOWN = 100;

export interface ResourceDeps {
  orchestrator: Orchestrator;
  db: Db;
  callerOf(extra: Pick<Extra, "authInfo">): Caller;
  audit?: ((event: AuditInput) => Promise<void>) | undefined;
}

export function registerResources(server: McpServer, deps: ResourceDeps): void {
  const { orchestrator: orch, db } = deps;
  /** Throws (an MCP error the client sees) when the caller may not; records the refusal. */
  const allow = async (extra: Pick<Extra, "authInfo">, scope: Scope, what: string, stack?: string): Promise<Caller> => {
    const caller = deps.callerOf(extra);
    const why = denial(caller, scope, what, stack);
    if (why === undefined) return caller;
    await deps.audit?.({ actor: caller.actor, action: what, stack, outcome: "denied", detail: why.split("\n")[0] });
    throw new Error(why);
  };
  const visible = (caller: Caller, stack: string) => !caller.stacks || caller.stacks.includes(stack);

  server.registerResource(
    "stack-spec",
    new ResourceTemplate("bosun://stacks/{stack}/spec", {
      list: async (extra) => {
        const caller = await allow(extra, "read", "the stack list");
        return {
          resources: (await orch.listStacks())
            .filter((s) => visible(caller, s))
            .map((s) => ({ uri: `bosun://stacks/${s}/spec`, name: `${s} spec`, mimeType: "application/json" })),
        };
      },
    }),
    { title: "A stack's spec", description: "The desired state of a stack (bosun:spec), secrets redacted.", mimeType: "application/json" },
    async (uri, { stack }, extra) => {
      await allow(extra, "read", "the stack-spec resource", String(stack));
      const status = await orch.status(String(stack));
      return json(uri, status.spec);
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
    async (uri, { stack, service }, extra) => {
      await allow(extra, "read", "the stack-service resource", String(stack));
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
    async (uri, { id }, extra) => {
      const caller = await allow(extra, "read", "the deployment resource");
      const row = z.string().uuid().safeParse(id).success ? await getDeployment(db, String(id)) : undefined;
      // A deployment of a stack the token may not see is reported like a missing one.
      if (!row || !visible(caller, row.stack)) throw new Error(`no deployment ${String(id)}; ids come from the history tool`);
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
      list: async (extra) => {
        await allow(extra, "read", "the template list");
        return {
          resources: Object.values(templateCatalog).map((t) => ({
            uri: `bosun://templates/${t.name}`,
            name: t.name,
            title: t.title,
            description: t.description,
            mimeType: "application/json",
          })),
        };
      },
    }),
    { title: "A catalog template", description: "A service template: image, ports, volumes, memory rules.", mimeType: "application/json" },
    async (uri, { name }, extra) => {
      await allow(extra, "read", "the template resource");
      const t = templateCatalog[String(name)];
      if (!t) throw new Error(`no template ${String(name)}; see resources bosun://templates/…`);
      return json(uri, t);
    },
  );
  server.registerResource(
    "audit-log",
    "bosun://audit",
    {
      title: "The audit log",
      description: "Who did what, when, from which intent and with which result, oldest first, as JSON lines (the last 1000 events).",
      mimeType: "application/x-ndjson",
    },
    async (uri, extra) => {
      const caller = await allow(extra, "read", "the audit-log resource");
      const all = await readAudit(db, caller.stacks ? { stacks: caller.stacks } : {});
      return { contents: [{ uri: uri.href, mimeType: "application/x-ndjson", text: toJsonLines(all.slice(-1000)) }] };
    },
  );
  server.registerPrompt(
    "deploy-service",
    {
      title: "Deploy a service",
      description: "Walks the assistant through plan → show the person → apply for a service request.",
      argsSchema: {
        request: z.string().max(2000).describe("What to deploy, in words"),
        stack: z.string().max(100).optional().describe("Stack, default demo"),
        template: z.string().max(100).optional().describe("A catalog template to start from, e.g. minecraft-java"),
      },
    },
    async ({ request, stack, template }, extra) => {
      await allow(extra, "plan", "the deploy-service prompt", stack ?? "demo");
      return {
        messages: [
          {
            role: "user" as const,
            content: {
              type: "text" as const,
              text:
                `I want this on my network: ${request}\n` +
                (template ? `Start from bosun's catalog template "${template}".\n` : "") +
                `Use bosun on stack "${stack ?? "demo"}": call the plan tool with that intent, show me every resource it would create, change or delete ` +
                `and the assumptions it made, answer its questions with me if it has any, and call apply with the planId only after I say yes. ` +
                `Afterwards show me status.`,
            },
          },
        ],
      };
    },
  );
}
