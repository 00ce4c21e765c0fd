// The CrossGuard policy pack "bosun": `pulumi preview --policy-pack policy` (and
// `up`) in a terminal or a pipeline run the rules of policy/engine over the
// stack's desired state. bosun's planner runs the same rules over the same
// desired state in its own process (mcp-server/src/orchestrator/policy.ts). One CrossGuard policy per
// level: "deny" is mandatory (the engine fails the preview or update), "warn"
// and "review" are advisory (bosun turns "review" into a required approval).
// Each message starts with the rule's name: `no-wan-allow-any: firewall rule …`.
// The rules that need a preview's steps (protected resources) run in bosun only.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PolicyPack, type PolicyResource as CrossGuardResource } from "@pulumi/policy";
import {
  evaluateResources,
  kindOf,
  loadRules,
  loadSettings,
  POLICY_LEVELS,
  readStackConfig,
  stackOfUrn,
  UNKNOWN_VALUE,
  type PolicyResource,
} from "./engine/index.ts";

const policyDir = fileURLToPath(new URL(".", import.meta.url));
const projectDir = fileURLToPath(new URL("..", import.meta.url));
const settings = loadSettings(policyDir);
// Rule files load asynchronously; the pack must be constructed synchronously.
const rules = loadRules(policyDir);

// The engine's placeholders for values known only after apply, as @pulumi/policy hands them over.
const proxy = createRequire(import.meta.url)("@pulumi/policy/proxy.js") as Record<string, unknown>;
const UNKNOWNS = new Set(Object.entries(proxy).flatMap(([k, v]) => (/^unknown\w+Value$/.test(k) && typeof v === "string" ? [v] : [])));
const TARGET = "__getSpecialProxyTarget";

/** The resource's inputs as plain values, with unknowns as UNKNOWN_VALUE (the policy SDK throws on reading them). */
function plain(value: unknown): unknown {
  if (typeof value === "string") return UNKNOWNS.has(value) ? UNKNOWN_VALUE : value;
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function toResource(r: CrossGuardResource): PolicyResource {
  const raw = (r.props as Record<string, unknown>)[TARGET] ?? r.props;
  return { urn: r.urn, type: r.type, kind: kindOf(r.type), name: r.name, props: plain(raw) as Record<string, unknown> };
}

const internal = (type: string) => type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");

const DESCRIPTIONS = {
  deny: "bosun rules at level deny: the change is refused",
  warn: "bosun rules at level warn: shown with the plan",
  review: "bosun rules at level review: bosun applies the change only after an approval",
} as const;

new PolicyPack("bosun", {
  policies: POLICY_LEVELS.map((level) => ({
    name: level,
    description: DESCRIPTIONS[level],
    enforcementLevel: level === "deny" ? "mandatory" : "advisory",
    validateStack: async (args, report) => {
      const resources = args.resources.filter((r) => !internal(r.type)).map(toResource);
      const stack = stackOfUrn(args.resources[0]?.urn ?? "");
      const ctx = { stack, settings, stackConfig: readStackConfig(projectDir, stack) };
      for (const f of evaluateResources(resources, ctx, await rules)) {
        if (f.level === level) report(`${f.rule}: ${f.message}`, f.urn);
      }
    },
  })),
});
