// The engine the dynamic resources talk to, set in the provider process by
// configure() from stack config `dockerEngine:host`, else DOCKER_HOST, else
// the default socket.
import { createEngine, parseDockerHost, type Engine } from "../client/engine.ts";
import { apiCallReporter } from "../../kit/calls.ts";

interface ConfigSource {
  get(key: string): string | undefined;
}

let engine: Engine | undefined;
let host: string | undefined;

export function configure(config: ConfigSource): void {
  let fromConfig: string | undefined;
  try {
    fromConfig = config.get("dockerEngine:host") || undefined;
  } catch {
    fromConfig = undefined;
  }
  host = fromConfig ?? process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  engine = undefined;
}

export function getEngine(): Engine {
  engine ??= createEngine(
    parseDockerHost(host ?? process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"),
    undefined,
    apiCallReporter("docker", { named: ["containers", "networks", "volumes", "images"] }),
  );
  return engine;
}
