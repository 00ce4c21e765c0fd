// Fault injection for the Proxmox simulator: fail the Nth matching call (or
// every one) with a status and message, add latency, drop the connection
// before or after the call did its work, or let the call start its task and
// make that task fail half-way.

export interface FaultSpec {
  /** Regular expression matched against "/api2/json/..." (without the query). @default every API call */
  path?: string;
  /** "GET", "POST", "PUT" or "DELETE". @default any */
  method?: string;
  /** Trigger only on the Nth matching call (1-based, counted from when the fault was added). */
  nth?: number;
  /** Trigger on this many matching calls. @default 1 with nth, unlimited without */
  times?: number;
  /** Answer with this HTTP status and `message` (as the status line and JSON `message`). */
  status?: number;
  message?: string;
  /** With status 400: the per-parameter `errors`. */
  errors?: Record<string, string>;
  /** Wait this long before handling (alone: pure latency). */
  delayMs?: number;
  /** Destroy the socket without an answer. */
  drop?: boolean;
  /** "after": perform the call, then drop the connection ("answer lost, change made"). @default "before" */
  phase?: "before" | "after";
  /** The call succeeds and returns its UPID; the task then fails half-way with this exit status. */
  taskFail?: string;
}

export interface Fault extends FaultSpec {
  id: number;
  seen: number;
  fired: number;
}

export interface FaultAction {
  delayMs: number;
  status?: number;
  message?: string;
  errors?: Record<string, string>;
  drop: boolean;
  phase: "before" | "after";
  taskFail?: string;
}

export class FaultTable {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    if (spec.path !== undefined) new RegExp(spec.path); // a bad regex fails now, not on every call
    if (spec.status === undefined && !spec.drop && !spec.delayMs && spec.taskFail === undefined) {
      throw new Error("a fault needs status, drop, delayMs or taskFail");
    }
    const fault: Fault = { ...spec, id: this.nextId++, seen: 0, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The action for this call (the first armed fault), counting the call against every matching fault. */
  match(method: string, path: string): FaultAction | null {
    let action: FaultAction | null = null;
    for (const f of this.faults) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path && !new RegExp(f.path).test(path)) continue;
      f.seen++;
      const limit = f.times ?? (f.nth ? 1 : Number.POSITIVE_INFINITY);
      const armed = f.nth ? f.seen >= f.nth : true;
      if (!armed || f.fired >= limit || action) continue;
      f.fired++;
      action = {
        delayMs: f.delayMs ?? 0,
        status: f.status,
        message: f.message,
        errors: f.errors,
        drop: f.drop === true,
        phase: f.phase ?? "before",
        taskFail: f.taskFail,
      };
    }
    return action;
  }
}
