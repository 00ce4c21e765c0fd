// Input rules of the ACME resources (zod), checked in check() so bad input is
// refused in preview with the field and the rule, before the CA is asked.
import { z } from "zod";
import { isDomain } from "../../kit/net.ts";
import { KEY_TYPES } from "../client/acme.ts";
import { solverSchema } from "../solvers/index.ts";

const httpsUrl = z.url({ protocol: /^https?$/, error: "must be the ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory" });
const pem = (what: string) => z.string().regex(/-----BEGIN [A-Z ]+-----/, `must be a PEM ${what}`);
const keyType = z.enum(KEY_TYPES as [string, ...string[]], { error: `must be one of ${KEY_TYPES.join(", ")}` });

export const accountInputs = z.object({
  directoryUrl: httpsUrl,
  directoryCaPem: pem("certificate").optional(),
  email: z.email({ error: "must be an email address (the CA's expiry and policy notices go there)" }).optional(),
  termsAgreed: z.literal(true, { error: "must be true: the CA registers no account until its terms of service are agreed" }),
  keyType: keyType.default("ecdsa-p256"),
});
export type AccountInputs = z.infer<typeof accountInputs>;

/** "*.example.com" → "example.com"; other names unchanged. */
export const baseName = (name: string) => (name.startsWith("*.") ? name.slice(2) : name);

/** True when `name` (wildcards by their base) is a zone or inside one. */
export function inZones(name: string, zones: readonly string[]): boolean {
  const n = baseName(name).toLowerCase();
  return zones.some((zone) => {
    const z = zone.toLowerCase().replace(/\.$/, "");
    return n === z || n.endsWith(`.${z}`);
  });
}

export const certificateInputs = z.object({
  names: z
    .array(z.string().refine((n) => isDomain(baseName(n)) && n.includes("."), "must be a DNS name like app.example.com (or *.example.com)"))
    .min(1, "must list at least one name")
    .max(100, "at most 100 names per certificate"),
  zones: z.array(z.string().refine(isDomain, "must be a DNS zone like example.com")).min(1, 'must list the zones names may be issued in, e.g. ["example.com"]'),
  solver: solverSchema,
  keyType: keyType.default("ecdsa-p256"),
  profile: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a profile name the CA lists, e.g. shortlived")
    .optional(),
  renewBeforeDays: z.number().int().min(1, "must be 1-365 days").max(365, "must be 1-365 days").default(30),
  directoryUrl: httpsUrl,
  directoryCaPem: pem("certificate").optional(),
  accountUrl: z.url({ error: "must be the account URL from AcmeAccount" }),
  accountKeyPem: pem("private key"),
});
export type CertificateInputs = z.infer<typeof certificateInputs>;

/**
 * Rules across names, zones and solver. Kept out of the zod object so they are
 * judged as soon as these three are known, even while the account's outputs
 * are still unknown in a first preview.
 */
export function nameIssues(names: unknown, zones: unknown, solverType: unknown): { path: string; message: string }[] {
  if (!Array.isArray(names) || !Array.isArray(zones) || !zones.every((z) => typeof z === "string")) return [];
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  names.forEach((name, at) => {
    if (typeof name !== "string") return;
    const path = `names.${at}`;
    if (seen.has(name.toLowerCase())) issues.push({ path, message: `"${name}" is listed twice` });
    seen.add(name.toLowerCase());
    if (!inZones(name, zones)) issues.push({ path, message: `"${name}" is outside the allowed zones (${zones.join(", ")})` });
    if (name.startsWith("*.") && solverType !== "dns-01") {
      issues.push({ path, message: `"${name}" is a wildcard, which only DNS-01 can prove; give a dns-01 solver` });
    }
  });
  return issues;
}
