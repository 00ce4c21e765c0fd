// The Engine API client: pure parts, and calls to the real dockerd.
import { describe, expect, it } from "vitest";
import { createEngine, demuxLogs, EngineError, parseDockerHost } from "./engine.ts";

describe("docker host and log stream", () => {
  it("parses unix and tcp hosts and refuses others", () => {
    expect(parseDockerHost("unix:///run/docker.sock")).toEqual({ socketPath: "/run/docker.sock" });
    expect(parseDockerHost("tcp://10.0.0.5:2375")).toEqual({ host: "10.0.0.5", port: 2375 });
    expect(() => parseDockerHost("ssh://box")).toThrow(/expected unix/);
  });

  it("splits multiplexed frames", () => {
    const frame = (kind: number, text: string) => Buffer.concat([Buffer.from([kind, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
    expect(demuxLogs(Buffer.from("plain tty text"))).toBe("plain tty text");
  });
});

// Needs DOCKER_HOST (the dockerd setup starts). Skipped only outside scripts/with-env.sh; npm test always
// sets it, and scripts/test.sh fails a CI run that skipped anything.
describe.skipIf(!process.env["DOCKER_HOST"])("the real engine", () => {
  const engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? ""));
  it("answers /version and reports 404s with the engine's message", async () => {
    const v = await engine.json<{ ApiVersion: string }>("GET", "/version");
    expect(v.ApiVersion).toMatch(/^1\.\d+$/);
    const err = await engine.json("GET", "/containers/bosun-no-such-container/json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).status).toBe(404);
    expect((err as Error).message).toContain("No such container");
  });
});
