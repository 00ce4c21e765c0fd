/**
 * Applies as durable jobs on Redis (BullMQ), so any bosun process can run one and a queued or
 * running apply outlives the process that asked for it. The caller waits for the result and gets
 * the engine's progress; when it cancels, the process running the job is told over Redis.
 *
 * A job's outcome is data, not a thrown error: refusals (busy, stale plan…) travel back with
 * their code and hint. A worker that dies mid-job is not retried by the queue
 * (`maxStalledCount: 0`); its deployment's lease lapses and recovery finishes it.
 */
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { errorText, log, logFailure } from "../observability/log.ts";

export interface ApplyJob {
  planId: string;
  actor: string;
}

export type JobOutcome<R> = { ok: true; result: R } | { ok: false; error: { code: string; message: string; hint: string } };

export interface ApplyJobsOptions<R, P> {
  redisUrl: string;
  /** @default "bosun" */
  prefix?: string;
  /** Jobs this process runs at once (different stacks; one stack is one at a time anyway). @default 4 */
  concurrency?: number;
  /** Runs one job in this process; absent = this process only enqueues. */
  execute?: (job: ApplyJob, onProgress: (p: P) => void, signal: AbortSignal) => Promise<JobOutcome<R>>;
}

export interface ApplyJobs<R, P> {
  /** Enqueues an apply and waits for its outcome, forwarding progress; `signal` cancels it wherever it runs. */
  run(job: ApplyJob, onProgress?: (p: P) => void, signal?: AbortSignal): Promise<JobOutcome<R>>;
  /** Jobs waiting or running, for metrics. */
  depth(): Promise<number>;
  close(): Promise<void>;
}

const QUEUE = "apply";

export function createApplyJobs<R, P>(options: ApplyJobsOptions<R, P>): ApplyJobs<R, P> {
  const prefix = options.prefix ?? "bosun";
  const connect = () => new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  const queueConn = connect();
  const queue = new Queue<ApplyJob, JobOutcome<R>>(QUEUE, { connection: queueConn, prefix });
  const events = new QueueEvents(QUEUE, { connection: connect(), prefix });
  const publisher = connect();
  const cancelChannel = `${prefix}:apply:cancel`;
  const running = new Map<string, AbortController>();
  let worker: Worker<ApplyJob, JobOutcome<R>> | undefined;
  let subscriber: Redis | undefined;

  if (options.execute) {
    const execute = options.execute;
    subscriber = connect();
    void subscriber.subscribe(cancelChannel);
    subscriber.on("message", (_channel: string, jobId: string) => running.get(jobId)?.abort());
    worker = new Worker<ApplyJob, JobOutcome<R>>(
      QUEUE,
      async (job) => {
        const controller = new AbortController();
        running.set(job.id ?? "", controller);
        try {
          return await execute(job.data, (p) => void job.updateProgress(p as object).catch(logFailure("jobs", "reporting progress")), controller.signal);
        } finally {
          running.delete(job.id ?? "");
        }
      },
      { connection: connect(), prefix, concurrency: options.concurrency ?? 4, maxStalledCount: 0, lockDuration: 30_000 },
    );
    worker.on("error", (err) => log.error({ component: "jobs", err: errorText(err) }, "apply job worker error"));
  }

  return {
    async run(data, onProgress, signal) {
      await events.waitUntilReady();
      // A job id of its own per call: two applies of one plan are two jobs, and the second is refused as "used".
      const job = await queue.add("apply", data, {
        jobId: `${data.planId}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 86_400 },
      });
      const id = job.id ?? "";
      const onEvent = ({ jobId, data: p }: { jobId: string; data: unknown }) => {
        if (jobId === id) onProgress?.(p as P);
      };
      events.on("progress", onEvent);
      const cancel = () => void publisher.publish(cancelChannel, id).catch(logFailure("jobs", "publishing a cancel"));
      signal?.addEventListener("abort", cancel, { once: true });
      try {
        return await job.waitUntilFinished(events);
      } catch (err) {
        // Only an unexpected crash of the handler lands here.
        return {
          ok: false,
          error: { code: "engine", message: `the apply job failed: ${err instanceof Error ? err.message : String(err)}`, hint: "check status and history" },
        };
      } finally {
        events.off("progress", onEvent);
        signal?.removeEventListener("abort", cancel);
      }
    },
    async depth() {
      const counts = await queue.getJobCounts("waiting", "active", "delayed");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      await worker?.close();
      await subscriber?.quit().catch(logFailure("jobs", "closing a Redis connection"));
      await events.close();
      await queue.close();
      await publisher.quit().catch(logFailure("jobs", "closing a Redis connection"));
      await queueConn.quit().catch(logFailure("jobs", "closing a Redis connection"));
    },
  };
}
