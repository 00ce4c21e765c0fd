// A segment watched by the IDS (ids/settings general: enabled, interfaces, and
// IPS mode): its interface is added to the list Suricata listens on, the IDS
// is switched on, and with `prevent` it blocks (IPS) instead of only alerting.
// The release decides how IPS is said: `mode: netmap` on 26.1+, `ips: 1`
// before (capabilities().idsMode). Deleting takes the interface out again if
// bosun put it there, and switches the IDS off if bosun switched it on and
// nothing else is watched. Implementation run in the provider process.
import { z } from "zod";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { scheduleApply } from "./apply.ts";
import { newRevision } from "./common.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

export const segmentInputs = z.object({
  interface: z.string().regex(/^(wan|lan|opt\d{1,3})$/, "must be an interface key such as opt3"),
  /** Block what the rules drop (IPS, netmap) instead of only alerting; applies to the whole IDS. */
  prevent: z.boolean().default(false),
});
export type SegmentInputs = z.infer<typeof segmentInputs>;

const label = (i: Props) => `IDS on ${String(i.interface ?? "?")}`;
const list = (v: string) => v.split(",").filter(Boolean);

async function watch(i: SegmentInputs, prev: Props): Promise<Props> {
  const client = getClient();
  const caps = await client.capabilities();
  const g = await client.ids.general();
  const interfaces = list(g.interfaces);
  const added = prev.added === true || !interfaces.includes(i.interface);
  const enabledService = prev.enabledService === true || g.enabled !== "1";
  await client.ids.setGeneral({ enabled: "1", interfaces: [...new Set([...interfaces, i.interface])].join(","), ips: i.prevent }, caps.idsMode);
  return { ...i, added, enabledService, revision: newRevision(i) };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), segmentInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, news, ["interface", "prevent"], ["interface"], true);
}

export async function create(props: Props) {
  const i = segmentInputs.parse(userInputs(props));
  return { id: `ids-${i.interface}`, outs: await watch(i, {}) };
}

/** Gone when the interface is no longer watched (edited in the UI); `prevent` as the box says. */
export async function read(id: string, props: Props) {
  const g = await getClient().ids.general();
  if (g.enabled !== "1" || !list(g.interfaces).includes(String(props.interface))) return {};
  return { id, props: { ...props, prevent: g.ips } };
}

export async function update(_id: string, olds: Props, news: Props) {
  return { outs: await watch(segmentInputs.parse(userInputs(news)), olds) };
}

export async function remove(_id: string, props: Props) {
  if (props.added !== true) return;
  const client = getClient();
  const caps = await client.capabilities();
  const g = await client.ids.general();
  const rest = list(g.interfaces).filter((x) => x !== props.interface);
  // The box needs at least one interface in the list: when bosun's was the last, the IDS goes off instead.
  if (rest.length > 0) await client.ids.setGeneral({ interfaces: rest.join(",") }, caps.idsMode);
  else if (props.enabledService === true) await client.ids.setGeneral({ enabled: "0" }, caps.idsMode);
  await scheduleApply(client, "ids");
}
