// The ACME resources' pure parts: check() failures (field and rule), diff()
// decisions for renewal and replacement, and the messages for CA failures.
// No CA here: issuance runs against Pebble in test/client.test.ts and test/engine.test.ts.
import { describe, expect, test } from "vitest";
import { UNKNOWN } from "../../kit/index.ts";
import { AcmeProblemError, AcmeUnreachableError, ChallengeFailedError } from "../client/errors.ts";
import * as account from "./account-impl.ts";
import * as certificate from "./certificate-impl.ts";
import { explainAcme } from "./explain.ts";

const KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
const good = () => ({
  names: ["cloud.example.com"],
  zones: ["example.com"],
  solver: { type: "http-01", provider: "standalone", port: 8402 },
  directoryUrl: "https://acme.example.net/directory",
  accountUrl: "https://acme.example.net/acct/1",
  accountKeyPem: KEY,
});
const reasons = async (news: Record<string, unknown>) => (await certificate.check({}, news)).failures.map((f) => f.reason);

describe("AcmeCertificate check", () => {
  test("accepts good input and fills defaults", async () => {
    const r = await certificate.check({}, good());
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ keyType: "ecdsa-p256", renewBeforeDays: 30 });
  });

  test("names outside the zones, wildcards without DNS-01 and duplicates name the entry", async () => {
    const r = await reasons({ ...good(), names: ["cloud.example.com", "a.other.org", "*.example.com", "CLOUD.example.com"] });
    expect(r).toContain(
      'AcmeCertificate cloud.example.com, a.other.org, *.example.com, CLOUD.example.com: names.1: "a.other.org" is outside the allowed zones (example.com)',
    );
    expect(r.some((m) => m.includes('names.2: "*.example.com" is a wildcard, which only DNS-01 can prove; give a dns-01 solver'))).toBe(true);
    expect(r.some((m) => m.includes('names.3: "CLOUD.example.com" is listed twice'))).toBe(true);
    // A name that merely ends like the zone is outside it.
    expect((await reasons({ ...good(), names: ["badexample.com"] }))[0]).toContain('"badexample.com" is outside the allowed zones');
  });

  test("a wildcard with a DNS-01 solver is fine; zone rules are judged while the account is still unknown", async () => {
    const dns = { type: "dns-01", provider: "challtestsrv", url: "http://127.0.0.1:8055" };
    expect(await reasons({ ...good(), names: ["*.example.com", "example.com"], solver: dns })).toEqual([]);
    const preview = { ...good(), names: ["x.other.org"], accountUrl: UNKNOWN, accountKeyPem: UNKNOWN, directoryUrl: UNKNOWN };
    expect(await reasons(preview)).toEqual([expect.stringContaining('names.0: "x.other.org" is outside the allowed zones')]);
  });

  test("field rules: solver, window, key type, names", async () => {
    const r = await reasons({ ...good(), names: ["localhost"], solver: { type: "dns-01", provider: "route53" }, renewBeforeDays: 400, keyType: "dsa" });
    expect(r.some((m) => m.includes("names.0: must be a DNS name like app.example.com"))).toBe(true);
    expect(r.some((m) => m.includes("solver.provider:"))).toBe(true);
    expect(r.some((m) => m.includes("renewBeforeDays: must be 1-365 days"))).toBe(true);
    expect(r.some((m) => m.includes("keyType: must be one of ecdsa-p256"))).toBe(true);
    // The account key never appears in a failure, even when malformed.
    const bad = await reasons({ ...good(), accountKeyPem: "not-a-key-SECRET" });
    expect(bad.join("\n")).not.toContain("SECRET");
    expect(bad.some((m) => m.includes("accountKeyPem: must be a PEM private key"))).toBe(true);
  });
});

describe("AcmeCertificate diff", () => {
  const issued = (daysLeft: number) => ({
    ...good(),
    keyType: "ecdsa-p256",
    renewBeforeDays: 30,
    notAfter: new Date(Date.now() + daysLeft * 86_400_000).toISOString(),
  });
  const news = () => ({ ...good(), keyType: "ecdsa-p256", renewBeforeDays: 30 });

  test("nothing to do outside the renewal window; an update inside it", async () => {
    expect(await certificate.diff("id", issued(60), news())).toMatchObject({ changes: false, replaces: [] });
    expect(await certificate.diff("id", issued(29), news())).toMatchObject({ changes: true, replaces: [] });
    // The CA's window (ARI, from the last read) counts too: opened in the past = due, ahead = not yet.
    expect(await certificate.diff("id", { ...issued(60), ariWindowStart: new Date(Date.now() - 3600_000).toISOString() }, news())).toMatchObject({
      changes: true,
    });
    expect(await certificate.diff("id", { ...issued(60), ariWindowStart: new Date(Date.now() + 3600_000).toISOString() }, news())).toMatchObject({
      changes: false,
    });
    // The window is the input's: widening it makes the same certificate due.
    expect(await certificate.diff("id", issued(60), { ...news(), renewBeforeDays: 90 })).toMatchObject({ changes: true, replaces: [] });
  });

  test("names, key type and directory replace; an unknown directory in preview only updates", async () => {
    expect((await certificate.diff("id", issued(60), { ...news(), names: ["other.example.com"] })).replaces).toEqual(["names"]);
    expect((await certificate.diff("id", issued(60), { ...news(), keyType: "rsa-2048" })).replaces).toEqual(["keyType"]);
    expect(await certificate.diff("id", issued(60), { ...news(), directoryUrl: UNKNOWN })).toMatchObject({ changes: true, replaces: [] });
    expect(await certificate.diff("id", issued(60), { ...news(), solver: { type: "http-01", provider: "standalone", port: 80 } })).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("renewal window arithmetic", () => {
    const notAfter = "2030-03-31T00:00:00.000Z";
    expect(certificate.renewAt(notAfter, 30).toISOString()).toBe("2030-03-01T00:00:00.000Z");
    expect(certificate.isRenewalDue(notAfter, 30, Date.parse("2030-02-28T23:59:59Z"))).toBe(false);
    expect(certificate.isRenewalDue(notAfter, 30, Date.parse("2030-03-01T00:00:00Z"))).toBe(true);
  });
});

describe("AcmeAccount", () => {
  test("terms must be agreed, email must be an address", async () => {
    const r = (await account.check({}, { directoryUrl: "https://acme.example.net/dir", termsAgreed: false, email: "ops" })).failures.map((f) => f.reason);
    expect(r.some((m) => m.includes("termsAgreed: must be true: the CA registers no account until its terms of service are agreed"))).toBe(true);
    expect(r.some((m) => m.includes("email: must be an email address"))).toBe(true);
  });

  test("a deactivated account is replaced; an email change is an update", async () => {
    const olds = { directoryUrl: "https://a/dir", termsAgreed: true, keyType: "ecdsa-p256", email: "a@b.c", status: "valid" };
    expect(await account.diff("id", olds, { ...olds, email: "x@b.c" })).toMatchObject({ changes: true, replaces: [] });
    expect(await account.diff("id", { ...olds, status: "deactivated" }, olds)).toMatchObject({ changes: true, replaces: ["status"] });
    expect((await account.diff("id", olds, { ...olds, directoryUrl: "https://b/dir" })).replaces).toEqual(["directoryUrl"]);
  });
});

describe("messages for CA failures", () => {
  const ctx = { accountUrl: "https://ca/acct/7", directoryUrl: "https://ca/dir", renewing: false };

  test("a rate limit names the field, the CA's type and detail, and when to retry", () => {
    const err = new AcmeProblemError({
      type: "urn:ietf:params:acme:error:rateLimited",
      detail: "too many certificates already issued",
      status: 429,
      retryAfter: new Date(Date.now() + 3600_000),
      url: "https://ca/new-order",
    });
    const m = explainAcme(err, "AcmeCertificate a.example.com", { ...ctx, renewing: true }).message;
    expect(m).toMatch(
      /^AcmeCertificate a\.example\.com: names: the CA's rate limit was hit \(urn:ietf:params:acme:error:rateLimited: too many certificates already issued\)\. Retry after \d{4}-.*\(in about 60 min\)\. The current certificate stays in service\.$/,
    );
  });

  test("a deactivated account, a failed challenge, an unreachable CA", () => {
    const deact = new AcmeProblemError({ type: "urn:ietf:params:acme:error:unauthorized", detail: "Account has been deactivated", status: 403, url: "" });
    expect(explainAcme(deact, "AcmeCertificate a.example.com", ctx).message).toContain(
      "AcmeCertificate a.example.com: account: the ACME account https://ca/acct/7 is deactivated or unknown at https://ca/dir",
    );
    const ch = new ChallengeFailedError("a.example.com", "http-01", "urn:ietf:params:acme:error:connection", "Connection refused");
    expect(explainAcme(ch, "L", ctx).message).toMatch(
      /^L: names: http-01 challenge for a\.example\.com failed: connection: Connection refused\. Nothing was issued\./,
    );
    const down = new AcmeUnreachableError("https://ca/dir", "ECONNREFUSED", "connect ECONNREFUSED");
    expect(explainAcme(down, "L", ctx).message).toBe("L: directoryUrl: cannot reach the ACME server at https://ca: ECONNREFUSED. Nothing was issued.");
  });
});
