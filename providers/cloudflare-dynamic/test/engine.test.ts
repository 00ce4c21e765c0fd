// bosun's Cloudflare DNS resources through the real Pulumi engine (the CLI from
// scripts/setup.sh, bosun's language host, the dynamic-provider plugin), run
// against the Cloudflare API STAND-IN (standin/server.ts) because Cloudflare
// cannot be reached from here; the provider talks to it through the official
// SDK exactly as it would to api.cloudflare.com. Records: create → update →
// replace → drift (edited and deleted in the "dashboard") → refresh shows it →
// up repairs → delete; DDNS follows a changed WAN address; a lost create
// answer is reconciled by the record's marker without duplicates; bad input is
// refused at preview; a rejected token says what to check.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startStandin, type Standin } from "../standin/server.ts";
import type { StoredRecord } from "../standin/store.ts";
import { startIpServer, type IpServer } from "./helpers.ts";
import type { Case } from "./program/case.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-cloudflare-engine-test"; // test/program/Pulumi.yaml
const stackName = `test-cf-${randomBytes(3).toString("hex")}`;
const TOKEN = `engine-token-${randomBytes(8).toString("hex")}`;

let cf: Standin;
let ip: IpServer;
let stack: Stack;
let current: Case;

const base = (): Case => ({
  records: {
    web: { zone: "example.com", name: "cloud", type: "A", content: "203.0.113.10", ttl: 300 },
    verify: { zone: "example.com", name: "_verify.example.com", type: "TXT", content: "hello" },
    www: { zone: "example.com", name: "www", type: "CNAME", content: "cloud.example.com", proxied: true },
  },
  ddns: {
    home: { zone: "example.com", name: "home", lookupUrl: "" }, // the IP server's URL, set in beforeAll
    wan: { zone: "example.com", name: "wan", address: "198.51.100.20" },
  },
});

async function setCase(c: Case): Promise<void> {
  current = c;
  await stack.setConfig("case", { value: JSON.stringify(c) });
}
const ids = async () => (await stack.outputs()).ids?.value as Record<string, string>;
/** Every record in the stand-in with this name. */
const named = (fqdn: string): StoredRecord[] => [...cf.store.records.values()].filter((r) => r.name === fqdn);
const only = (fqdn: string): StoredRecord => {
  const rows = named(fqdn);
  expect(rows, fqdn).toHaveLength(1);
  return rows[0] as StoredRecord;
};
const writes = () =>
  Object.entries(cf.calls())
    .filter(([route]) => !route.startsWith("GET "))
    .reduce((n, [, c]) => n + c, 0);

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}

/** Refresh, recording per resource what the engine saw: "update" with the changed output keys, or "delete". */
async function refresh(): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  await stack.refresh({
    onEvent: (e) => {
      const m = e.resOutputsEvent?.metadata;
      if (!m || m.op === "same" || m.type.startsWith("pulumi:")) return;
      const name = m.urn.split("::").pop() as string;
      if (m.op !== "update") return void (seen[name] = m.op);
      const [before, after] = [m.old?.outputs ?? {}, m.new?.outputs ?? {}] as Record<string, unknown>[];
      const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
      seen[name] = `update ${keys
        .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]))
        .sort()
        .join(",")}`;
    },
  });
  return seen;
}

beforeAll(async () => {
  cf = await startStandin({ tokens: [TOKEN], zones: ["example.com", "example.org"] });
  ip = await startIpServer("198.51.100.7");
  const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
  await stack.setAllConfig({
    "cloudflare:apiToken": { value: TOKEN, secret: true },
    "cloudflare:apiBaseUrl": { value: cf.url },
  });
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
  removeCheckpointBackups(PROJECT, stackName);
  // The file backend also keeps a copy per update under .pulumi/backups (removeCheckpointBackups does not reach it).
  const backend = process.env["PULUMI_BACKEND_URL"];
  if (backend?.startsWith("file://")) rmSync(`${backend.slice("file://".length)}/.pulumi/backups/${PROJECT}/${stackName}`, { recursive: true, force: true });
  await ip?.stop();
  await cf?.stop();
});

describe("Cloudflare DNS through the engine (against the stand-in)", () => {
  test("create: records with bosun's marker; preview writes nothing; the token stays encrypted", async () => {
    const c = base();
    c.ddns!.home!.lookupUrl = ip.url;
    await setCase(c);
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBe(6); // stack + 5 records
    expect(writes()).toBe(0);

    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(6);
    expect(cf.calls()["POST /zones/:zone/dns_records"]).toBe(5); // one create per record, nothing retried
    console.log(`stand-in calls for the first up (5 records): ${JSON.stringify(cf.calls())}`);
    expect(only("cloud.example.com")).toMatchObject({ type: "A", content: "203.0.113.10", ttl: 300, proxied: false, comment: `bosun:${stackName}/web` });
    expect(only("_verify.example.com")).toMatchObject({ type: "TXT", content: "hello", ttl: 1, comment: `bosun:${stackName}/verify` });
    expect(only("www.example.com")).toMatchObject({ type: "CNAME", content: "cloud.example.com", proxied: true, ttl: 1 });
    expect(only("home.example.com")).toMatchObject({ type: "A", content: "198.51.100.7", ttl: 60, comment: `bosun:${stackName}/home` });
    expect(only("wan.example.com")).toMatchObject({ type: "A", content: "198.51.100.20" });
    expect((await ids()).web).toBe(only("cloud.example.com").id);
    expect((await stack.preview()).changeSummary).toEqual({ same: 6 });

    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).not.toContain(TOKEN);
    expect(onDisk).toContain(cf.url); // plain config is visible, the secret is not
  });

  test("update in place: same ids, new content, TTL, proxying and note", async () => {
    const before = await ids();
    const c = structuredClone(current);
    Object.assign(c.records!.web!, { content: "203.0.113.11", ttl: 600, note: "nextcloud" });
    Object.assign(c.records!.www!, { proxied: false, ttl: 120 });
    c.records!.verify!.content = "hello again";
    await setCase(c);
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 3, same: 3 });
    expect(await ids()).toEqual(before);
    expect(only("cloud.example.com")).toMatchObject({ content: "203.0.113.11", ttl: 600, comment: `bosun:${stackName}/web nextcloud` });
    expect(only("www.example.com")).toMatchObject({ proxied: false, ttl: 120 });
    expect(only("_verify.example.com").content).toBe("hello again");
  });

  test("replace: a new name makes a new record and the old one goes", async () => {
    const before = await ids();
    const c = structuredClone(current);
    c.records!.verify!.name = "_verify2";
    await setCase(c);
    expect((await stack.up()).summary.resourceChanges?.replace).toBe(1);
    expect((await ids()).verify).not.toBe(before.verify);
    expect(named("_verify.example.com")).toEqual([]);
    expect(only("_verify2.example.com").content).toBe("hello again");
  });

  test("drift: a dashboard edit and a dashboard delete show in refresh, and up repairs both", async () => {
    const before = await ids();
    await cf.store.mutate(only("cloud.example.com").id, { content: "192.0.2.66", proxied: true, ttl: 1, comment: "edited by hand" });
    await cf.store.mutate(only("_verify2.example.com").id, null);

    const seen = await refresh();
    expect(seen).toEqual({ web: "update comment,content,proxied,ttl", verify: "delete" });
    const state = await stack.exportStack();
    const web = state.deployment.resources.find((r: { id?: string }) => r.id === before.web) as { outputs: Record<string, unknown> };
    expect(web.outputs).toMatchObject({ content: "192.0.2.66", proxied: true, comment: "edited by hand" });

    const preview = await stack.preview();
    expect(preview.changeSummary).toMatchObject({ update: 1, create: 1 });
    await stack.up();
    expect(only("cloud.example.com")).toMatchObject({
      id: before.web,
      content: "203.0.113.11",
      proxied: false,
      ttl: 600,
      comment: `bosun:${stackName}/web nextcloud`,
    });
    expect(only("_verify2.example.com").content).toBe("hello again");
    expect((await stack.preview()).changeSummary).toEqual({ same: 6 });
  });

  test("DDNS: a moved WAN address shows in refresh and up updates the record; a new address input updates it too", async () => {
    const homeId = only("home.example.com").id;
    ip.address = "198.51.100.8";
    expect(await refresh()).toEqual({ home: "update wanAddress" });
    expect((await stack.preview()).changeSummary).toMatchObject({ update: 1 });
    await stack.up();
    expect(only("home.example.com")).toMatchObject({ id: homeId, content: "198.51.100.8" });

    const c = structuredClone(current);
    c.ddns!.wan!.address = "198.51.100.21";
    await setCase(c);
    expect((await stack.up()).summary.resourceChanges).toMatchObject({ update: 1 });
    expect(only("wan.example.com").content).toBe("198.51.100.21");
    expect((await stack.outputs()).contents?.value).toMatchObject({ home: "198.51.100.8", wan: "198.51.100.21" });
  });

  test("a lost create answer is reconciled by the marker: one record, the one in state", async () => {
    const c = structuredClone(current);
    c.records!.late = { zone: "example.com", name: "late", type: "AAAA", content: "2001:db8::7" };
    await setCase(c);
    cf.addFault({ method: "POST", path: "/dns_records$", drop: "after", times: 1 });
    await stack.up();
    cf.clearFaults();
    expect(only("late.example.com")).toMatchObject({ id: (await ids()).late, content: "2001:db8::7", comment: `bosun:${stackName}/late` });

    // Answer lost and the API unreachable for the lookup: the up fails; the next one finds the record by its marker.
    c.records!.later = { zone: "example.com", name: "later", type: "A", content: "203.0.113.50" };
    await setCase(c);
    cf.addFault({ method: "POST", path: "/dns_records$", drop: "after", times: 1 });
    cf.addFault({ method: "GET", path: "/dns_records$", nth: 2, drop: "before", times: 3 });
    expect(await failure(stack.up())).toContain(`it finds the record by its comment bosun:${stackName}/later and makes no duplicate`);
    cf.clearFaults();
    expect(named("later.example.com")).toHaveLength(1); // made, but not in state
    await stack.up();
    expect(only("later.example.com").id).toBe((await ids()).later);
  });

  test("bad input is refused at preview, naming the field, with nothing written", async () => {
    const good = current;
    cf.resetCalls();
    await setCase({ ...good, records: { ...good.records, blog: { zone: "example.com", name: "blog.example.org", type: "A", content: "203.0.113.1" } } });
    expect(await failure(stack.preview())).toContain("DNS record A blog.example.org: name: blog.example.org is outside zone example.com");
    await setCase({ ...good, records: { ...good.records, blog: { zone: "example.com", name: "blog", type: "A", content: "cloud.example.com" } } });
    expect(await failure(stack.preview())).toContain("DNS record A blog: content: must be an IPv4 address for an A record");
    await setCase({ ...good, ddns: { ...good.ddns, lan: { zone: "example.com", name: "lan", address: "10.0.0.1" } } });
    expect(await failure(stack.preview())).toContain("Dynamic DNS record A lan: address: 10.0.0.1 is a private address");
    expect(writes()).toBe(0);
    await setCase(good);
  });

  test("a record made by hand is not adopted, and a rejected token says what to check", async () => {
    const theirs = await cf.store.create(only("home.example.com").zone_id, { name: "taken.example.com", type: "A", content: "203.0.113.77" });
    const c = structuredClone(current);
    c.records!.taken = { zone: "example.com", name: "taken", type: "A", content: "203.0.113.78" };
    await setCase(c);
    expect(await failure(stack.up())).toContain("bosun adopts nothing it did not create");
    expect(only("taken.example.com")).toEqual(theirs);
    delete c.records!.taken;
    await setCase(c);

    await stack.setConfig("cloudflare:apiToken", { value: "not-the-token", secret: true });
    c.records!.web!.ttl = 900;
    await setCase(c);
    const message = await failure(stack.up());
    expect(message).toContain("HTTP 403: Cloudflare rejected the API token (10000 Authentication error). Check cloudflare:apiToken");
    expect(message).not.toContain("not-the-token");
    await stack.setConfig("cloudflare:apiToken", { value: TOKEN, secret: true });
    await stack.up();
    expect(only("cloud.example.com").ttl).toBe(900);
  });

  test("delete: destroy removes every record bosun made and nothing else", async () => {
    await stack.destroy();
    const left = [...cf.store.records.values()].map((r) => r.name);
    expect(left).toEqual(["taken.example.com"]);
  });
});
