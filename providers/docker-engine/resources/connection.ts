// The engine the dynamic resources talk to, set in the provider process by
// configure() from stack config `dockerEngine:host`, else DOCKER_HOST, else
// the default socket.
import { createEngine, parseDockerHost, type Engine } from "../client/engine.ts";
import { apiCallReporter } from "../../kit/calls.ts";
import { isLoopbackHost } from "../../kit/places.ts";

interface ConfigSource {
  get(key: string): string | undefined;
}

let engine: Engine | undefined;
let host: string | undefined;
let allowInsecureTcp = false;

function read(config: ConfigSource, key: string): string | undefined {
  try {
    return config.get(key) || undefined;
  } catch {
    return undefined;
  }
}

export function configure(config: ConfigSource): void {
  host = read(config, "dockerEngine:host") ?? process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  allowInsecureTcp = read(config, "dockerEngine:allowInsecureTcp") === "true";
  engine = undefined;
}

function target() {
  return parseDockerHost(host ?? process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock", { allowInsecureTcp });
}

export function getEngine(): Engine {
  engine ??= createEngine(target(), undefined, apiCallReporter("docker", { named: ["containers", "networks", "volumes", "images"] }));
  return engine;
}

/** True when the engine runs on this machine (a unix socket or loopback), so its bind sources can be checked on disk here. */
export function isLocalEngine(): boolean {
  const t = target();
  return t.socketPath !== undefined || (t.host !== undefined && isLoopbackHost(t.host));
}
