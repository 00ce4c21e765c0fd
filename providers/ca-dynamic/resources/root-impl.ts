// Root CA: implementation run in the provider process. The root certificate
// is a plain output (devices import it to trust bosun's names); the key is a
// secret output. Rotation: once fewer than rotateBeforeDays remain, diff()
// shows an update and update() makes a new key and certificate; the leaves
// take the root's certificate as input, so the same `up` re-signs them.
import { randomUUID } from "node:crypto";
import { diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createRoot, inspect, type Issued, type KeyType } from "../client/x509.ts";
import { checkAll, isDue, windowStart } from "./common.ts";
import { rootInputs, windowIssue, type RootInputs } from "./schemas.ts";

export interface RootOutputs extends RootInputs, Issued {
  rotateAt: string;
  rotationDue: boolean;
  /** The root this one replaced at its last rotation ("" before any): trust both while devices catch up. */
  previousCertPem: string;
}

const DEFAULTS = { commonName: "bosun home CA", keyType: "ecdsa-p256", validityDays: 3650, rotateBeforeDays: 180 };
const FIELDS = ["commonName", "organization", "keyType", "validityDays", "rotateBeforeDays"];
/** A different subject or key type is a different root (its leaves follow it). */
const REPLACE_ON = ["commonName", "organization", "keyType"];
const label = (i: Partial<RootInputs>) => `RootCa ${i.commonName ?? DEFAULTS.commonName}`;

/** Nothing to configure: the key is this resource's own output. */
export function configure(): void {}

export async function check(_olds: Props, news: Props) {
  return checkAll(label(news as Partial<RootInputs>), rootInputs, news, DEFAULTS, (i) => [
    windowIssue(i.validityDays, i.rotateBeforeDays, "rotateBeforeDays", [DEFAULTS.validityDays, DEFAULTS.rotateBeforeDays]),
  ]);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffFields(olds, news, FIELDS, REPLACE_ON, false);
  if (d.replaces.length > 0) return d;
  return { ...d, changes: d.changes || isDue(olds.notAfter, news.rotateBeforeDays, DEFAULTS.rotateBeforeDays) };
}

function outputs(i: RootInputs, issued: Issued, previousCertPem: string): RootOutputs {
  const at = windowStart(issued.notAfter, i.rotateBeforeDays);
  return { ...i, ...issued, rotateAt: at.toISOString(), rotationDue: Date.now() >= at.getTime(), previousCertPem };
}

const make = (i: RootInputs) =>
  createRoot({ commonName: i.commonName, organization: i.organization, keyType: i.keyType as KeyType, validityDays: i.validityDays });

export async function create(props: Props) {
  const i = rootInputs.parse(userInputs(props));
  const issued = await make(i);
  // The id outlives rotations, so it is not the fingerprint.
  return { id: `${i.commonName}/${randomUUID().slice(0, 8)}`, outs: outputs(i, issued, "") };
}

/** The certificate is the live state: its validity against the clock and the window. */
export async function read(id: string, props: Props) {
  const o = props as unknown as RootOutputs;
  if (typeof o.certPem !== "string") return {};
  const live = inspect(o.certPem);
  const at = windowStart(live.notAfter, o.rotateBeforeDays ?? DEFAULTS.rotateBeforeDays);
  return { id, props: { ...props, ...live, rotateAt: at.toISOString(), rotationDue: Date.now() >= at.getTime() } };
}

export async function update(_id: string, olds: Props, news: Props) {
  const i = rootInputs.parse(userInputs(news));
  const o = olds as unknown as RootOutputs;
  if (!isDue(o.notAfter, i.rotateBeforeDays, DEFAULTS.rotateBeforeDays)) {
    // Only the window or the next validity changed: the root stays.
    const { certPem, keyPem, serial, notBefore, notAfter, fingerprint } = o;
    return { outs: outputs(i, { certPem, keyPem, serial, notBefore, notAfter, fingerprint }, o.previousCertPem ?? "") };
  }
  return { outs: outputs(i, await make(i), o.certPem) };
}

/** A root exists only in the state: nothing to remove elsewhere (devices keep trusting it until removed there). */
export async function remove(): Promise<void> {}
