// OPNsense config backups and restore, end to end: the real Pulumi engine on a
// throwaway stack, the real MCP client over HTTP (alice plans, bob approves),
// PGlite or PostgreSQL, and the OPNsense simulator over real HTTPS (it stands
// in for the box, which cannot run here); then the CLI in a child process.
// Deployments note the box's backup before they run; opnsense_backups lists
// them; plan_restore names the sections that differ; apply needs an approval,
// restores the box, reconfigures and refreshes the stack, so the next plan
// re-creates what the restore removed. Stale plans, unknown ids and a stack
// without OPNsense are refused with nothing applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { openFreshPostgres } from "../support/test-databases.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";

const ALICE = "alice-token-restore-0123";
const BOB = "bob-token-restore-0123";
const KEY = "restore-key";
const SECRET = "restore-secret-value-24680";
const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join("\n");
const cli = join(REPO_ROOT, "mcp-server", "src", "cli", "main.ts");

let sim: Simulator;
let handle: DbHandle;
let locks: LockManager;
let test: TestStack;
let orch: Orchestrator;
let http: Awaited<ReturnType<typeof serveHttp>>;
let alice: Client;
let bob: Client;
let cliState: string;
const noBox = `test-noopn-${process.pid}`;

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: "restore-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const records = (...names: string[]) => ({ version: 1, dns: { records: names.map((name, i) => ({ name, type: "A", value: `192.168.1.${50 + i}` })) } });
const hostnames = (view: "saved" | "live") =>
  Object.values(sim.items("hostOverrides", view))
    .map((h) => h.hostname)
    .sort();
const newestBackup = () => sim.store.history.latest()?.id ?? "";

interface Structured {
  planId: string;
  review: { approval: { required: boolean } };
  restore?: { basedOn: string; sections: { section: string; removed: string[]; restored: string[] }[]; services: string[] };
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  return client.callTool({ name, arguments: args });
}

async function planAndApply(spec: object) {
  const p = await call(alice, "plan", { stack: test.name, spec });
  expect(p.isError, text(p)).toBeFalsy();
  const before = newestBackup();
  const r = await call(alice, "apply", { planId: (p.structuredContent as Structured).planId });
  expect(r.isError, text(r)).toBeFalsy();
  return {
    result: r.structuredContent as { deploymentId: string; configBackup?: { id: string }; protections?: { subsystem: string; protection: string }[] },
    before,
    text: text(r),
  };
}

function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BOSUN_STATE: cliState, BOSUN_LOG_LEVEL: "warn" };
  delete env["BOSUN_TOKEN"];
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, env, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET });
  const url = process.env["BOSUN_TEST_DATABASE_URL"];
  handle = url ? await openFreshPostgres(url) : await createDb({ dataDir: "memory" });
  locks = createLockManager(process.env["BOSUN_REDIS_URL"] ? { redisUrl: process.env["BOSUN_REDIS_URL"] } : {});
  test = await createTestStack("restore", sim);
  writeFileSync(join(REPO_ROOT, "stacks", `Pulumi.${noBox}.yaml`), "config:\n  bosun:spec: '{\"version\":1}'\n");
  orch = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
  const verifier = tokenVerifier({
    file: null,
    extra: [
      { token: ALICE, principal: { name: "alice", scopes: ["read", "plan", "apply"] } },
      { token: BOB, principal: { name: "bob", scopes: ["read", "plan", "apply"] } },
    ],
  });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context: { orchestrator: orch, db: handle.db } });
  alice = await connect(ALICE);
  bob = await connect(BOB);
  cliState = mkdtempSync(join(tmpdir(), "bosun-restore-cli-"));
});

afterAll(async () => {
  await alice?.close().catch(() => {});
  await bob?.close().catch(() => {});
  await http?.close();
  await test?.remove();
  rmSync(join(REPO_ROOT, "stacks", `Pulumi.${noBox}.yaml`), { force: true });
  await orch?.close();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
  if (cliState) rmSync(cliState, { recursive: true, force: true });
});

describe("OPNsense backups and restore", () => {
  let first: Awaited<ReturnType<typeof planAndApply>>;
  let second: Awaited<ReturnType<typeof planAndApply>>;

  it("each deployment records the box's newest backup from before it ran, in its result and the history", async () => {
    first = await planAndApply(records("nas"));
    second = await planAndApply(records("nas", "printer"));
    expect(hostnames("live")).toEqual(["nas", "printer"]);
    expect(first.result.configBackup?.id).toBe(first.before);
    expect(second.result.configBackup?.id).toBe(second.before);
    expect(second.before).not.toBe(first.before);
    expect(second.text).toContain(`backup ${second.before}: plan_restore with it undoes this`);
    // How the box's change was protected, as its ServiceApply reported it during the update.
    expect(second.result.protections).toContainEqual(expect.objectContaining({ subsystem: "unbound" }));
    const h = await call(alice, "history", { stack: test.name, limit: 5 });
    const deployments = (h.structuredContent as { deployments: { id: string; configBackup?: { id: string } }[] }).deployments;
    expect(deployments.find((d) => d.id === second.result.deploymentId)?.configBackup?.id).toBe(second.before);
  });

  it("opnsense_backups lists the box's backups with the deployment that recorded each", async () => {
    const r = await call(alice, "opnsense_backups", { stack: test.name });
    expect(r.isError, text(r)).toBeFalsy();
    const { backups } = r.structuredContent as {
      backups: { id: string; time: string; recordedBy: { deploymentId: string }[]; madeBy?: { deploymentId: string } }[];
    };
    expect(backups.map((b) => b.id)).toEqual(sim.store.history.list().map((b) => b.id));
    expect(backups.find((b) => b.id === second.before)?.recordedBy.map((d) => d.deploymentId)).toEqual([second.result.deploymentId]);
    expect(backups.find((b) => b.id === first.before)?.recordedBy.map((d) => d.deploymentId)).toEqual([first.result.deploymentId]);
    // The override's save happened while the second deployment ran.
    expect(backups[0]?.madeBy?.deploymentId).toBe(second.result.deploymentId);
    expect(text(r)).toContain(`before apply ${second.result.deploymentId}`);
  });

  it("refuses an unknown or malformed backup id and a stack without OPNsense, naming the field", async () => {
    const unknown = await call(alice, "plan_restore", { stack: test.name, backupId: "config-1.0.xml" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^backupId: config-1\.0\.xml is not among the \d+ config backups/);
    const bad = await call(alice, "plan_restore", { stack: test.name, backupId: "../../etc/passwd" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('backupId: "../../etc/passwd" is not a backup id');
    for (const [tool, args] of [
      ["plan_restore", { stack: noBox, backupId: second.before }],
      ["opnsense_backups", { stack: noBox }],
    ] as const) {
      const r = await call(alice, tool, args);
      expect(r.isError).toBe(true);
      expect(text(r)).toContain(`stack: ${noBox} has no OPNsense connection`);
    }
    expect(hostnames("live")).toEqual(["nas", "printer"]);
  });

  it("a plan made before the box changed is refused at apply; nothing is restored", async () => {
    const p = await call(alice, "plan_restore", { stack: test.name, backupId: second.before });
    expect(p.isError, text(p)).toBeFalsy();
    const planId = (p.structuredContent as Structured).planId;
    expect((await call(bob, "approve", { planId })).isError).toBeFalsy();
    // Someone adds a rule in the web UI after the plan was made.
    sim.store.mutate({
      collection: "rules",
      op: "add",
      item: { interface: "lan", action: "pass", protocol: "TCP", destination_port: "8080", description: "ui rule" },
    });
    const r = await call(alice, "apply", { planId });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/the OPNsense box's config changed since plan .* was made .*\nWhat to do: make a new plan with plan_restore/);
    expect(hostnames("saved")).toEqual(["nas", "printer"]);
  });

  it("plan_restore names the sections that differ; apply waits for bob, restores, reconfigures and refreshes", async () => {
    const p = await call(alice, "plan_restore", { stack: test.name, backupId: second.before });
    expect(p.isError, text(p)).toBeFalsy();
    const plan = p.structuredContent as Structured;
    expect(plan.review.approval.required).toBe(true);
    expect(plan.restore?.basedOn).toBe(newestBackup());
    expect(plan.restore?.sections.map((s) => [s.section, s.removed])).toEqual([
      ["firewall rules", ["ui rule"]],
      ["Unbound host overrides", ["printer.home.arpa"]],
    ]);
    expect(plan.restore?.services).toEqual(["filter", "unbound"]);
    expect(text(p)).toContain("Unbound host overrides: removes 1 (printer.home.arpa)");
    const beforeRestore = newestBackup();

    const early = await call(alice, "apply", { planId: plan.planId });
    expect(early.isError).toBe(true);
    expect(text(early)).toContain("needs an approval");
    expect(hostnames("live")).toEqual(["nas", "printer"]);

    expect((await call(bob, "approve", { planId: plan.planId })).isError).toBeFalsy();
    const r = await call(alice, "apply", { planId: plan.planId });
    expect(r.isError, text(r)).toBeFalsy();
    const result = r.structuredContent as { status: string; deploymentId: string; configBackup?: { id: string }; refresh?: { status: string } };
    expect(result).toMatchObject({ status: "succeeded", configBackup: { id: beforeRestore }, refresh: { status: "succeeded" } });

    // The box: saved and running config are the backup's (the override and the UI rule are gone).
    expect(hostnames("saved")).toEqual(["nas"]);
    expect(hostnames("live")).toEqual(["nas"]);
    expect(Object.values(sim.items("rules", "live")).map((x) => x.description)).not.toContain("ui rule");

    // The stack's state followed (refresh): the printer's override is gone from it, and a plan of
    // the stack's own spec would create it again.
    const overrides = async () =>
      ((await test.stack.exportStack()).deployment as { resources: { urn: string; type: string }[] }).resources
        .filter((x) => x.type.endsWith(":HostOverride"))
        .map((x) => x.urn.split("::").pop())
        .sort();
    expect(await overrides()).toEqual(["dns-nas-override"]);
    const again = await orch.plan({ stack: test.name, spec: records("nas", "printer"), actor: "alice" });
    expect(again.changes.filter((c) => c.op === "create" && c.type.endsWith(":HostOverride")).map((c) => c.name)).toEqual(["dns-printer-override"]);

    const h = (await orch.history(test.name, 10)).find((d) => d.id === result.deploymentId);
    expect(h).toMatchObject({ kind: "restore", status: "succeeded", configBackup: { id: beforeRestore } });
  });

  it("the CLI lists backups and restores one after y (or --yes); bad ids exit 2", async () => {
    const listed = await bosun(["opnsense", "backups", "--stack", test.name, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { backups: { id: string }[] }).backups.map((b) => b.id);
    expect(ids).toEqual(sim.store.history.list().map((b) => b.id));

    const unknown = await bosun(["opnsense", "restore", "--stack", test.name, "--backup", "config-1.0.xml", "--yes"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("backupId: config-1.0.xml is not among");
    expect((await bosun(["opnsense", "restore", "--stack", test.name])).code).toBe(2);

    // Undo the restore: back to the config from before it. Without a terminal nobody says y: not restored.
    const undo = sim.store.history.list()[1]?.id as string;
    const asked = await bosun(["opnsense", "restore", "--stack", test.name, "--backup", undo]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toContain("Unbound host overrides: brings back 1 (printer.home.arpa)");
    expect(asked.stdout).toContain("Not restored.");
    expect(hostnames("live")).toEqual(["nas"]);
    const done = await bosun(["opnsense", "restore", "--stack", test.name, "--backup", undo, "--yes"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("Restored (deployment");
    expect(hostnames("live")).toEqual(["nas", "printer"]);
    // Neither the API key's secret nor the key itself is printed anywhere.
    for (const out of [listed, unknown, asked, done]) expect(`${out.stdout}${out.stderr}`).not.toMatch(new RegExp(`${SECRET}|${KEY}`));
  });
});
