// The CA resources' decisions without the engine: when diff() re-signs,
// rotates or replaces, and check()'s field-named failures. Signing itself is
// covered by client/x509.test.ts and the engine by test/engine.test.ts.
import { describe, expect, test } from "vitest";
import { UNKNOWN } from "../../kit/index.ts";
import * as leaf from "./leaf-impl.ts";
import * as root from "./root-impl.ts";

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const leafIn = {
  caCertPem: "CA1",
  caKeyPem: "K",
  dnsNames: ["grafana.home.arpa"],
  ipAddresses: [],
  keyType: "ecdsa-p256",
  validityDays: 90,
  renewBeforeDays: 30,
};

describe("LeafCertificate", () => {
  test("diff: same inputs outside the window change nothing; inside it, or with a new root, re-sign", async () => {
    const { caKeyPem: _k, ...outs } = leafIn;
    expect(await leaf.diff("id", { ...outs, notAfter: inDays(60) }, leafIn)).toMatchObject({ changes: false, replaces: [] });
    expect(await leaf.diff("id", { ...outs, notAfter: inDays(10) }, leafIn)).toMatchObject({ changes: true, replaces: [] });
    expect(await leaf.diff("id", { ...outs, notAfter: inDays(60) }, { ...leafIn, caCertPem: "CA2" })).toMatchObject({ changes: true, replaces: [] });
    expect(await leaf.diff("id", { ...outs, notAfter: inDays(60) }, { ...leafIn, caCertPem: UNKNOWN })).toMatchObject({ changes: true });
  });

  test("check: names, window and key type are judged while the root is still unknown", async () => {
    const r = await leaf.check({}, { caCertPem: UNKNOWN, caKeyPem: UNKNOWN, dnsNames: ["bad name"], renewBeforeDays: 90 });
    const reasons = r.failures.map((f) => f.reason);
    expect(reasons).toContain("LeafCertificate bad name: dnsNames.0: must be a DNS name like grafana.home.arpa");
    expect(reasons).toContain("LeafCertificate bad name: renewBeforeDays: must be less than validityDays (90), else every up would renew");
    expect(r.inputs).toMatchObject({ keyType: "ecdsa-p256", validityDays: 90 });
  });
});

describe("RootCa", () => {
  const rootIn = { commonName: "bosun home CA", keyType: "ecdsa-p256", validityDays: 3650, rotateBeforeDays: 180 };
  test("diff: a new subject or key type replaces; the window rotates in place", async () => {
    expect((await root.diff("id", { ...rootIn, notAfter: inDays(3000) }, { ...rootIn, commonName: "other" })).replaces).toEqual(["commonName"]);
    expect(await root.diff("id", { ...rootIn, notAfter: inDays(3000) }, rootIn)).toMatchObject({ changes: false });
    expect(await root.diff("id", { ...rootIn, notAfter: inDays(100) }, rootIn)).toMatchObject({ changes: true, replaces: [] });
    expect(await root.diff("id", { ...rootIn, notAfter: inDays(3000) }, { ...rootIn, rotateBeforeDays: 3001 })).toMatchObject({ changes: true, replaces: [] });
  });

  test("check: defaults, limits", async () => {
    expect((await root.check({}, {})).failures).toEqual([]);
    const r = (await root.check({}, { validityDays: 0, keyType: "ed448" })).failures.map((f) => f.reason);
    expect(r).toContain("RootCa bosun home CA: validityDays: must be more than 0 days");
    expect(r.some((m) => m.startsWith("RootCa bosun home CA: keyType: must be one of"))).toBe(true);
  });
});
