import { z } from "zod";
import { isSecretValue } from "../../../stacks/model/index.ts";
import { BosunError } from "../orchestrator/types.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "Read a stored secret",
  description:
    "Returns the value of one secret env of a service (e.g. the admin password bosun generated for Vaultwarden or Grafana), " +
    'decrypted from the stack. Needs the "secrets" scope; every read is written to the audit log. Show it only to the person who asked.',
  inputSchema: {
    stack: stackName,
    service: z.string().min(1).max(63).describe("The service, e.g. grafana"),
    name: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .max(100)
      .describe("The env name, e.g. GF_SECURITY_ADMIN_PASSWORD"),
  },
  outputSchema: { stack: z.string(), service: z.string(), name: z.string(), value: z.string() },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerGetSecretTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "get_secret",
    config,
    guarded<{ stack: string; service: string; name: string }>(deps, "get_secret", "secrets", async ({ stack, service, name }, caller) => {
      const spec = await deps.orchestrator.getSpec(stack);
      const env = spec.services[service]?.env ?? {};
      const value = env[name];
      if (!isSecretValue(value)) {
        const secrets = Object.entries(env)
          .filter(([, v]) => isSecretValue(v))
          .map(([k]) => k);
        throw new BosunError(
          "not-found",
          `stack ${stack} has no secret services.${service}.env.${name}`,
          spec.services[service] ? `secrets of ${service}: ${secrets.join(", ") || "none"}` : `services: ${Object.keys(spec.services).join(", ") || "none"}`,
        );
      }
      await deps.audit?.({ actor: caller.actor, action: "get_secret", stack, outcome: "succeeded", detail: `services.${service}.env.${name}` });
      return ok({ stack, service, name, value: value.secret }, `services.${service}.env.${name} of stack ${stack}: ${value.secret}`);
    }),
  );
}
