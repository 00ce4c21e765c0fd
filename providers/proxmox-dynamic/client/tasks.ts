// Proxmox's asynchronous tasks: most writes answer with a UPID and do their
// work in a worker. waitForTask polls the task's status (quickly at first,
// then every few seconds), forwards new log lines as progress, and turns an
// exit status other than "OK" / "WARNINGS: n" into a TaskError carrying the
// log's last lines (Proxmox writes the cause there).
import { TaskError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import type { TaskLogLine, TaskStatus, Upid } from "./types.ts";

const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export function parseUpid(upid: string): Upid | undefined {
  const m = UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1] as string,
    pid: Number.parseInt(m[3] as string, 16),
    pstart: Number.parseInt(m[4] as string, 16),
    starttime: Number.parseInt(m[5] as string, 16),
    type: m[6] as string,
    id: m[7] as string,
    user: m[8] as string,
  };
}

export function formatUpid(u: Upid): string {
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, "0");
  return `UPID:${u.node}:${hex(u.pid, 8)}:${hex(u.pstart, 8)}:${hex(u.starttime, 8)}:${u.type}:${u.id}:${u.user}:`;
}

/** "OK" and "WARNINGS: 2" are success; anything else is Proxmox's error text. */
export function taskSucceeded(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || /^WARNINGS: \d+$/.test(exitstatus ?? "");
}

export interface WaitOptions {
  /** Names the operation in errors, e.g. `VirtualMachine "web" (vmid 101): clone`. */
  what?: string;
  /** New task log lines as they appear. */
  onProgress?: (line: string) => void;
  /** Give up after this long (the task keeps running on the node). @default 1800000 (30 min) */
  timeoutMs?: number;
  /** First poll delay, doubled up to maxPollMs. @default 100 */
  pollMs?: number;
  /** @default 2000 */
  maxPollMs?: number;
}

export async function waitForTask(http: HttpTransport, upid: string, opts: WaitOptions = {}): Promise<TaskStatus> {
  const parsed = parseUpid(upid);
  if (!parsed) throw new Error(`${opts.what ?? "Proxmox"}: expected a task id (UPID), got "${upid.slice(0, 120)}"`);
  const base = `nodes/${encodeURIComponent(parsed.node)}/tasks/${encodeURIComponent(upid)}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 1_800_000);
  let delay = opts.pollMs ?? 100;
  const seen: string[] = [];
  const readLog = async () => {
    const lines = await http.call<TaskLogLine[]>("GET", `${base}/log`, { start: seen.length, limit: 500 });
    for (const l of lines ?? []) {
      // Proxmox numbers lines from 1; a line "no content" stands for an empty log.
      if (l.n <= seen.length || l.t === "no content") continue;
      seen.push(l.t);
      if (!/^TASK (OK|ERROR|WARNINGS)/.test(l.t)) opts.onProgress?.(l.t);
    }
  };
  for (;;) {
    const status = await http.call<TaskStatus>("GET", `${base}/status`);
    if (opts.onProgress || status.status === "stopped") await readLog().catch(() => undefined);
    if (status.status === "stopped") {
      if (taskSucceeded(status.exitstatus)) return status;
      const tail = seen.filter((l) => !/^TASK /.test(l)).slice(-5);
      throw new TaskError({ method: "GET", path: `/api2/json/${base}/status` }, upid, parsed.type, status.exitstatus ?? "unknown", tail, opts.what);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${opts.what ?? "Proxmox task"}: task ${parsed.type} (${upid}) still running after ${Math.round((opts.timeoutMs ?? 1_800_000) / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, opts.maxPollMs ?? 2000);
  }
}
