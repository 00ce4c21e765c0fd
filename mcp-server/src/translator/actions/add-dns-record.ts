// "add a dns record nas2.home.arpa pointing to 10.10.0.6", "point printer to
// 10.30.0.20", "dns name media.home.arpa for 10.40.0.10": a record in dns.records.
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { alreadyTrue } from "../draft/types.ts";
import type { Action, Ctx } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

/** A name for an address nothing of bosun's holds ("hostname printer for 10.30.0.20"). */
function nameForAddress(f: Facts): boolean {
  const named = f.fqdns.length > 0 || f.dnsName !== undefined || /\b(resolve|resolves|dns)\b/.test(f.s);
  const elsewhere = f.templates.length > 0 || f.image !== undefined || f.verbs.open || f.verbs.allow || f.verbs.deny || f.ports.length > 0;
  return f.strayAddresses.length > 0 && named && !elsewhere;
}

/** The record's host label, or undefined after asking. */
function hostOf(ctx: Ctx): string | undefined {
  const { f, draft } = ctx;
  const domain = draft.dns.domain;
  const inDomain = f.fqdns.find((h) => h.endsWith(`.${domain}`));
  const outside = f.fqdns.find((h) => !h.endsWith(`.${domain}`) && !f.kinds.cname);
  if (inDomain === undefined && outside !== undefined) {
    ctx.questions.push(
      `bosun's DNS records live under ${domain}, and ${outside} is outside it. Use ${outside.split(".")[0]}.${domain}, or change the domain first?`,
    );
    return undefined;
  }
  // A label right after the record words; an address there ("entry for 10.30.0.41") is the value, not the name.
  const named = /\b(?:record|entry|override|point|alias|cname)(?: for)? ([a-z][a-z0-9-]*)\b(?!\.)/.exec(f.s)?.[1];
  // A CNAME's host name is its target ("cname wiki pointing to wordpress.home.arpa"), not its name.
  const host = (f.kinds.cname ? named : undefined) ?? inDomain?.slice(0, -(domain.length + 1)) ?? f.name ?? named ?? f.dnsName;
  if (host === undefined || !isDnsLabel(host) || ["to", "a", "an", "the"].includes(host)) {
    ctx.questions.push(`Which name should the DNS record have (e.g. "nas.${domain}")?`);
    return undefined;
  }
  return host;
}

export const addDnsRecord: Action = {
  name: "add a DNS record",
  matches: (f) => (f.kinds.dnsRecord && f.dnsName === undefined) || nameForAddress(f),
  apply(ctx) {
    const { f, draft } = ctx;
    const domain = draft.dns.domain;
    const host = hostOf(ctx);
    if (host === undefined) return;
    const address = f.strayAddresses[0] ?? f.addresses[0];
    const cname = f.kinds.cname ? /\bto ([a-z0-9][a-z0-9.-]*[a-z0-9])\b/.exec(f.s)?.[1] : undefined;
    if (address === undefined && cname === undefined) {
      ctx.questions.push(`What should ${host}.${domain} point to? Give an address (e.g. "to 10.20.0.5").`);
      return;
    }
    const owner = Object.entries(ctx.base.services).find(([name, svc]) => (svc.dns ?? name) === host)?.[0];
    if (owner !== undefined) {
      ctx.questions.push(`${host}.${domain} is already the name of the service ${owner}. Choose another name, or move ${owner} to that address?`);
      return;
    }
    const record = address !== undefined ? { name: host, type: "A" as const, value: address } : { name: host, type: "CNAME" as const, value: cname ?? "" };
    const current = draft.dns.records.find((r) => r.name === host);
    if (current === undefined) draft.dns.records.push(record);
    else if (current.type === record.type && current.value === record.value) alreadyTrue(ctx, `${host}.${domain} already points to ${record.value}`);
    else {
      ctx.assumptions.push(`${host}.${domain} pointed to ${current.value}; it now points to ${record.value}`);
      draft.dns.records = draft.dns.records.map((r) => (r.name === host ? record : r));
    }
  },
};
