// Spec handling the orchestrator needs on top of stacks/model: what to write to
// the stack file, secrets restored for a rollback, a spec minus one service.
import { parseSpec, formatSpecErrors, redactSpec, SPEC_VERSION, isRedacted, isSecretValue } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { BosunError } from "./types.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates; returns what goes into the stack file (the person's input when current, else the migrated spec). */
export function validated(input: unknown): { spec: SpecV1; toWrite: unknown } {
  const parsed = parseSpec(input);
  if (!parsed.ok) {
    throw new BosunError(
      "invalid-spec",
      `the spec is invalid:\n${formatSpecErrors(parsed.errors)}`,
      "fix the fields named above and plan again; nothing was changed",
    );
  }
  const current = isObj(input) && input["version"] === SPEC_VERSION;
  return { spec: parsed.spec, toWrite: current ? input : parsed.spec };
}

export function hasSecrets(spec: unknown): boolean {
  if (!isObj(spec) || !isObj(spec["services"])) return false;
  return Object.values(spec["services"]).some((s) => isObj(s) && isObj(s["env"]) && Object.values(s["env"]).some(isSecretValue));
}

/** Config paths (under bosun:spec) and values of every secret, e.g. services.app.env.DB_PASSWORD.secret. */
export function secretPaths(spec: unknown): { path: string; value: string }[] {
  if (!isObj(spec) || !isObj(spec["services"])) return [];
  const out: { path: string; value: string }[] = [];
  for (const [name, svc] of Object.entries(spec["services"])) {
    if (!isObj(svc) || !isObj(svc["env"])) continue;
    for (const [key, value] of Object.entries(svc["env"]))
      if (isSecretValue(value)) out.push({ path: `services.${name}.env.${key}.secret`, value: value.secret });
  }
  return out;
}

/** Redacted copy of any spec-shaped value, as JSON for the log. */
export function redacted(spec: unknown): Record<string, unknown> {
  if (!isObj(spec)) return {};
  return JSON.parse(JSON.stringify(redactSpec(spec as { services?: Record<string, { env?: Record<string, unknown> }> }))) as Record<string, unknown>;
}

/**
 * Puts real secret values back into a redacted spec (from the deployment log,
 * or a spec a model echoed back) from the live spec, by service and env name.
 * Refuses, naming the field, when the live spec has no such secret: the
 * placeholder itself is never applied.
 */
export function restoreSecrets(redactedSpec: unknown, live: unknown, purpose: "plan" | "rollback" = "rollback"): unknown {
  const copy = structuredClone(redactedSpec) as Obj;
  const services = isObj(copy["services"]) ? copy["services"] : {};
  const liveServices = isObj(live) && isObj(live["services"]) ? live["services"] : {};
  for (const [name, svc] of Object.entries(services)) {
    if (!isObj(svc) || !isObj(svc["env"])) continue;
    for (const [key, value] of Object.entries(svc["env"])) {
      if (!isRedacted(value)) continue;
      const liveSvc = liveServices[name];
      const liveValue = isObj(liveSvc) && isObj(liveSvc["env"]) ? liveSvc["env"][key] : undefined;
      if (!isSecretValue(liveValue) || isRedacted(liveValue)) {
        throw purpose === "plan"
          ? new BosunError(
              "invalid-spec",
              `services.${name}.env.${key}: "[secret]" stands for the current secret value, and the stack has no such secret yet`,
              `give the value itself as services.${name}.env.${key}: { "secret": "..." } (or plan with an intent, and bosun generates a random one); nothing was planned`,
            )
          : new BosunError(
              "invalid-spec",
              `services.${name}.env.${key}: the secret value of that deployment is not kept in the log and the current spec no longer has it`,
              `plan the rollback with the spec tool input instead, giving services.${name}.env.${key} as { "secret": "..." }`,
            );
      }
      svc["env"][key] = liveValue;
    }
  }
  return copy;
}

/** The spec without one service, and without allow rules that pointed at it. */
export function withoutService(spec: unknown, service: string): unknown {
  const copy = structuredClone(spec) as Obj;
  const services = isObj(copy["services"]) ? copy["services"] : undefined;
  if (services === undefined || !(service in services)) {
    const known = services ? Object.keys(services).join(", ") : "";
    throw new BosunError("not-found", `the stack has no service named "${service}"`, `services in this stack: ${known || "none"}`);
  }
  delete services[service];
  if (isObj(copy["networks"])) {
    for (const net of Object.values(copy["networks"])) {
      if (isObj(net) && Array.isArray(net["allowFrom"])) net["allowFrom"] = net["allowFrom"].filter((a: unknown) => !(isObj(a) && a["service"] === service));
    }
  }
  return copy;
}

/** What a whole-stack destroy leaves: no networks or services, the DNS domain kept. */
export function emptied(spec: unknown): unknown {
  const dns = isObj(spec) && isObj(spec["dns"]) && typeof spec["dns"]["domain"] === "string" ? { dns: { domain: spec["dns"]["domain"] } } : {};
  return { version: SPEC_VERSION, ...dns };
}
