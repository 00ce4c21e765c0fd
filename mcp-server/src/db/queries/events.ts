// Engine events of a deployment, written in batches.
import { and, asc, eq, gt } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { infrastructureEvents } from "../schema.ts";
import type { InfrastructureEvent, JsonObject } from "../schema.ts";
import { logFailure } from "../../observability/log.ts";

export interface EventInput {
  seq: number;
  type: string;
  timestamp?: Date;
  urn?: string | null;
  op?: string | null;
  status?: string | null;
  message?: string | null;
  /** Redacted. */
  payload?: JsonObject | null;
}

// 9 parameters a row; PostgreSQL allows 65535 per statement.
const EVENT_BATCH = 1000;

/** Appends events of one deployment in multi-row inserts. A repeated `seq` is rejected. */
export async function appendEvents(db: Db, deploymentId: string, events: readonly EventInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += EVENT_BATCH) {
    const batch = events.slice(i, i + EVENT_BATCH).map((e) => ({ ...e, deploymentId }));
    await db.insert(infrastructureEvents).values(batch);
  }
}

/** Events of a deployment in order, optionally only those after `afterSeq` (for tailing). */
export async function listEvents(db: Db, deploymentId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<InfrastructureEvent[]> {
  const where: SQL[] = [eq(infrastructureEvents.deploymentId, deploymentId)];
  if (options.afterSeq !== undefined) where.push(gt(infrastructureEvents.seq, options.afterSeq));
  return db
    .select()
    .from(infrastructureEvents)
    .where(and(...where))
    .orderBy(asc(infrastructureEvents.seq))
    .limit(options.limit ?? 10_000);
}

export interface EventWriter {
  /** Queues an event; `seq` is assigned in call order. Never throws (engine callbacks are sync). */
  push(event: Omit<EventInput, "seq">): void;
  /** Writes everything queued so far. Rejects with the first write error, if any. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/**
 * Buffers engine events (Automation API `onEvent` is synchronous) and writes them in batches,
 * every `flushMs` or when `batchSize` are queued, one write at a time so order is kept.
 */
export function createEventWriter(db: Db, deploymentId: string, options: { batchSize?: number; flushMs?: number; firstSeq?: number } = {}): EventWriter {
  const batchSize = options.batchSize ?? 200;
  let nextSeq = options.firstSeq ?? 0;
  let queue: EventInput[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const timer = // flush() keeps its own failure for close() to throw; this catch only keeps the timer from an unhandled rejection.
    setInterval(() => void flush().catch(logFailure("db", "writing deployment events")), options.flushMs ?? 250);
  timer.unref();

  function flush(): Promise<void> {
    if (queue.length > 0) {
      const batch = queue;
      queue = [];
      chain = chain.then(() =>
        appendEvents(db, deploymentId, batch).catch((err: unknown) => {
          failure ??= err;
        }),
      );
    }
    return chain.then(() => {
      if (failure) throw failure;
    });
  }

  return {
    push(event) {
      queue.push({ timestamp: new Date(), ...event, seq: nextSeq++ });
      if (queue.length >= batchSize) void flush().catch(logFailure("db", "writing deployment events"));
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
