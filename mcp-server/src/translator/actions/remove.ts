// "remove jellyfin", "tear down the gaming VLAN", "delete the dns record for
// nas": removes what is named, and what depends on it (draft/cascade.ts).
import { didYouMean } from "../../../../stacks/model/names.ts";
import { dropDevEnvironmentsUsing, removeDevEnvironment, removeNetwork, removeService } from "../draft/cascade.ts";
import type { Action, Ctx } from "../draft/types.ts";
import { STOPWORDS } from "../vocabulary.ts";

function removeRecord(ctx: Ctx): void {
  const { f, draft } = ctx;
  const before = /\b([a-z0-9-]+) (?:dns )?record\b/.exec(f.s)?.[1];
  const host =
    f.fqdns[0]?.split(".")[0] ??
    /\brecord (?:for )?([a-z0-9-]+)/.exec(f.s)?.[1] ??
    (before !== undefined && !/^(the|a|dns|that)$/.test(before) ? before : undefined);
  const count = draft.dns.records.length;
  draft.dns.records = draft.dns.records.filter((r) => r.name !== host);
  if (draft.dns.records.length === count)
    ctx.questions.push(`There is no DNS record named "${host ?? ""}". Records: ${draft.dns.records.map((r) => r.name).join(", ") || "none"}.`);
}

function askWhat(ctx: Ctx): void {
  const { f, draft } = ctx;
  const unknown = f.ws.find(
    (w) => /^[a-z][a-z0-9-]{2,}$/.test(w) && !STOPWORDS.has(w) && !/^(remove|delete|tear|down|destroy|rid|drop|uninstall|vlan|the|service|network)$/.test(w),
  );
  const everything = [
    ...Object.keys(draft.services),
    ...Object.keys(draft.networks),
    ...Object.keys(draft.vms),
    ...Object.keys(draft.lxc),
    ...Object.keys(draft.kubernetes.apps),
    ...Object.keys(draft.devEnvironments),
  ];
  ctx.questions.push(
    everything.length === 0
      ? `There is nothing to remove yet.`
      : `I couldn't find ${unknown !== undefined ? `"${unknown}"` : "what to remove"}${unknown !== undefined ? didYouMean(unknown, everything) : ""}. What should I remove? (${everything.join(", ")})`,
  );
}

export const remove: Action = {
  name: "remove",
  matches: (f) => f.verbs.remove,
  apply(ctx) {
    const { f, draft } = ctx;
    if (f.flags.everything) {
      ctx.questions.push(`Removing everything needs to be explicit: name the networks or services to remove (e.g. "remove the gaming VLAN").`);
      return;
    }
    if (f.kinds.dnsRecord || /\brecords?\b/.test(f.s)) return removeRecord(ctx);
    let refs = f.refs.filter((r) => r.kind !== "certificate" || f.kinds.certificate);
    if (f.kinds.certificate) refs = refs.filter((r) => r.kind === "certificate" || r.kind === "service");
    if (refs.length === 0) return askWhat(ctx);
    // A network mentioned only as the place of a named service ("remove minecraft from gaming") is not a target.
    const services = refs.filter((r) => r.kind === "service");
    const targets = services.length > 0 && !/\b(vlan|network|segment)\b/.test(f.s) ? refs.filter((r) => r.kind !== "network") : refs;
    // "remove the certificate for minecraft" removes the certificate, not minecraft.
    const certOnly = f.kinds.certificate;
    for (const ref of targets) {
      if (ref.kind === "service" && !certOnly) removeService(ctx, ref.name, undefined);
      else if (ref.kind === "network") removeNetwork(ctx, ref.name);
      else if (ref.kind === "dev") removeDevEnvironment(ctx, ref.name);
      else if (ref.kind === "vm" || ref.kind === "lxc") {
        if (ref.kind === "vm") delete draft.vms[ref.name];
        else delete draft.lxc[ref.name];
        dropDevEnvironmentsUsing(ctx, ref.name);
      } else if (ref.kind === "k8s") delete draft.kubernetes.apps[ref.name];
      else if (ref.kind === "certificate") delete draft.certificates[ref.name];
    }
    if (certOnly && services.length > 0) {
      const names = services.map((s) => `${ctx.base.services[s.name]?.dns ?? s.name}.${draft.dns.domain}`);
      for (const [certName, cert] of Object.entries(draft.certificates)) if (cert.dnsNames.some((n) => names.includes(n))) delete draft.certificates[certName];
    }
    if (certOnly && JSON.stringify(draft.certificates) === JSON.stringify(ctx.base.certificates))
      ctx.questions.push(`There is no such certificate. Certificates: ${Object.keys(draft.certificates).join(", ") || "none"}.`);
  },
};
