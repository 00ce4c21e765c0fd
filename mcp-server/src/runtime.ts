// What `bosun serve`, `bosun mcp` and `bosun plan` run on: the deployment log
// (PGlite by default, PostgreSQL with DATABASE_URL), stack locks and the event
// bus (Redis with REDIS_URL), and the orchestrator, recovered from any apply a
// crash left running before anything else touches those stacks.
import { createDb, dbOptionsFromEnv } from "./db/client.ts";
import { createLockManager, lockOptionsFromEnv } from "./coordination/locks.ts";
import { createEventBus, eventBusOptionsFromEnv } from "./coordination/events.ts";
import { createOrchestrator } from "./orchestrator/index.ts";
import { auditedOrchestrator } from "./audit/orchestrator.ts";
import type { ServerContext } from "./server.ts";

export interface Runtime {
  context: Required<Pick<ServerContext, "orchestrator" | "db" | "events">>;
  recovered: { stack: string; deploymentId: string; outcome: string }[];
  close(): Promise<void>;
}

/**
 * `role`: a server (serve, mcp) runs queued applies for every bosun process when Redis is
 * configured; a short-lived CLI carries out its own apply in-process.
 */
export async function startRuntime(env: NodeJS.ProcessEnv = process.env, role: "server" | "cli" = "cli", options: { workDir?: string } = {}): Promise<Runtime> {
  const handle = await createDb(dbOptionsFromEnv(env));
  const locks = createLockManager(lockOptionsFromEnv(env));
  const events = createEventBus(eventBusOptionsFromEnv(env));
  const redisUrl = env["REDIS_URL"]?.trim();
  // BOSUN_REDIS_PREFIX separates installations sharing one Redis; BOSUN_LEASE_MS shortens leases (tests).
  const prefix = env["BOSUN_REDIS_PREFIX"]?.trim();
  const leaseMs = Number(env["BOSUN_LEASE_MS"] ?? "") || undefined;
  // Every plan, apply and drift check, from any front end, goes to the audit log.
  const orchestrator = auditedOrchestrator(
    createOrchestrator({
      db: handle.db,
      locks,
      events,
      ...(options.workDir ? { workDir: options.workDir } : {}),
      ...(leaseMs ? { leaseMs } : {}),
      ...(redisUrl && role === "server" ? { jobs: { redisUrl, worker: true, ...(prefix ? { prefix } : {}) } } : {}),
    }),
    handle.db,
  );
  // Only deployments whose owner stopped renewing its lease: a live apply of another process is left alone.
  const recovered = await orchestrator.recover();
  orchestrator.watch();
  return {
    context: { orchestrator, db: handle.db, events },
    recovered,
    async close() {
      await orchestrator.close();
      await locks.close();
      await events.close();
      await handle.close();
    },
  };
}
