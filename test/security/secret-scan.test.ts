// The secret scan: the demo's plan → apply → status → drift → destroy over
// MCP, on a copy of the demo stack with a secret env value added, and every
// configured secret (the OPNsense API secret, the service's RCON password,
// this installation's passphrase) is then searched for in the deployment log
// and the audit log (every table), every MCP response, this process's console
// output, the stack's state files and stack file, and `ps` output sampled
// during the run. Any hit fails. On the way, a redacted spec sent back to plan
// (what status and translate show) is resolved to the current secret, never to
// the "[secret]" marker. The OPNsense box is bosun's simulator; Docker is real.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { stackAssignments } from "../../mcp-server/src/simulators.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { createLockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import { auditedOrchestrator } from "../../mcp-server/src/audit/orchestrator.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { serveHttp, type HttpServer } from "../../mcp-server/src/http.ts";
import { getPlanArtifact } from "../../mcp-server/src/db/queries.ts";
import { ciphertexts, readStackFile } from "../../mcp-server/src/orchestrator/stack-file.ts";
import { checkpointPaths } from "../../mcp-server/src/orchestrator/state-version.ts";
import { flushLogs } from "../../mcp-server/src/observability/log.ts";
import { REPO_ROOT, removeCheckpointBackups, removeDockerLeftovers } from "../support/test-stack.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";

const stack = `test-scan-${randomBytes(3).toString("hex")}`;
const file = join(REPO_ROOT, "stacks", `Pulumi.${stack}.yaml`);
const scratch = mkdtempSync(join(tmpdir(), "bosun-scan-"));
const TOKEN = `scan-${randomBytes(8).toString("hex")}`;
const API_SECRET = "bosun-demo-secret-for-the-simulator-only";
const RCON = `rcon-${randomBytes(12).toString("base64url")}`;
const installation = readFileSync(process.env["PULUMI_CONFIG_PASSPHRASE_FILE"] ?? join(REPO_ROOT, ".state", "passphrase"), "utf8").trim();
const SECRETS = { "opnsense:apiSecret": API_SECRET, "services.minecraft.env.RCON_PASSWORD": RCON, "the installation passphrase": installation };

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: { text: string }[] };
let sim: Simulator;
let handle: DbHandle;
let orchestrator: Orchestrator;
let http: HttpServer;
let client: Client;
const responses: string[] = [];
const pending: Promise<void>[] = [];
const console_: string[] = [];
const psSamples: string[] = [];
const stackFileSnapshots: string[] = [];

beforeAll(async () => {
  const demo = readFileSync(join(REPO_ROOT, "stacks", "Pulumi.demo.yaml"), "utf8");
  sim = await startSimulator({ apiKey: "bosun-demo-key", apiSecret: API_SECRET, assignVlans: stackAssignments(demo) });
  writeFileSync(file, demo.replace("https://127.0.0.1:18443", sim.url).replace("bosun:publishAddress: 127.0.0.1", "bosun:publishAddress: 127.0.0.5"));
  handle = await createDb({ dataDir: join(scratch, "pglite") });
  orchestrator = auditedOrchestrator(createOrchestrator({ db: handle.db, locks: createLockManager(), stateDir: join(scratch, "state") }), handle.db);
  http = await serveHttp({ host: "127.0.0.1", port: 0, token: TOKEN, context: { orchestrator, db: handle.db } });
  // Every byte of every MCP answer, as the client received it.
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    pending.push(
      res
        .clone()
        .text()
        .then((t) => void responses.push(t))
        .catch(() => {}),
    );
    return res;
  };
  client = new Client({ name: "secret-scan", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(http.url), { fetch: recording, requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }),
  );
}, 120_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  await http?.close();
  await orchestrator?.close();
  await handle?.close();
  await new Promise<void>((resolve) =>
    execFile(
      "pulumi",
      ["stack", "rm", "--yes", "--force", "--stack", stack, "--non-interactive"],
      { cwd: REPO_ROOT, env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "bosun-local-dev" } },
      () => resolve(),
    ),
  );
  removeCheckpointBackups("bosun", stack);
  rmSync(file, { force: true });
  await removeDockerLeftovers(stack);
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const call = async (name: string, args: Record<string, unknown>, timeout = 300_000) =>
  (await client.callTool({ name, arguments: args }, undefined, { timeout })) as Result;

/** Everything under the backend that belongs to the stack: its checkpoint, history and backups. */
function stateFiles(): string[] {
  const [checkpoint] = checkpointPaths(process.env["PULUMI_BACKEND_URL"], "bosun", stack);
  const root = checkpoint ? join(checkpoint, "..", "..", "..") : "";
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.includes(stack)) out.push(p);
    }
  };
  walk(root);
  return out;
}

describe("no configured secret leaks", () => {
  it(
    "anywhere, through plan → apply → status → drift → destroy",
    () =>
      exclusiveSubnet(DEMO_SUBNET, async () => {
        // Sample the process table while the engine runs: no secret may ever be on a command line.
        const sampler = setInterval(() => execFile("ps", ["-eo", "args"], { maxBuffer: 8 << 20 }, (_e, out) => void psSamples.push(out)), 100);
        const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
        process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (
          console_.push(String(chunk)), write.out(chunk as string, ...(rest as []))
        )) as typeof process.stdout.write;
        process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (
          console_.push(String(chunk)), write.err(chunk as string, ...(rest as []))
        )) as typeof process.stderr.write;
        try {
          const spec = {
            version: 1,
            networks: { gaming: { vlan: 20, subnet: "10.20.0.0/24", description: "Game servers" } },
            services: {
              minecraft: { template: "minecraft-java", network: "gaming", memoryMb: 4096, env: { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: RCON } } },
            },
            dns: { domain: "home.arpa" },
          };
          const plan = await call("plan", { stack, spec });
          expect(plan.isError ?? false, plan.content[0]?.text).toBe(false);
          const applied = await call("apply", { planId: (plan.structuredContent as { planId: string }).planId });
          expect((applied.structuredContent as { status: string }).status, applied.content[0]?.text).toBe("succeeded");
          stackFileSnapshots.push(readStackFile(REPO_ROOT, stack));
          // The secret really flowed where it belongs (the container), so finding it nowhere else means something.
          const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
          const container = await docker.json<{ Config: { Env: string[] } }>("GET", `/containers/${stack}-minecraft/json`);
          expect(container.Config.Env).toContain(`RCON_PASSWORD=${RCON}`);

          const status = await call("status", { stack });
          const shown = (status.structuredContent as { spec: { services: { minecraft: { env: Record<string, unknown> } } } }).spec;
          expect(shown.services.minecraft.env["RCON_PASSWORD"]).toEqual({ secret: "[secret]" });
          const drift = await call("drift", { stack });
          expect(drift.isError ?? false, drift.content[0]?.text).toBe(false);

          // The redacted spec sent back: the placeholder stands for the current value, which keeps its ciphertext.
          const again = await call("plan", { stack, spec: shown });
          expect(again.isError ?? false, again.content[0]?.text).toBe(false);
          const artifact = await getPlanArtifact(handle.db, (again.structuredContent as { planId: string }).planId);
          const path = "services.minecraft.env.RCON_PASSWORD.secret";
          expect(ciphertexts(artifact?.configText ?? "").get(path)).toBe(ciphertexts(readStackFile(REPO_ROOT, stack)).get(path));
          expect(artifact?.configText).not.toContain("[secret]");
          // A placeholder for a secret the stack does not have is refused, naming the field; nothing planned.
          const unknown = structuredClone(shown) as typeof shown;
          unknown.services.minecraft.env["ADMIN_TOKEN"] = { secret: "[secret]" };
          const refused = await call("plan", { stack, spec: unknown });
          expect(refused.isError).toBe(true);
          expect(refused.content[0]?.text).toMatch(/services\.minecraft\.env\.ADMIN_TOKEN: "\[secret\]" stands for the current secret value/);

          const destroy = await call("destroy", { stack });
          const gone = await call("apply", { planId: (destroy.structuredContent as { planId: string }).planId });
          expect((gone.structuredContent as { status: string }).status, gone.content[0]?.text).toBe("succeeded");
          stackFileSnapshots.push(readStackFile(REPO_ROOT, stack));
        } finally {
          clearInterval(sampler);
          flushLogs();
          process.stdout.write = write.out;
          process.stderr.write = write.err;
        }
        await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 2000))]);

        const tables = ["intents", "deployments", "plan_artifacts", "infrastructure_events", "infrastructure_resources", "audit_events"];
        const db: Record<string, string> = {};
        for (const t of tables) db[t] = JSON.stringify((await handle.db.execute(`SELECT * FROM ${t}`)) as unknown);
        const places: Record<string, string> = {
          ...Object.fromEntries(Object.entries(db).map(([t, v]) => [`database table ${t}`, v])),
          "MCP responses": responses.join("\n"),
          "console output": console_.join(""),
          "ps output": psSamples.join("\n"),
          "stack file": stackFileSnapshots.join("\n"),
          ...Object.fromEntries(stateFiles().map((f) => [`state file ${f}`, readFileSync(f, "utf8")])),
        };
        const hits = Object.entries(SECRETS).flatMap(([name, value]) =>
          Object.entries(places)
            .filter(([, text]) => text.includes(value))
            .map(([where]) => `${name} found in ${where}`),
        );
        console.log(
          `secret scan: ${Object.keys(SECRETS).length} secrets × ${Object.keys(places).length} places (${responses.length} MCP responses, ${psSamples.length} ps samples, ${stateFiles().length} state files): ${hits.length} hits`,
        );
        expect(psSamples.length).toBeGreaterThan(10);
        expect(stateFiles().length).toBeGreaterThan(0);
        expect(responses.length).toBeGreaterThan(5);
        expect(db["infrastructure_events"]?.length ?? 0).toBeGreaterThan(100);
        expect(hits).toEqual([]);
      }),
    900_000,
  );
});
