// Policy on every plan: the CrossGuard pack (policy/) runs inside the preview,
// so its findings arrive as engine policy events, exactly what a terminal
// `pulumi preview --policy-pack policy` shows; the rules that need the
// preview's steps (protected resources) run here on the steps the preview
// reported. Both use policy/engine with the installation's policy.yaml.
import { stripVTControlCharacters } from "node:util";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import {
  decide,
  evaluateSteps,
  kindOf,
  loadRules,
  loadSettings,
  nameOfUrn,
  POLICY_LEVELS,
  readStackConfig,
  sortFindings,
  type PolicyFinding,
  type PolicyLevel,
  type PolicyStep,
} from "../../../policy/engine/index.ts";
import type { ResourceChange } from "./types.ts";

/** The pack's folder, when the project has one. */
export function policyPackDir(workDir: string): string | undefined {
  const dir = join(workDir, "policy");
  return existsSync(join(dir, "PulumiPolicy.yaml")) ? dir : undefined;
}

/** Preview options that make the engine run the pack. */
export function policyPackOptions(workDir: string): { policyPacks?: string[] } {
  const dir = policyPackDir(workDir);
  return dir ? { policyPacks: [dir] } : {};
}

/** `no-wan-allow-any: firewall rule …` → rule and message. */
const MESSAGE = /^([a-z][a-z0-9-]*): ([\s\S]*)$/;

/** Collects the pack's findings from a preview's engine events. */
export function createPolicyCollector() {
  const found = new Map<string, PolicyFinding>();
  return {
    onEvent(event: EngineEvent): void {
      const p = event.policyEvent;
      if (!p || p.policyPackName !== "bosun" || !(POLICY_LEVELS as readonly string[]).includes(p.policyName)) return;
      const text = stripVTControlCharacters(p.message).trim();
      // The engine puts the policy's description first; the finding is the last line.
      const line = text.split("\n").pop() ?? text;
      const m = MESSAGE.exec(line);
      const finding: PolicyFinding = {
        rule: m?.[1] ?? p.policyName,
        level: p.policyName as PolicyLevel,
        message: (m?.[2] ?? line).trim(),
        ...(p.resourceUrn ? { urn: p.resourceUrn, name: nameOfUrn(p.resourceUrn) } : {}),
      };
      found.set(`${finding.level}\0${finding.rule}\0${finding.urn ?? ""}\0${finding.message}`, finding);
    },
    findings(): PolicyFinding[] {
      return [...found.values()];
    },
    /** Whether the pack refused the preview (a mandatory finding fails it). */
    denied(): boolean {
      return [...found.values()].some((f) => f.level === "deny");
    },
  };
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
