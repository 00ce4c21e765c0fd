// Test helpers: a port nothing listens on, a "what is my IP" server whose
// answer the test sets, and a recorder for the stand-in's TXT hook (the
// management API of pebble-challtestsrv: POST /set-txt, /clear-txt).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** A loopback port that was free a moment ago (connections to it are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

export interface IpServer {
  url: string;
  /** What the next GET answers (plain text, like most "what is my IP" services). */
  address: string;
  hits: number;
  stop(): Promise<void>;
}

export async function startIpServer(address: string): Promise<IpServer> {
  const state: IpServer = { url: "", address, hits: 0, stop: async () => {} };
  const server = createServer((_req, res) => {
    state.hits++;
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(`${state.address}\n`);
  });
  state.url = `http://127.0.0.1:${await listen(server)}/`;
  state.stop = () => close(server);
  return state;
}

export interface TxtRecorder {
  url: string;
  /** TXT values per host, as challtestsrv would hold them. */
  txt: Map<string, string[]>;
  requests: string[];
  stop(): Promise<void>;
}

/** Keeps what challtestsrv would keep: set-txt adds a value for a host, clear-txt drops the host. */
export async function startTxtRecorder(): Promise<TxtRecorder> {
  const txt = new Map<string, string[]>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { host?: string; value?: string };
      requests.push(`${req.url} ${body.host ?? ""}${body.value !== undefined ? ` ${body.value}` : ""}`);
      if (req.url === "/set-txt" && body.host && body.value !== undefined) txt.set(body.host, [...(txt.get(body.host) ?? []), body.value]);
      else if (req.url === "/clear-txt" && body.host) txt.delete(body.host);
      else res.statusCode = 404;
      res.end();
    });
  });
  const url = `http://127.0.0.1:${await listen(server)}`;
  return { url, txt, requests, stop: () => close(server) };
}
