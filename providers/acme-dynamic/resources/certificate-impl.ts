// ACME certificate: implementation run in the provider process.
// Renewal: diff() compares the certificate's notAfter with now + renewBeforeDays
// (the input), so once inside the renewal window every `up` (and the preview)
// shows an update; read() reports the same as `renewalDue`, so `pulumi
// refresh` shows it as drift. read() also asks the CA (ARI, RFC 9773): a CA
// that wants the certificate replaced early (it revoked it, say) moves its
// window into the past, which diff() then treats the same way.
// update() issues the new certificate first and only then returns it: on
// failure the engine keeps the old outputs, so the certificate in service
// never goes away. Delete revokes, best effort.
import { randomUUID } from "node:crypto";
import { checkWith, containsUnknown, diffFields, userInputs, type CheckFailure, type ConfigSource, type Props } from "../../kit/index.ts";
import { describeChain, issue, revokeWithCertificateKey, type Issued, type KeyType } from "../client/acme.ts";
import { renewalWindow } from "../client/ari.ts";
import { setCloudflareCredentials, solverFor } from "../solvers/index.ts";
import type { SolverConfig } from "../solvers/types.ts";
import { explainAcme } from "./explain.ts";
import { certificateInputs, nameIssues, type CertificateInputs } from "./schemas.ts";

export interface CertificateOutputs extends Omit<CertificateInputs, "accountKeyPem">, Omit<Issued, "privateKeyPem"> {
  /** Secret output (additionalSecretOutputs). */
  privateKeyPem: string;
  /** notAfter − renewBeforeDays. */
  renewAt: string;
  /** Start of the CA's suggested renewal window (ARI), as of the last read; "" when unknown or not offered. */
  ariWindowStart: string;
  /** True once inside the renewal window (ours or the CA's), as of the last create/update/read. */
  renewalDue: boolean;
}

const DAY_MS = 86_400_000;
const DEFAULTS = { keyType: "ecdsa-p256", renewBeforeDays: 30 };
const REVOKE_BUDGET_MS = 30_000;
/** Changing these makes a different certificate: a new one is issued, then the old is revoked. */
const REPLACE_ON = ["names", "keyType", "directoryUrl"];
/** Changing these re-issues in place. */
const REISSUE_ON = ["profile"];
const FIELDS = ["names", "zones", "solver", "keyType", "profile", "renewBeforeDays", "directoryUrl", "directoryCaPem", "accountUrl"];

const label = (i: Partial<CertificateInputs>) => `AcmeCertificate ${Array.isArray(i.names) ? i.names.join(", ") : "?"}`;

export function renewAt(notAfter: string, renewBeforeDays: number): Date {
  return new Date(Date.parse(notAfter) - renewBeforeDays * DAY_MS);
}
export function isRenewalDue(notAfter: unknown, renewBeforeDays: unknown, now = Date.now()): boolean {
  if (typeof notAfter !== "string") return false;
  return now >= renewAt(notAfter, typeof renewBeforeDays === "number" ? renewBeforeDays : 30).getTime();
}

/** DNS providers' solvers read their credentials from stack config here (cloudflare:apiToken, set with --secret). */
export function configure(config: ConfigSource): void {
  const get = (key: string) => {
    try {
      const v = config.get(key);
      return typeof v === "string" && v !== "" ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const apiToken = get("cloudflare:apiToken");
  const apiBaseUrl = get("cloudflare:apiBaseUrl");
  setCloudflareCredentials({ ...(apiToken ? { apiToken } : {}), ...(apiBaseUrl ? { apiBaseUrl } : {}) });
}

export async function check(_olds: Props, news: Props) {
  const result = checkWith(label(news as Partial<CertificateInputs>), certificateInputs, news);
  // While the account's outputs are unknown (preview) the schema cannot apply its
  // defaults; diff must still compare keyType and renewBeforeDays with them.
  result.inputs = { ...DEFAULTS, ...result.inputs };
  const { names, zones, solver } = userInputs(news);
  if (![names, zones, solver].some(containsUnknown)) {
    const failures: CheckFailure[] = nameIssues(names, zones, (solver as { type?: unknown } | undefined)?.type).map((i) => ({
      property: i.path,
      reason: `${label(news as Partial<CertificateInputs>)}: ${i.path}: ${i.message}`,
    }));
    result.failures.push(...failures);
  }
  return result;
}

/** Ours (notAfter − renewBeforeDays) or the CA's (ARI) window has opened. */
function dueNow(olds: Props, renewBeforeDays: unknown, now = Date.now()): boolean {
  const ari = typeof olds.ariWindowStart === "string" && olds.ariWindowStart !== "" && now >= Date.parse(olds.ariWindowStart);
  return ari || isRenewalDue(olds.notAfter, renewBeforeDays, now);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffFields(olds, news, FIELDS, REPLACE_ON, false);
  // A value still unknown in preview (the account being replaced) is not yet a
  // reason to replace: the engine diffs again with the real value before applying.
  const replaces = d.replaces.filter((f) => !containsUnknown(news[f]));
  if (replaces.length > 0) return { ...d, replaces };
  const due = dueNow(olds, news.renewBeforeDays);
  return { ...d, replaces: [], changes: d.changes || due };
}

function outputs(i: CertificateInputs, issued: Issued): CertificateOutputs {
  const { accountKeyPem: _key, ...rest } = i;
  const at = renewAt(issued.notAfter, i.renewBeforeDays);
  return { ...rest, ...issued, renewAt: at.toISOString(), ariWindowStart: "", renewalDue: Date.now() >= at.getTime() };
}

async function issueFor(i: CertificateInputs, renewing: boolean): Promise<Issued> {
  const directory = { url: i.directoryUrl, caPem: i.directoryCaPem };
  try {
    return await issue(
      directory,
      { keyPem: i.accountKeyPem, url: i.accountUrl },
      { names: i.names, keyType: i.keyType as KeyType, profile: i.profile, solver: solverFor(i.solver as SolverConfig) },
    );
  } catch (err) {
    throw explainAcme(err, label(i), { accountUrl: i.accountUrl, directoryUrl: i.directoryUrl, renewing });
  }
}

export async function create(props: Props) {
  const i = certificateInputs.parse(userInputs(props));
  const issued = await issueFor(i, false);
  return { id: `${i.names[0]}/${randomUUID().slice(0, 8)}`, outs: outputs(i, issued) };
}

/** Live state: the certificate's notAfter against the clock and the window, and the CA's own window (ARI). */
export async function read(id: string, props: Props) {
  const o = props as unknown as CertificateOutputs;
  if (typeof o.certificatePem !== "string" || typeof o.privateKeyPem !== "string") return {};
  const live = describeChain(o.privateKeyPem, o.fullChainPem ?? o.certificatePem);
  const at = renewAt(live.notAfter, o.renewBeforeDays ?? 30);
  let ariWindowStart = typeof o.ariWindowStart === "string" ? o.ariWindowStart : "";
  try {
    const w = await renewalWindow({ url: o.directoryUrl, caPem: o.directoryCaPem }, o.certificatePem);
    ariWindowStart = w ? w.start.toISOString() : "";
  } catch {
    // No answer about this certificate (CA down, certificate unknown to it): our own window still holds.
  }
  const outs = { ...props, notBefore: live.notBefore, notAfter: live.notAfter, serial: live.serial, renewAt: at.toISOString(), ariWindowStart };
  return { id, props: { ...outs, renewalDue: dueNow(outs, o.renewBeforeDays) } };
}

export async function update(_id: string, olds: Props, news: Props) {
  const i = certificateInputs.parse(userInputs(news));
  const o = olds as unknown as CertificateOutputs;
  const reissue = REISSUE_ON.some((f) => JSON.stringify(olds[f] ?? null) !== JSON.stringify(news[f] ?? null)) || dueNow(olds, i.renewBeforeDays);
  if (!reissue) {
    // Solver, zones, account or window changed: kept for the next issuance, the certificate stays.
    const { privateKeyPem, certificatePem, issuerPem, fullChainPem, serial, notBefore, notAfter } = o;
    return { outs: outputs(i, { privateKeyPem, certificatePem, issuerPem, fullChainPem, serial, notBefore, notAfter }) };
  }
  return { outs: outputs(i, await issueFor(i, true)) };
}

/**
 * Revokes with the certificate's own key (so a replaced or deactivated account
 * does not matter). Best effort within 30 s: an expired certificate, a CA that
 * is gone or refuses never blocks the delete; the reason goes to the engine log.
 */
export async function remove(_id: string, props: Props) {
  const o = props as unknown as CertificateOutputs;
  if (!o.certificatePem || !o.privateKeyPem || Date.parse(o.notAfter) <= Date.now()) return;
  const revoke = revokeWithCertificateKey({ url: o.directoryUrl, caPem: o.directoryCaPem }, o.certificatePem, o.privateKeyPem);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${REVOKE_BUDGET_MS / 1000} s`)), REVOKE_BUDGET_MS).unref(),
  );
  await Promise.race([revoke, timeout]).catch((err: unknown) => {
    console.error(`${label(o)}: serial ${o.serial} was not revoked: ${(err as Error).message}`);
  });
}
