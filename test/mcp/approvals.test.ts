// Approval modes as the server enforces them, over MCP with two tokens (alice
// plans, bob is the second person), and clients that can or cannot ask their
// person (elicitation): auto, review-destructive, review-all, two-person, and a
// plan policy refuses. Real engine, OPNsense simulator, PGlite or PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { openFreshPostgres } from "../support/test-databases.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";

const ALICE = "alice-token-0123456789";
const BOB = "bob-token-0123456789";
const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join("\n");

let sim: Simulator;
let handle: DbHandle;
let locks: LockManager;
let test: TestStack;
let orch: Orchestrator;
let http: Awaited<ReturnType<typeof serveHttp>>;
const clients: Client[] = [];

/** A client with a token; `answer` makes it a client that asks its person (and what they say). */
async function connect(token: string, answer?: "accept" | "decline"): Promise<Client> {
  const client = new Client({ name: "approvals-test", version: "1" }, answer ? { capabilities: { elicitation: {} } } : {});
  if (answer)
    client.setRequestHandler(ElicitRequestSchema, async () => (answer === "accept" ? { action: "accept", content: { approve: true } } : { action: "decline" }));
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

interface Review {
  decision: string;
  approval: { mode: string; required: boolean; reasons: string[]; otherThan?: string };
}

const lab = { vlan: 361, subnet: "10.37.1.0/24", description: "lab" };
const lab2 = { vlan: 362, subnet: "10.37.2.0/24", description: "lab two" };

async function plan(client: Client, spec: object): Promise<{ planId: string; review: Review }> {
  const r = await client.callTool({ name: "plan", arguments: { stack: test.name, spec } });
  expect(r.isError, text(r)).toBeFalsy();
  return r.structuredContent as { planId: string; review: Review };
}
const apply = (client: Client, planId: string) => client.callTool({ name: "apply", arguments: { planId } });
const approve = (client: Client, planId: string) => client.callTool({ name: "approve", arguments: { planId } });
const setMode = (mode: string) => test.stack.setConfig("bosun:approval", { value: mode });

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "appr-key", apiSecret: "appr-secret-value-13579", assignVlans: { "361": "10.37.1.1/24", "362": "10.37.2.1/24" } });
  const url = process.env["BOSUN_TEST_DATABASE_URL"];
  handle = url ? await openFreshPostgres(url) : await createDb({ dataDir: "memory" });
  locks = createLockManager(process.env["BOSUN_REDIS_URL"] ? { redisUrl: process.env["BOSUN_REDIS_URL"] } : {});
  test = await createTestStack("appr", sim);
  orch = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
  const verifier = tokenVerifier({
    file: null,
    extra: [
      { token: ALICE, principal: { name: "alice", scopes: ["read", "plan", "apply"] } },
      { token: BOB, principal: { name: "bob", scopes: ["read", "plan", "apply"] } },
    ],
  });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context: { orchestrator: orch, db: handle.db } });
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await http?.close();
  await test?.remove();
  await orch?.close();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

describe("approval modes, enforced by the server", () => {
  it("auto: a plan applies as it is", async () => {
    const alice = await connect(ALICE);
    const p = await plan(alice, { version: 1, networks: { lab } });
    expect(p.review).toMatchObject({ decision: "allow", approval: { mode: "auto", required: false, reasons: [] } });
    const r = await apply(alice, p.planId);
    expect(r.isError, text(r)).toBeFalsy();
    expect(Object.values(sim.items("vlans", "live")).map((v) => v.tag)).toEqual(["361"]);
  });

  it("review-destructive: creating needs nothing, deleting needs an approval the model cannot give itself", async () => {
    await setMode("review-destructive");
    const alice = await connect(ALICE);
    expect((await plan(alice, { version: 1, networks: { lab, lab2 } })).review.approval).toMatchObject({ mode: "review-destructive", required: false });

    const p = await plan(alice, { version: 1 });
    expect(p.review.approval.required).toBe(true);
    expect(p.review.approval.reasons).toEqual([
      expect.stringMatching(/^it deletes \d+ resource\(s\) of network lab \(.+\) \(bosun:approval: review-destructive\)$/),
    ]);

    // The person says no when asked; a client that cannot ask gets a refusal; the planner may not approve without asking.
    const declined = await apply(await connect(ALICE, "decline"), p.planId);
    expect(declined.isError).toBe(true);
    expect(text(declined)).toContain("the person did not approve");
    const refused = await apply(alice, p.planId);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/needs an approval before it is applied: it deletes/);
    const self = await approve(alice, p.planId);
    expect(self.isError).toBe(true);
    expect(text(self)).toContain("this client cannot ask the person directly");
    expect(Object.values(sim.items("vlans", "live"))).toHaveLength(1);

    const byBob = await approve(await connect(BOB), p.planId);
    expect(byBob.isError, text(byBob)).toBeFalsy();
    expect(byBob.structuredContent).toMatchObject({ satisfied: true, planner: "alice", approvals: [{ approver: "bob", via: "mcp" }] });
    const done = await apply(alice, p.planId);
    expect(done.isError, text(done)).toBeFalsy();
    expect(Object.values(sim.items("vlans", "live"))).toHaveLength(0);
  });

  it("review-all: every change needs an approval, which a client that can ask gets from its person", async () => {
    await setMode("review-all");
    const alice = await connect(ALICE, "accept");
    const p = await plan(alice, { version: 1, networks: { lab } });
    expect(p.review.approval).toMatchObject({
      mode: "review-all",
      required: true,
      reasons: ["every change of this stack needs an approval (bosun:approval: review-all)"],
    });
    const r = await apply(alice, p.planId);
    expect(r.isError, text(r)).toBeFalsy();
    expect((await orch.approvalStatus(p.planId)).approvals).toEqual([expect.objectContaining({ approver: "alice", via: "mcp-elicitation" })]);
    expect(Object.values(sim.items("vlans", "live")).map((v) => v.tag)).toEqual(["361"]);
  });

  it("two-person: only an approval from another token counts", async () => {
    await setMode("two-person");
    const alice = await connect(ALICE, "accept");
    const p = await plan(alice, { version: 1, networks: { lab, lab2 } });
    expect(p.review.approval).toMatchObject({ mode: "two-person", required: true, otherThan: "alice" });

    const self = await approve(alice, p.planId);
    expect(self.isError).toBe(true);
    expect(text(self)).toContain("needs a second person");
    const early = await apply(alice, p.planId);
    expect(early.isError).toBe(true);
    expect(text(early)).toContain("needs an approval from someone other than alice");

    const byBob = await approve(await connect(BOB), p.planId);
    expect(byBob.structuredContent).toMatchObject({ satisfied: true, approvals: [{ approver: "bob" }] });
    const done = await apply(alice, p.planId);
    expect(done.isError, text(done)).toBeFalsy();
    expect(
      Object.values(sim.items("vlans", "live"))
        .map((v) => v.tag)
        .sort(),
    ).toEqual(["361", "362"]);
  });

  it("a plan policy refuses can be neither approved nor applied", async () => {
    const alice = await connect(ALICE);
    const spec = { version: 1, networks: { lab, lab2 }, services: { big: { image: "bosun/echo-server:1", network: "lab", memoryMb: 30000 } } };
    const r = await alice.callTool({ name: "plan", arguments: { stack: test.name, spec } });
    const p = r.structuredContent as { planId: string; review: Review & { findings: { rule: string; level: string }[] } };
    expect(p.review.decision).toBe("deny");
    expect(p.review.findings).toContainEqual(expect.objectContaining({ rule: "resource-ceilings", level: "deny" }));
    expect(text(r)).toContain("policy refused it");
    for (const res of [await approve(await connect(BOB), p.planId), await apply(alice, p.planId)]) {
      expect(res.isError).toBe(true);
      expect(text(res)).toContain(`plan ${p.planId} is refused by policy: resource-ceilings: container`);
    }
  });
});
