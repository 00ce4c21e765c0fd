// bosun's one ACME client, on acme-client: accounts (register, read, update,
// deactivate), issuance with any challenge adapter, revocation. Works against
// any RFC 8555 directory; a private directory's TLS CA is passed as caPem.
import * as acme from "acme-client";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import type { ChallengeAdapter } from "../solvers/types.ts";
import { ChallengeFailedError, isProblem } from "./errors.ts";
import { trustDirectory } from "./transport.ts";

export type KeyType = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "rsa-3072" | "rsa-4096";
export const KEY_TYPES: readonly KeyType[] = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"];

export interface Directory {
  /** e.g. https://acme-v02.api.letsencrypt.org/directory */
  url: string;
  /** PEM of the CA that signs the directory's HTTPS certificate, when not publicly trusted. */
  caPem?: string;
}

export interface AccountRef {
  keyPem: string;
  url: string;
}

export type AccountStatus = "valid" | "deactivated" | "revoked" | "unknown";

export interface Issued {
  privateKeyPem: string;
  /** The leaf certificate. */
  certificatePem: string;
  /** Intermediates as the CA sent them (leaf excluded). */
  issuerPem: string;
  /** Leaf followed by the intermediates: what a server presents. */
  fullChainPem: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

/** Polling for validation and issuance: 0.5 s doubling to 8 s, about a minute in all. */
const BACKOFF = { backoffAttempts: 10, backoffMin: 500, backoffMax: 8000 };

/** A PKCS#8 PEM private key of the given type (node:crypto). */
export function generateKey(type: KeyType): string {
  const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const;
  const publicKeyEncoding = { type: "spki", format: "pem" } as const;
  if (type.startsWith("ecdsa")) {
    return generateKeyPairSync("ec", { namedCurve: type === "ecdsa-p384" ? "P-384" : "P-256", privateKeyEncoding, publicKeyEncoding }).privateKey;
  }
  return generateKeyPairSync("rsa", { modulusLength: Number(type.slice(4)), privateKeyEncoding, publicKeyEncoding }).privateKey;
}

function client(dir: Directory, keyPem: string, accountUrl?: string): acme.Client {
  trustDirectory(dir.url, dir.caPem);
  return new acme.Client({ directoryUrl: dir.url, accountKey: keyPem, ...(accountUrl ? { accountUrl } : {}), ...BACKOFF });
}

/** Registers (or finds, for a key already registered) an account; returns its URL. */
export async function registerAccount(
  dir: Directory,
  keyPem: string,
  email: string | undefined,
  termsAgreed: boolean,
): Promise<{ url: string; status: AccountStatus }> {
  const c = client(dir, keyPem);
  const account = await c.createAccount({ termsOfServiceAgreed: termsAgreed, ...(email ? { contact: [`mailto:${email}`] } : {}) });
  return { url: c.getAccountUrl(), status: account.status };
}

/** The account's status at the CA; "unknown" when the CA does not know the account (or its key). */
export async function accountStatus(dir: Directory, account: AccountRef): Promise<{ status: AccountStatus; contact: string[] }> {
  try {
    const a = await client(dir, account.keyPem, account.url).updateAccount();
    return { status: a.status, contact: a.contact ?? [] };
  } catch (err) {
    if (isProblem(err, "unauthorized") && /deactivated/i.test(err.detail)) return { status: "deactivated", contact: [] };
    if (isProblem(err, "accountDoesNotExist") || isProblem(err, "unauthorized")) return { status: "unknown", contact: [] };
    throw err;
  }
}

export async function updateContact(dir: Directory, account: AccountRef, email: string | undefined): Promise<void> {
  await client(dir, account.keyPem, account.url).updateAccount({ contact: email ? [`mailto:${email}`] : [] });
}

/** Deactivates the account (RFC 8555 §7.3.6); an account the CA no longer knows counts as done. */
export async function deactivateAccount(dir: Directory, account: AccountRef): Promise<void> {
  try {
    await client(dir, account.keyPem, account.url).updateAccount({ status: "deactivated" });
  } catch (err) {
    if (isProblem(err, "unauthorized") || isProblem(err, "accountDoesNotExist")) return;
    throw err;
  }
}

export interface IssueRequest {
  names: string[];
  keyType: KeyType;
  /** ACME profile (draft-ietf-acme-profiles), e.g. Let's Encrypt's "shortlived"; omitted = the CA's default. */
  profile?: string;
  solver: ChallengeAdapter;
}

/**
 * Orders, proves control with the solver, finalizes and downloads. Nothing is
 * kept on failure: the order just expires at the CA, every presented
 * challenge is cleaned up, and the new key is dropped.
 */
export async function issue(dir: Directory, account: AccountRef, req: IssueRequest): Promise<Issued> {
  const c = client(dir, account.keyPem, account.url);
  const privateKeyPem = generateKey(req.keyType);
  const [, csr] = await acme.crypto.createCsr({ commonName: req.names[0], altNames: [...req.names] }, privateKeyPem);
  const order = await c.createOrder({ identifiers: req.names.map((value) => ({ type: "dns", value })), ...(req.profile ? { profile: req.profile } : {}) });
  const authzs = await c.getAuthorizations(order);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const pending: { authz: acme.Authorization; challenge: acme.Authorization["challenges"][number] }[] = [];
    for (const authz of authzs) {
      if (authz.status === "valid") continue; // reused from an earlier order
      const name = (authz.wildcard ? "*." : "") + authz.identifier.value;
      const challenge = authz.challenges.find((ch) => ch.type === req.solver.type);
      if (!challenge) {
        throw new Error(`the CA offers no ${req.solver.type} challenge for ${name} (offered: ${authz.challenges.map((ch) => ch.type).join(", ") || "none"})`);
      }
      const keyAuthorization = await c.getChallengeKeyAuthorization(challenge);
      const solver = req.solver;
      if (solver.type === "http-01") {
        await solver.present(challenge.token, keyAuthorization);
        cleanups.push(() => solver.cleanup(challenge.token));
      } else {
        const fqdn = `_acme-challenge.${authz.identifier.value}`;
        await solver.present(fqdn, keyAuthorization);
        cleanups.push(() => solver.cleanup(fqdn, keyAuthorization));
      }
      pending.push({ authz, challenge });
    }
    for (const { challenge } of pending) await c.completeChallenge(challenge);
    for (const { authz } of pending) {
      await c.waitForValidStatus(authz).catch(async (err: unknown) => {
        throw (await challengeError(c, order, authz, req.solver.type)) ?? err;
      });
    }
  } finally {
    // Cleanup failures must not hide the outcome; a leftover token or TXT record is harmless.
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
  const finalized = await c.finalizeOrder(order, csr);
  const chain = await c.getCertificate(finalized);
  return describeChain(privateKeyPem, chain);
}

/** Why an authorization failed, in the CA's words (the challenge's error object). */
async function challengeError(c: acme.Client, order: acme.Order, failed: acme.Authorization, type: string): Promise<Error | undefined> {
  const fresh = await c.getAuthorizations(order).catch(() => []);
  const authz = fresh.find((a) => a.identifier.value === failed.identifier.value && Boolean(a.wildcard) === Boolean(failed.wildcard));
  const challenge = authz?.challenges.find((ch) => ch.type === type);
  const error = challenge?.error as { type?: string; detail?: string } | undefined;
  if (!error) return undefined;
  const name = (failed.wildcard ? "*." : "") + failed.identifier.value;
  return new ChallengeFailedError(name, type, error.type ?? "", error.detail ?? "");
}

/** Splits what the CA sent (leaf first) and reads the leaf's serial and validity. */
export function describeChain(privateKeyPem: string, chainPem: string): Issued {
  const blocks = acme.crypto.splitPemChain(chainPem);
  const [leafPem, ...rest] = blocks;
  if (!leafPem) throw new Error("the CA returned no certificate");
  const leaf = new X509Certificate(leafPem);
  return {
    privateKeyPem,
    certificatePem: ensureNewline(leafPem),
    issuerPem: rest.map(ensureNewline).join(""),
    fullChainPem: blocks.map(ensureNewline).join(""),
    serial: leaf.serialNumber.toLowerCase(),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

const ensureNewline = (pem: string) => (pem.endsWith("\n") ? pem : `${pem}\n`);

/**
 * Revokes a certificate, signing with the certificate's own key (RFC 8555
 * §7.6 allows it), so it works whatever became of the account. acme-client's
 * revokeCertificate() always signs with the account; its HttpClient is used
 * directly for the JWK-signed request (pinned acme-client version).
 */
export async function revokeWithCertificateKey(dir: Directory, certificatePem: string, privateKeyPem: string, reason = 5): Promise<"revoked" | "already"> {
  const c = client(dir, privateKeyPem) as unknown as {
    http: { getResourceUrl(r: string): Promise<string>; signedRequest(url: string, payload: object, opts: { kid: null }): Promise<{ status: number }> };
  };
  const url = await c.http.getResourceUrl("revokeCert");
  const certificate = acme.crypto.getPemBodyAsB64u(certificatePem);
  try {
    await c.http.signedRequest(url, { certificate, reason }, { kid: null });
    return "revoked";
  } catch (err) {
    if (isProblem(err, "alreadyRevoked")) return "already";
    throw err;
  }
}
