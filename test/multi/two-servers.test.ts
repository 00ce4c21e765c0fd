// Two `bosun serve` processes sharing one PostgreSQL (deployment log and
// Pulumi's state, in its PostgreSQL backend) and one Redis (stack locks and
// the apply queue). A plan made on one is applied on the other; concurrent
// applies to one stack: one runs, the other is told the stack is busy or has
// moved; state, stack file and log stay consistent round after round. A
// server killed mid-apply is recovered by the other only after its lease
// lapses, and a `bosun mcp` started during an apply leaves that apply alone.
// OPNsense is bosun's simulator (no appliance runs here); the rest is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { specFromStackYaml } from "../../stacks/model/index.ts";
import { listEvents, listHistory } from "../../mcp-server/src/db/queries.ts";
import type { DbHandle } from "../../mcp-server/src/db/client.ts";
import { openFreshPostgres } from "../support/test-databases.ts";
import { reapOrphanedPluginsSoon } from "../support/orphans.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { startServer, type ServerProcess, type ToolResult } from "../support/server-process.ts";

const ROUNDS = Number(process.env["BOSUN_ROUNDS"] ?? 8);
// Each round writes 10.38.0.(2·round) or (2·round + 1).
if (!(ROUNDS >= 1 && ROUNDS <= 126)) throw new Error("BOSUN_ROUNDS: 1 to 126");
const LEASE_MS = 3_000;
const databaseUrl = process.env["BOSUN_TEST_DATABASE_URL"];
const redisUrl = process.env["BOSUN_REDIS_URL"];
/** One DNS record whose address says which round and which server's plan won. */
const spec = (last: number, net = "10.38.0") => ({ version: 1, dns: { records: [{ name: "probe", type: "A", value: `${net}.${last}` }] } });
/** Addresses no round uses (rounds use 10.38.0.x): the kill test's plans always change something. */
const killSpec = (last: number) => spec(last, "10.39.0");

let sim: Simulator;
let db: DbHandle & { url: string };
let test: TestStack;
let env: Record<string, string>;
let a: ServerProcess;
let b: ServerProcess;
const dirs: string[] = [];

const text = (r: ToolResult) => r.content[0]?.text ?? "";
const liveAddress = () => Object.values(sim.items("hostOverrides", "live")).map((h) => h.server);

async function start(): Promise<ServerProcess> {
  const state = mkdtempSync(join(tmpdir(), "bosun-two-"));
  dirs.push(state);
  return startServer({ ...env, BOSUN_STATE: state });
}

// Needs the PostgreSQL and Redis that setup starts (npm test always has them; CI fails a run that skips).
describe.skipIf(!databaseUrl || !redisUrl)("two bosun servers sharing PostgreSQL and Redis", () => {
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "two-key", apiSecret: "two-secret-5678" });
    db = await openFreshPostgres(databaseUrl ?? "");
    const backend = `${db.url}?sslmode=disable&table=pulumi_state`;
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl ?? "",
      BOSUN_REDIS_PREFIX: `bosun-two-${randomBytes(3).toString("hex")}`,
      PULUMI_BACKEND_URL: backend,
      BOSUN_LEASE_MS: String(LEASE_MS),
    };
    test = await createTestStack("two", sim, {}, { PULUMI_BACKEND_URL: backend });
    [a, b] = await Promise.all([start(), start()]);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await test?.remove();
    await db?.close();
    await sim?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(
    `applies a plan made on the other server, one apply at a time, for ${ROUNDS} rounds`,
    async () => {
      const started = Date.now();
      const outcomes = { applied: 0, busy: 0, stale: 0 };
      for (let round = 1; round <= ROUNDS; round++) {
        const [pa, pb] = await Promise.all([
          a.call("plan", { stack: test.name, spec: spec(round * 2) }),
          b.call("plan", { stack: test.name, spec: spec(round * 2 + 1) }),
        ]);
        expect(pa.isError ?? false, text(pa)).toBe(false);
        expect(pb.isError ?? false, text(pb)).toBe(false);
        const planA = pa.structuredContent?.["planId"] as string;
        const planB = pb.structuredContent?.["planId"] as string;
        // Each server applies the plan the other one made, at the same moment.
        const [onB, onA] = await Promise.all([b.call("apply", { planId: planA }), a.call("apply", { planId: planB })]);
        const results = [
          { r: onB, last: round * 2 },
          { r: onA, last: round * 2 + 1 },
        ];
        const winners = results.filter((x) => !x.r.isError);
        expect(winners, results.map((x) => text(x.r)).join("\n---\n")).toHaveLength(1);
        const loser = results.find((x) => x.r.isError);
        if (/busy/.test(text(loser?.r ?? { content: [] }))) outcomes.busy++;
        else {
          expect(text(loser?.r ?? { content: [] })).toMatch(/changed .*since plan|no longer waiting|already running/);
          outcomes.stale++;
        }
        outcomes.applied++;
        const winner = winners[0]?.last;
        // The stack file, the box and the log agree with the one that ran.
        const file = specFromStackYaml(readFileSync(test.file, "utf8"));
        expect(file.ok && file.spec.dns.records.map((r) => r.value)).toEqual([`10.38.0.${winner}`]);
        expect(liveAddress()).toEqual([`10.38.0.${winner}`]);
      }
      const rows = await listHistory(db.db, { stack: test.name, limit: 1000 });
      expect(rows.filter((d) => d.kind === "apply" && d.status === "succeeded")).toHaveLength(ROUNDS);
      expect(rows.filter((d) => d.status === "running")).toHaveLength(0);
      expect(rows.filter((d) => d.status === "failed" || d.status === "rolled_back")).toHaveLength(0);
      console.log(
        `two servers: ${ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s; refused as busy ${outcomes.busy}, as stale ${outcomes.stale}`,
      );
    },
    Math.max(300_000, ROUNDS * 20_000),
  );

  it("leaves a live apply alone, and recovers a killed server's only after its lease lapses", async () => {
    const plan = await a.call("plan", { stack: test.name, spec: killSpec(1) });
    const planId = plan.structuredContent?.["planId"] as string;
    // Every DNS write hangs (and never acts), so the apply stays in flight — retrying, then rolling
    // back, still hanging — for as long as the test looks at it.
    sim.faults.add({ path: "^/api/unbound/", method: "POST", delayMs: 600_000, status: 500 });
    // Its caller will never hear back (the server is killed below): not awaited.
    void a.call("apply", { planId }).catch(() => undefined);
    let running = undefined as undefined | { id: string; owner: string | null };
    for (let i = 0; i < 200 && !running; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const row = (await listHistory(db.db, { stack: test.name, limit: 5 })).find((d) => d.status === "running" && d.kind === "apply");
      if (row) running = { id: row.id, owner: row.owner };
    }
    expect(running, "the apply never started").toBeDefined();

    // A new `bosun mcp` starting now runs its recovery: the live apply is not its business.
    const mcp = new Client({ name: "late-mcp", version: "1" });
    const state = mkdtempSync(join(tmpdir(), "bosun-two-mcp-"));
    dirs.push(state);
    await mcp.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(REPO_ROOT, "mcp-server/src/cli/main.ts"), "mcp"],
        env: { ...(process.env as Record<string, string>), ...env, BOSUN_STATE: state },
        stderr: "pipe",
      }),
    );
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    let row = (await listHistory(db.db, { stack: test.name, limit: 5 })).find((d) => d.id === running?.id);
    expect(row?.status).toBe("running");
    expect(row?.owner).toBe(running?.owner);
    await mcp.close();

    // Killed mid-apply: whichever server runs it (applies are queued jobs any server may take) is
    // SIGKILLed, and the other takes over once the lease has lapsed, bringing the stack to a whole spec.
    const owner = Number(running?.owner?.split(":")[1]);
    const [dead, survivor] = owner === a.proc.pid ? [a, b] : [b, a];
    expect([a.proc.pid, b.proc.pid]).toContain(owner);
    dead.kill("SIGKILL");
    sim.faults.clear();
    await reapOrphanedPluginsSoon(); // the killed server's Pulumi plugins run in groups of their own
    for (let i = 0; i < 240; i++) {
      row = (await listHistory(db.db, { stack: test.name, limit: 10 })).find((d) => d.id === running?.id);
      const recover = (await listHistory(db.db, { stack: test.name, limit: 10 })).find((d) => d.kind === "recover" && d.status !== "running");
      if (row?.status === "interrupted" && recover) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(row?.status).toBe("interrupted");
    expect(row?.error).toMatch(/recovery .* (completed it|rolled it back)/);
    const file = specFromStackYaml(readFileSync(test.file, "utf8"));
    const fileAddress = file.ok ? file.spec.dns.records.map((r) => r.value) : [];
    const rows = await listHistory(db.db, { stack: test.name, limit: 8 });
    const recoverRow = rows.find((d) => d.kind === "recover");
    const events = recoverRow
      ? (await listEvents(db.db, recoverRow.id)).map((e) => `${e.type} ${e.op ?? ""} ${e.urn?.split("::").pop() ?? ""} ${e.message ?? ""}`)
      : [];
    const saved = Object.values(sim.items("hostOverrides", "saved")).map((h) => h.server);
    const story = [
      `saved on the box: ${JSON.stringify(saved)}`,
      ...rows.map((d) => `${d.kind} ${d.status} ${JSON.stringify(d.previewSummary)} ${d.error ?? ""}`),
      ...events,
    ].join("\n");
    expect(liveAddress(), `${story}\n--- server b:\n${b.output().slice(-3000)}`).toEqual(fileAddress);

    // And the stack takes the next plan → apply, on the surviving server.
    const next = await survivor.call("plan", { stack: test.name, spec: killSpec(2) });
    const done = await survivor.call("apply", { planId: next.structuredContent?.["planId"] as string });
    expect(done.isError ?? false, text(done)).toBe(false);
    expect(liveAddress()).toEqual(["10.39.0.2"]);
  });
});
