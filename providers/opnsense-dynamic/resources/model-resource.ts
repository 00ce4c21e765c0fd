// The lifecycle every "one item of one OPNsense model" resource shares, so each
// *-impl.ts for HAProxy, the trust store, WireGuard, port forwards, the shaper
// and the IDS only says what is its own: its input schema, how inputs become
// the box's item and back, its release rules, what it refuses before a write.
//
// check: the schema, then (once the box can be asked) the release and box rules.
// create: gate, add reconciled by ownership mark (or by an identity the item
//   carries, for models without a description), read back; a failure after the
//   add deletes the item again, so nothing is left half-made.
// read: the live item, so refresh shows drift; gone → {}.
// update: gate, set (an item deleted outside bosun is reported, not re-created).
// remove: delete (not found is done); the subsystem's reconfigure follows the
//   burst of deletes (apply.ts).
import type { z } from "zod";
import type { OpnsenseClient } from "../client/client.ts";
import type { ModelApi } from "../client/model.ts";
import type { Capabilities } from "../client/release.ts";
import type { Subsystem } from "../client/types.ts";
import { checkWith, diffFields, userInputs, type CheckFailure, type Props } from "../../kit/index.ts";
import { scheduleApply } from "./apply.ts";
import { checkOnBox, createOwned, explainRefusal, explainValidation, newRevision, saveItem } from "./common.ts";
import { getClient } from "./connection.ts";

export interface ModelResourceSpec<In extends object, Item extends object> {
  /** "HAProxy backend cloud", for every message. */
  label(inputs: Props): string;
  schema: z.ZodType<In>;
  api(client: OpnsenseClient): ModelApi<Item>;
  /** Reconfigured after a burst of deletes; null when nothing needs reloading. */
  subsystem: Subsystem | null;
  /** Input fields compared by diff. */
  fields: readonly string[];
  /** Fields whose change makes a new item. @default [] */
  replaceOn?: readonly string[];
  deleteBeforeReplace?: boolean;
  /** OPNsense field → input name, for the box's validation messages. */
  fieldMap: Record<string, string>;
  toItem(inputs: In, client: OpnsenseClient, prev?: Props): Partial<Item> | Promise<Partial<Item>>;
  /** The input-side view of a stored item (what refresh compares), plus outputs of its own; `prev` holds the inputs and kept outputs. */
  fromItem(item: Item & { uuid: string }, prev: Props): Props | Promise<Props>;
  /** Rules that need the box's release or contents, judged at preview. */
  onBox?(inputs: Props, caps: Capabilities, client: OpnsenseClient): CheckFailure[] | Promise<CheckFailure[]>;
  /** Refusals before a create or update writes anything (the preview may not have reached the box). */
  gate?(client: OpnsenseClient, inputs: In): Promise<void>;
  /** For models without a description field: a value only this resource's item holds (a public key), to reconcile a lost create. */
  identity?(inputs: In, item: Partial<Item>): string;
  /** Outputs made once at create and kept by later updates (generated keys); merged into every output. */
  made?(inputs: In): Props | Promise<Props>;
  /** Runs after a successful add (enable the service, …); a failure deletes the item again. Returns extra outputs. */
  afterCreate?(client: OpnsenseClient, uuid: string, inputs: In): Promise<Props>;
  /** Runs after a delete that removed the item (take an interface out of a service's list, …). */
  afterRemove?(client: OpnsenseClient, props: Props): Promise<void>;
  /** Outputs that stay as they were (the create's extras: which service bosun enabled). */
  keep?: readonly string[];
}

export interface ModelResource {
  check(olds: Props, news: Props): ReturnType<typeof checkOnBox>;
  diff(id: string, olds: Props, news: Props): Promise<ReturnType<typeof diffFields>>;
  create(props: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props: Props): Promise<{ id?: string; props?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  remove(id: string, props: Props): Promise<void>;
}

const pick = (from: Props, keys: readonly string[] | undefined): Props =>
  Object.fromEntries((keys ?? []).filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));

export function modelResource<In extends object, Item extends object>(spec: ModelResourceSpec<In, Item>): ModelResource {
  // fromItem sees the inputs and the kept outputs (generated keys) together.
  const outputs = async (item: Item & { uuid: string }, prev: Props, revision: string, extra: Props): Promise<Props> => ({
    ...(await spec.fromItem(item, { ...prev, ...extra })),
    ...extra,
    ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
    uuid: item.uuid,
    revision,
  });

  return {
    async check(_olds, news) {
      const base = checkWith(spec.label(news), spec.schema, news);
      if (!spec.onBox) return base;
      const onBox = spec.onBox;
      return checkOnBox(base, (caps, client) => onBox(base.inputs, caps, client));
    },

    async diff(_id, olds, news) {
      return diffFields(olds, news, spec.fields, spec.replaceOn ?? [], spec.deleteBeforeReplace ?? false);
    },

    async create(props) {
      const inputs = spec.schema.parse(userInputs(props));
      const client = getClient();
      const what = spec.label(inputs as Props);
      await spec.gate?.(client, inputs);
      const made = (await spec.made?.(inputs)) ?? {};
      const item = await spec.toItem(inputs, client, made);
      const ownerTag = (inputs as { ownerTag?: string }).ownerTag;
      const uuid = await createOwned(spec.api(client), item, { what, ownerTag, marker: spec.identity?.(inputs, item) }).catch((err: unknown) =>
        explainValidation(err, what, spec.fieldMap),
      );
      try {
        const extra = (await spec.afterCreate?.(client, uuid, inputs)) ?? {};
        const stored = await spec.api(client).require(uuid);
        return { id: uuid, outs: await outputs(stored, inputs as Props, newRevision(inputs), { ...made, ...extra }) };
      } catch (err) {
        await spec
          .api(client)
          .del(uuid)
          .catch(() => undefined);
        throw err;
      }
    },

    async read(id, props) {
      const item = await spec.api(getClient()).get(id);
      if (!item) return {};
      return { id, props: await outputs(item, props, String(props.revision ?? ""), pick(props, spec.keep)) };
    },

    async update(id, olds, news) {
      const inputs = spec.schema.parse(userInputs(news));
      const client = getClient();
      const what = spec.label(inputs as Props);
      await spec.gate?.(client, inputs);
      await saveItem(spec.api(client), id, await spec.toItem(inputs, client, olds), what, spec.fieldMap);
      const stored = await spec.api(client).require(id);
      return { outs: await outputs(stored, inputs as Props, newRevision(inputs), pick(olds, spec.keep)) };
    },

    async remove(id, props) {
      const client = getClient();
      const result = await spec
        .api(client)
        .del(id)
        .catch((err: unknown) => explainRefusal(err, spec.label(props), "deleted"));
      if (result !== "deleted") return;
      await spec.afterRemove?.(client, props);
      if (spec.subsystem) await scheduleApply(client, spec.subsystem);
    },
  };
}
