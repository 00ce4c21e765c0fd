// Test helper: a Docker Engine API proxy on a unix socket that forwards to the
// real engine and can answer chosen requests with an error instead — the
// engine cannot be made to fail on cue, its API in front of it can.
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DockerFault {
  method: string;
  /** Matched against the path without the API version prefix, e.g. /containers/create. */
  path: RegExp;
  status: number;
  message: string;
  /** Fail only this many matching requests. @default 1 */
  times?: number;
}

export interface DockerProxy {
  /** unix:///… for dockerEngine:host. */
  host: string;
  fail(fault: DockerFault): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startDockerProxy(upstreamSocket: string): Promise<DockerProxy> {
  const dir = mkdtempSync(join(tmpdir(), "bosun-dockerproxy-"));
  const socketPath = join(dir, "docker.sock");
  let faults: (DockerFault & { left: number })[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]?.replace(/^\/v[0-9.]+/, "") ?? "/";
    const fault = faults.find((f) => f.left > 0 && f.method === req.method && f.path.test(path));
    if (fault) {
      fault.left--;
      req.resume();
      res.writeHead(fault.status, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ message: fault.message }));
    }
    const upstream = http.request({ socketPath: upstreamSocket, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (err) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: err.message }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    fail(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clear() {
      faults = [];
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
