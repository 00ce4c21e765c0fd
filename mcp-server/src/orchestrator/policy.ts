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
  type PolicyFinding,
  type PolicyResource,
  type PolicyStep,
} from "../../../policy/engine/index.ts";
import { isInternal, maskValue, urnParts } from "./changes.ts";
import type { ResourceChange } from "./types.ts";

/** The pack's folder, when the project has one (its policy.yaml and rule files are the policy). */
export function policyPackDir(workDir: string): string | undefined {
  const dir = join(workDir, "policy");
  return existsSync(join(dir, "PulumiPolicy.yaml")) ? dir : undefined;
}

/** Steps whose resource is not in the desired state. */
const GONE = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard"]);

/** Collects the desired state (every resource the program declares, with its inputs) from a preview's events. */
export function createDesiredCollector() {
  const byUrn = new Map<string, PolicyResource>();
  return {
    onEvent(event: EngineEvent): void {
      const meta = event.resourcePreEvent?.metadata;
      if (!meta || GONE.has(meta.op) || !meta.new || isInternal(meta.type)) return;
      // As the plan shows them: unknowns read "(known after apply)" (the rules' UNKNOWN_VALUE), secrets "[secret]".
      const props = maskValue(meta.new.inputs ?? {}) as Record<string, unknown>;
      byUrn.set(meta.urn, { urn: meta.urn, type: meta.type, kind: kindOf(meta.type), name: urnParts(meta.urn).name, props });
    },
    resources(): PolicyResource[] {
      return [...byUrn.values()];
    },
  };
}

/** Every finding of a plan: the resource and stack rules over the desired state, the step rules over the preview's steps. */
export async function planFindings(
  workDir: string,
  stack: string,
  resources: readonly PolicyResource[],
  changes: readonly ResourceChange[],
): Promise<PolicyFinding[]> {
  const dir = policyPackDir(workDir);
  if (!dir) return [];
  const steps: PolicyStep[] = changes.map((c) => ({ urn: c.urn, type: c.type, kind: kindOf(c.type), name: c.name, op: c.op, props: c.fields }));
  const ctx = { stack, settings: loadSettings(dir), stackConfig: readStackConfig(workDir, stack) };
  // Read per plan, like the pack does per preview (Node keeps each rule file's module once imported).
  const rules = await loadRules(dir);
  return [...evaluateResources(resources, ctx, rules), ...evaluateSteps(steps, ctx, rules)];
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
