// bosun's ACME resources through the real Pulumi engine (the CLI from
// scripts/setup.sh, bosun's language host, the dynamic-provider plugin)
// against a real Pebble and pebble-challtestsrv (scripts/services/pebble.sh):
// an account, certificates by HTTP-01 (standalone solver) and DNS-01
// (challtestsrv, with a wildcard), their chains against Pebble's root and in
// a real TLS handshake, renewal of a certificate inside its window by refresh
// + plain up, one the CA wants replaced early (ARI) likewise, a failing
// renewal keeping the old certificate, bad input refused
// at preview, a failing challenge leaving nothing in state, an ACME rate limit
// (from a stand-in CA: Pebble has none), a deactivated account replaced, and
// destroy revoking every certificate.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes, X509Certificate } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { accountStatus, deactivateAccount, revokeWithCertificateKey } from "../client/acme.ts";
import type { Case } from "./program/case.ts";
import { certStatus, challtestsrv, ensurePebble, freshName, http01Lock, pebbleRoot, type Pebble } from "./pebble.ts";
import { hold } from "../../../test/support/exclusive.ts";
import { rateLimitedCa } from "./stand-in-ca.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-acme-engine-test"; // test/program/Pulumi.yaml
const stackName = `test-acme-${randomBytes(3).toString("hex")}`;

let pebble: Pebble;
let stack: Stack;
const zone = freshName("zone"); // e.g. zone-x1y2z3.bosun.test
const web = `web.${zone}`;
const short = `short.${zone}`;

interface CertOut {
  serial: string;
  notAfter: string;
  renewalDue: boolean;
  fullChainPem: string;
  names: string[];
}

function base(): Case {
  return {
    accounts: { acct: { directoryUrl: pebble.directoryUrl, directoryCaPem: pebble.tlsCaPem, email: "ops@bosun.test", termsAgreed: true } },
    certificates: {
      // HTTP-01: Pebble validates on 127.0.0.1:<http01Port>, where the standalone solver listens.
      web: {
        account: "acct",
        names: [web],
        zones: [zone],
        profile: "default",
        solver: { type: "http-01", provider: "standalone", address: "127.0.0.1", port: pebble.http01Port },
      },
      wild: { account: "acct", names: [zone, `*.${zone}`], zones: [zone], profile: "default", keyType: "rsa-2048", solver: dns01() },
      // 7-day profile with the default 30-day window: inside its renewal window from the start.
      short: { account: "acct", names: [short], zones: [zone], profile: "shortlived", solver: dns01() },
    },
  };
}
const dns01 = () => ({ type: "dns-01", provider: "challtestsrv", url: pebble.challtestsrvUrl });

async function setCase(c: Case): Promise<void> {
  await stack.setConfig("case", { value: JSON.stringify(c) });
}
async function certs(): Promise<Record<string, CertOut>> {
  return (await stack.outputs()).certs?.value as Record<string, CertOut>;
}
/** The serial a resource holds in the checkpoint, whatever the stack outputs say after a failed up. */
async function stateSerial(name: string): Promise<string | undefined> {
  const deployment = (await stack.exportStack()).deployment as { resources?: { urn: string; outputs?: { serial?: string } }[] };
  return deployment.resources?.find((r) => r.urn.endsWith(`::${name}`))?.outputs?.serial;
}
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}

/** A TLS server with the certificate; a client trusting only `rootPem` connects by name. */
async function handshake(fullChainPem: string, keyPem: string, servername: string, rootPem: string): Promise<string> {
  const server = createServer({ cert: fullChainPem, key: keyPem }, (s) => s.end("hello over tls\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, servername, ca: rootPem }, () => {
        let data = "";
        socket.on("data", (d: Buffer) => (data += d.toString()));
        socket.on("end", () => resolve(data));
      });
      socket.on("error", reject);
    });
  } finally {
    server.close();
  }
}

let release: (() => void) | undefined;
beforeAll(async () => {
  pebble = ensurePebble();
  release = await hold(http01Lock(pebble));
  const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
  removeCheckpointBackups(PROJECT, stackName);
  release?.();
});

describe("ACME resources through the engine, against Pebble", () => {
  test("create: account, HTTP-01 and DNS-01 (wildcard) certificates; chains verify; keys stored encrypted", async () => {
    await setCase(base());
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(5); // stack + account + 3 certificates
    const c = await certs();
    const rootPem = await pebbleRoot(pebble);
    const keys = (await stack.outputs()).keys?.value as Record<string, string>;
    for (const [name, servername] of [
      ["web", web],
      ["wild", `any.${zone}`],
      ["short", short],
    ] as const) {
      const out = c[name] as CertOut;
      expect(await handshake(out.fullChainPem, keys[name] as string, servername, rootPem), name).toBe("hello over tls\n");
      expect((await certStatus(pebble, out.serial)).Status).toBe("Valid");
    }
    expect(new X509Certificate(c.wild?.fullChainPem ?? "").subjectAltName?.split(", ").sort()).toEqual([`DNS:*.${zone}`, `DNS:${zone}`]);
    expect(c.web?.renewalDue).toBe(false);
    expect(c.short?.renewalDue).toBe(true);

    // Keys are secrets: the checkpoint holds neither the certificate keys nor the account key in clear.
    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain(c.web?.serial);
    expect(onDisk).not.toContain("PRIVATE KEY");
  });

  test("renewal: refresh reports the certificate inside its window, a plain up renews it; the others stay", async () => {
    const before = await certs();
    const refresh = await stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    const preview = await stack.preview();
    expect(preview.changeSummary).toMatchObject({ update: 1, same: 4 });
    // Until the up, the old certificate is the one in the outputs and still valid at the CA.
    expect((await certs()).short?.serial).toBe(before.short?.serial);
    expect((await certStatus(pebble, before.short?.serial ?? "")).Status).toBe("Valid");

    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 4 });
    const after = await certs();
    expect(after.short?.serial).not.toBe(before.short?.serial);
    expect(after.web?.serial).toBe(before.web?.serial);
    expect(after.wild?.serial).toBe(before.wild?.serial);
    expect(Date.parse(after.short?.notAfter ?? "")).toBeGreaterThan(Date.parse(before.short?.notAfter ?? ""));
    // A renewal does not revoke the certificate it replaces (it may still be deployed somewhere).
    expect((await certStatus(pebble, before.short?.serial ?? "")).Status).toBe("Valid");
  });

  test("a renewal whose challenge fails keeps the old certificate and says why", async () => {
    const before = await stateSerial("short");
    await challtestsrv(pebble, "/set-servfail", { host: `_acme-challenge.${short}.` });
    try {
      const message = await failure(stack.up());
      expect(message).toContain(`AcmeCertificate ${short}: names: dns-01 challenge for ${short} failed: unauthorized:`);
      expect(message).toContain("The current certificate stays in service.");
    } finally {
      await challtestsrv(pebble, "/clear-servfail", { host: `_acme-challenge.${short}.` });
    }
    expect(await stateSerial("short")).toBe(before);
    expect((await certStatus(pebble, before ?? "")).Status).toBe("Valid");
  });

  test("bad input is refused at preview with the field and the rule", async () => {
    const c = base();
    c.certificates!.bad = {
      account: "acct",
      names: ["app.elsewhere.example", `*.${zone}`],
      zones: [zone],
      solver: { type: "http-01", provider: "standalone", port: pebble.http01Port },
    };
    await setCase(c);
    const message = await failure(stack.preview());
    expect(message).toContain(`names.0: "app.elsewhere.example" is outside the allowed zones (${zone})`);
    expect(message).toContain(`names.1: "*.${zone}" is a wildcard, which only DNS-01 can prove; give a dns-01 solver`);
    c.certificates!.bad = { account: "acct", names: [`x.${zone}`], zones: [zone], solver: { type: "dns-01", provider: "nope" }, renewBeforeDays: 0 };
    await setCase(c);
    const again = await failure(stack.preview());
    expect(again).toMatch(/solver\.provider: /);
    expect(again).toContain("renewBeforeDays: must be 1-365 days");
  });

  test("a failing challenge on create leaves nothing in state", async () => {
    const name = `broken.${zone}`;
    const c = base();
    c.certificates!.broken = { account: "acct", names: [name], zones: [zone], profile: "default", solver: dns01() };
    await setCase(c);
    await challtestsrv(pebble, "/set-servfail", { host: `_acme-challenge.${name}.` });
    try {
      const message = await failure(stack.up());
      expect(message).toContain(`AcmeCertificate ${name}: names: dns-01 challenge for ${name} failed: unauthorized:`);
      expect(message).toContain("Nothing was issued.");
    } finally {
      await challtestsrv(pebble, "/clear-servfail", { host: `_acme-challenge.${name}.` });
    }
    const deployment = (await stack.exportStack()).deployment as { resources?: { urn: string }[] };
    expect(deployment.resources?.some((r) => r.urn.endsWith("::broken"))).toBe(false);
    await setCase(base());
  });

  test("an ACME rate limit (stand-in CA) fails the create with the field, the CA's type and when to retry; nothing in state", async () => {
    const standIn = await rateLimitedCa();
    try {
      const name = `limited.${zone}`;
      const c = base();
      c.accounts!.limitedAcct = { directoryUrl: `${standIn.url}/dir`, termsAgreed: true };
      c.certificates!.limited = { account: "limitedAcct", names: [name], zones: [zone], solver: dns01() };
      await setCase(c);
      const message = await failure(stack.up());
      expect(message).toContain(`AcmeCertificate ${name}: names: the CA's rate limit was hit (urn:ietf:params:acme:error:rateLimited: too many certificates`);
      expect(message).toMatch(/Retry after \d{4}-\d\d-\d\dT\S+ \(in about 60 min\)\. Nothing was issued\./);
      expect(standIn.orders()).toBe(1); // refused once, not retried inside the deployment
      const deployment = (await stack.exportStack()).deployment as { resources?: { urn: string }[] };
      expect(deployment.resources?.some((r) => r.urn.endsWith("::limited"))).toBe(false);
      await setCase(base());
      await stack.up(); // deactivates the stand-in account
    } finally {
      await standIn.close();
    }
  });

  test("a deactivated account is reported by refresh and replaced by up; certificates follow without re-issuing", async () => {
    const state = (await stack.exportStack()).deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
    const acct = state.resources?.find((r) => r.urn.endsWith("::acct"))?.outputs ?? {};
    // The Automation API's export shows secrets (--show-secrets), as the key is needed here.
    const ref = { keyPem: plain(acct.accountKeyPem), url: String(acct.accountUrl) };
    const dir = { url: pebble.directoryUrl, caPem: pebble.tlsCaPem };
    await deactivateAccount(dir, ref);
    const before = await certs();
    await stack.refresh();
    const preview = await stack.preview();
    expect(preview.changeSummary).toMatchObject({ replace: 1, update: 3 }); // the account; web and wild follow it, short is due anyway
    await stack.up();
    const urls = (await stack.outputs()).accountUrls?.value as Record<string, string>;
    expect(urls.acct).not.toBe(ref.url);
    expect((await accountStatus(dir, ref)).status).toBe("deactivated");
    const after = await certs();
    expect(after.web?.serial).toBe(before.web?.serial);
    expect(after.wild?.serial).toBe(before.wild?.serial);
  });

  test("a certificate the CA wants replaced early (revoked out of band; ARI) is renewed by refresh + plain up", async () => {
    const state = (await stack.exportStack()).deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
    const web0 = state.resources?.find((r) => r.urn.endsWith("::web"))?.outputs ?? {};
    const dir = { url: pebble.directoryUrl, caPem: pebble.tlsCaPem };
    await refreshAndCheck("web", false); // a fresh certificate: the CA's window lies ahead
    expect(await revokeWithCertificateKey(dir, String(web0.certificatePem), plain(web0.privateKeyPem))).toBe("revoked");
    await refreshAndCheck("web", true);
    await stack.up();
    expect(await stateSerial("web")).not.toBe(web0.serial);
  });

  test("destroy revokes every certificate and deactivates the account", async () => {
    // Serials from the state: a failed up (tests above) leaves the stack outputs behind a renewal it did make.
    const serials = Object.fromEntries(await Promise.all(["web", "wild", "short"].map(async (n) => [n, await stateSerial(n)] as const)));
    const state = (await stack.exportStack()).deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
    const acct = state.resources?.find((r) => r.urn.endsWith("::acct"))?.outputs ?? {};
    await stack.destroy();
    for (const name of ["web", "wild", "short"]) {
      expect(await certStatus(pebble, serials[name] ?? ""), name).toMatchObject({ Status: "Revoked", Reason: 5 });
    }
    const dir = { url: pebble.directoryUrl, caPem: pebble.tlsCaPem };
    expect((await accountStatus(dir, { keyPem: plain(acct.accountKeyPem), url: String(acct.accountUrl) })).status).toBe("deactivated");
  });
});

/** Refreshes and checks what read() reported for a certificate: the CA's window (ARI) and renewalDue. */
async function refreshAndCheck(name: string, due: boolean): Promise<void> {
  await stack.refresh();
  const d = (await stack.exportStack()).deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
  const o = d.resources?.find((r) => r.urn.endsWith(`::${name}`))?.outputs ?? {};
  expect(o.renewalDue, `${name} renewalDue`).toBe(due);
  expect(Date.parse(String(o.ariWindowStart)) <= Date.now(), `${name} ARI window open`).toBe(due);
}

/** A secret as exportStack (--show-secrets) gives it: { <sig>: ..., plaintext: "<JSON>" }. */
function plain(value: unknown): string {
  const text = (value as { plaintext?: string } | undefined)?.plaintext;
  return text === undefined ? String(value) : (JSON.parse(text) as string);
}
