// A small Docker Engine API client on node:http: a unix socket or tcp://,
// JSON in and out, the engine's own error message on failure. Only what the
// dynamic resources need. Every call is sent once: a POST or DELETE that met a
// reset connection may have happened, so it is reported, never resent. Plain
// tcp:// (no TLS) is for loopback only unless explicitly allowed, since
// whoever can reach that port is root on the host.
import http from "node:http";
import { isLoopbackHost } from "../../kit/places.ts";

export interface EngineTarget {
  socketPath?: string;
  host?: string;
  port?: number;
}

/**
 * unix:///path, a bare socket path, or tcp://host:port (no TLS). A tcp:// host
 * other than loopback needs `allowInsecureTcp` (stack config
 * `dockerEngine:allowInsecureTcp: "true"`): the Engine API over plain HTTP gives
 * anyone on the path root on the Docker host.
 */
export function parseDockerHost(value: string, options: { allowInsecureTcp?: boolean } = {}): EngineTarget {
  if (value.startsWith("unix://")) return { socketPath: value.slice("unix://".length) };
  if (value.startsWith("/")) return { socketPath: value };
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/]+):(\d+)\/?$/.exec(value);
  if (m) {
    const host = m[1] ?? "";
    if (!isLoopbackHost(host) && !options.allowInsecureTcp) {
      throw new Error(
        `dockerEngine:host "${value}": the Docker API over plain tcp:// to another machine is unencrypted and unauthenticated (root on that host for anyone on the network); ` +
          `use an SSH tunnel or a unix socket, or set dockerEngine:allowInsecureTcp to "true" if that network is trusted`,
      );
    }
    return { host: host.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  }
  throw new Error(`dockerEngine:host "${value}": expected unix:///path/to/docker.sock or tcp://host:port`);
}

export class EngineError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "EngineError";
    this.status = status;
  }
}

export interface Engine {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Raw body (logs, pull progress, archives). A Buffer body is sent as is, as a tar stream (the archive endpoint). */
  raw(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Buffer>;
  describe(): string;
}

/** Told about every HTTP attempt (metrics); must not throw. */
export type EngineCallHook = (call: { method: string; path: string; status: number | null; ms: number; error?: string }) => void;

export function createEngine(target: EngineTarget, timeoutMs = 60_000, onCall?: EngineCallHook): Engine {
  async function call(method: string, path: string, body: unknown, timeout: number): Promise<{ status: number; data: Buffer }> {
    const started = Date.now();
    try {
      const res = await send(method, path, body, timeout);
      onCall?.({ method, path, status: res.status, ms: Date.now() - started });
      return res;
    } catch (err) {
      onCall?.({ method, path, status: null, ms: Date.now() - started, error: (err as NodeJS.ErrnoException).code ?? "error" });
      throw err;
    }
  }
  function send(method: string, path: string, body: unknown, timeout: number): Promise<{ status: number; data: Buffer }> {
    const tar = Buffer.isBuffer(body);
    const payload = body === undefined ? undefined : tar ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...(target.socketPath ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
          method,
          path,
          headers: {
            ...(payload ? { "content-type": tar ? "application/x-tar" : "application/json", "content-length": payload.length } : {}),
            host: "docker",
          },
          timeout,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, data: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`Docker engine did not answer ${method} ${path.split("?")[0]} within ${timeout / 1000} s`)));
      req.on("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "ENOENT" || err.code === "ECONNREFUSED"
            ? new Error(
                `cannot reach the Docker engine at ${describe()}: ${err.code}; is dockerd running (npm run setup starts it) and dockerEngine:host / DOCKER_HOST right?`,
              )
            : err,
        ),
      );
      if (payload) req.write(payload);
      req.end();
    });
  }
  function describe(): string {
    return target.socketPath ? `unix://${target.socketPath}` : `tcp://${target.host}:${target.port}`;
  }
  async function checked(method: string, path: string, body: unknown, timeout: number): Promise<Buffer> {
    const { status, data } = await call(method, path, body, timeout);
    if (status >= 400) {
      let message = data.toString().trim();
      try {
        message = (JSON.parse(message) as { message?: string }).message ?? message;
      } catch {
        // plain text error
      }
      throw new EngineError(status, message || `HTTP ${status}`);
    }
    return data;
  }
  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const data = await checked(method, path, body, timeoutMs);
      return (data.length ? JSON.parse(data.toString()) : {}) as T;
    },
    raw: (method, path, body, timeout) => checked(method, path, body, timeout ?? timeoutMs),
    describe,
  };
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxLogs(buffer: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buffer.length) {
    const kind = buffer[i];
    const size = buffer.readUInt32BE(i + 4);
    if (kind !== 0 && kind !== 1 && kind !== 2) return buffer.toString(); // not multiplexed (TTY)
    out += buffer.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}

export const isNotFound = (err: unknown): boolean => err instanceof EngineError && err.status === 404;
