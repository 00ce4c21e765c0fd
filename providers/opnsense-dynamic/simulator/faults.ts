// Fault injection for the simulator: fail the Nth matching call or every
// matching call, with a status, latency, or a dropped connection (before the
// box acted, or after — the "answer lost but change made" case).

export interface FaultSpec {
  /** Regular expression matched against "/api/..." (without the query). @default every API call */
  path?: string;
  /** "GET" or "POST". @default any */
  method?: string;
  /** Trigger only on the Nth matching call (1-based, counted from when the fault was added). */
  nth?: number;
  /** Trigger on this many matching calls (after `nth`, if given). @default 1 with nth, unlimited without */
  times?: number;
  /** Answer with this HTTP status (and `body`). */
  status?: number;
  body?: unknown;
  /** Wait this long before handling (alone: pure latency; the call then succeeds). */
  delayMs?: number;
  /** Destroy the socket without an answer. */
  drop?: boolean;
  /** "after": perform the call, then drop the connection instead of answering. @default "before" */
  phase?: "before" | "after";
}

export interface Fault extends FaultSpec {
  id: number;
  seen: number;
  fired: number;
}

export type FaultAction = { delayMs: number; status?: number; body?: unknown; drop: boolean; phase: "before" | "after" } | null;

export class FaultTable {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    if (spec.path !== undefined) new RegExp(spec.path); // reject a bad regex now, not on every call
    if (spec.status === undefined && !spec.drop && !spec.delayMs) throw new Error("a fault needs status, drop or delayMs");
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

  /** Finds the fault for this call, counting it against every matching fault. */
  match(method: string, path: string): FaultAction {
    let action: FaultAction = null;
    for (const f of this.faults) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path && !new RegExp(f.path).test(path)) continue;
      f.seen++;
      const limit = f.times ?? (f.nth ? 1 : Number.POSITIVE_INFINITY);
      const armed = f.nth ? f.seen >= f.nth : true;
      if (!armed || f.fired >= limit || action) continue;
      f.fired++;
      action = { delayMs: f.delayMs ?? 0, status: f.status, body: f.body, drop: f.drop === true, phase: f.phase ?? "before" };
    }
    return action;
  }
}
