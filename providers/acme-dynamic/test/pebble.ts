// Test access to Pebble and pebble-challtestsrv, started by
// scripts/services/pebble.sh (real servers on loopback, never a stand-in).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface Pebble {
  directoryUrl: string;
  managementUrl: string;
  /** CA of Pebble's HTTPS endpoints (not of the certificates it issues). */
  tlsCaPem: string;
  http01Port: number;
  challtestsrvUrl: string;
}

/** Starts Pebble through its script when it is not running (idempotent, locked) and reads its addresses. */
export function ensurePebble(): Pebble {
  execFileSync("bash", [`${root}scripts/services/pebble.sh`, "start"], { stdio: ["ignore", "ignore", "inherit"], env: process.env });
  const state = process.env["BOSUN_STATE"] ?? `${root}.state`;
  const env = Object.fromEntries(
    readFileSync(`${state}/pebble.env`, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  ) as Record<string, string>;
  return {
    directoryUrl: env.PEBBLE_DIRECTORY_URL ?? "",
    managementUrl: env.PEBBLE_MANAGEMENT_URL ?? "",
    tlsCaPem: readFileSync(env.PEBBLE_TLS_CA_FILE ?? "", "utf8"),
    http01Port: Number(env.PEBBLE_HTTP01_PORT),
    challtestsrvUrl: env.PEBBLE_CHALLTESTSRV_URL ?? "",
  };
}

function get(p: Pebble, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${p.managementUrl}${path}`, { ca: p.tlsCaPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    })
      .on("error", reject)
      .end();
  });
}

/** Pebble's issuing root (regenerated at every Pebble start). */
export async function pebbleRoot(p: Pebble): Promise<string> {
  return (await get(p, "/roots/0")).body;
}

/** "Valid" or "Revoked", as Pebble's management API reports a serial (hex). */
export async function certStatus(p: Pebble, serialHex: string): Promise<{ Status: string; Reason?: number }> {
  const r = await get(p, `/cert-status-by-serial/${serialHex.replace(/^0+/, "")}`);
  if (r.status !== 200) throw new Error(`cert-status-by-serial ${serialHex}: HTTP ${r.status} ${r.body}`);
  return JSON.parse(r.body) as { Status: string; Reason?: number };
}

/**
 * Pebble validates HTTP-01 on one port (per checkout): test files that listen
 * there (the standalone solver, or a haproxy in front of it) take turns by
 * holding this lock (test/support/exclusive.ts `hold`) for the whole file.
 */
export const http01Lock = (p: Pebble): string => `pebble-http01-${p.http01Port}`;

/** A name no earlier test used, so Pebble cannot reuse an authorization for it. */
export function freshName(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}.bosun.test`;
}

/** A call to challtestsrv's management API, e.g. ("/set-servfail", { host: "x.bosun.test." }). */
export async function challtestsrv(p: Pebble, path: string, body: object): Promise<void> {
  const res = await fetch(`${p.challtestsrvUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challtestsrv ${path}: HTTP ${res.status}`);
}
