// HAProxy condition (haproxy/settings, node "acl"): what a rule tests — the
// Host header, a path prefix, or whether the connection is TLS. Implementation
// run in the provider process.
import { z } from "zod";
import { isDomain } from "../../kit/net.ts";
import type { HaproxyAclItem } from "../client/types.ts";
import { b, description, pluginFailures, requirePlugin, ruleName, str } from "./haproxy-common.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

const EXPRESSION = { host: "hdr", pathPrefix: "path_beg", tls: "ssl_fc" } as const;
type Kind = keyof typeof EXPRESSION;

export const conditionInputs = z
  .object({
    name: ruleName,
    /** host: the Host header is `value`; pathPrefix: the path starts with `value`; tls: the connection is TLS. */
    kind: z.enum(["host", "pathPrefix", "tls"]),
    value: z.string().default(""),
    negate: z.boolean().default(false),
    description,
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === "host" && !(isDomain(v.value) && v.value.includes(".")))
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be a host name such as cloud.example.com" });
    if (v.kind === "pathPrefix" && !/^\/[A-Za-z0-9._~/-]*$/.test(v.value))
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be a path starting with /" });
    if (v.kind === "tls" && v.value !== "") ctx.addIssue({ code: "custom", path: ["value"], message: "must be empty for kind tls" });
  });
export type ConditionInputs = z.infer<typeof conditionInputs>;

const label = (i: Record<string, unknown>) => `HAProxy condition ${str(i, "name")}`;

export const { check, diff, create, read, update, remove } = modelResource<ConditionInputs, HaproxyAclItem>({
  label,
  schema: conditionInputs,
  api: (c) => c.haproxy.acls,
  subsystem: "haproxy",
  fields: ["name", "kind", "value", "negate", "description"],
  fieldMap: { name: "name", expression: "kind", hdr: "value", path_beg: "value", negate: "negate", description: "description" },
  onBox: (i, _caps, client) => pluginFailures(client, label(i)),
  gate: async (client, i) => void (await requirePlugin(client, label(i))),
  toItem: (i) => ({
    name: i.name,
    expression: EXPRESSION[i.kind],
    hdr: i.kind === "host" ? i.value : "",
    path_beg: i.kind === "pathPrefix" ? i.value : "",
    negate: b(i.negate),
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (a) => {
    const kind = (Object.entries(EXPRESSION).find(([, e]) => e === a.expression)?.[0] ?? a.expression) as Kind;
    return {
      name: a.name,
      kind,
      value: kind === "host" ? a.hdr : kind === "pathPrefix" ? a.path_beg : "",
      negate: a.negate === "1",
      description: stripMark(a.description),
    };
  },
});
