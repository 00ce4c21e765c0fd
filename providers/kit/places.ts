// Repository-wide places, defined once: the checkout's root, bosun's state
// folder, and what counts as this machine's own (loopback) address. Every layer
// imports these from here (the lowest layer), never spells them again.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root folder (no trailing slash). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** bosun's state folder: $BOSUN_STATE, else `.state` in the checkout (or in `root`, a stacks checkout of its own). */
export function stateDir(env: NodeJS.ProcessEnv = process.env, root: string = REPO_ROOT): string {
  return env["BOSUN_STATE"] || join(root, ".state");
}

/** The address bosun's own servers and simulators listen on by default. */
export const LOOPBACK = "127.0.0.1";

/** Host names and addresses that mean this machine, as they appear in URLs and Host headers. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}
