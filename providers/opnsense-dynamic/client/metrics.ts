// Call counters: every HTTP attempt, per path (benchmarks count calls per `up`).

export interface CallEvent {
  method: string;
  path: string;
  status: number | null;
  ms: number;
  attempt: number;
  error?: string;
}

export class CallMetrics {
  total = 0;
  retries = 0;
  errors = 0;
  readonly byPath = new Map<string, number>();
  record(e: CallEvent): void {
    this.total++;
    if (e.attempt > 1) this.retries++;
    if (e.error || (e.status !== null && e.status >= 400)) this.errors++;
    const key = `${e.method} ${e.path}`;
    this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
  }
  reset(): void {
    this.total = 0;
    this.retries = 0;
    this.errors = 0;
    this.byPath.clear();
  }
  snapshot(): { total: number; retries: number; errors: number; byPath: Record<string, number> } {
    return { total: this.total, retries: this.retries, errors: this.errors, byPath: Object.fromEntries(this.byPath) };
  }
}
