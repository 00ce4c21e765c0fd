// Reports each API call a provider client makes to whoever runs the engine.
// Clients run inside Pulumi's dynamic-provider process, so the bosun process
// that started the engine sets BOSUN_PROVIDER_CALLS (a unix socket it listens
// on) and BOSUN_STACK in the engine's environment; each call becomes one JSON
// line there (metrics, logs and spans are made on that side). Without the
// variable, reporting does nothing. A report never fails or delays a call.
import { type Socket, createConnection } from "node:net";

/** What a client knows about one HTTP attempt. */
export interface ApiCallEvent {
  method: string;
  /** Path as sent, ids and query included; it is templated before it leaves. */
  path: string;
  /** HTTP status, or null when there was no answer. */
  status: number | null;
  ms: number;
  error?: string;
}

/** The line sent to the engine's owner. */
export interface ApiCallReport {
  v: 1;
  stack: string;
  provider: string;
  method: string;
  endpoint: string;
  status: number | null;
  ms: number;
  error?: string;
  /** Epoch ms when the call ended. */
  at: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^[0-9a-f]{12,}$/i;

/**
 * The endpoint without what identifies one object: query dropped, uuids, long
 * hex ids and numbers as placeholders, and the segment after each of `named`
 * (collections whose members are addressed by name, e.g. Docker's containers).
 */
export function endpointOf(path: string, named: readonly string[] = []): string {
  const segments = (path.split("?")[0] ?? "").split("/");
  return segments
    .map((s, i) => {
      if (UUID.test(s)) return "{uuid}";
      if (HEX_ID.test(s)) return "{id}";
      if (/^\d+(\.\d+)?$/.test(s)) return "{n}";
      if (i > 0 && named.includes(segments[i - 1] ?? "") && s !== "create" && s !== "prune") return "{name}";
      return s;
    })
    .join("/");
}

let socket: Socket | undefined;
let broken = false;

function send(line: string): void {
  const path = process.env["BOSUN_PROVIDER_CALLS"];
  if (!path || broken) return;
  if (!socket) {
    socket = createConnection(path);
    socket.unref();
    socket.on("error", () => {
      broken = true; // nobody listens any more; stop trying for this process
      socket?.destroy();
    });
  }
  socket.write(line);
}

/** A client's `onCall` hook for one provider. */
export function apiCallReporter(provider: string, options: { named?: readonly string[] } = {}): (call: ApiCallEvent) => void {
  return (call) => {
    try {
      const report: ApiCallReport = {
        v: 1,
        stack: process.env["BOSUN_STACK"] ?? "",
        provider,
        method: call.method,
        endpoint: endpointOf(call.path, options.named),
        status: call.status,
        ms: Math.round(call.ms),
        ...(call.error ? { error: call.error.slice(0, 200) } : {}),
        at: Date.now(),
      };
      send(`${JSON.stringify(report)}\n`);
    } catch {
      // Reporting is best effort by design.
    }
  };
}
