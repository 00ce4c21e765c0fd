// A FirewallRuleSet step (one owner's filter rules in one resource) as the
// steps its rules would have been: one change per rule, named
// `<owner>-rule-<key>` with the FirewallRule type and URN each rule had as a
// resource of its own, so plans, approvals (a removed rule is a delete) and the
// step policies read every rule as before.
import type { StepEventMetadata } from "@pulumi/pulumi/automation/index.js";
import { RULE_SET_TYPE, RULE_TYPE, ruleChanges, ruleName, type RuleChange } from "../../../providers/opnsense-dynamic/resources/index.ts";
import type { ResourceOp } from "./types.ts";

export interface RuleStep {
  urn: string;
  type: string;
  name: string;
  op: ResourceOp;
  /** The rule's inputs (the declared ones; the stored ones for a delete). */
  rule: Record<string, unknown>;
  diff: string[];
}

export const isRuleSet = (type: string): boolean => type === RULE_SET_TYPE;

/** The URN the rule had as a FirewallRule of its own: the set's parents, the rule's type and name. */
function ruleUrn(setUrn: string, name: string): string {
  const parts = setUrn.split("::");
  const types = (parts[2] ?? "").split("$");
  types[types.length - 1] = RULE_TYPE;
  return [...parts.slice(0, 2), types.join("$"), name].join("::");
}

const rulesOf = (state: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> => {
  const rules = state?.["rules"];
  return typeof rules === "object" && rules !== null && !Array.isArray(rules) ? (rules as Record<string, Record<string, unknown>>) : {};
};

/** Each rule of a FirewallRuleSet step, with the step its rule makes (`op` is the set's step, already mapped). */
export function ruleSteps(meta: StepEventMetadata, op: ResourceOp): RuleStep[] {
  const owner = String(meta.new?.inputs?.["owner"] ?? meta.old?.inputs?.["owner"] ?? "");
  let changes: RuleChange[];
  if (op === "create") changes = ruleChanges({}, rulesOf(meta.new?.inputs));
  else if (op === "delete") changes = ruleChanges(rulesOf(meta.old?.outputs ?? meta.old?.inputs), {});
  // The whole set made anew (a kept rule's interface is being replaced): every kept rule is made anew too.
  else if (op === "replace")
    changes = ruleChanges(rulesOf(meta.old?.outputs ?? meta.old?.inputs), rulesOf(meta.new?.inputs)).map((c) =>
      c.op === "create" || c.op === "delete" ? c : { ...c, op: "replace" },
    );
  else changes = ruleChanges(rulesOf(meta.old?.outputs ?? meta.old?.inputs), rulesOf(meta.new?.inputs ?? meta.old?.inputs));
  // A "same" or "read" set changes none of its rules, whatever refresh found.
  const forced = op === "same" || op === "read" || op === "refresh" ? op : undefined;
  return changes.map((c) => {
    const name = ruleName(owner, c.key);
    return { urn: ruleUrn(meta.urn, name), type: RULE_TYPE, name, op: forced ?? c.op, rule: c.new ?? c.old ?? {}, diff: c.diff };
  });
}
