// The filter rules of one owner (a segment, a service, a VPN) as one resource:
// implementation run in the provider process. Each rule is still one OPNsense
// filter rule with its own ownership mark, checked exactly as a FirewallRule
// (filter-rule-impl.ts: schema, release rules, lock-out guard) and written with
// the same safety net (savepoint budget ≤ 26.1, backup before the first write);
// rules are only saved here, a ServiceApply("filter") makes them live. What
// changes is the engine's bookkeeping: one resource per owner instead of one per
// rule, so the state file (rewritten twice per step) is written a few times per
// deployment instead of twice per rule.
//
// create: every rule or none. update: per key, add / set / delete, and a rule
// moved to another interface is added anew and the old one deleted; if a write
// fails, the rules written so far are recorded (a partial update, finished by
// the next up) and the error names the rule. read: each rule from the box; one
// deleted there drops out and the next up adds it again. remove: every rule
// (not found is done), then one filter apply for the burst of deletes.
import { createHash } from "node:crypto";
import { z } from "zod";
import { checkWith, containsUnknown, userInputs, type CheckFailure, type Props } from "../../kit/index.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { FilterRuleItem } from "../client/types.ts";
import { afterFilterChange, beforeFilterChange, scheduleApply } from "./apply.ts";
import { checkOnBox, createOwned, explainValidation, newRevision, saveItem } from "./common.ts";
import { getClient } from "./connection.ts";
import { FIELD_MAP, fromItem, label, lockoutFailures, releaseFailures, ruleInputs, toItem, type RuleInputs } from "./filter-rule-impl.ts";
import { requireInterfaces } from "./interface-assignment-impl.ts";
import { ruleChanges, ruleName, type RuleChange } from "./rule-set.ts";

export { configureFromStack as configure } from "./connection.ts";

/** A rule's key: it names the rule (`<owner>-rule-<key>`) in plans, so it stays short and plain. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export const setInputs = z.object({
  /** The owner's name (the component); rules are shown as `<owner>-rule-<key>`. */
  owner: z.string().min(1, "must name the rules' owner"),
  rules: z.record(z.string().regex(KEY, "keys are letters, digits, . _ : - (at most 100)"), ruleInputs),
  /** Ownership mark of the set (set by the resource class); each rule's mark is derived from it and the key. */
  ownerTag: z.string().optional(),
});
export type SetInputs = z.infer<typeof setInputs>;
/** A stored rule: the input view the box holds, and its uuid. */
export type StoredRule = Omit<RuleInputs, "ownerTag"> & { uuid: string };
export interface SetOutputs {
  owner: string;
  ownerTag?: string;
  rules: Record<string, StoredRule>;
  /** Changes on every write; ServiceApply triggers hash it. */
  revision: string;
}

/** Each rule's own mark: one per key, so a lost create is reconciled rule by rule. */
const ruleTag = (setTag: string | undefined, key: string): string | undefined =>
  setTag === undefined ? undefined : createHash("sha256").update(`${setTag}/${key}`).digest("hex").slice(0, 12);

const what = (owner: string, key: string, rule: Props): string => `${label(rule)} (${ruleName(owner, key)})`;
const rulesOf = (v: unknown): Record<string, Props> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, Props>) : {});

function stored(item: FilterRuleItem, uuid: string): StoredRule {
  const { ownerTag: _tag, revision: _rev, ...rule } = fromItem({ ...item, uuid }, "", {});
  return rule;
}

export async function check(olds: Props, news: Props) {
  const inputs = userInputs(news);
  const owner = typeof inputs.owner === "string" ? inputs.owner : "?";
  const failures: CheckFailure[] = [];
  if (!containsUnknown(inputs.owner) && (typeof inputs.owner !== "string" || inputs.owner === ""))
    failures.push({ property: "owner", reason: `firewall rules: owner: must name the rules' owner` });
  // The whole set still unknown (preview): nothing to judge yet.
  if (containsUnknown(inputs.rules) && typeof inputs.rules !== "object") return { inputs, failures };
  if (typeof inputs.rules !== "object" || inputs.rules === null || Array.isArray(inputs.rules))
    return { inputs, failures: [...failures, { property: "rules", reason: `firewall rules of ${owner}: rules: must be an object keyed by rule key` }] };
  const rules: Record<string, Props> = {};
  for (const [key, rule] of Object.entries(rulesOf(inputs.rules))) {
    if (!KEY.test(key)) failures.push({ property: `rules.${key}`, reason: `${ruleName(owner, key)}: the key must be letters, digits, . _ : - (at most 100)` });
    // One rule still unknown as a whole (preview): judged once it is known.
    if (typeof rule !== "object" || rule === null) {
      rules[key] = rule;
      continue;
    }
    const one = checkWith(what(owner, key, rule), ruleInputs, rule);
    rules[key] = one.inputs;
    failures.push(...one.failures.map((f) => ({ ...f, property: `rules.${key}.${f.property}` })));
  }
  const base = { inputs: { ...inputs, rules }, failures };
  return checkOnBox(base, async (caps, client) => {
    const found: CheckFailure[] = [];
    const prefixed = (key: string, list: CheckFailure[]) => list.map((f) => ({ ...f, property: `rules.${key}.${f.property}` }));
    const known = Object.entries(rules).filter(([, rule]) => typeof rule === "object" && rule !== null);
    for (const [key, rule] of known) found.push(...prefixed(key, releaseFailures(rule, caps, what(owner, key, rule))));
    if (found.length) return found;
    const before = rulesOf(olds.rules);
    for (const [key, rule] of known) {
      found.push(...prefixed(key, await lockoutFailures(before[key] ?? {}, rule, client, what(owner, key, rule))));
    }
    return found;
  });
}

export async function diff(_id: string, olds: Props, news: Props) {
  const changes = ruleChanges(olds.rules, news.rules);
  const changed = changes.some((c) => c.op !== "same") || JSON.stringify(olds.owner) !== JSON.stringify(news.owner);
  // A rule moved to another known interface is deleted and added inside the update. A kept rule whose
  // interface is not known yet may be on an assignment being replaced, which takes the interface's rules
  // off the box: the set is made anew, as the engine does with a FirewallRule (and, for a VLAN replaced
  // old-first, before the VLAN goes), so no rule is left recorded that the box dropped.
  // (The engine asks with the whole `rules` unknown when a resource they depend on is replaced old-first.)
  const kept = changes.filter((c) => c.op !== "create" && c.op !== "delete");
  const unknownInterface = kept.some((c) => typeof c.new !== "object" || c.new === null || containsUnknown(c.new.interface));
  return { changes: changed, replaces: unknownInterface ? ["rules"] : [], deleteBeforeReplace: false };
}

/** One rule saved as a new item, reconciled by its mark when the answer is lost. */
async function addRule(client: OpnsenseClient, inputs: SetInputs, key: string, rule: RuleInputs): Promise<StoredRule> {
  const named = what(inputs.owner, key, rule);
  await requireInterfaces(client, rule.interface, named);
  const tag = ruleTag(inputs.ownerTag, key);
  const item = toItem({ ...rule, ...(tag ? { ownerTag: tag } : {}) });
  const uuid = await createOwned(client.rules, item, { what: named, ...(tag ? { ownerTag: tag } : {}) }).catch((err: unknown) =>
    explainValidation(err, named, FIELD_MAP),
  );
  afterFilterChange(client, uuid, "add", item as unknown as Record<string, string>);
  return stored(item, uuid);
}

async function deleteRule(client: OpnsenseClient, uuid: string): Promise<boolean> {
  const gone = (await client.rules.del(uuid)) === "deleted";
  if (gone) afterFilterChange(client, uuid, "del");
  return gone;
}

export async function create(props: Props) {
  const inputs = setInputs.parse(userInputs(props));
  const client = getClient();
  await beforeFilterChange(client);
  const rules: Record<string, StoredRule> = {};
  try {
    for (const [key, rule] of Object.entries(inputs.rules)) rules[key] = await addRule(client, inputs, key, rule);
  } catch (err) {
    // All or nothing: the rules saved so far go again (never applied, so nothing went live).
    for (const r of Object.values(rules)) await deleteRule(client, r.uuid).catch(() => false);
    throw err;
  }
  const outs: SetOutputs = { owner: inputs.owner, ...(inputs.ownerTag ? { ownerTag: inputs.ownerTag } : {}), rules, revision: newRevision(inputs) };
  return { id: `rules-${inputs.ownerTag ?? inputs.owner}`, outs };
}

export async function read(id: string, props: Props) {
  const client = getClient();
  const rules: Record<string, StoredRule> = {};
  const entries = Object.entries(rulesOf(props.rules));
  // A few at a time: a large set is one read per rule, as its rules were before.
  for (let i = 0; i < entries.length; i += 16) {
    const found = await Promise.all(entries.slice(i, i + 16).map(async ([key, r]) => [key, await client.rules.get(String(r.uuid))] as const));
    for (const [key, item] of found) if (item) rules[key] = stored(item, item.uuid);
  }
  return { id, props: { ...userInputs(props), rules } };
}

/** An update that stopped half-way: the engine records what is on the box now, so the next up carries on from there. */
class PartialUpdateError extends Error {
  readonly id: string;
  readonly properties: Props;
  readonly reasons: string[];
  constructor(id: string, properties: Props, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message, { cause });
    this.name = "PartialUpdateError";
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}

async function applyChange(client: OpnsenseClient, inputs: SetInputs, c: RuleChange, rules: Record<string, StoredRule>): Promise<void> {
  const oldUuid = String(c.old?.uuid ?? "");
  const rule = inputs.rules[c.key];
  if (c.op === "delete") {
    await deleteRule(client, oldUuid);
    delete rules[c.key];
  } else if (c.op === "create" && rule) {
    rules[c.key] = await addRule(client, inputs, c.key, rule);
  } else if (c.op === "replace" && rule) {
    rules[c.key] = await addRule(client, inputs, c.key, rule);
    await deleteRule(client, oldUuid);
  } else if (c.op === "update" && rule) {
    const named = what(inputs.owner, c.key, rule);
    await requireInterfaces(client, rule.interface, named);
    const tag = ruleTag(inputs.ownerTag, c.key);
    const item = toItem({ ...rule, ...(tag ? { ownerTag: tag } : {}) });
    await saveItem(client.rules, oldUuid, item, named, FIELD_MAP);
    afterFilterChange(client, oldUuid, "set", item as unknown as Record<string, string>);
    rules[c.key] = stored(item, oldUuid);
  }
}

export async function update(id: string, olds: Props, news: Props) {
  const inputs = setInputs.parse(userInputs(news));
  const client = getClient();
  const rules = { ...(rulesOf(olds.rules) as Record<string, StoredRule>) };
  const outputs = (revision: string): SetOutputs => ({
    owner: inputs.owner,
    ...(inputs.ownerTag ? { ownerTag: inputs.ownerTag } : {}),
    // Declared order, as the inputs have them.
    rules: Object.fromEntries(Object.keys(inputs.rules).flatMap((k) => (rules[k] ? [[k, rules[k]]] : []))),
    revision,
  });
  const todo = ruleChanges(olds.rules, inputs.rules).filter((c) => c.op !== "same");
  if (todo.length === 0) return { outs: outputs(String(olds.revision ?? newRevision(inputs))) };
  await beforeFilterChange(client);
  let done = 0;
  try {
    for (const c of todo) {
      await applyChange(client, inputs, c, rules);
      done++;
    }
  } catch (err) {
    if (done === 0) throw err;
    const partial = outputs(newRevision(inputs));
    // Rules no longer declared but still on the box (their delete did not run) stay recorded, so the next up deletes them.
    for (const [k, r] of Object.entries(rules)) if (!(k in inputs.rules)) partial.rules[k] = r;
    throw new PartialUpdateError(id, { ...partial, __provider: news.__provider }, err);
  }
  return { outs: outputs(newRevision(inputs)) };
}

export async function remove(_id: string, props: Props) {
  const client = getClient();
  await beforeFilterChange(client);
  let deleted = false;
  for (const r of Object.values(rulesOf(props.rules))) if (await deleteRule(client, String(r.uuid))) deleted = true;
  if (deleted) await scheduleApply(client, "filter");
}
