// Policy on every plan: the rules of policy/engine (with the installation's
// policy.yaml) over the desired state the preview reported, and the rules that
// need its steps (protected resources) over those steps. The CrossGuard pack
// (policy/) runs the same resource rules on the same desired state for a
// terminal's `pulumi preview --policy-pack policy`; bosun evaluates them here
// instead of starting the pack's analyzer process in every plan (about 0.7 s
// of a 2-3 s preview). test/e2e/terminal-policy.test.ts checks both agree.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import {
  decide,
  evaluateResources,
  evaluateSteps,
  kindOf,
  loadRules,
  loadSettings,
  readStackConfig,
  sortFindings,
  UNKNOWN_VALUE,
  type PolicyFinding,
  type PolicyResource,
  type PolicyStep,
} from "../../../policy/engine/index.ts";
import type { ResourceChange } from "./types.ts";

/** The pack's folder, when the project has one (its policy.yaml and rule files are the policy). */
export function policyPackDir(workDir: string): string | undefined {
  const dir = join(workDir, "policy");
  return existsSync(join(dir, "PulumiPolicy.yaml")) ? dir : undefined;
}

/** How the engine marks values known only after apply, and secrets, in its events. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** Steps whose resource is not in the desired state. */
const GONE = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard"]);

/** Event inputs as the rules read them (the pack's view): unknowns as UNKNOWN_VALUE, secrets as "[secret]". */
function plain(value: unknown): unknown {
  if (value === UNKNOWN) return UNKNOWN_VALUE;
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (SECRET_SIG in obj) return "[secret]";
  return Object.fromEntries(Object.entries(obj).flatMap(([k, v]) => (k.startsWith("__") ? [] : [[k, plain(v)]])));
}

const internal = (type: string) => type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");

/** Collects the desired state (every resource the program declares, with its inputs) from a preview's events. */
export function createDesiredCollector() {
  const byUrn = new Map<string, PolicyResource>();
  return {
    onEvent(event: EngineEvent): void {
      const meta = event.resourcePreEvent?.metadata;
      if (!meta || GONE.has(meta.op) || !meta.new || internal(meta.type)) return;
      const name = meta.urn.split("::")[3] ?? meta.urn;
      byUrn.set(meta.urn, { urn: meta.urn, type: meta.type, kind: kindOf(meta.type), name, props: plain(meta.new.inputs ?? {}) as Record<string, unknown> });
    },
    resources(): PolicyResource[] {
      return [...byUrn.values()];
    },
  };
}

/** The resource and stack rules' findings over the desired state. */
export async function resourceFindings(workDir: string, stack: string, resources: readonly PolicyResource[]): Promise<PolicyFinding[]> {
  const dir = policyPackDir(workDir);
  if (!dir) return [];
  const ctx = { stack, settings: loadSettings(dir), stackConfig: readStackConfig(workDir, stack) };
  return evaluateResources(resources, ctx, await loadRules(dir));
}

/** The step rules' findings over a preview's steps. */
export async function stepFindings(workDir: string, stack: string, changes: readonly ResourceChange[]): Promise<PolicyFinding[]> {
  const dir = policyPackDir(workDir);
  if (!dir) return [];
  const steps: PolicyStep[] = changes.map((c) => ({ urn: c.urn, type: c.type, kind: kindOf(c.type), name: c.name, op: c.op, props: c.fields }));
  const ctx = { stack, settings: loadSettings(dir), stackConfig: readStackConfig(workDir, stack) };
  // Read per plan, like the pack does per preview (Node keeps each rule file's module once imported).
  return evaluateSteps(steps, ctx, await loadRules(dir));
}

export function policyResult(findings: readonly PolicyFinding[]) {
  const sorted = sortFindings(findings);
  return { decision: decide(sorted), findings: sorted };
}

/** The findings as lines of a plan's text. */
export function policyText(findings: readonly PolicyFinding[]): string[] {
  if (findings.length === 0) return [];
  return ["Policy:", ...sortFindings(findings).map((f) => `  ${f.level.padEnd(6)} ${f.rule}: ${f.message}`)];
}
