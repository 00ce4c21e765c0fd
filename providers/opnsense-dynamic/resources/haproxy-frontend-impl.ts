// HAProxy frontend (haproxy/settings, node "frontend"): a listener, with TLS
// from trust store certificates and its rules in order. Its create switches
// HAProxy on when it is off (and says so in `serviceEnabled`); deleting the
// last frontend switches it off again if bosun did. Implementation run in the
// provider process.
import { z } from "zod";
import { isIp } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { HaproxyFrontendItem } from "../client/types.ts";
import type { CheckFailure, Props } from "../../kit/index.ts";
import { b, csv, description, pluginFailures, proxyName, requirePlugin, split, str } from "./haproxy-common.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

const bindAddress = z.string().superRefine((v, ctx) => {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const host = (m?.[1] ?? "").replace(/^\[|\]$/g, "");
  if (!m || !(host === "" || host === "*" || isIp(host)) || Number(m[2]) < 1 || Number(m[2]) > 65535)
    ctx.addIssue({ code: "custom", message: `"${v}" must be address:port, e.g. 0.0.0.0:443` });
});

export const frontendInputs = z
  .object({
    name: proxyName,
    bind: z.array(bindAddress).min(1, "needs at least one listen address, e.g. 0.0.0.0:443"),
    mode: z.enum(["http", "tcp"]).default("http"),
    /** HaproxyBackend uuid for requests no rule sends elsewhere. */
    defaultBackend: z.string().optional(),
    /** Trust store certificate refids (TrustCertificate.refid); any makes this a TLS listener. */
    certificates: z.array(z.string().regex(/^[0-9a-f]{13}$/, "must be a trust store refid (13 hex digits)")).default([]),
    /** HaproxyRule uuids, in the order they are tried. */
    rules: z.array(z.string().min(1)).default([]),
    forwardFor: z.boolean().default(true),
    description,
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.certificates.length > 0 && v.mode !== "http") ctx.addIssue({ code: "custom", path: ["certificates"], message: "TLS offloading needs mode http" });
  });
export type FrontendInputs = z.infer<typeof frontendInputs>;

const label = (i: Props) => `HAProxy frontend ${str(i, "name")}`;

/** A listener on the port the box's web GUI and API use (on all addresses, or the API's own) would not start. */
function guiConflict(inputs: Props, client: OpnsenseClient): CheckFailure[] {
  const port = client.http.port;
  const box = client.http.path?.remoteAddress;
  const binds = Array.isArray(inputs.bind) ? inputs.bind.map(String) : [];
  const clash = binds.find((bind) => {
    const m = /^(.*):(\d+)$/.exec(bind);
    const host = (m?.[1] ?? "").replace(/^\[|\]$/g, "");
    return Number(m?.[2]) === port && (host === "" || host === "*" || host === "0.0.0.0" || host === "::" || host === box);
  });
  if (!clash) return [];
  return [
    {
      property: "bind",
      reason:
        `${label(inputs)}: bind: ${clash} is where this box's web GUI and API listen (port ${port}), so HAProxy could not start. ` +
        "Move the web GUI to another port (System → Settings → Administration → TCP port, e.g. 8443, then point opnsense:url at it), or bind HAProxy to one address only.",
    },
  ];
}

export const { check, diff, create, read, update, remove } = modelResource<FrontendInputs, HaproxyFrontendItem>({
  label,
  schema: frontendInputs,
  api: (c) => c.haproxy.frontends,
  subsystem: "haproxy",
  fields: ["name", "bind", "mode", "defaultBackend", "certificates", "rules", "forwardFor", "description"],
  fieldMap: {
    name: "name",
    bind: "bind",
    mode: "mode",
    defaultBackend: "defaultBackend",
    ssl_certificates: "certificates",
    ssl_default_certificate: "certificates",
    linkedActions: "rules",
    forwardFor: "forwardFor",
    description: "description",
  },
  async onBox(i, _caps, client) {
    const missing = await pluginFailures(client, label(i));
    if (missing.length) return missing;
    if (!client.http.path) await client.release().catch(() => undefined);
    return guiConflict(i, client);
  },
  gate: async (client, i) => void (await requirePlugin(client, label(i))),
  toItem: (i) => ({
    enabled: "1",
    name: i.name,
    bind: csv(i.bind),
    mode: i.mode,
    defaultBackend: i.defaultBackend ?? "",
    ssl_enabled: b(i.certificates.length > 0),
    ssl_certificates: csv(i.certificates),
    ssl_default_certificate: i.certificates[0] ?? "",
    http2Enabled: "1",
    linkedActions: csv(i.rules),
    forwardFor: b(i.forwardFor),
    connectionBehaviour: "http-keep-alive",
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (f) => ({
    name: f.name,
    bind: split(f.bind),
    mode: f.mode as FrontendInputs["mode"],
    ...(f.defaultBackend ? { defaultBackend: f.defaultBackend } : {}),
    certificates: f.ssl_enabled === "1" ? split(f.ssl_certificates) : [],
    rules: split(f.linkedActions),
    forwardFor: f.forwardFor === "1",
    description: stripMark(f.description),
  }),
  // HAProxy does nothing while general.enabled is 0: switch it on, and remember that bosun did.
  async afterCreate(client) {
    const general = await client.haproxy.general();
    if (general.enabled === "1") return { serviceEnabled: false };
    await client.haproxy.setGeneral({ enabled: "1" });
    return { serviceEnabled: true };
  },
  async afterRemove(client, props) {
    if (props.serviceEnabled !== true) return;
    if ((await client.haproxy.frontends.list()).length === 0) await client.haproxy.setGeneral({ enabled: "0" });
  },
  keep: ["serviceEnabled"],
});
