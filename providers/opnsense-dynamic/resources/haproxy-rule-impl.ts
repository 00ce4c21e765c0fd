// HAProxy rule (haproxy/settings, node "action"): when its conditions hold,
// send the request to a backend or redirect it to https. Plugin 4.x stores a
// redirect as type "http-request_redirect", 5.x as type "http-request" with
// http_request_action "redirect"; the box's model is read (client/modules.ts)
// and both read back the same. Implementation run in the provider process.
import { z } from "zod";
import type { HaproxyActionItem } from "../client/types.ts";
import { csv, description, pluginFailures, requirePlugin, ruleName, split, str } from "./haproxy-common.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

/** What a redirect to https says (HAProxy's http-request redirect arguments). */
export const HTTPS_REDIRECT = "scheme https code 301";

export const ruleInputs = z
  .object({
    name: ruleName,
    /** use-backend: send to `backend`; redirect-https: answer 301 to the same URL over https. */
    action: z.enum(["use-backend", "redirect-https"]),
    /** HaproxyBackend uuid (use-backend). */
    backend: z.string().optional(),
    /** HaproxyCondition uuids; none = always. */
    conditions: z.array(z.string().min(1)).default([]),
    /** "and": all conditions; "or": any. */
    operator: z.enum(["and", "or"]).default("and"),
    /** "unless" inverts the whole test. */
    test: z.enum(["if", "unless"]).default("if"),
    description,
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.action === "use-backend" && !v.backend)
      ctx.addIssue({ code: "custom", path: ["backend"], message: "use-backend needs a backend (a HaproxyBackend's uuid)" });
    if (v.action === "redirect-https" && v.backend) ctx.addIssue({ code: "custom", path: ["backend"], message: "a redirect takes no backend" });
  });
export type RuleInputs = z.infer<typeof ruleInputs>;

const label = (i: Record<string, unknown>) => `HAProxy rule ${str(i, "name")}`;

function redirectOf(a: HaproxyActionItem): boolean {
  return a.type === "http-request_redirect" || (a.type === "http-request" && a.http_request_action === "redirect");
}

export const { check, diff, create, read, update, remove } = modelResource<RuleInputs, HaproxyActionItem>({
  label,
  schema: ruleInputs,
  api: (c) => c.haproxy.actions,
  subsystem: "haproxy",
  fields: ["name", "action", "backend", "conditions", "operator", "test", "description"],
  fieldMap: {
    name: "name",
    type: "action",
    use_backend: "backend",
    linkedAcls: "conditions",
    operator: "operator",
    testType: "test",
    description: "description",
  },
  onBox: (i, _caps, client) => pluginFailures(client, label(i)),
  gate: async (client, i) => void (await requirePlugin(client, label(i))),
  async toItem(i, client) {
    const model = await requirePlugin(client, label(i));
    const base = {
      name: i.name,
      testType: i.test,
      linkedAcls: csv(i.conditions),
      operator: i.operator,
      description: withMark(i.description, i.ownerTag),
      ...(model === "5" ? { enabled: "1" } : {}),
    };
    if (i.action === "use-backend") return { ...base, type: "use_backend", use_backend: i.backend ?? "" };
    return model === "5"
      ? { ...base, type: "http-request", http_request_action: "redirect", http_request_option: HTTPS_REDIRECT }
      : { ...base, type: "http-request_redirect", http_request_redirect: HTTPS_REDIRECT };
  },
  fromItem: (a) => ({
    name: a.name,
    action: redirectOf(a) ? "redirect-https" : a.type === "use_backend" ? "use-backend" : a.type,
    ...(a.type === "use_backend" ? { backend: a.use_backend } : {}),
    conditions: split(a.linkedAcls),
    operator: a.operator as RuleInputs["operator"],
    test: a.testType as RuleInputs["test"],
    description: stripMark(a.description),
  }),
});
