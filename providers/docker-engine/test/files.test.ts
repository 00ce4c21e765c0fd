// Files in containers (a certificate and its key) through the real Pulumi
// engine (the CLI from scripts/setup.sh, bosun's language host, the
// dynamic-provider plugin) against the real Docker engine: written before the
// first start, rewritten in place with a signal or a restart, drift seen by
// refresh and repaired by up, a failed write that leaves no container, and
// contents that never reach the checkpoint or an error in clear. The fixture
// program in ./program declares the containers from the stack's `case` config.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkpointPaths, removeCheckpointBackups } from "../../../test/support/test-stack.ts";
import { createEngine, parseDockerHost } from "../client/engine.ts";
import { packTar, unpackTar } from "../client/tar.ts";
import { desiredDigest, fileSchema } from "../resources/container-files.ts";
import type { ContainerFile, DockerContainerArgs } from "../resources/types.ts";

const host = process.env["DOCKER_HOST"];
const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-docker-engine-test"; // program/Pulumi.yaml
const stackName = `test-dfiles-${randomBytes(3).toString("hex")}`;
const web = `${stackName}-web`;
const engine = createEngine(parseDockerHost(host ?? "unix:///var/run/docker.sock"));

// The process records at start what it found, and appends a line per SIGHUP.
const COMMAND = [
  "sh",
  "-c",
  'cat /etc/tls/server.crt /etc/tls/server.key > /tmp/seen-at-start; stat -c "%a %u:%g" /etc/tls/server.key >> /tmp/seen-at-start; ' +
    'trap "echo hup >> /tmp/reloads" HUP; while :; do sleep 1 & wait $!; done',
];
const pem = (kind: string, tag: string) => `-----BEGIN ${kind}-----\n${tag}-${randomBytes(24).toString("base64")}\n-----END ${kind}-----\n`;

function tls(tag: string): ContainerFile[] {
  return [
    { path: "/etc/tls/server.crt", content: pem("CERTIFICATE", tag) },
    { path: "/etc/tls/server.key", content: pem("PRIVATE KEY", tag), mode: 0o600, uid: 101, gid: 102 },
  ];
}
const container = (files: ContainerFile[], reload: DockerContainerArgs["reload"], extra: Partial<DockerContainerArgs> = {}) => ({
  name: web,
  image: "bosun/base:1",
  pull: "never",
  command: COMMAND,
  memoryMb: 32,
  restart: "no",
  startTimeoutSeconds: 30,
  files,
  reload,
  ...extra,
});

async function readIn(name: string, path: string): Promise<string> {
  const entry = unpackTar(await engine.raw("GET", `/containers/${name}/archive?path=${encodeURIComponent(path)}`))[0];
  return entry?.content.toString() ?? "";
}
const inspect = (name: string) =>
  engine.json<{ Id: string; State: { Status: string; StartedAt: string } }>("GET", `/containers/${encodeURIComponent(name)}/json`);

let stack: Stack;
// Secret: a dynamic provider's inputs hold the program's whole config, so file contents in plain config would reach the checkpoint.
const setCase = (c: Record<string, unknown>) => stack.setConfig("case", { value: JSON.stringify(c), secret: true });
const outputs = async () => (await stack.outputs()).containers?.value as Record<string, { id: string; state: string; filesSha256: string }>;
/** The container's outputs as the state holds them (refresh updates these, not the stack's outputs). */
async function stateOf(name: string): Promise<Record<string, unknown>> {
  const resources = (await stack.exportStack()).deployment.resources as { type: string; urn: string; outputs: Record<string, unknown> }[];
  const r = resources.find((x) => x.type.endsWith("docker:Container") && x.urn.endsWith(`::${name}`));
  return r?.outputs ?? {};
}
const digest = (files: ContainerFile[]) => desiredDigest(files.map((f) => fileSchema.parse(f)));

// Needs DOCKER_HOST (scripts/with-env.sh sets it where setup started dockerd) and bosun/base:1 (scripts/services/docker.sh).
describe.skipIf(!host)("files in a Docker container, through the engine", () => {
  beforeAll(async () => {
    const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
    stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
    await stack.setConfig("dockerEngine:host", { value: host ?? "" });
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
    removeCheckpointBackups(PROJECT, stackName);
    for (const name of [web, `${stackName}-ro`]) await engine.json("DELETE", `/containers/${name}?force=1`).catch(() => undefined);
    await engine.json("DELETE", `/volumes/${stackName}-ro`).catch(() => undefined);
  });

  let files = tls("v1");

  test("create: the files are in place, with their mode and owner, before the process starts; the checkpoint holds them encrypted", async () => {
    await setCase({ web: container(files, "SIGHUP") });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 2 }); // the stack and the container
    const seen = await readIn(web, "/tmp/seen-at-start");
    expect(seen).toBe(`${files[0]!.content}${files[1]!.content}600 101:102\n`);
    const cert = unpackTar(await engine.raw("GET", `/containers/${web}/archive?path=/etc/tls/server.crt`))[0];
    expect(cert).toMatchObject({ mode: 0o644, uid: 0, gid: 0 });
    const out = (await outputs()).web!;
    expect(out.filesSha256).toBe(digest(files));
    expect(out.state).toBe("running");

    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain(out.filesSha256);
    for (const f of files) expect(onDisk).not.toContain(f.content.split("\n")[1]);
    const resource = (
      JSON.parse(onDisk).checkpoint.latest.resources as { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[]
    ).find((r) => r.type.endsWith("docker:Container"));
    expect(resource?.inputs["files"]).toMatchObject({ ciphertext: expect.any(String) });
    expect(resource?.outputs["files"]).toMatchObject({ ciphertext: expect.any(String) });
    expect((await stack.preview()).changeSummary).toEqual({ same: 2 });
  });

  test("new contents: an update in place, the files rewritten, SIGHUP sent once", async () => {
    const before = (await outputs()).web!.id;
    files = tls("v2");
    await setCase({ web: container(files, "SIGHUP") });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 1, same: 1 });
    expect((await outputs()).web!.id).toBe(before);
    expect(await readIn(web, "/etc/tls/server.key")).toBe(files[1]!.content);
    expect(await readIn(web, "/tmp/reloads")).toBe("hup\n");
    expect((await outputs()).web!.filesSha256).toBe(digest(files));
  });

  test('reload "restart": the same container restarted, running, and it read the new files at its start', async () => {
    const before = await inspect(web);
    files = tls("v3");
    await setCase({ web: container(files, "restart") });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 1, same: 1 });
    const after = await inspect(web);
    expect(after.Id).toBe(before.Id);
    expect(after.State.Status).toBe("running");
    expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
    expect(await readIn(web, "/tmp/seen-at-start")).toContain(files[1]!.content);
    expect(await readIn(web, "/tmp/reloads")).toBe("hup\n"); // no signal this time
  });

  test("a file edited or deleted inside the container: refresh reports drift, the next up restores it", async () => {
    const tar = packTar([{ name: "server.key", content: Buffer.from("tampered\n"), mode: 0o644, uid: 0, gid: 0 }]);
    await engine.raw("PUT", `/containers/${web}/archive?path=/etc/tls`, tar);
    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    expect((await stateOf("web")).filesSha256).not.toBe(digest(files));
    const preview = await stack.preview();
    expect(preview.changeSummary).toEqual({ update: 1, same: 1 });
    await stack.up();
    expect(await readIn(web, "/etc/tls/server.key")).toBe(files[1]!.content);
    expect((await outputs()).web!.filesSha256).toBe(digest(files));

    const exec = await engine.json<{ Id: string }>("POST", `/containers/${web}/exec`, { Cmd: ["rm", "/etc/tls/server.crt"] });
    await engine.raw("POST", `/exec/${exec.Id}/start`, { Detach: false, Tty: false });
    expect((await stack.refresh()).summary.resourceChanges).toMatchObject({ update: 1 });
    expect((await stateOf("web")).filesSha256).not.toBe(digest(files));
    await stack.up();
    expect(await readIn(web, "/etc/tls/server.crt")).toBe(files[0]!.content);
    expect((await stateOf("web")).filesSha256).toBe(digest(files));
    expect((await stack.preview()).changeSummary).toEqual({ same: 2 });
  });

  test("a file that cannot be written (a read-only mount): a clear error naming the path, never the content, and no container left", async () => {
    const secret = pem("PRIVATE KEY", "ro");
    await setCase({
      web: container(files, "restart"),
      ro: container([{ path: "/ro/tls/server.key", content: secret, mode: 0o600 }], "restart", {
        name: `${stackName}-ro`,
        volumes: [{ volumeName: `${stackName}-ro`, containerPath: "/ro", readOnly: true }],
      }),
    });
    const err = await stack.up().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err, "the up should have failed").not.toBeNull();
    const message = String(err?.message);
    expect(message).toMatch(/writing \/ro\/tls\/server\.key into the container failed: .*read-only/);
    expect(message).not.toContain(secret.split("\n")[1]);
    await expect(inspect(`${stackName}-ro`)).rejects.toThrow(/No such container/);
    await setCase({ web: container(files, "restart") });
  });
});
