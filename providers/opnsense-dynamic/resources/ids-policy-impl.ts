// IDS policy (ids/settings, node "policy"): changes what the rules it matches
// do, e.g. every rule that alerts now drops (IPS). Implementation run in the
// provider process.
import { z } from "zod";
import type { IdsPolicyItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

export const policyInputs = z.object({
  /** Rules whose action is one of these are matched. */
  matchActions: z
    .array(z.enum(["alert", "drop", "disable"]))
    .min(1, "must match at least one rule action")
    .default(["alert"])
    .transform((a) => [...a].sort()),
  /** What the matched rules do now. */
  newAction: z.enum(["alert", "drop", "disable"]),
  priority: z.number().int().min(0).default(0),
  description: z.string().min(1, "must say what the policy is for").max(200),
  ownerTag: z.string().optional(),
});
export type PolicyInputs = z.infer<typeof policyInputs>;

const label = (i: Props) => `IDS policy "${String(i.description ?? "?")}"`;

export const { check, diff, create, read, update, remove } = modelResource<PolicyInputs, IdsPolicyItem>({
  label,
  schema: policyInputs,
  api: (c) => c.ids.policies,
  subsystem: "ids",
  fields: ["matchActions", "newAction", "priority", "description"],
  fieldMap: { action: "matchActions", new_action: "newAction", prio: "priority", description: "description" },
  toItem: (i) => ({
    enabled: "1",
    prio: String(i.priority),
    action: [...i.matchActions].sort().join(","),
    rulesets: "",
    new_action: i.newAction,
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (p) => ({
    matchActions: p.action.split(",").filter(Boolean).sort(),
    newAction: p.new_action as PolicyInputs["newAction"],
    priority: Number(p.prio),
    description: stripMark(p.description),
  }),
});
