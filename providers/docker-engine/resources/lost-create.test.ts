// A create whose answer was lost leaves a container or network behind that
// never reached Pulumi's state. The next create must recognise bosun's own
// leftover (by its labels) and carry on, and must never take over a container
// a person made under the same name. Against the real Docker engine.
import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createEngine, parseDockerHost } from "../client/engine.ts";
import * as container from "./container-impl.ts";
import * as network from "./network-impl.ts";

const host = process.env["DOCKER_HOST"];
const engine = createEngine(parseDockerHost(host ?? "unix:///var/run/docker.sock"));
const prefix = `test-lost-${randomBytes(3).toString("hex")}`;
const noConfig = { get: () => undefined };

afterAll(async () => {
  for (const name of [`${prefix}-ours`, `${prefix}-theirs`]) await engine.json("DELETE", `/containers/${name}?force=1`).catch(() => {});
  await engine.json("DELETE", `/networks/${prefix}-net`).catch(() => {});
});

// Needs DOCKER_HOST (scripts/with-env.sh sets it; npm test always does, and CI fails a run that skips).
describe.skipIf(!host)("creates after a lost answer", () => {
  const args = (name: string) => ({ name, image: "bosun/echo-server:1", memoryMb: 32, startTimeoutSeconds: 30 });

  it("replaces bosun's own half-made container and refuses someone else's", async () => {
    container.configure(noConfig);
    // What a create leaves when its answer is lost: the container exists, labelled by bosun.
    await engine.json("POST", `/containers/create?name=${prefix}-ours`, {
      Image: "bosun/echo-server:1",
      Labels: { "bosun.managed": "true", "bosun.resource": `${prefix}-ours` },
    });
    const made = await container.create(args(`${prefix}-ours`));
    expect(made.outs.state).toBe("running");

    await engine.json("POST", `/containers/create?name=${prefix}-theirs`, { Image: "bosun/echo-server:1" });
    await expect(container.create(args(`${prefix}-theirs`))).rejects.toThrow(/already exists and was not made by bosun/);
    const theirs = await engine.json<{ Config: { Labels: Record<string, string> | null } }>("GET", `/containers/${prefix}-theirs/json`);
    expect(theirs.Config.Labels?.["bosun.managed"]).toBeUndefined();
  });

  it("takes over bosun's own network of the same name", async () => {
    network.configure(noConfig);
    const labels = { "bosun.segment": "lab" };
    const first = await engine.json<{ Id: string }>("POST", "/networks/create", { Name: `${prefix}-net`, Labels: { ...labels, "bosun.managed": "true" } });
    const again = await network.create({ name: `${prefix}-net`, labels });
    expect(again.id).toBe(first.Id);
  });
});
