// Loopback ports for tests: a free one to hand to a server, and whether one answers.
import { createConnection, createServer } from "node:net";
import { LOOPBACK } from "../../providers/kit/places.ts";

/** A port nothing listens on right now (the OS picks it; free when returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, LOOPBACK, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Something accepts connections on LOOPBACK:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
