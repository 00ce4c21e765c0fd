// Interface assignment. Before 26.7 the API cannot assign a device (a VLAN) as
// an interface: bosun checks that the person did it in the UI and says exactly
// what to do when they have not. From 26.7 the assignment API assigns the
// device as the next optN, enabled with its static IPv4 (`enable`, `type4`,
// `ipaddr` of the NetworkInterface model), and removes it on delete. A create
// is all or nothing: when anything after the add fails (the box's answer, the
// check of the result), the assignment it made is undone, so the VLAN it holds
// can still be rolled back. Unassigned devices (no identifier) are ignored.
import { z } from "zod";
import type { OpnsenseClient } from "../client/client.ts";
import type { InterfaceInfo } from "../client/types.ts";
import { ipv4InCidr, ipv4Range, parseNetwork } from "../../kit/net.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { getClient } from "./connection.ts";
import { explainRefusal, explainValidation, outcomeUnknown } from "./common.ts";
import { MANUAL_ASSIGNMENT } from "./manual-step.ts";

export { configureFromStack as configure } from "./connection.ts";

export const assignmentInputs = z.object({
  /** Device to find, e.g. "vlan0.20". */
  device: z.string().min(1, "must name a device such as vlan0.20"),
  /** Interface key the spec expects, e.g. "opt3". Optional: any key is accepted when absent. */
  identifier: z
    .string()
    .regex(/^(lan|wan|opt\d+)$/, "must be lan, wan or optN")
    .optional(),
  /** Address the interface must carry, e.g. "10.20.0.1/24". */
  address: z
    .string()
    .refine((v) => parseNetwork(v)?.family === 4, "must be an IPv4 address with prefix, e.g. 10.20.0.1/24")
    .optional(),
  /** Name to suggest for the interface in the UI, e.g. "iot". */
  description: z.string().default(""),
  /** How the UI lists the device, e.g. "igc1, tag 20" (for the instructions only). */
  hint: z.string().default(""),
});
export type AssignmentInputs = z.infer<typeof assignmentInputs>;
export interface AssignmentOutputs extends AssignmentInputs {
  identifier: string;
  address: string;
  /** True when bosun assigned the device through the API (26.7+); such an assignment is removed on delete. */
  managed: boolean;
}

/** Thrown when the manual step is missing or differs from the spec; the message is the instruction. */
export class InterfaceNotAssignedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterfaceNotAssignedError";
  }
}

/** Step 2 alone: what is left when the 26.7 API assigned the device but the box did not take its address. */
export function addressSteps(i: Pick<AssignmentInputs, "device" | "address" | "description">, identifier: string): string {
  const address = i.address ?? "<gateway address>/<prefix>";
  return [
    `${i.device} is assigned as interface ${identifier}, but the box did not take its address through the API, so this step is left to do in the web UI:`,
    `  Interfaces → [${i.description || identifier}]: tick "Enable Interface", set "IPv4 Configuration Type" to "Static IPv4", IPv4 address ${address}, Save, then Apply changes.`,
    `  Then run the deployment again; bosun checks the interface and continues.`,
  ].join("\n");
}

export function assignmentSteps(i: Pick<AssignmentInputs, "device" | "address" | "description" | "hint">): string {
  const listed = i.hint ? `${i.device} (${i.hint})` : i.device;
  const address = i.address ?? "<gateway address>/<prefix>";
  return [
    `Device ${i.device} ${MANUAL_ASSIGNMENT}. In the OPNsense web UI:`,
    `  1. Interfaces → Assignments: under "Assign a new interface", pick ${listed}` +
      (i.description ? `, description "${i.description}"` : "") +
      `, click Add, then Save.`,
    `  2. Open the new interface (Interfaces → [${i.description || "OPTn"}]): tick "Enable Interface", set "IPv4 Configuration Type" to "Static IPv4", IPv4 address ${address}, Save, then Apply changes.`,
    `  3. Run the deployment again; bosun checks the assignment and continues.`,
  ].join("\n");
}

/** The assigned interface holding this device; unassigned devices (identifier "") do not count. */
export async function findAssignment(client: OpnsenseClient, device: string): Promise<InterfaceInfo | undefined> {
  return (await client.assignedInterfaces()).find((i) => i.device === device);
}

// Interface keys seen per client. A provider process lives for one deployment,
// and interfaces only appear by hand, so one listing serves every rule; a miss
// lists again before failing, so a stale listing can never refuse a real key.
const seen = new WeakMap<OpnsenseClient, Promise<Set<string>>>();

async function interfaceKeys(client: OpnsenseClient, fresh: boolean): Promise<Set<string>> {
  let keys = fresh ? undefined : seen.get(client);
  if (!keys) {
    keys = client.assignedInterfaces().then((list) => new Set(list.map((i) => i.identifier)));
    seen.set(client, keys);
    keys.catch(() => seen.delete(client));
  }
  return keys;
}

/** Verifies that interface keys exist before a rule or DHCP range names them. */
/** Interface groups a rule may name besides assigned interfaces (WireGuard registers "wireguard" once it has an instance). */
const GROUPS = new Set(["wireguard"]);

export async function requireInterfaces(client: OpnsenseClient, identifiers: readonly string[], what: string): Promise<void> {
  identifiers = identifiers.filter((id) => !GROUPS.has(id));
  if (identifiers.length === 0) return;
  let known = await interfaceKeys(client, false);
  if (identifiers.some((id) => !known.has(id))) known = await interfaceKeys(client, true);
  const missing = identifiers.filter((id) => !known.has(id));
  if (missing.length) {
    throw new InterfaceNotAssignedError(
      `${what}: interface ${missing.join(", ")} does not exist on the box (assigned: ${[...known].join(", ") || "none"}). ` +
        "Assign the VLAN under Interfaces → Assignments first (see the InterfaceAssignment resource's message).",
    );
  }
}

/** Another interface whose network overlaps `address`: OPNsense refuses that address on Save. */
export function overlappingInterface(all: readonly InterfaceInfo[], device: string, address: string): InterfaceInfo | undefined {
  const want = ipv4Range(address);
  if (!want) return undefined;
  return all.find((i) => {
    const have = i.device !== device && i.addr4 ? ipv4Range(i.addr4) : undefined;
    return have !== undefined && have.first <= want.last && want.first <= have.last;
  });
}

/** The 26.7+ assignment API: assign the device as the next optN and apply it. Returns the new key. */
async function assign(client: OpnsenseClient, inputs: AssignmentInputs): Promise<string> {
  const what = `interface assignment of ${inputs.device}`;
  const address = inputs.address ? { enable: "1", type4: "staticv4", ipaddr: inputs.address } : {};
  const key = await client.assignments.add({ if: inputs.device, descr: inputs.description, lock: "0", ...address }, what).catch(async (err: unknown) => {
    // The answer was lost: the device was not assigned before, so an assignment of it now is this add's.
    if (outcomeUnknown(err)) {
      const made = await findAssignment(client, inputs.device).catch(() => undefined);
      if (made) return made.identifier;
      throw err;
    }
    return explainValidation(err, what, { if: "device", descr: "description", ipaddr: "address" });
  });
  if (inputs.identifier && key !== inputs.identifier) {
    await undoAssignment(client, key);
    throw new InterfaceNotAssignedError(
      `identifier: the box assigned ${inputs.device} as ${key}, but the spec expects ${inputs.identifier}; the assignment was undone. ` +
        `Change the spec to ${key}, or free ${inputs.identifier} on the box.`,
    );
  }
  await client.reconfigureAssignments().catch(async (err: unknown) => {
    await undoAssignment(client, key);
    throw err;
  });
  return key;
}

/** Removes an assignment bosun made in this create (best effort: the error that led here is the one reported). */
async function undoAssignment(client: OpnsenseClient, key: string): Promise<void> {
  await client.assignments.del(key).catch(() => undefined);
  await client.reconfigureAssignments().catch(() => undefined);
}

/** The same address and prefix, e.g. "10.20.0.1/24" (what the box lists against what the spec asks). */
function sameAddress(have: string, want: string): boolean {
  const a = parseNetwork(have);
  const b = parseNetwork(want);
  return a !== undefined && b !== undefined && a.address === b.address && a.prefix === b.prefix;
}

async function verify(inputs: AssignmentInputs): Promise<AssignmentOutputs> {
  const client = getClient();
  const caps = await client.capabilities();
  let all = await client.assignedInterfaces();
  let found = all.find((i) => i.device === inputs.device);
  const ready = found && inputs.address && found.addr4 === inputs.address;
  const clash = inputs.address && !ready ? overlappingInterface(all, inputs.device, inputs.address) : undefined;
  if (clash) {
    // Said before any step: following them would end in OPNsense's own refusal.
    throw new InterfaceNotAssignedError(
      `address: ${inputs.address} must not overlap another interface's network: ${clash.identifier} (${clash.device}) has ${clash.addr4}. ` +
        "Choose a subnet that is not in use on the box (change the network's subnet in the spec).",
    );
  }
  let createdNow = false;
  if (!found) {
    if (!caps.assignmentApi) throw new InterfaceNotAssignedError(assignmentSteps(inputs));
    const key = await assign(client, inputs);
    createdNow = true;
    try {
      all = await client.assignedInterfaces();
    } catch (err) {
      // All or nothing: an assignment left behind would keep its VLAN from being rolled back.
      await undoAssignment(client, key);
      throw err;
    }
    found = all.find((i) => i.identifier === key) ?? { identifier: key, device: inputs.device, description: inputs.description, addr4: "", enabled: "0" };
  }
  if (inputs.identifier && found.identifier !== inputs.identifier) {
    throw new InterfaceNotAssignedError(
      `Device ${inputs.device} is assigned as ${found.identifier}, but the spec expects ${inputs.identifier}. ` +
        `Either change the spec to ${found.identifier}, or reassign under Interfaces → Assignments.`,
    );
  }
  if (inputs.address) {
    if (!sameAddress(found.addr4, inputs.address)) {
      if (createdNow) {
        // The box took the assignment but not its address: undone (a kept assignment would block the VLAN's rollback).
        await undoAssignment(client, found.identifier);
        throw new InterfaceNotAssignedError(
          `The box assigned ${inputs.device} as ${found.identifier} but did not take its address ${inputs.address} through the API; the assignment was undone.\n` +
            assignmentSteps(inputs),
        );
      }
      if (caps.assignmentApi && !found.addr4) {
        // Assigned without an address (by hand, or an earlier run stopped before applying): the API sets it.
        const key = found.identifier;
        await client.assignments.set(key, { enable: "1", type4: "staticv4", ipaddr: inputs.address }, `interface ${key} (${inputs.device})`);
        await client.reconfigureAssignments();
        found = (await client.assignedInterfaces()).find((i) => i.identifier === key) ?? found;
        if (!sameAddress(found.addr4, inputs.address)) throw new InterfaceNotAssignedError(addressSteps(inputs, key));
        return { ...inputs, identifier: key, address: found.addr4, description: inputs.description, managed: true };
      }
      throw new InterfaceNotAssignedError(
        `Interface ${found.identifier} (${inputs.device}) has address "${found.addr4 || "none"}", the spec expects ${inputs.address}. ` +
          `In Interfaces → [${found.description || found.identifier}] set "Static IPv4" ${inputs.address}, Save, Apply changes.` +
          (parseNetwork(found.addr4) && !ipv4InCidr(parseNetwork(inputs.address)?.address ?? "", found.addr4)
            ? " (The current address is in a different network.)"
            : ""),
      );
    }
  }
  // With the assignment API the device's assignment is bosun's to remove on delete (its VLAN cannot go otherwise).
  return { ...inputs, identifier: found.identifier, address: found.addr4, description: inputs.description, managed: caps.assignmentApi };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(`interface assignment ${String(news.device ?? "?")}`, assignmentInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const fields = ["device", "identifier", "address"].filter((f) => news[f] !== undefined);
  // Another device is another assignment: the new one is made first, and the old one is removed
  // before its VLAN (an assigned VLAN cannot be deleted), as Pulumi deletes dependents first.
  return diffFields(olds, news, fields, ["device", "identifier"], false);
}

export async function create(props: Props) {
  const outs = await verify(assignmentInputs.parse(userInputs(props)));
  return { id: `${outs.identifier}:${outs.device}`, outs };
}

export async function read(id: string, props: Props) {
  const found = await findAssignment(getClient(), String(props.device ?? ""));
  if (!found) return {};
  return { id, props: { ...props, identifier: found.identifier, address: found.addr4 } };
}

export async function update(_id: string, _olds: Props, news: Props) {
  return { outs: await verify(assignmentInputs.parse(userInputs(news))) };
}

/**
 * 26.7+: the assignment of this resource's device is removed (its VLAN cannot
 * be deleted while assigned), and applied at once so the VLAN delete that
 * follows finds it gone. Before 26.7 there is no API for it: nothing happens.
 */
export async function remove(_id: string, props: Props): Promise<void> {
  const client = getClient();
  if (!(await client.capabilities()).assignmentApi) return;
  const found = await findAssignment(client, String(props.device ?? ""));
  if (!found || found.identifier !== props.identifier) return;
  const result = await client.assignments
    .del(found.identifier)
    .catch((err: unknown) => explainRefusal(err, `interface ${found.identifier} (${found.device})`, "unassigned"));
  if (result === "deleted") await client.reconfigureAssignments();
}
