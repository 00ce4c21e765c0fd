// Loopback ports for tests: a free one to hand to a server, and whether one answers.
import { createConnection, createServer } from "node:net";
import { LOOPBACK } from "../../providers/kit/places.ts";

/**
 * A port nothing listens on right now, free when returned. Taken below Linux's ephemeral range
 * (32768–60999): a port the OS picked (bind to 0) could be handed to any other process's bind(0)
 * or outgoing connection before the test's server binds it (seen: haproxy refused a port a Pulumi
 * plugin had taken meanwhile); ports below that range only go to explicit binds.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, LOOPBACK, () => s.close(() => resolve(true)));
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
