// The Engine API client: pure parts, and calls to the real dockerd.
import { createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createEngine, demuxLogs, EngineError, parseDockerHost } from "./engine.ts";

// A connection reset cannot be made to happen on the real dockerd, so this one
// test uses a TCP server that drops the connection after reading the request.
describe("a POST whose connection is reset", () => {
  it("is reported, never sent again", async () => {
    let posts = 0;
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once("data", (chunk) => {
        if (chunk.toString().startsWith("POST ")) posts += 1;
        socket.resetAndDestroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const engine = createEngine(parseDockerHost(`tcp://127.0.0.1:${port}`), 5_000);
    await expect(engine.json("POST", "/containers/create?name=x", { Image: "x" })).rejects.toThrow(/ECONNRESET|socket hang up/);
    await new Promise((r) => setTimeout(r, 300)); // a resend would arrive within this
    expect(posts).toBe(1);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe("docker host and log stream", () => {
  it("parses unix and tcp hosts and refuses others", () => {
    expect(parseDockerHost("unix:///run/docker.sock")).toEqual({ socketPath: "/run/docker.sock" });
    expect(parseDockerHost("tcp://127.0.0.1:2375")).toEqual({ host: "127.0.0.1", port: 2375 });
    expect(parseDockerHost("tcp://10.0.0.5:2375", { allowInsecureTcp: true })).toEqual({ host: "10.0.0.5", port: 2375 });
    expect(() => parseDockerHost("ssh://box")).toThrow(/expected unix/);
  });

  it("refuses plain tcp:// to another machine unless explicitly allowed", () => {
    expect(() => parseDockerHost("tcp://10.0.0.5:2375")).toThrow(/unencrypted and unauthenticated.*dockerEngine:allowInsecureTcp/);
    expect(() => parseDockerHost("tcp://docker.example:2375")).toThrow(/allowInsecureTcp/);
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
