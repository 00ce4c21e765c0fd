// The ACME client against a real Pebble and pebble-challtestsrv (started by
// scripts/services/pebble.sh): accounts, HTTP-01 through the standalone solver,
// DNS-01 (with a wildcard) through challtestsrv, chain verification against
// Pebble's root, a failing challenge with the CA's detail, a deactivated
// account, revocation. Pebble enforces no rate limits, so the rate-limit
// answer alone comes from a stand-in ACME server (stand-in-ca.ts, the only simulated part).
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  accountStatus,
  deactivateAccount,
  generateKey,
  issue,
  registerAccount,
  revokeWithCertificateKey,
  type AccountRef,
  type Directory,
} from "../client/acme.ts";
import { renewalWindow } from "../client/ari.ts";
import { AcmeProblemError, AcmeUnreachableError, ChallengeFailedError } from "../client/errors.ts";
import { challtestsrvDns01 } from "../solvers/dns-challtestsrv.ts";
import { openStandaloneListeners, standaloneHttp01 } from "../solvers/http-standalone.ts";
import { certStatus, challtestsrv, ensurePebble, freshName, http01Lock, pebbleRoot, type Pebble } from "./pebble.ts";
import { hold } from "../../../test/support/exclusive.ts";
import { rateLimitedCa } from "./stand-in-ca.ts";

let pebble: Pebble;
let dir: Directory;
let account: AccountRef;

let release: (() => void) | undefined;
beforeAll(async () => {
  pebble = ensurePebble();
  release = await hold(http01Lock(pebble));
  dir = { url: pebble.directoryUrl, caPem: pebble.tlsCaPem };
  const keyPem = generateKey("ecdsa-p256");
  const reg = await registerAccount(dir, keyPem, "ops@bosun.test", true);
  account = { keyPem, url: reg.url };
});

afterAll(() => release?.());

/** leaf → intermediate(s) → root, by signature and issuer, with node's X509Certificate. */
function verifyChain(fullChainPem: string, rootPem: string): X509Certificate {
  const certs = fullChainPem
    .split(/(?<=-----END CERTIFICATE-----\n?)/)
    .filter((s) => s.includes("BEGIN"))
    .map((s) => new X509Certificate(s));
  const chain = [...certs, new X509Certificate(rootPem)];
  for (let i = 0; i + 1 < chain.length; i++) {
    const [child, parent] = [chain[i] as X509Certificate, chain[i + 1] as X509Certificate];
    expect(child.checkIssued(parent), `certificate ${i} issued by ${i + 1}`).toBe(true);
    expect(child.verify(parent.publicKey), `signature of certificate ${i}`).toBe(true);
  }
  return chain[0] as X509Certificate;
}

describe("ACME client against Pebble", () => {
  test("account: registered valid, deactivation reported", async () => {
    expect((await accountStatus(dir, account)).status).toBe("valid");
    const other = { keyPem: generateKey("ecdsa-p256"), url: "" };
    other.url = (await registerAccount(dir, other.keyPem, undefined, true)).url;
    await deactivateAccount(dir, other);
    expect((await accountStatus(dir, other)).status).toBe("deactivated");
    await deactivateAccount(dir, other); // again: already done, no error
    // An order with the deactivated account fails with the CA's reason.
    const err = await issue(dir, other, {
      names: [freshName("deact")],
      keyType: "ecdsa-p256",
      profile: "default",
      solver: standaloneHttp01({ address: "127.0.0.1", port: pebble.http01Port }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeProblemError);
    expect((err as AcmeProblemError).kind).toBe("unauthorized");
    expect((err as Error).message).toMatch(/deactivated/);
  });

  test("HTTP-01 through the standalone solver: chain verifies against Pebble's root", async () => {
    const name = freshName("web");
    const issued = await issue(dir, account, {
      names: [name],
      keyType: "rsa-2048",
      profile: "default",
      solver: standaloneHttp01({ address: "127.0.0.1", port: pebble.http01Port }),
    });
    const leaf = verifyChain(issued.fullChainPem, await pebbleRoot(pebble));
    expect(leaf.subjectAltName).toBe(`DNS:${name}`);
    expect(leaf.checkPrivateKey((await import("node:crypto")).createPrivateKey(issued.privateKeyPem))).toBe(true);
    expect(leaf.publicKey.asymmetricKeyType).toBe("rsa");
    expect(Date.parse(issued.notAfter) - Date.parse(issued.notBefore)).toBeGreaterThan(80 * 86400_000);
    expect(openStandaloneListeners()).toEqual([]); // the port is released after issuance
  });

  test("DNS-01 through challtestsrv, wildcard and apex in one order; ARI window; revocation seen by Pebble", async () => {
    const zone = freshName("zone");
    const issued = await issue(dir, account, {
      names: [zone, `*.${zone}`],
      keyType: "ecdsa-p384",
      profile: "shortlived",
      solver: challtestsrvDns01({ url: pebble.challtestsrvUrl }),
    });
    const leaf = verifyChain(issued.fullChainPem, await pebbleRoot(pebble));
    expect(leaf.subjectAltName?.split(", ").sort()).toEqual([`DNS:*.${zone}`, `DNS:${zone}`].sort());
    expect(Date.parse(issued.notAfter) - Date.parse(issued.notBefore)).toBeLessThan(8 * 86400_000);
    expect((await certStatus(pebble, issued.serial)).Status).toBe("Valid");
    // ARI: the CA's window for a fresh certificate lies ahead; once revoked, the CA wants it replaced now.
    expect((await renewalWindow(dir, issued.certificatePem))?.start.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    expect(await revokeWithCertificateKey(dir, issued.certificatePem, issued.privateKeyPem)).toBe("revoked");
    expect(await certStatus(pebble, issued.serial)).toMatchObject({ Status: "Revoked", Reason: 5 });
    expect((await renewalWindow(dir, issued.certificatePem))?.start.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await revokeWithCertificateKey(dir, issued.certificatePem, issued.privateKeyPem)).toBe("already");
  });

  test("a failing challenge names the name, the challenge and the CA's detail; nothing is left listening", async () => {
    const name = freshName("fail");
    // The record is published, but the DNS server answers SERVFAIL for it, so validation fails.
    await challtestsrv(pebble, "/set-servfail", { host: `_acme-challenge.${name}.` });
    const err = await issue(dir, account, {
      names: [name],
      keyType: "ecdsa-p256",
      profile: "default",
      solver: challtestsrvDns01({ url: pebble.challtestsrvUrl }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChallengeFailedError);
    expect((err as Error).message).toMatch(
      new RegExp(`^dns-01 challenge for ${name.replace(/\./g, "\\.")} failed: unauthorized: .*TXT.*unsuccessful response`),
    );
    expect((err as ChallengeFailedError).detail.length).toBeGreaterThan(0);
    expect(openStandaloneListeners()).toEqual([]);
  });

  test("an unreachable directory and an untrusted TLS CA are named as such", async () => {
    const untrusted = await registerAccount({ url: pebble.directoryUrl }, generateKey("ecdsa-p256"), undefined, true).catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(AcmeUnreachableError);
    expect((untrusted as Error).message).toMatch(/not trusted; give its CA as directoryCaPem/);
    const closed = await registerAccount({ url: "https://127.0.0.1:1/dir" }, generateKey("ecdsa-p256"), undefined, true).catch((e: unknown) => e);
    expect((closed as Error).message).toMatch(/cannot reach the ACME server at https:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  test("a rate limit (stand-in CA) is reported at once with its type and Retry-After, not slept on", async () => {
    const standIn = await rateLimitedCa();
    try {
      const d = { url: `${standIn.url}/dir` };
      const key = generateKey("ecdsa-p256");
      const reg = await registerAccount(d, key, undefined, true);
      const err = await issue(
        d,
        { keyPem: key, url: reg.url },
        { names: ["a.bosun.test"], keyType: "ecdsa-p256", solver: challtestsrvDns01({ url: pebble.challtestsrvUrl }) },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AcmeProblemError);
      const p = err as AcmeProblemError;
      expect(p.type).toBe("urn:ietf:params:acme:error:rateLimited");
      expect(p.retryAfter?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
      expect(p.message).toMatch(/^rateLimited \(HTTP 429\): too many certificates .*; retry after \d{4}-/);
      expect(standIn.orders()).toBe(1); // asked once, no retry loop
    } finally {
      await standIn.close();
    }
  });
});
