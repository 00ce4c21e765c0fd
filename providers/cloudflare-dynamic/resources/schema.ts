// Input rules of the Cloudflare resources, checked in check() (so `pulumi
// preview` refuses bad input before any call): the zone and the allow-list,
// names inside their zone, content per record type, TTL and proxying, and the
// length of the comment that marks records as bosun's.
import { z } from "zod";
import { canonicalIpv6, isDomain, isIPv4, isIPv6, isPrivateAddress } from "../../kit/net.ts";
import { CONFIG_KEYS } from "./connection.ts";

export const ZONE_ID = /^[0-9a-f]{32}$/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** Cloudflare's limit for record comments on the Free plan. */
export const COMMENT_MAX = 100;

const isZone = (v: string) => ZONE_ID.test(v) || (v.includes(".") && isDomain(v));
const zone = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v) => v.replace(/\.$/, ""))
  .refine(isZone, "must be a zone name such as example.com or a 32-character zone id");
const ttl = z
  .number()
  .int("must be a whole number of seconds")
  .refine((v) => v === 1 || (v >= 60 && v <= 86400), "must be 1 (automatic) or 60-86400 seconds");
const marker = z.string().regex(/^bosun:[^\s/]+\/\S+$/, "must be bosun:<stack>/<name> (the resource class sets it)");

/** The record's comment: the marker, then the person's note. */
export const commentFor = (v: { marker: string; note?: string }) => (v.note ? `${v.marker} ${v.note}` : v.marker);
/** A comment bosun wrote for this marker (the note may have changed since). */
export const isOurs = (comment: string, m: string) => comment === m || comment.startsWith(`${m} `);

/**
 * "@" is the apex, a name without a dot is relative to the zone, anything else
 * must be the zone or end in ".<zone>". With a zone id the zone's name is not
 * known yet, so the name must be fully qualified (create() checks it then).
 */
export function qualify(name: string, zoneText: string): { fqdn: string; problem?: string } {
  const n = name.trim().toLowerCase().replace(/\.$/, "");
  const byId = ZONE_ID.test(zoneText);
  let fqdn = n;
  if (!byId && (n === "@" || n === "")) fqdn = zoneText;
  else if (!byId && !n.includes(".")) fqdn = `${n}.${zoneText}`;
  else if (byId && !n.includes(".")) return { fqdn, problem: `${name} must be fully qualified (such as cloud.example.com) when zone is given by id` };
  const labels = fqdn.split(".");
  if (fqdn.length > 253 || !labels.every((l, i) => LABEL.test(l) || (i === 0 && l === "*"))) {
    return { fqdn, problem: `${name} is not a DNS name (letters, digits, '-', '_' per label; '*' only as the first label)` };
  }
  if (!byId) return { fqdn, problem: outsideZone(fqdn, zoneText) };
  return { fqdn };
}

export function outsideZone(fqdn: string, zoneName: string): string | undefined {
  if (fqdn === zoneName || fqdn.endsWith(`.${zoneName}`)) return undefined;
  return `${fqdn} is outside zone ${zoneName} (use ${zoneName} itself or a name ending in .${zoneName})`;
}

export function notAllowed(zoneName: string, allowed: string[] | undefined): string | undefined {
  if (!allowed || allowed.includes(zoneName)) return undefined;
  return `${zoneName} is not one of the configured zones (${CONFIG_KEYS.zones}: ${allowed.join(", ") || "none"})`;
}

/** Content normalised the way Cloudflare stores it, or a problem. */
export function normaliseContent(type: string, content: string, fqdn: string): { content: string; problem?: string } {
  if (type === "A") return isIPv4(content) ? { content } : { content, problem: "must be an IPv4 address for an A record" };
  if (type === "AAAA")
    return isIPv6(content) ? { content: canonicalIpv6(content) ?? content } : { content, problem: "must be an IPv6 address for an AAAA record" };
  if (type === "CNAME") {
    const c = content.trim().toLowerCase().replace(/\.$/, "");
    if (!c.includes(".") || !isDomain(c)) return { content: c, problem: "must be a host name such as home.example.com for a CNAME record" };
    return c === fqdn ? { content: c, problem: "a CNAME cannot point at itself" } : { content: c };
  }
  return content.length > 2048 ? { content, problem: "must be at most 2048 characters" } : { content };
}

const common = {
  zone,
  name: z.string().min(1, "must not be empty"),
  ttl: ttl.optional(),
  proxied: z.boolean().default(false),
  note: z.string().default(""),
  marker,
};

type Common = { zone: string; name: string; type: string; ttl?: number | undefined; proxied: boolean; note: string; marker: string };

/** Rules both resources share. */
function commonRules(v: Common, ctx: z.RefinementCtx, allowed: string[] | undefined): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  // A zone that is neither a name nor an id was reported already; names cannot be judged against it.
  if (isZone(v.zone)) {
    const bad = ZONE_ID.test(v.zone) ? undefined : notAllowed(v.zone, allowed);
    if (bad) issue("zone", bad);
    const q = qualify(v.name, v.zone);
    if (q.problem) issue("name", q.problem);
  }
  if (v.proxied && v.type === "TXT") issue("proxied", "TXT records cannot be proxied");
  if (v.proxied && v.ttl !== undefined && v.ttl !== 1) issue("ttl", "a proxied record's TTL is automatic: leave ttl out or set 1");
  const comment = commentFor(v);
  if (comment.length > COMMENT_MAX) {
    issue(v.note ? "note" : "marker", `the record comment "${comment}" has ${comment.length} characters; Cloudflare keeps at most ${COMMENT_MAX}`);
  }
}

/** DnsRecord inputs; `allowed` is the `cloudflare:zones` allow-list. */
export function dnsRecordInputs(allowed: string[] | undefined) {
  return z
    .object({ ...common, type: z.enum(["A", "AAAA", "CNAME", "TXT"]), content: z.string() })
    .superRefine((v, ctx) => {
      commonRules(v, ctx, allowed);
      const c = normaliseContent(v.type, v.content, qualify(v.name, v.zone).fqdn);
      if (c.problem) ctx.addIssue({ code: "custom", path: ["content"], message: c.problem });
    })
    .transform((v) => {
      const fqdn = qualify(v.name, v.zone).fqdn;
      return { ...v, name: fqdn, content: normaliseContent(v.type, v.content, fqdn).content, ttl: v.proxied ? 1 : (v.ttl ?? 1) };
    });
}
export type DnsRecordInputs = z.infer<ReturnType<typeof dnsRecordInputs>>;

/** A public address for a DDNS record: right family, reachable from the internet. */
export function wanProblem(type: "A" | "AAAA", address: string): string | undefined {
  if (type === "A" && !isIPv4(address)) return `${address} is not an IPv4 address (an A record needs one)`;
  if (type === "AAAA" && !isIPv6(address)) return `${address} is not an IPv6 address (an AAAA record needs one)`;
  if (isPrivateAddress(address)) {
    return `${address} is a private address, not reachable from the internet (is the WAN behind another router? use lookupUrl to learn the public one)`;
  }
  return undefined;
}

export function dynamicDnsInputs(allowed: string[] | undefined) {
  return z
    .object({
      ...common,
      type: z.enum(["A", "AAAA"]).default("A"),
      address: z.string().optional(),
      lookupUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL answering with the address" }).optional(),
    })
    .superRefine((v, ctx) => {
      commonRules(v, ctx, allowed);
      if ((v.address === undefined) === (v.lookupUrl === undefined)) {
        ctx.addIssue({ code: "custom", path: ["address"], message: "give exactly one of address (the WAN address) or lookupUrl (a what-is-my-IP URL)" });
      }
      const bad = v.address !== undefined ? wanProblem(v.type, v.address) : undefined;
      if (bad) ctx.addIssue({ code: "custom", path: ["address"], message: bad });
    })
    .transform((v) => ({
      ...v,
      name: qualify(v.name, v.zone).fqdn,
      ...(v.address !== undefined && v.type === "AAAA" ? { address: canonicalIpv6(v.address) ?? v.address } : {}),
      // A changing address wants a short TTL; proxied records always have the automatic one.
      ttl: v.proxied ? 1 : (v.ttl ?? 60),
    }));
}
export type DynamicDnsInputs = z.infer<ReturnType<typeof dynamicDnsInputs>>;
