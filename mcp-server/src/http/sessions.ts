// Streamable-HTTP sessions: bound to the identity that opened them, ended
// after `idleMs` without a request or `maxAgeMs` in all, and at most `max` at
// once. An unknown, expired or foreign session id gets the same 404, so ids
// cannot be probed.
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { logFailure } from "../observability/log.ts";

export interface SessionLimits {
  /** @default 30 minutes */
  idleMs?: number;
  /** @default 24 hours */
  maxAgeMs?: number;
  /** @default 100 */
  max?: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  owner: string;
  createdAt: number;
  lastSeen: number;
}

export function sessionStore(limits: SessionLimits = {}, now: () => number = Date.now) {
  const idleMs = limits.idleMs ?? 30 * 60_000;
  const maxAgeMs = limits.maxAgeMs ?? 24 * 3_600_000;
  const max = limits.max ?? 100;
  const sessions = new Map<string, Session>();
  const expired = (s: Session, t: number) => t - s.lastSeen > idleMs || t - s.createdAt > maxAgeMs;

  const end = (id: string) => {
    const s = sessions.get(id);
    sessions.delete(id);
    void s?.transport.close().catch(logFailure("http", "closing an idle session"));
  };
  const sweep = () => {
    const t = now();
    for (const [id, s] of [...sessions]) if (expired(s, t)) end(id);
  };
  const timer = setInterval(sweep, Math.max(1000, Math.min(30_000, Math.floor(idleMs / 4))));
  timer.unref();

  return {
    /** Room for one more session (after dropping expired ones)? */
    hasRoom(): boolean {
      if (sessions.size < max) return true;
      sweep();
      return sessions.size < max;
    },
    add(id: string, transport: StreamableHTTPServerTransport, owner: string): void {
      const t = now();
      sessions.set(id, { transport, owner, createdAt: t, lastSeen: t });
    },
    /** The session's transport when it exists, is live and belongs to `owner`. */
    get(id: string, owner: string): StreamableHTTPServerTransport | undefined {
      const s = sessions.get(id);
      if (!s) return undefined;
      const t = now();
      if (expired(s, t)) {
        end(id);
        return undefined;
      }
      if (s.owner !== owner) return undefined;
      s.lastSeen = t;
      return s.transport;
    },
    forget(id: string): void {
      sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
    async closeAll(): Promise<void> {
      clearInterval(timer);
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of all) await s.transport.close().catch(logFailure("http", "closing a session"));
    },
  };
}
