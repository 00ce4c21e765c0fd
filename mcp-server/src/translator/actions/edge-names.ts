// What the edge actions share: which names are private (no public CA issues
// for them, no public DNS), the zone a public name belongs to, and a
// certificate that covers a name (found, or added to the draft).
import { isPrivateDomain } from "../../../../stacks/model/rules.ts";
import type { Ctx } from "../draft/types.ts";

/** "cloud.example.com" → "example.com": the registrable part (two labels; enough for the zones people name). */
export function zoneOfHost(host: string): string {
  return host.split(".").slice(-2).join(".");
}

export const isPrivateHost = (host: string): boolean => isPrivateDomain(host.replace(/^\*\./, ""));

/**
 * A certificate for `host`: an existing one that covers it, else a new one named
 * after its first label. ACME for public names (staging when asked), the
 * internal CA for private ones. Public names' zones join dns.publicZones.
 * Returns the certificate's key, or undefined after asking.
 */
export function certificateFor(ctx: Ctx, host: string): string | undefined {
  const { draft, f } = ctx;
  const existing = Object.entries(draft.certificates).find(([, c]) => c.dnsNames.includes(host));
  if (existing) return existing[0];
  const first = host.split(".")[0] ?? "cert";
  const key = draft.certificates[first] === undefined ? first : `${first}-tls`;
  if (draft.certificates[key] !== undefined) {
    ctx.questions.push(`A certificate named "${key}" already exists. Which name should the certificate for ${host} have?`);
    return undefined;
  }
  const privateName = isPrivateHost(host);
  const issuer = privateName ? "self-signed" : /\bstaging\b/.test(f.s) ? "acme-staging" : "acme";
  const outside = host !== draft.dns.domain && !host.endsWith(`.${draft.dns.domain}`);
  draft.certificates[key] = { dnsNames: [host], issuer, outsideDomain: outside, webGui: false };
  if (privateName)
    ctx.assumptions.push(`${host} is a private name: its certificate comes from bosun's own CA (import the root, stack output rootCaPem, on your devices)`);
  else {
    addPublicZone(ctx, host);
    ctx.assumptions.push(
      `the certificate for ${host} comes from Let's Encrypt${issuer === "acme-staging" ? " (staging)" : ""}, proven by DNS-01 on Cloudflare`,
    );
  }
  return key;
}

/** Adds the host's zone to dns.publicZones (Cloudflare), saying so. */
export function addPublicZone(ctx: Ctx, host: string): void {
  const zone = zoneOfHost(host);
  const zones = ctx.draft.dns.publicZones ?? [];
  if (zones.some((z) => host === z || host.endsWith(`.${z}`))) return;
  ctx.draft.dns.publicZones = [...zones, zone];
  ctx.assumptions.push(`${zone}'s public DNS is on Cloudflare (stack setting cloudflare:apiToken): bosun adds the records there`);
}
