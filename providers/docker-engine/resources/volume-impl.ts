// Docker named volume: implementation run in the provider process.
import { z } from "zod";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { isNotFound } from "../client/engine.ts";
import { getEngine } from "./connection.ts";
import { NAME, labels } from "./schemas.ts";

export { configure } from "./connection.ts";

const inputs = z.object({ name: NAME, labels: labels.default({}) });

export async function check(_olds: Props, news: Props) {
  return checkWith(`Docker volume ${String(news.name ?? "?")}`, inputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, news, ["name", "labels"], ["name", "labels"], olds.name === news.name);
}

export async function create(props: Props) {
  const i = inputs.parse(userInputs(props));
  await getEngine().json("POST", "/volumes/create", { Name: i.name, Labels: { ...i.labels, "bosun.managed": "true" } });
  return { id: i.name, outs: { ...i, volumeName: i.name } };
}

export async function read(id: string, props: Props) {
  try {
    const v = await getEngine().json<{ Name: string }>("GET", `/volumes/${encodeURIComponent(id)}`);
    return { id, props: { ...props, volumeName: v.Name, name: v.Name } };
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
    .json("DELETE", `/volumes/${encodeURIComponent(id)}`)
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
}
