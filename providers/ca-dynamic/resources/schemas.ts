// Input rules of the internal CA's resources (zod), checked in check() so bad
// input is refused in preview with the field and the rule.
import { z } from "zod";
import { isDomain, isIp } from "../../kit/net.ts";
import { KEY_TYPES } from "../client/x509.ts";

const keyType = z.enum(KEY_TYPES as [string, ...string[]], { error: `must be one of ${KEY_TYPES.join(", ")}` });
/** Days, fractions allowed (an hour is 1/24): tests use windows of seconds. */
const days = (max: number) => z.number().positive("must be more than 0 days").max(max, `must be at most ${max} days`);

export const rootInputs = z.object({
  commonName: z.string().min(1).max(64, "must be at most 64 characters").default("bosun home CA"),
  organization: z.string().max(64, "must be at most 64 characters").optional(),
  keyType: keyType.default("ecdsa-p256"),
  validityDays: days(36500).default(3650),
  rotateBeforeDays: days(36500).default(180),
});
export type RootInputs = z.infer<typeof rootInputs>;

export const leafInputs = z.object({
  // Plain strings: while the root is made they are unknown, and rules on the
  // leaf's own fields must still be judged in that first preview.
  caCertPem: z.string(),
  caKeyPem: z.string(),
  dnsNames: z.array(z.string().refine((n) => isDomain(n.startsWith("*.") ? n.slice(2) : n), "must be a DNS name like grafana.home.arpa")).default([]),
  ipAddresses: z.array(z.string().refine(isIp, "must be an IPv4 or IPv6 address")).default([]),
  commonName: z.string().min(1).max(64, "must be at most 64 characters").optional(),
  keyType: keyType.default("ecdsa-p256"),
  // 825 days: the longest validity Apple platforms accept for a TLS server certificate.
  validityDays: days(825).default(90),
  renewBeforeDays: days(825).default(30),
});
export type LeafInputs = z.infer<typeof leafInputs>;

/** Rules across fields, as "<field>: <message>". */
export function windowIssue(validity: unknown, before: unknown, beforeField: string, defaults: [number, number]): string | undefined {
  const v = typeof validity === "number" ? validity : defaults[0];
  const b = typeof before === "number" ? before : defaults[1];
  if (b >= v) return `${beforeField}: must be less than validityDays (${v}), else every up would renew`;
  return undefined;
}
