// What a FirewallRuleSet holds, read the same way by its implementation
// (filter-rule-set-impl.ts), by bosun's plan (each rule is a line of its own)
// and by the policy rules (each rule is judged on its own): the rules of one
// owner keyed by their stable `key`, each named `<owner>-rule-<key>` as the
// one-resource-per-rule FirewallRule was, and compared field by field.
// Pure: no client, no engine.
import { containsUnknown } from "../../kit/check.ts";

/** The type tokens: the set, and the one-rule resource each of its rules stands for in plans and policy. */
export const RULE_SET_TYPE = "pulumi-nodejs:dynamic/opnsense:FirewallRuleSet";
export const RULE_TYPE = "pulumi-nodejs:dynamic/opnsense:FirewallRule";

/** The rule's fields a change is judged on (everything the box stores but bosun's mark). */
export const RULE_FIELDS = [
  "interface",
  "action",
  "direction",
  "ipProtocol",
  "protocol",
  "source",
  "sourceNot",
  "sourcePort",
  "destination",
  "destinationNot",
  "destinationPort",
  "sequence",
  "quick",
  "log",
  "enabled",
  "gateway",
  "description",
] as const;

/** A rule moved to another interface is a new rule (the box drops an interface's rules with its assignment). */
export const RULE_REPLACE_ON: readonly string[] = ["interface"];

/** A rule's name in plans, policy findings and messages: the name its own FirewallRule had. */
export const ruleName = (owner: string, key: string): string => `${owner}-rule-${key}`;

export type Rule = Record<string, unknown>;
export type RuleOp = "create" | "update" | "replace" | "delete" | "same";

export interface RuleChange {
  key: string;
  op: RuleOp;
  /** The fields that differ (update, replace). */
  diff: string[];
  /** Stored (old outputs) and declared (new inputs) values; absent on create and delete. */
  old?: Rule;
  new?: Rule;
}

const stable = (v: unknown): string => JSON.stringify(v ?? null);
const asRules = (v: unknown): Record<string, Rule> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, Rule>) : {});

/**
 * Per key: what turns the stored rules into the declared ones. A field still
 * unknown (preview) counts as changed. Keys in declaration order, then removed ones.
 */
export function ruleChanges(stored: unknown, declared: unknown): RuleChange[] {
  const olds = asRules(stored);
  // The whole set unknown (preview): every stored rule may change.
  if (containsUnknown(declared) && asRules(declared) !== declared)
    return Object.entries(olds).map(([key, old]) => ({ key, op: "update", diff: [...RULE_FIELDS], old }));
  const news = asRules(declared);
  const out: RuleChange[] = [];
  for (const [key, rule] of Object.entries(news)) {
    const old = olds[key];
    if (!old) {
      out.push({ key, op: "create", diff: [], new: rule });
      continue;
    }
    const whole = typeof rule !== "object" || rule === null; // one rule unknown as a whole (preview)
    const diff = whole ? [...RULE_FIELDS] : RULE_FIELDS.filter((f) => stable(old[f]) !== stable(rule[f]));
    const op: RuleOp = diff.length === 0 ? "same" : diff.some((f) => RULE_REPLACE_ON.includes(f)) ? "replace" : "update";
    out.push({ key, op, diff, old, new: rule });
  }
  for (const [key, old] of Object.entries(olds)) if (!(key in news)) out.push({ key, op: "delete", diff: [], old });
  return out;
}
