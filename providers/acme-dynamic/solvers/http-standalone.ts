// HTTP-01 "standalone": this process answers /.well-known/acme-challenge/<token>
// on address:port while an issuance runs. One server per address:port is
// shared by every certificate issuing at the same time in this process (the
// engine issues in parallel), and closed when its last token is cleaned up.
// A port held by another process (another deployment's issuance on this host)
// is waited for, up to a minute: answering 404 for its tokens would fail both.
import { createServer, type Server } from "node:http";
import type { Http01Adapter, StandaloneHttp01Config } from "./types.ts";

const PREFIX = "/.well-known/acme-challenge/";
const BUSY_WAIT_MS = 60_000;

interface Listener {
  server: Server;
  tokens: Map<string, string>;
  ready: Promise<void>;
}

const listeners = new Map<string, Listener>();

function listen(address: string, port: number): Listener {
  const key = `${address}:${port}`;
  const existing = listeners.get(key);
  if (existing) return existing;
  const tokens = new Map<string, string>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const token = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : undefined;
    const body = token === undefined ? undefined : tokens.get(token);
    if (req.method !== "GET" || body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(body);
  });
  const ready = bind(server, address, port).catch((err: NodeJS.ErrnoException) => {
    listeners.delete(key);
    throw explain(err, key);
  });
  const listener = { server, tokens, ready };
  listeners.set(key, listener);
  return listener;
}

async function bind(server: Server, address: string, port: number): Promise<void> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function explain(err: NodeJS.ErrnoException, key: string): Error {
  const why: Record<string, string> = {
    EADDRINUSE: `something else kept listening there for ${BUSY_WAIT_MS / 1000} s`,
    EACCES: "ports below 1024 need privileges",
    EADDRNOTAVAIL: "no interface has that address",
  };
  return new Error(`solver: HTTP-01 standalone cannot listen on ${key} (${err.code ?? "error"}: ${why[err.code ?? ""] ?? err.message})`);
}

async function release(key: string, listener: Listener): Promise<void> {
  if (listener.tokens.size > 0 || listeners.get(key) !== listener) return;
  listeners.delete(key);
  await new Promise<void>((resolve) => listener.server.close(() => resolve()));
}

export function standaloneHttp01(config: Omit<StandaloneHttp01Config, "type" | "provider">): Http01Adapter {
  const address = config.address ?? "0.0.0.0";
  const port = config.port ?? 80;
  const key = `${address}:${port}`;
  return {
    type: "http-01",
    async present(token, keyAuthorization) {
      const listener = listen(address, port);
      listener.tokens.set(token, keyAuthorization);
      try {
        await listener.ready;
      } catch (err) {
        listener.tokens.delete(token);
        throw err;
      }
    },
    async cleanup(token) {
      const listener = listeners.get(key);
      if (!listener) return;
      listener.tokens.delete(token);
      await release(key, listener);
    },
  };
}

/** Open standalone listeners, for tests: every issuance must leave none behind. */
export function openStandaloneListeners(): string[] {
  return [...listeners.keys()];
}
