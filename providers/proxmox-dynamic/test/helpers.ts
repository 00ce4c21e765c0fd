// Shared test setup: a Proxmox VE simulator on loopback (Proxmox itself cannot
// run here) and a client that trusts its CA.
import { ProxmoxClient } from "../client/client.ts";
import type { ConnectionConfig } from "../client/http.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator/server.ts";

export const TOKEN_ID = "bosun@pve!test";
export const TOKEN_SECRET = "3f1c5e0a-9b7d-4c2e-8a61-2d4f6b8e0c19";
export const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvc3VuLXRlc3Qta2V5LTAxMjM0NTY3ODkwMTIzNDU2Nzg5 test@bosun";

export function sim(opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({ tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET }], taskStepMs: 5, ...opts });
}

export function clientFor(s: Simulator, extra: Partial<ConnectionConfig> = {}): ProxmoxClient {
  return new ProxmoxClient({ url: s.url, tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, caPem: s.caPem, retryBaseMs: 5, timeoutMs: 5000, ...extra });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error("expected the call to fail");
  return err;
}
