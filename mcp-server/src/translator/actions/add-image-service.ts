// "run image traefik/whoami:v1.10 called whoami on vlan 10 port 80": a service
// from any image, outside the catalog.
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { networkFor } from "../draft/networks.ts";
import { pinAddress } from "../draft/services.ts";
import type { Action } from "../draft/types.ts";

/** Default memory for images outside the catalog. */
const IMAGE_MEMORY_MB = 512;

export const addImageService: Action = {
  name: "add a service from an image",
  matches: (f) => f.image !== undefined,
  apply(ctx) {
    const { f, draft } = ctx;
    const image = f.image ?? "";
    const name =
      f.name ??
      image
        .split("/")
        .at(-1)
        ?.split(/[:@]/)[0]
        ?.replace(/[^a-z0-9-]/g, "-");
    if (name === undefined || !isDnsLabel(name)) {
      ctx.questions.push(`What should the service for ${image} be called? (say "called <name>")`);
      return;
    }
    if (draft.services[name] !== undefined) {
      ctx.questions.push(`A service named "${name}" already exists. Choose another name (say "called <name>")?`);
      return;
    }
    const network = networkFor(ctx, name, undefined);
    if (network === undefined) return;
    const ports = f.ports.map((p) => ({
      container: p.port,
      host: p.port,
      protocol: p.protocol ?? ("tcp" as const),
      expose: f.flags.internal ? ("network" as const) : ("lan" as const),
    }));
    if (ports.length === 0) ctx.assumptions.push(`no ports given: ${name} publishes nothing (say "open port N on ${name}")`);
    if (!image.includes(":") && !image.includes("@")) ctx.assumptions.push(`${image} has no tag; Docker will use :latest`);
    draft.services[name] = {
      image,
      network,
      memoryMb: f.memoryMb[0] ?? IMAGE_MEMORY_MB,
      ...(f.cores[0] !== undefined ? { cpus: f.cores[0] } : {}),
      ports,
      volumes: [],
      env: {},
      restart: "unless-stopped",
      description: "",
    };
    if (f.memoryMb[0] === undefined) ctx.assumptions.push(`${IMAGE_MEMORY_MB} MiB memory (default for images outside the catalog)`);
    pinAddress(ctx, name, network);
  },
};
