// A real TLS handshake for the tests: a node:tls server presenting cert/key on
// loopback, and a client that trusts only `ca`.
import type { AddressInfo } from "node:net";
import { connect, createServer } from "node:tls";

/** Resolves with the server's greeting, or rejects with the client's TLS error. */
export async function handshake(cert: string, key: string, opts: { servername?: string; ca: string }): Promise<string> {
  const server = createServer({ cert, key }, (s) => s.end("hello\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const port = (server.address() as AddressInfo).port;
      const socket = connect({ host: "127.0.0.1", port, ca: opts.ca, ...(opts.servername ? { servername: opts.servername } : {}) }, () => {
        let data = "";
        socket.on("data", (d: Buffer) => (data += d.toString()));
        socket.on("end", () => resolve(data));
      });
      socket.on("error", reject);
    });
  } finally {
    server.close();
  }
}
