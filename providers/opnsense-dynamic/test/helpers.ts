// Shared test setup: a simulator on loopback and a client that trusts its CA.
import { OpnsenseClient } from "../client/client.ts";
import type { ConnectionConfig } from "../client/http.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator/server.ts";

export const KEY = "test-key-0123456789";
export const SECRET = "test-secret-abcdefghijklmnop";

export async function sim(opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({ apiKey: KEY, apiSecret: SECRET, ...opts });
}

export function clientFor(s: Simulator, extra: Partial<ConnectionConfig> = {}): OpnsenseClient {
  return new OpnsenseClient({ url: s.url, apiKey: KEY, apiSecret: SECRET, caPem: s.caPem, retryBaseMs: 5, timeoutMs: 3000, ...extra });
}

/** Raw call through the simulator's control API. */
export async function control(s: Simulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { method, ca: s.caPem, headers: { "Content-Type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "null")));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
