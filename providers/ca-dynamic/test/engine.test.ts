// bosun's internal CA through the real Pulumi engine (the CLI from
// scripts/setup.sh, bosun's language host, the dynamic-provider plugin):
// a root and a leaf for grafana.home.arpa verified in real TLS handshakes
// (client trusting only the root), the root exported as a plain output, keys
// only encrypted in the checkpoint, bad input refused at preview, a leaf
// inside its window renewed by refresh + plain up, and a root inside its
// rotation window rotated by refresh + plain up with its leaf re-signed.
// Windows of seconds come from fractional days (0.004 days ≈ 346 s).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { X509Certificate, randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Case } from "./program/case.ts";
import { handshake } from "./tls.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-ca-engine-test"; // test/program/Pulumi.yaml
const stackName = `test-ca-${randomBytes(3).toString("hex")}`;
let stack: Stack;
let current: Case;

const base = (): Case => ({
  roots: { home: { commonName: "bosun home CA", organization: "engine test" } },
  leaves: { grafana: { ca: "home", dnsNames: ["grafana.home.arpa"], ipAddresses: ["127.0.0.1"] } },
});

async function setCase(c: Case): Promise<void> {
  current = c;
  await stack.setConfig("case", { value: JSON.stringify(c) });
}
type Res = { urn: string; outputs?: Record<string, unknown> };
/** A resource's outputs as the checkpoint holds them (secrets shown: the Automation API exports with --show-secrets). */
async function state(name: string): Promise<Record<string, unknown>> {
  const d = (await stack.exportStack()).deployment as { resources?: Res[] };
  const outputs = d.resources?.find((r) => r.urn.endsWith(`::${name}`))?.outputs ?? {};
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [
      k,
      (v as { plaintext?: string })?.plaintext !== undefined ? JSON.parse((v as { plaintext: string }).plaintext) : v,
    ]),
  );
}
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}
/** Waits (real time) until the ISO instant has passed. */
async function until(iso: unknown): Promise<void> {
  const wait = Date.parse(String(iso)) - Date.now() + 250;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

beforeAll(async () => {
  const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
  removeCheckpointBackups(PROJECT, stackName);
});

describe("internal CA through the engine", () => {
  test("create: root and leaf; TLS by name and by IP trusting only the exported root; keys encrypted", async () => {
    await setCase(base());
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(3);
    const outputs = await stack.outputs();
    expect(outputs.rootCerts?.secret).toBe(false);
    expect(outputs.leafKeys?.secret).toBe(true);
    const rootPem = (outputs.rootCerts?.value as Record<string, string>).home as string;
    const chain = (outputs.leafCerts?.value as Record<string, string>).grafana as string;
    const key = (outputs.leafKeys?.value as Record<string, string>).grafana as string;
    expect(new X509Certificate(rootPem).ca).toBe(true);
    expect(await handshake(chain, key, { servername: "grafana.home.arpa", ca: rootPem })).toBe("hello\n");
    expect(await handshake(chain, key, { ca: rootPem })).toBe("hello\n"); // by IP address
    expect((await stack.preview()).changeSummary).toEqual({ same: 3 });
    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain("BEGIN CERTIFICATE");
    expect(onDisk).not.toContain("PRIVATE KEY");
  });

  test("bad input is refused at preview with the field and the rule", async () => {
    const c = base();
    c.leaves!.bad = { ca: "home", dnsNames: [], validityDays: 30, renewBeforeDays: 60 };
    await setCase(c);
    const message = await failure(stack.preview());
    expect(message).toContain("LeafCertificate ?: renewBeforeDays: must be less than validityDays (30), else every up would renew");
    expect(message).toContain("dnsNames: give at least one DNS name (e.g. grafana.home.arpa) or IP address");
    // The engine stops at the first resource that fails its check: one bad resource per preview.
    delete c.leaves!.bad;
    c.roots!.badroot = { validityDays: 100, rotateBeforeDays: 100 };
    await setCase(c);
    expect(await failure(stack.preview())).toContain("RootCa bosun home CA: rotateBeforeDays: must be less than validityDays (100)");
    c.leaves!.bad = { ca: "home", dnsNames: ["not a name"], ipAddresses: ["10.0.0.300"], keyType: "dsa" };
    delete c.roots!.badroot;
    await setCase(c);
    const again = await failure(stack.preview());
    expect(again).toContain("dnsNames.0: must be a DNS name like grafana.home.arpa");
    expect(again).toContain("ipAddresses.0: must be an IPv4 or IPv6 address");
    expect(again).toContain("keyType: must be one of ecdsa-p256");
    await setCase(base());
  });

  test("a leaf inside its renewal window: refresh reports it, a plain up re-signs it, the others stay", async () => {
    const c = base();
    c.leaves!.short = { ca: "home", dnsNames: ["short.home.arpa"], validityDays: 0.004, renewBeforeDays: 0.0039 }; // due ~9 s after signing
    await setCase(c);
    await stack.up();
    const before = await state("short");
    const grafana = await state("grafana");
    expect(before.renewalDue).toBe(false);
    await until(before.renewAt);
    await stack.refresh();
    expect((await state("short")).renewalDue).toBe(true);
    expect((await stack.preview()).changeSummary).toMatchObject({ update: 1, same: 3 });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 3 });
    const after = await state("short");
    expect(after.serial).not.toBe(before.serial);
    expect(after.keyPem).not.toBe(before.keyPem);
    expect((await state("grafana")).serial).toBe(grafana.serial);
    const rootPem = String((await state("home")).certPem);
    expect(await handshake(String(after.fullChainPem), String(after.keyPem), { servername: "short.home.arpa", ca: rootPem })).toBe("hello\n");
    await setCase(base());
    await stack.up();
  });

  test("a root inside its rotation window: a plain up rotates it and re-signs its leaf", async () => {
    const c = structuredClone(current);
    c.roots!.lab = { commonName: "bosun lab CA", validityDays: 0.004, rotateBeforeDays: 0.0039 }; // due ~9 s after creation
    c.leaves!.nas = { ca: "lab", dnsNames: ["nas.home.arpa"], renewBeforeDays: 0.001 }; // its own window opens ~4 min later
    await setCase(c);
    await stack.up();
    const lab = await state("lab");
    const nas = await state("nas");
    await until(lab.rotateAt);
    await stack.refresh();
    expect((await state("lab")).rotationDue).toBe(true);
    expect((await state("nas")).renewalDue).toBe(false);
    expect((await stack.preview()).changeSummary).toMatchObject({ update: 2 }); // the root, and the leaf following it
    await stack.up();
    const lab2 = await state("lab");
    const nas2 = await state("nas");
    expect(lab2.fingerprint).not.toBe(lab.fingerprint);
    expect(lab2.previousCertPem).toBe(lab.certPem);
    expect(nas2.serial).not.toBe(nas.serial);
    expect(nas2.signedByCa).toBe(true);
    expect(await handshake(String(nas2.fullChainPem), String(nas2.keyPem), { servername: "nas.home.arpa", ca: String(lab2.certPem) })).toBe("hello\n");
    // A client that only knows the old root no longer accepts the re-signed leaf.
    await expect(handshake(String(nas2.certPem), String(nas2.keyPem), { servername: "nas.home.arpa", ca: String(lab.certPem) })).rejects.toThrow();
    // The other root and its leaf were not touched.
    expect((await state("home")).serial).toBeDefined();
  });

  test("destroy leaves nothing in state", async () => {
    await stack.destroy();
    const d = (await stack.exportStack()).deployment as { resources?: Res[] };
    expect(d.resources ?? []).toEqual([]);
  });
});
