// Docker network: implementation run in the provider process.
import { z } from "zod";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { isNotFound } from "../client/engine.ts";
import { getEngine } from "./connection.ts";
import { NAME, cidr, ipv4, labels } from "./schemas.ts";

export { configure } from "./connection.ts";

const inputs = z
  .object({
    name: NAME,
    driver: z.enum(["bridge", "macvlan", "ipvlan"]).default("bridge"),
    subnet: cidr.optional(),
    gateway: ipv4.optional(),
    parent: z
      .string()
      .regex(/^[a-zA-Z0-9_.-]+$/, "must be a host interface name like eth0.20")
      .optional(),
    internal: z.boolean().default(false),
    labels: labels.default({}),
  })
  .refine((n) => n.driver === "bridge" || n.parent !== undefined, { message: "macvlan and ipvlan need parent (the host's VLAN interface)", path: ["parent"] })
  .refine((n) => n.gateway === undefined || n.subnet !== undefined, { message: "a gateway needs a subnet", path: ["gateway"] });
type Inputs = z.infer<typeof inputs>;

const FIELDS = ["name", "driver", "subnet", "gateway", "parent", "internal", "labels"] as const;

interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

function outputs(n: NetworkInspect, prev: Props) {
  const ipam = n.IPAM?.Config?.[0];
  return {
    ...prev,
    networkId: n.Id,
    name: n.Name,
    driver: n.Driver,
    internal: n.Internal,
    subnet: ipam?.Subnet ?? "",
    gateway: ipam?.Gateway ?? "",
  };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(`Docker network ${String(news.name ?? "?")}`, inputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Every field is fixed at creation in the Engine API; same name means the old one goes first.
  const d = diffFields(olds, { ...news, subnet: news.subnet ?? olds.subnet, gateway: news.gateway ?? olds.gateway }, FIELDS, FIELDS, olds.name === news.name);
  return d;
}

export async function create(props: Props) {
  const i: Inputs = inputs.parse(userInputs(props));
  const engine = getEngine();
  const created = await engine
    .json<{ Id: string }>("POST", "/networks/create", {
      Name: i.name,
      Driver: i.driver,
      Internal: i.internal,
      CheckDuplicate: true,
      Labels: { ...i.labels, "bosun.managed": "true" },
      ...(i.subnet ? { IPAM: { Driver: "default", Config: [{ Subnet: i.subnet, ...(i.gateway ? { Gateway: i.gateway } : {}) }] } } : {}),
      ...(i.parent ? { Options: { parent: i.parent } } : {}),
    })
    .catch(async (err: Error) => {
      // A network bosun made under this name whose create answer was lost: it is this resource's.
      const same = await engine.json<NetworkInspect>("GET", `/networks/${encodeURIComponent(i.name)}`).catch(() => undefined);
      if (same?.Name === i.name && same.Labels?.["bosun.managed"] === "true" && same.Labels["bosun.segment"] === i.labels["bosun.segment"])
        return { Id: same.Id };
      throw new Error(`Docker network ${i.name}: ${err.message}`);
    });
  const n = await engine.json<NetworkInspect>("GET", `/networks/${created.Id}`);
  return { id: created.Id, outs: outputs(n, i) };
}

export async function read(id: string, props: Props) {
  try {
    return { id, props: outputs(await getEngine().json<NetworkInspect>("GET", `/networks/${id}`), props) };
  } catch (err) {
    if (isNotFound(err)) return {};
    throw err;
  }
}

export async function update(_id: string, _olds: Props, news: Props) {
  return { outs: news };
}

export async function remove(id: string) {
  await getEngine()
    .json("DELETE", `/networks/${id}`)
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
}
