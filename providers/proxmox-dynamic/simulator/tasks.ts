// Worker tasks as Proxmox runs them: a UPID in the real format, a log that
// grows while the task runs, "TASK OK" / "TASK ERROR: <message>" as the last
// line, and the per-guest config lock that serializes work on one guest
// ("can't lock file … - got timeout" after 10 s, as lock_config does).
import { formatUpid } from "../client/tasks.ts";
import type { SimState, SimTask } from "./state.ts";

export interface TaskCtx {
  upid: string;
  log(line: string): void;
  /** A pause between steps, so tasks take a little time and can be seen running. */
  step(): Promise<void>;
  /**
   * Where an injected "fails half-way" fault strikes: work before this point
   * has happened (as on a real node), work after it has not.
   */
  halfway(): Promise<void>;
}

export type TaskWork = (t: TaskCtx) => Promise<void>;

export class ApiError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

/** A Proxmox `die`: HTTP 500 with the message in the status line and `message`. */
export const die = (message: string): never => {
  throw new ApiError(500, message);
};

/** raise_param_exc: HTTP 400 "Parameter verification failed." with per-parameter reasons. */
export const paramError = (errors: Record<string, string>): never => {
  throw new ApiError(400, "Parameter verification failed.", errors);
};

export class TaskRunner {
  private readonly state: () => SimState;
  private readonly persist: () => void;
  readonly stepMs: number;
  private readonly locks = new Map<number, Promise<void>>();
  private readonly running = new Set<Promise<void>>();

  constructor(state: () => SimState, persist: () => void, stepMs: number) {
    this.state = state;
    this.persist = persist;
    this.stepMs = stepMs;
  }

  /** Starts a worker and returns its UPID at once; `failHalfway` makes halfway() throw that message. */
  start(node: string, type: string, id: string, user: string, work: TaskWork, failHalfway?: string): string {
    const state = this.state();
    const now = Math.floor(Date.now() / 1000);
    const pid = state.nextPid++;
    const task: SimTask = { upid: "", node, type, id, user, starttime: now, pid, pstart: 0x3c00000 + pid, status: "running", log: [] };
    task.upid = formatUpid({ node, pid, pstart: task.pstart, starttime: now, type, id, user });
    state.tasks[task.upid] = task;
    this.persist();
    const ctx: TaskCtx = {
      upid: task.upid,
      log: (line) => {
        task.log.push(line);
      },
      step: () => new Promise((r) => setTimeout(r, this.stepMs)),
      halfway: async () => {
        await ctx.step();
        if (failHalfway !== undefined) throw new Error(failHalfway);
      },
    };
    const done = (async () => {
      await ctx.step();
      try {
        await work(ctx);
        task.log.push("TASK OK");
        task.exitstatus = "OK";
      } catch (err) {
        const message = (err as Error).message.trim().split("\n")[0] ?? "error";
        task.log.push(`TASK ERROR: ${message}`);
        task.exitstatus = message;
      }
      task.status = "stopped";
      this.persist();
    })();
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return task.upid;
  }

  /** lock_config: runs `fn` holding the guest's config lock; waits at most 10 s for it. */
  async withLock<T>(vmid: number, type: "qemu" | "lxc", fn: () => Promise<T> | T): Promise<T> {
    const before = this.locks.get(vmid) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const chained = before.then(() => mine);
    this.locks.set(vmid, chained);
    const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000).unref());
    const got = await Promise.race([before.then(() => "ok" as const), timeout]);
    if (got === "timeout") {
      void before.then(release);
      const dir = type === "qemu" ? "qemu-server" : "lxc";
      throw new Error(`can't lock file '/var/lock/${dir}/lock-${vmid}.conf' - got timeout`);
    }
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(vmid) === chained) this.locks.delete(vmid);
    }
  }

  /** Resolves when every task started so far has ended (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
