// OPNsense's `get` answers carry select fields as maps of every option:
// {"tcp": {"value": "TCP", "selected": 1}, "udp": {"value": "UDP", "selected": 0}}.
// These helpers turn them into the plain strings that `set`/`add` expect, and back.

export type OptionEntry = { value: string; selected: number | boolean | string };
export type OptionMap = Record<string, OptionEntry>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isOptionMap(v: unknown): v is OptionMap {
  if (!isRecord(v)) return false;
  const entries = Object.values(v);
  return entries.length > 0 && entries.every((e) => isRecord(e) && "value" in e && "selected" in e);
}

function isSelected(e: OptionEntry): boolean {
  return e.selected === 1 || e.selected === true || e.selected === "1";
}

/** Selected key(s) of an option map; several selections are comma-joined, as OPNsense stores them. */
export function fromOptionMap(map: OptionMap): string {
  return Object.entries(map)
    .filter(([, e]) => isSelected(e))
    .map(([k]) => k)
    .join(",");
}

/** Builds an option map from the allowed keys (key → display text) and the stored value ("a,b" for multi). */
export function toOptionMap(options: Record<string, string>, stored: string): OptionMap {
  const selected = new Set(stored === "" ? [] : stored.split(","));
  const map: OptionMap = {};
  for (const [key, value] of Object.entries(options)) {
    map[key] = { value, selected: selected.has(key) ? 1 : 0 };
  }
  return map;
}

/**
 * Flattens a `get` item into plain strings: option maps become their selected
 * keys, nested containers become dotted keys ("option_data.routers"),
 * numbers/booleans become strings the way OPNsense stores them.
 */
export function flattenItem(item: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(item)) return out;
  for (const [key, value] of Object.entries(item)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isOptionMap(value)) out[name] = fromOptionMap(value);
    else if (isRecord(value)) {
      // An empty object is an empty option list (no options defined) or an empty container.
      if (Object.keys(value).length === 0) out[name] = "";
      else Object.assign(out, flattenItem(value, name));
    } else if (Array.isArray(value)) out[name] = value.map(String).join(",");
    else if (typeof value === "boolean") out[name] = value ? "1" : "0";
    else if (value === null || value === undefined) out[name] = "";
    else out[name] = String(value);
  }
  return out;
}

/** The reverse of the dotted flattening: {"option_data.routers": "x"} → {option_data: {routers: "x"}}. */
export function nestItem(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(".");
    let node: Record<string, unknown> = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (isRecord(next)) node = next;
      else {
        const created: Record<string, unknown> = {};
        node[part] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return out;
}

export const bool = (v: boolean): "0" | "1" => (v ? "1" : "0");
export const isTrue = (v: string | undefined): boolean => v === "1";
