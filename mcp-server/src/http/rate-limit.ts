// A token bucket per key (a token's identity, or the address of a client that
// failed to authenticate): `perMinute` sustained, `burst` at once.
export interface RateLimit {
  perMinute: number;
  /** @default perMinute */
  burst?: number;
}

export function rateLimiter(limit: RateLimit, now: () => number = Date.now) {
  const burst = limit.burst ?? limit.perMinute;
  const perMs = limit.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one; when none is left, how many seconds until one is. */
    take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const t = now();
      const b = buckets.get(key) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.set(key, b);
      if (buckets.size > 10_000) for (const [k, v] of buckets) if (v.tokens >= burst) buckets.delete(k); // forget the idle
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}
