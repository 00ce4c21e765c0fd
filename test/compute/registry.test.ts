// The local image registry that setup runs (scripts/services/registry.sh,
// Debian's docker-registry) serves the demo's image as a registry on a real
// host would: the catalog lists it, its manifest and layers are served over
// the Registry API, and the real Docker engine pulls it by its registry name
// (the same image setup built as bosun/minecraft-standin:1).
import { describe, expect, it } from "vitest";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";

const registry = process.env["BOSUN_REGISTRY"];
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

describe.skipIf(!registry)("the local registry", () => {
  it("lists and serves the demo's image: manifest, config and layers", async () => {
    const catalog = (await (await fetch(`http://${registry}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(expect.arrayContaining(["itzg/minecraft-server", "bosun/echo-server", "bosun/base"]));
    const tags = (await (await fetch(`http://${registry}/v2/itzg/minecraft-server/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toContain("java21");
    const res = await fetch(`http://${registry}/v2/itzg/minecraft-server/manifests/java21`, { headers: { Accept: MANIFEST } });
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { config: { digest: string }; layers: { digest: string; size: number }[] };
    expect(manifest.layers.length).toBeGreaterThan(0);
    // The image config is the stand-in's: an HTTP echo server on 25565.
    const config = (await (await fetch(`http://${registry}/v2/itzg/minecraft-server/blobs/${manifest.config.digest}`)).json()) as {
      config: { Env: string[] };
    };
    expect(config.config.Env).toContain("PORT=25565");
    const layer = await fetch(`http://${registry}/v2/itzg/minecraft-server/blobs/${manifest.layers[0]?.digest}`);
    expect(layer.status).toBe(200);
    expect((await layer.arrayBuffer()).byteLength).toBe(manifest.layers[0]?.size);
  });

  it("is pulled from by the Docker engine under the registry's name", async () => {
    const name = `${registry}/itzg/minecraft-server`;
    // Untag a copy an earlier pull left (the image itself stays: bosun/minecraft-standin:1 holds it).
    await docker.json("DELETE", `/images/${encodeURIComponent(`${name}:java21`)}?noprune=1`).catch(() => undefined);
    const pull = (await docker.raw("POST", `/images/create?fromImage=${encodeURIComponent(name)}&tag=java21`, undefined, 120_000)).toString();
    expect(pull).not.toMatch(/"error"/);
    expect(pull).toMatch(/Digest: sha256:/);
    const pulled = await docker.json<{ Id: string }>("GET", `/images/${encodeURIComponent(`${name}:java21`)}/json`);
    const standin = await docker.json<{ Id: string }>("GET", `/images/${encodeURIComponent("bosun/minecraft-standin:1")}/json`);
    expect(pulled.Id).toBe(standin.Id);
  });
});
