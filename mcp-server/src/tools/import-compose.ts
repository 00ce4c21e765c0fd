// import_compose: "deploy this compose file". The Compose YAML becomes spec
// entries (mcp-server/src/compose), previewed with the real engine like plan;
// the answer carries the mapping of every service and field, and what was
// refused (then nothing is planned). apply runs the returned planId.
import { z } from "zod";
import { formatImport, importCompose } from "../compose/import.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { planOutput, planResult, stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "Import a Docker Compose file (preview only)",
  description:
    "Turns a Docker Compose file into bosun services (image, ports, volumes, environment, command, health check, restart, limits) " +
    "on one bosun network, and previews the change with the real Pulumi engine, returning a planId and the mapping of every compose field. " +
    "What bosun cannot express (build:, privileged, host networking, devices, env_file, …) is refused with the field named, and nothing is planned. " +
    "Relative bind mounts cannot be resolved from text: give absolute paths. Changes nothing; call apply with the planId once the person agrees.",
  inputSchema: {
    stack: stackName,
    compose: z.string().min(1).max(262_144).describe("The compose file's YAML text (docker-compose.yml / compose.yaml)"),
    network: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe("The bosun network the services go on (existing, or new with vlan). Default: the stack's only network"),
    vlan: z.number().int().min(1).max(4094).optional().describe("The VLAN: its network when one exists, else a new network with this tag"),
  },
  outputSchema: planOutput.extend({
    mapping: z.array(z.string()).describe("What each compose service and field became"),
    notes: z.array(z.string()).describe("Compose fields read but without effect in bosun"),
    refused: z.array(z.object({ path: z.string(), message: z.string() })).describe("Fields bosun cannot express; nothing was planned"),
  }).shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

export function registerImportComposeTool(deps: ToolDeps): void {
  const { server, orchestrator: orch } = deps;
  server.registerTool(
    "import_compose",
    config,
    guarded<{ stack: string; compose: string; network?: string; vlan?: number }>(
      deps,
      "import_compose",
      "plan",
      async ({ stack, compose, network, vlan }, caller) => {
        const current = await orch.getSpec(stack);
        const result = importCompose(compose, current, { ...(network !== undefined ? { network } : {}), ...(vlan !== undefined ? { vlan } : {}) });
        const extra = { mapping: result.mapping, notes: result.notes, refused: result.refused };
        if (result.spec === undefined) {
          const text = `${formatImport(result)}\nNothing was planned. Tell the person which fields bosun cannot express, then call import_compose again with a changed file.`;
          return { ...ok({ stack, ...extra, text }, text), isError: true };
        }
        const plan = await orch.plan({ stack, spec: result.spec, actor: caller.actor, intent: "import compose file" });
        const base = planResult(plan, result.notes);
        const text = `${formatImport({ ...result, notes: [] })}\n${(base.content[0] as { text: string }).text}`;
        return { structuredContent: { ...base.structuredContent, ...extra }, content: [{ type: "text", text }] };
      },
    ),
  );
}
