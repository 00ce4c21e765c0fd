// Leaf certificate signed by the RootCa: implementation run in the provider
// process. Re-signed in place (new key) when its names change, when the root
// changed (rotation or replacement), or once fewer than renewBeforeDays
// remain; the old certificate stays in the outputs until the new one exists.
import { randomUUID } from "node:crypto";
import { diffFields, userInputs, type Props } from "../../kit/index.ts";
import { inspect, signLeaf, signedBy, type Issued, type KeyType } from "../client/x509.ts";
import { checkAll, isDue, windowStart } from "./common.ts";
import { leafInputs, windowIssue, type LeafInputs } from "./schemas.ts";

export interface LeafOutputs extends Omit<LeafInputs, "caKeyPem">, Issued {
  /** Leaf then root: for servers whose clients may not hold the root yet. */
  fullChainPem: string;
  renewAt: string;
  renewalDue: boolean;
  /** False when the leaf no longer verifies with caCertPem (read() checks it). */
  signedByCa: boolean;
}

const DEFAULTS = { dnsNames: [], ipAddresses: [], keyType: "ecdsa-p256", validityDays: 90, renewBeforeDays: 30 };
const FIELDS = ["dnsNames", "ipAddresses", "commonName", "keyType", "validityDays", "renewBeforeDays", "caCertPem"];
/** Changing these needs a new signature; the rest only moves the next renewal. */
const RESIGN_ON = ["dnsNames", "ipAddresses", "commonName", "keyType", "caCertPem"];
const label = (i: Partial<LeafInputs>) => `LeafCertificate ${[...(i.dnsNames ?? []), ...(i.ipAddresses ?? [])].join(", ") || "?"}`;

/** Nothing to configure: the root's key arrives as a (secret) input. */
export function configure(): void {}

export async function check(_olds: Props, news: Props) {
  return checkAll(label(news as Partial<LeafInputs>), leafInputs, news, DEFAULTS, (i) => [
    windowIssue(i.validityDays, i.renewBeforeDays, "renewBeforeDays", [DEFAULTS.validityDays, DEFAULTS.renewBeforeDays]),
    (Array.isArray(i.dnsNames) ? i.dnsNames.length : 0) + (Array.isArray(i.ipAddresses) ? i.ipAddresses.length : 0) === 0
      ? "dnsNames: give at least one DNS name (e.g. grafana.home.arpa) or IP address"
      : undefined,
  ]);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffFields(olds, news, FIELDS, [], false);
  return { ...d, changes: d.changes || isDue(olds.notAfter, news.renewBeforeDays, DEFAULTS.renewBeforeDays) };
}

function outputs(i: LeafInputs, issued: Issued): LeafOutputs {
  const { caKeyPem: _key, ...rest } = i;
  const at = windowStart(issued.notAfter, i.renewBeforeDays);
  return {
    ...rest,
    ...issued,
    fullChainPem: issued.certPem + i.caCertPem,
    renewAt: at.toISOString(),
    renewalDue: Date.now() >= at.getTime(),
    signedByCa: signedBy(issued.certPem, i.caCertPem),
  };
}

async function sign(i: LeafInputs): Promise<Issued> {
  try {
    return await signLeaf({
      ca: { certPem: i.caCertPem, keyPem: i.caKeyPem },
      dnsNames: i.dnsNames,
      ipAddresses: i.ipAddresses,
      commonName: i.commonName,
      keyType: i.keyType as KeyType,
      validityDays: i.validityDays,
    });
  } catch (err) {
    throw new Error(`${label(i)}: ca: cannot sign with the given root (${(err as Error).message}); pass a RootCa's certPem and keyPem`, { cause: err });
  }
}

export async function create(props: Props) {
  const i = leafInputs.parse(userInputs(props));
  const issued = await sign(i);
  // The id outlives renewals, so it is not the serial.
  return { id: `${i.dnsNames[0] ?? i.ipAddresses[0]}/${randomUUID().slice(0, 8)}`, outs: outputs(i, issued) };
}

export async function read(id: string, props: Props) {
  const o = props as unknown as LeafOutputs;
  if (typeof o.certPem !== "string") return {};
  const live = inspect(o.certPem);
  const at = windowStart(live.notAfter, o.renewBeforeDays ?? DEFAULTS.renewBeforeDays);
  const signedByCa = typeof o.caCertPem === "string" && signedBy(o.certPem, o.caCertPem);
  return { id, props: { ...props, ...live, renewAt: at.toISOString(), renewalDue: Date.now() >= at.getTime(), signedByCa } };
}

export async function update(_id: string, olds: Props, news: Props) {
  const i = leafInputs.parse(userInputs(news));
  const o = olds as unknown as LeafOutputs;
  const resign =
    RESIGN_ON.some((f) => JSON.stringify(olds[f] ?? null) !== JSON.stringify(news[f] ?? null)) ||
    isDue(o.notAfter, i.renewBeforeDays, DEFAULTS.renewBeforeDays);
  if (!resign) {
    const { certPem, keyPem, serial, notBefore, notAfter, fingerprint } = o;
    return { outs: outputs(i, { certPem, keyPem, serial, notBefore, notAfter, fingerprint }) };
  }
  return { outs: outputs(i, await sign(i)) };
}

/** No revocation list is published: a deleted leaf simply stops being deployed (it expires on its own). */
export async function remove(): Promise<void> {}
