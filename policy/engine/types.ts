// The policy's vocabulary: what a rule sees (a resource of the desired state,
// or a step of a preview) and what it reports. Rules are plain functions, so
// the CrossGuard pack (`pulumi preview --policy-pack policy`) and bosun's
// planner run the very same code on the very same inputs.
import type { PolicySettings } from "./settings.ts";

/**
 * deny: the change is refused (CrossGuard "mandatory": `pulumi preview`/`up` fail too);
 * warn: shown with the plan; review: the plan needs an approval before apply.
 */
export const POLICY_LEVELS = ["deny", "warn", "review"] as const;
export type PolicyLevel = (typeof POLICY_LEVELS)[number];

/** How a value known only after apply appears in `props`. */
export const UNKNOWN_VALUE = "(known after apply)";

/** One resource of the desired state, as the engine registers it. */
export interface PolicyResource {
  urn: string;
  /** Type token, e.g. `pulumi-nodejs:dynamic/opnsense:FirewallRule`. */
  type: string;
  /** The type without the dynamic-provider prefix, e.g. `opnsense:FirewallRule`, `docker:Container`. */
  kind: string;
  /** Logical name, e.g. `gaming-vlan`. */
  name: string;
  /** Inputs; unknown values as UNKNOWN_VALUE, secrets as "[secret]" where bosun masked them. */
  props: Record<string, unknown>;
}

export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "read" | "refresh";

/** A step of a preview: what the engine will do to one resource. */
export interface PolicyStep extends PolicyResource {
  op: StepOp;
}

export interface PolicyContext {
  stack: string;
  settings: PolicySettings;
  /** The stack's plain (not secret) settings from its stack file, e.g. `opnsense:url`, `dockerEngine:host`. */
  stackConfig: Readonly<Record<string, string>>;
}

/** What a rule found: the problem in words, and the resource it is about. */
export interface Violation {
  message: string;
  urn?: string;
  name?: string;
}

export interface PolicyRule {
  /** kebab-case; used in policy.yaml to change its level, and shown with every finding. */
  name: string;
  description: string;
  /** Its level unless policy.yaml says otherwise. */
  level: PolicyLevel;
  /** Checks one resource of the desired state: each returned string is one finding. */
  resource?(r: PolicyResource, ctx: PolicyContext): string[] | string | undefined;
  /** Checks the desired state as a whole (sums across resources). */
  stack?(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[];
  /**
   * Checks the steps of a preview (creates, replaces, deletes). Steps are what only a
   * preview knows, so these run in bosun's planner (MCP, `bosun plan`, CI), not in CrossGuard.
   */
  step?(s: PolicyStep, ctx: PolicyContext): string[] | string | undefined;
}

export interface PolicyFinding {
  rule: string;
  level: PolicyLevel;
  message: string;
  urn?: string;
  /** The resource's logical name. */
  name?: string;
}

/** For rule files in policy/rules/: `export default defineRule({ ... })`. */
export function defineRule(rule: PolicyRule): PolicyRule {
  return rule;
}

/** `pulumi-nodejs:dynamic/opnsense:FirewallRule` → `opnsense:FirewallRule`. */
export function kindOf(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
}

/** The logical name from a URN (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  return urn.split("::")[3] ?? urn;
}

/** The stack from a URN. */
export function stackOfUrn(urn: string): string {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1] ?? "";
}
