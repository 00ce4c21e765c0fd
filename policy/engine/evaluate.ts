// Runs rules over a desired state (what CrossGuard and bosun both see) or over a
// preview's steps (what only bosun's planner sees), at the levels policy.yaml
// sets, and sums the findings up into one decision.
import { RULE_SET_TYPE, RULE_TYPE, ruleName } from "../../providers/opnsense-dynamic/resources/index.ts";
import type { PolicySettings } from "./settings.ts";
import {
  POLICY_LEVELS,
  kindOf,
  type PolicyContext,
  type PolicyFinding,
  type PolicyLevel,
  type PolicyResource,
  type PolicyRule,
  type PolicyStep,
} from "./types.ts";

/** The rule's level after policy.yaml; undefined when it is switched off. */
export function levelOf(rule: PolicyRule, settings: PolicySettings): PolicyLevel | undefined {
  const set = settings.rules[rule.name];
  if (set === "off") return undefined;
  return set ?? rule.level;
}

const many = (r: string[] | string | undefined): string[] => (r === undefined ? [] : Array.isArray(r) ? r : [r]);

/**
 * A FirewallRuleSet (one owner's filter rules in one resource) as the rules it
 * holds, each judged on its own as a FirewallRule named `<owner>-rule-<key>`;
 * findings keep the set's URN, the resource the engine knows.
 */
export function expandRuleSets(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.flatMap((r) => {
    if (r.type !== RULE_SET_TYPE) return [r];
    const rules = r.props["rules"];
    if (typeof rules !== "object" || rules === null || Array.isArray(rules)) return [];
    const owner = String(r.props["owner"] ?? r.name);
    return Object.entries(rules as Record<string, unknown>).map(([key, props]) => ({
      urn: r.urn,
      type: RULE_TYPE,
      kind: kindOf(RULE_TYPE),
      name: ruleName(owner, key),
      props: typeof props === "object" && props !== null ? (props as Record<string, unknown>) : {},
    }));
  });
}

/** Every finding of the resource and stack checks over the desired state. */
export function evaluateResources(declared: readonly PolicyResource[], ctx: PolicyContext, rules: readonly PolicyRule[]): PolicyFinding[] {
  const resources = expandRuleSets(declared);
  const findings: PolicyFinding[] = [];
  for (const rule of rules) {
    const level = levelOf(rule, ctx.settings);
    if (!level) continue;
    for (const r of rule.resource ? resources : []) {
      for (const message of many(rule.resource?.(r, ctx))) findings.push({ rule: rule.name, level, message, urn: r.urn, name: r.name });
    }
    for (const v of rule.stack?.(resources, ctx) ?? []) {
      findings.push({ rule: rule.name, level, message: v.message, ...(v.urn ? { urn: v.urn } : {}), ...(v.name ? { name: v.name } : {}) });
    }
  }
  return findings;
}

/** Every finding of the step checks over a preview's steps. */
export function evaluateSteps(steps: readonly PolicyStep[], ctx: PolicyContext, rules: readonly PolicyRule[]): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const rule of rules) {
    const level = levelOf(rule, ctx.settings);
    if (!level || !rule.step) continue;
    for (const s of steps) {
      for (const message of many(rule.step(s, ctx))) findings.push({ rule: rule.name, level, message, urn: s.urn, name: s.name });
    }
  }
  return findings;
}

export type PolicyDecision = "allow" | "review" | "deny";

/** deny when anything denies, review when anything needs a review, else allow. */
export function decide(findings: readonly PolicyFinding[]): PolicyDecision {
  if (findings.some((f) => f.level === "deny")) return "deny";
  if (findings.some((f) => f.level === "review")) return "review";
  return "allow";
}

/** Deny first, then review, then warn; by rule within a level. */
export function sortFindings(findings: readonly PolicyFinding[]): PolicyFinding[] {
  const rank = (l: PolicyLevel) => POLICY_LEVELS.indexOf(l);
  return [...findings].sort((a, b) => rank(a.level) - rank(b.level) || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
}
